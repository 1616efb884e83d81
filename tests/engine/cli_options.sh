#!/usr/bin/env bash
# niwt's command line (CLI11, app/niwt/main.cpp): per-subcommand help, unknown options, Ctrl+C.
# Usage: cli_options.sh NIWT_BINARY help|unknown|sigint
#   help     `niwt COMMAND --help` lists exactly the options that command reads (exit code 0).
#   unknown  an option a command does not take: exit code 2, one line on stderr naming it.
#   sigint   SIGINT during a long `niwt extract` (and `niwt run --export`) on the embedded
#            fashion-mnist: exit code 130, "niwt: cancelled", no partial or temporary file.
set -euo pipefail
niwt=$1
part=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export NIWT_CACHE_DIR=${NIWT_CACHE_DIR:-$scratch/network}
log=$scratch/log
: > "$log"
fail() {
    echo "FAIL: $*" >&2
    tr '\r' '\n' < "$log" | tail -20 >&2
    exit 1
}

# help_lists COMMAND... -- OPTION...: `niwt COMMAND --help` exits 0 and names every OPTION.
# Expected: each option the command's implementation reads (options.value/flag/integer/all in
# app/niwt/*.cpp) appears in its help, with the "Usage: niwt COMMAND" line of that command.
help_lists() {
    local command=()
    while [ "$1" != "--" ]; do command+=("$1"); shift; done
    shift
    local rc=0
    "$niwt" "${command[@]}" --help > "$scratch/help" 2> "$scratch/err" || rc=$?
    [ "$rc" -eq 0 ] || fail "niwt ${command[*]} --help: exit code $rc, expected 0"
    grep -qF "Usage: niwt ${command[*]} [OPTIONS]" "$scratch/help" ||
        fail "niwt ${command[*]} --help: no usage line: $(head -3 "$scratch/help")"
    for option in "$@"; do
        grep -qE -- "^ +$option( |$)" "$scratch/help" ||
            fail "niwt ${command[*]} --help does not list $option: $(cat "$scratch/help")"
    done
    echo "ok: niwt ${command[*]} --help lists $#"
}

# help_omits COMMAND... -- OPTION...: the command's help does not list OPTION (it does not read it).
help_omits() {
    local command=()
    while [ "$1" != "--" ]; do command+=("$1"); shift; done
    shift
    "$niwt" "${command[@]}" --help > "$scratch/help" 2>&1 || fail "niwt ${command[*]} --help failed"
    for option in "$@"; do
        if grep -qE -- "^ +$option( |$)" "$scratch/help"; then
            fail "niwt ${command[*]} --help lists $option, which the command does not read"
        fi
    done
}

# expect_usage_error NAME PATTERN ARGS...: exit code 2 (a usage error, as before CLI11), stderr one
# line holding PATTERN (a fixed string), nothing on stdout.
expect_usage_error() {
    local name=$1 pattern=$2
    shift 2
    local rc=0
    "$niwt" "$@" > "$scratch/out" 2> "$scratch/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "$name: exit code $rc, expected 2: $(cat "$scratch/err")"
    [ "$(wc -l < "$scratch/err")" -eq 1 ] || fail "$name: stderr is not one line: $(cat "$scratch/err")"
    grep -qF -- "$pattern" "$scratch/err" || fail "$name: stderr lacks '$pattern': $(cat "$scratch/err")"
    [ ! -s "$scratch/out" ] || fail "$name: wrote to stdout: $(cat "$scratch/out")"
    echo "ok: $name -> $(cat "$scratch/err")"
}

common=(--dataset --split --modality --json)
network=(--bundle --device --epochs --stage)
extraction=(--cache-dir --batch-size --decode-threads --limit --no-cache)

