#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/CMakeLists.txt) in build-fuzz/ with clang, ASan and UBSan, runs
# each for SECONDS_PER_TARGET seconds (default 60) and prints a summary table. Exit status 1 when any
# target found something (crash, sanitizer report, uncaught exception, timeout, out-of-memory).
#
#   fuzz/run-fuzzers.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Seeds come from fuzz/corpus/<target>/ (never modified); the growing corpus lives in
# build-fuzz/corpus/<target>/ and is kept between runs; inputs that found something are saved as
# build-fuzz/findings/<target>/{crash,timeout,oom,leak}-*, with the log beside them
# (build-fuzz/logs/<target>.log). Reproduce one with: build-fuzz/fuzz/<target> FILE
# Environment: NIWT_FUZZ_BUILD_DIR (default build-fuzz), NIWT_FUZZ_RSS_MB (default 2048),
# NIWT_FUZZ_MALLOC_MB (largest single allocation, default 256),
# NIWT_FUZZ_TIMEOUT (seconds per input, default 10), NIWT_BUILD_LOCK (default /tmp/niwt-build.lock).
set -euo pipefail

seconds="${1:-60}"
shift || true
case "$seconds" in '' | *[!0-9]*) echo "run-fuzzers: SECONDS_PER_TARGET must be a whole number, got \"$seconds\"" >&2; exit 2 ;; esac

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NIWT_FUZZ_BUILD_DIR:-$repo/build-fuzz}"
rss_mb="${NIWT_FUZZ_RSS_MB:-2048}"
# No parser needs more for the small inputs fuzzing makes: a larger single allocation is a size
# field believed without checking against the data (reported as out-of-memory).
malloc_mb="${NIWT_FUZZ_MALLOC_MB:-256}"
timeout_s="${NIWT_FUZZ_TIMEOUT:-10}"
lock="${NIWT_BUILD_LOCK:-/tmp/niwt-build.lock}"

for tool in clang clang++ cmake ninja flock; do
  command -v "$tool" >/dev/null || { echo "run-fuzzers: $tool not found (bash packaging/install-deps.sh installs it)" >&2; exit 2; }
done

# The build shares the machine with the main build: one compile at a time, under the lock.
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ flock "$lock" cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNIWT_BUILD_FUZZERS=ON -DNIWT_BUILD_GUI=OFF -DNIWT_BUILD_TESTS=OFF >/dev/null
fi
flock "$lock" cmake --build "$build" --target fuzzers -j2

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < "$build/fuzz/targets.txt"
fi

# halt_on_error: the first report ends the run, with the input saved. Leak checking stays on.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

summary=()
failed=0
for target in "${targets[@]}"; do
  binary="$build/fuzz/$target"
  [ -x "$binary" ] || { echo "run-fuzzers: no target $target in $build/fuzz" >&2; exit 2; }
  corpus="$build/corpus/$target"
  findings="$build/findings/$target"
  log="$build/logs/$target.log"
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  before=$(find "$findings" -type f ! -name '*.log' | wc -l)
  echo "run-fuzzers: $target for ${seconds}s" >&2
  start=$(date +%s)
  set +e
  "$binary" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$malloc_mb" -timeout="$timeout_s" -print_final_stats=1 \
    -dict="$repo/fuzz/niwt.dict" -artifact_prefix="$findings/" "$corpus" "$repo/fuzz/corpus/$target" \
    > "$log" 2>&1
  status=$?
  set -e
  elapsed=$(( $(date +%s) - start ))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  executions="${executions:-0}"
  per_second=$(( executions / (elapsed > 0 ? elapsed : 1) ))
  corpus_size=$(find "$corpus" -type f | wc -l)
  after=$(find "$findings" -type f ! -name '*.log' | wc -l)
  found=$(( after - before ))
  # A non-zero exit without a saved input (e.g. a crash while loading the corpus) is a finding too.
  if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi
  if [ "$found" -gt 0 ]; then
    failed=1
    cp "$log" "$findings/$(date +%Y%m%d-%H%M%S).log"
    echo "run-fuzzers: $target FOUND something (exit $status): see $log" >&2
    grep -m 3 -E 'ERROR: |runtime error|FINDING|uncaught exception|deadly signal' "$log" >&2 || true
  fi
  summary+=("$(printf '%-26s %8s %12s %9s %8s %8s' "$target" "$elapsed" "$executions" "$per_second" "$corpus_size" "$found")")
done

printf '\n%-26s %8s %12s %9s %8s %8s\n' target seconds executions exec/s corpus crashes
printf '%s\n' "${summary[@]}"
exit "$failed"
