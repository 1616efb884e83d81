#!/usr/bin/env bash
# `niwt extract --shard I/N --phase ...` and `niwt merge` end to end, as a cluster would run them,
# on 300 Fashion-MNIST images with the default network (1 epoch, trained once into
# $NIWT_CACHE_DIR, then given as --bundle): the merged caches equal the unsharded run's byte for
# byte, a later `niwt extract` finds all of them, and a merge with a shard missing names that shard.
# Usage: cli_shards.sh NIWT_BINARY
set -euo pipefail
niwt=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export NIWT_CACHE_DIR=${NIWT_CACHE_DIR:-$scratch/network}
log=$scratch/log
fail() {
    echo "FAIL: $*" >&2
    tr '\r' '\n' < "$log" | tail -20 >&2
    exit 1
}

# The default network, trained once into $NIWT_CACHE_DIR (no --cache-dir: that would hold it),
# then given to every step as --bundle.
"$niwt" extract --dataset fashion-mnist --epochs 1 --limit 300 --json > "$scratch/network.json" 2>> "$log" ||
    fail "default network"
bundle=$(sed -n 's/^  "bundle": "\(.*\)",$/\1/p' "$scratch/network.json")
[ -d "$bundle" ] || fail "no bundle folder in the result: $(cat "$scratch/network.json")"
common=(--dataset fashion-mnist --bundle "$bundle" --limit 300 --batch-size 32)
sharded=("${common[@]}" --cache-dir "$scratch/sharded")
"$niwt" extract "${common[@]}" --cache-dir "$scratch/whole" --json > "$scratch/whole.json" 2>> "$log" ||
    fail "unsharded extract"

for i in 1 2 3; do
    "$niwt" extract "${sharded[@]}" --shard "$i/3" --phase features > /dev/null 2>> "$log" || fail "features $i/3"
done
"$niwt" merge --cache-dir "$scratch/sharded" > /dev/null 2>> "$log" || fail "merging features"
"$niwt" extract "${sharded[@]}" --phase head > /dev/null 2>> "$log" || fail "head"
for i in 1 3; do
    "$niwt" extract "${sharded[@]}" --shard "$i/3" --phase importances > /dev/null 2>> "$log" || fail "importances $i/3"
done
if "$niwt" merge --cache-dir "$scratch/sharded" > /dev/null 2> "$scratch/missing"; then
    fail "merge accepted importances without shard 2/3"
fi
grep -q "missing shard 2/3 of the importances cache" "$scratch/missing" ||
    fail "missing shard not named: $(cat "$scratch/missing")"
"$niwt" extract "${sharded[@]}" --shard 2/3 --phase importances > /dev/null 2>> "$log" || fail "importances 2/3"
"$niwt" merge --cache-dir "$scratch/sharded" > /dev/null 2>> "$log" || fail "merging importances"

# Features and importances: the same file names (same keys) and the same bytes. (The head's key
# names the feature cache's path, so its file lives under another name in another folder.)
compared=0
for f in "$scratch"/whole/features-*.niwtmat "$scratch"/whole/importances-*.niwtmat; do
    cmp "$f" "$scratch/sharded/$(basename "$f")" || fail "$(basename "$f") differs from the unsharded run's"
    compared=$((compared + 1))
done
[ "$compared" -eq 2 ] || fail "expected 2 caches to compare, found $compared"

# What `niwt run` and the explorer do: find the features, the head and the importances cached.
"$niwt" extract "${sharded[@]}" --json > "$scratch/again.json" 2>> "$log" || fail "extract after merging"
hits=$(grep -c '"from_cache": true' "$scratch/again.json" || true)
[ "$hits" -eq 3 ] || fail "expected features, head and importances from the merged caches, got $hits: $(cat "$scratch/again.json")"
echo "sharded extraction merged into the unsharded caches byte for byte"