case $part in
help)
    # The top level lists every subcommand and keeps the long explanations as its footer.
    "$niwt" --help > "$scratch/help" || fail "niwt --help: exit code $?"
    for command in info extract merge run describe bench explain neurons; do
        grep -qE "^  $command " "$scratch/help" || fail "niwt --help does not list the command $command"
    done
    for text in "Data sets (--dataset)" "Splits (--split)" "Typed descriptions" "Cluster-scale extraction"; do
        grep -qF "$text" "$scratch/help" || fail "niwt --help lacks the section '$text'"
    done
    "$niwt" bench --help > "$scratch/help" || fail "niwt bench --help: exit code $?"
    grep -qE "^  learn " "$scratch/help" && grep -qE "^  extract " "$scratch/help" ||
        fail "niwt bench --help does not list learn and extract: $(cat "$scratch/help")"

    # Per command: what it reads (grep options\.\(value\|flag\|integer\|all\) in app/niwt/*.cpp,
    # with the helpers each command calls). --epochs is read wherever the default network may be
    # trained (bundlePathFromOptions), so extract lists it; run lists --typed and --typed-parser.
    help_lists info -- "${common[@]}" --bundle
    help_lists extract -- "${common[@]}" "${network[@]}" "${extraction[@]}" --torch-threads --shard --phase
    help_lists merge -- --cache-dir --keep-parts --json parts
    help_lists run -- "${common[@]}" "${network[@]}" "${extraction[@]}" --torch-threads --descriptions \
        --method --no-calibration --export --typed --typed-parser
    help_lists describe -- "${common[@]}" "${network[@]}" --cache-dir --descriptions --text --top
    help_lists bench learn -- "${common[@]}" "${network[@]}" --torch-threads --cache-dir --text
    help_lists bench extract -- "${common[@]}" "${network[@]}" --torch-threads --batch-size --decode-threads --limit
    help_lists explain -- "${common[@]}" "${network[@]}" "${extraction[@]}" --torch-threads --descriptions \
        --image --class --top --out
    help_lists neurons -- "${common[@]}" "${network[@]}" "${extraction[@]}" --torch-threads --descriptions \
        --class --top --images --units --out
    # And nothing it does not read: info opens no network, merge no data set, describe never had
    # --typed-parser (it rejected it), bench learn reads neither --no-cache nor --limit.
    help_omits info -- --device --stage --epochs --cache-dir --limit
    help_omits merge -- --dataset --bundle --limit
    help_omits describe -- --typed-parser --typed --limit --no-cache
    help_omits bench learn -- --no-cache --limit --batch-size
    echo "every command's help lists the options it reads"
    ;;
unknown)
    # An option the command does not take: exit code 2, named on one line (before any data set is
    # opened, so these are instant). Expected names: the option as typed, without its =VALUE.
    expect_usage_error "run --bogus" "unknown option --bogus for niwt run" run --dataset fashion-mnist --bogus
    expect_usage_error "run --bogus=3" "unknown option --bogus for niwt run" run --bogus=3
    expect_usage_error "info --no-cache (an extract option)" "unknown option --no-cache for niwt info" info --no-cache
    expect_usage_error "bench learn --limit" "unknown option --limit for niwt bench learn" bench learn --limit 5
    expect_usage_error "describe --typed-parser" "unknown option --typed-parser for niwt describe" \
        describe --text "a red bird" --typed-parser keyword
    expect_usage_error "merge --dataset" "unknown option --dataset for niwt merge" merge --dataset fashion-mnist
    expect_usage_error "option before the command" "unknown option --dataset" --dataset fashion-mnist info
    expect_usage_error "a value missing" "--dataset needs a value" info --dataset
    expect_usage_error "a flag with a value" "--json takes no value" info --json=yes
    expect_usage_error "an unexpected word" "unexpected argument 'extra' for niwt info" info extra
    expect_usage_error "an unknown command" "unknown command 'frobnicate'" frobnicate
    expect_usage_error "bench alone" "bench needs a subcommand" bench
    # No command at all: the overview on stdout, exit code 2 (as before).
    rc=0
    "$niwt" > "$scratch/out" 2>&1 || rc=$?
    [ "$rc" -eq 2 ] && grep -qF "Subcommands:" "$scratch/out" || fail "niwt without a command: exit code $rc"
    echo "unknown options and commands are one-line usage errors (exit code 2)"
    ;;
