#!/usr/bin/env bash
# Cluster-scale `niwt extract` on Slurm: N array tasks extract features, one job merges them and
# trains the seen head, N array tasks compute importances, one job merges those. Each step starts
# only when the previous one succeeded (--dependency=afterok). See packaging/cluster/README.md.
#
# Submit (from a login node, with niwt and the data on a file system every node sees):
#   NIWT_ARGS="--dataset cub:/data/CUB_200_2011 --split xlsa17:/data/xlsa17/CUB --bundle /models/mobilenet_v2" \
#   NIWT_CACHE=/shared/niwt-cache NIWT_SHARDS=100 bash niwt-extract.sh
# Optional: NIWT (the binary, default: niwt on PATH), SBATCH_PARTITION, SBATCH_ACCOUNT and the
# other SBATCH_* variables sbatch reads; the #SBATCH lines below are per-task defaults.
# NIWT_ARGS is split on spaces (paths without spaces); every step gets the same arguments, which
# the merged caches need (same --batch-size, --limit, --stage and device in every task).
#
#SBATCH --job-name=niwt-extract
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=04:00:00
#SBATCH --output=niwt-%x-%A_%a.log
set -euo pipefail

niwt=${NIWT:-niwt}
step=${1:-submit}
: "${NIWT_ARGS:?set NIWT_ARGS to the niwt extract arguments (--dataset ... --bundle ...)}"
: "${NIWT_CACHE:?set NIWT_CACHE to a cache folder every node can write}"
: "${NIWT_SHARDS:?set NIWT_SHARDS to the number of array tasks}"
read -r -a args <<< "$NIWT_ARGS"

case "$step" in
submit)
    mkdir -p "$NIWT_CACHE"
    script=$(readlink -f "$0")
    features=$(sbatch --parsable --export=ALL --array="1-$NIWT_SHARDS" --job-name=niwt-features "$script" features)
    head=$(sbatch --parsable --export=ALL --dependency="afterok:$features" --job-name=niwt-merge-head "$script" merge-features)
    importances=$(sbatch --parsable --export=ALL --array="1-$NIWT_SHARDS" --dependency="afterok:$head" \
        --job-name=niwt-importances "$script" importances)
    merged=$(sbatch --parsable --export=ALL --dependency="afterok:$importances" --job-name=niwt-merge "$script" merge-importances)
    echo "submitted: features $features, merge+head $head, importances $importances, merge $merged"
    ;;
features | importances)
    # Slurm's array index is 1-based, as --shard is.
    exec "$niwt" extract "${args[@]}" --cache-dir "$NIWT_CACHE" --shard "${SLURM_ARRAY_TASK_ID:?not an array task}/$NIWT_SHARDS" \
        --phase "$step" --json
    ;;
merge-features)
    "$niwt" merge --cache-dir "$NIWT_CACHE" --json
    # The seen head once, here, so that the importance tasks only read it.
    exec "$niwt" extract "${args[@]}" --cache-dir "$NIWT_CACHE" --phase head --json
    ;;
merge-importances)
    exec "$niwt" merge --cache-dir "$NIWT_CACHE" --json
    ;;
*)
    echo "niwt-extract.sh: unknown step '$step' (submit, features, merge-features, importances, merge-importances)" >&2
    exit 2
    ;;
esac