sigint)
    # The default network first (1 epoch, cached in $NIWT_CACHE_DIR: no --cache-dir, which would
    # hold it), then given as --bundle, so that the interrupted runs below are in feature
    # extraction, not in training.
    "$niwt" extract --dataset fashion-mnist --epochs 1 --limit 64 --json > "$scratch/warm.json" 2>> "$log" ||
        fail "warm-up extract"
    bundle=$(sed -n 's/^  "bundle": "\(.*\)",$/\1/p' "$scratch/warm.json")
    [ -d "$bundle" ] || fail "warm-up extract: no bundle folder in its result: $(cat "$scratch/warm.json")"
    find "$NIWT_CACHE_DIR" "$scratch" -name '*.tmp*' | grep -q . && fail "temporary files before the test"

    # interrupt NAME OUTPUT_DIR ARGS...: starts `niwt ARGS` (no --limit: the features of all
    # 70,000 images take minutes on CPU), waits until its features phase has started, waits 2 s
    # more, sends SIGINT and checks the outcome. Expected: exit code 130 (128 + SIGINT, the
    # shell's convention, which niwt keeps after stopping cleanly) within 60 s (the next batch),
    # stderr's last line "niwt: cancelled", and no file under the --cache-dir or OUTPUT_DIR (a
    # complete run writes its caches and exports only after the features phase, so an interrupt
    # inside it leaves none), nor any *.tmp* file anywhere (atomic writes cleaned up).
    interrupt() {
        local name=$1 out=$2
        shift 2
        local err=$scratch/$name.err
        : > "$err"
        set -m  # the background job keeps the default SIGINT disposition (no job control: ignored)
        "$niwt" "$@" > "$scratch/$name.out" 2> "$err" &
        local pid=$!
        set +m
        local waited=0
        until grep -q "^features " "$err"; do
            kill -0 "$pid" 2> /dev/null || fail "$name: niwt ended before extracting: $(cat "$err")"
            [ "$waited" -lt 600 ] || { kill -KILL "$pid"; fail "$name: no features progress after 60 s"; }
            sleep 0.1
            waited=$((waited + 1))
        done
        sleep 2
        kill -INT "$pid"
        local rc=0 started=$SECONDS
        wait "$pid" || rc=$?
        [ $((SECONDS - started)) -le 60 ] || fail "$name: took $((SECONDS - started)) s to stop after SIGINT"
        [ "$rc" -eq 130 ] || fail "$name: exit code $rc after SIGINT, expected 130: $(tail -3 "$err")"
        [ "$(tr '\r' '\n' < "$err" | tail -1)" = "niwt: cancelled" ] ||
            fail "$name: last stderr line is not 'niwt: cancelled': $(tail -3 "$err")"
        [ ! -s "$scratch/$name.out" ] || fail "$name: printed a result: $(cat "$scratch/$name.out")"
        local left
        left=$(find "$scratch/cache" "$out" -type f 2> /dev/null || true)
        [ -z "$left" ] || fail "$name: files left after the interrupt: $left"
        left=$(find "$scratch" "$NIWT_CACHE_DIR" -name '*.tmp*' 2> /dev/null || true)
        [ -z "$left" ] || fail "$name: temporary files left: $left"
        echo "ok: $name: SIGINT -> exit code 130 after $((SECONDS - started)) s, 'niwt: cancelled', no file left"
    }
    interrupt extract "$scratch/cache" extract --dataset fashion-mnist --bundle "$bundle" --cache-dir "$scratch/cache" \
        --no-cache
    interrupt run "$scratch/export" run --dataset fashion-mnist --bundle "$bundle" --cache-dir "$scratch/cache" \
        --no-cache --export "$scratch/export"
    ;;
*)
    echo "usage: cli_options.sh NIWT_BINARY help|unknown|sigint" >&2
    exit 2
    ;;
esac
