#!/usr/bin/env bash
# Hostile inputs (issue 13) against `niwt` and the explorer: option values, output folders, the
# default network's cache folder, errors on a terminal and the explorer's unattended exit code.
# Each case states the expected exit code and message. Inputs are small and generated here.
# Usage: cli_hostile.sh NIWT_BINARY options|outputs|cachedir|data
#        cli_hostile.sh EXPLORER_BINARY explorer
#   options   every numeric option range-checked, empty values refused, malformed --modality
#             specs refused, binary and overlong text escaped and cut in the error line.
#   outputs   unwritable --export, --cache-dir and --out folders refused before any work.
#   cachedir  --cache-dir DIR holds the default network too; on a terminal, errors during
#             progress start a line of their own; an export folder that cannot be created is one
#             clean line naming it.
#   data      oversized (/dev/zero), too wide, empty and truncated data files: one line naming
#             the file and the limit or fault, exit code 1.
#   explorer  --screenshot-dir with a broken or missing --bundle: exit code 1, error on stderr;
#             a screenshot destination that cannot be written: refused at once (exit code 1).
set -euo pipefail
binary=$1
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

# expect_error NAME CODE PATTERN ARGS...: `niwt ARGS` exits with CODE within 10 s (the checks run
# before any data set is opened or network trained), stderr is one line holding PATTERN (a fixed
# string), nothing on stdout.
expect_error() {
    local name=$1 code=$2 pattern=$3
    shift 3
    local rc=0 started=$SECONDS
    "$binary" "$@" > "$scratch/out" 2> "$scratch/err" || rc=$?
    [ "$rc" -eq "$code" ] || fail "$name: exit code $rc, expected $code: $(cat "$scratch/err")"
    [ $((SECONDS - started)) -le 10 ] || fail "$name: took $((SECONDS - started)) s (checked after work began?)"
    [ "$(wc -l < "$scratch/err")" -eq 1 ] || fail "$name: stderr is not one line: $(cat "$scratch/err")"
    grep -qF -- "$pattern" "$scratch/err" || fail "$name: stderr lacks '$pattern': $(cat "$scratch/err")"
    [ ! -s "$scratch/out" ] || fail "$name: wrote to stdout: $(cat "$scratch/out")"
    echo "ok: $name -> $(cat "$scratch/err")"
}

# printable_line NAME: the last stderr holds no control byte (C0, DEL or C1; its final newline aside), is
# valid UTF-8 and at most 700 bytes long (the error line's cap is 600 bytes plus a short tail).
printable_line() {
    local name=$1
    if LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$scratch/err"; then
        fail "$name: control bytes reached stderr: $(od -c "$scratch/err" | head -5)"
    fi
    iconv -f UTF-8 -t UTF-8 "$scratch/err" > /dev/null 2>&1 || fail "$name: stderr is not valid UTF-8"
    [ "$(wc -c < "$scratch/err")" -le 700 ] || fail "$name: stderr is $(wc -c < "$scratch/err") bytes long"
}

# A data set that would fail to open: the option checks must answer first.
absent=(--dataset "cub:$scratch/no-such-dataset")

case $part in
options)
    # Numeric options: usage error (exit code 2) naming the option, its range and the value given.
    # Ranges (app/niwt/main.cpp kIntegerOptions, `niwt --help`): threads 1..256, batch 1..4096,
    # epochs 1..1000, the rest at least 1. Before this, 0 and -1 ran as batch size 1, a negative
    # limit meant no limit, and 100000 torch threads never finished.
    expect_error "batch size 0" 2 "--batch-size must be an integer from 1 to 4096, got '0'" \
        extract "${absent[@]}" --batch-size 0
    expect_error "batch size -1" 2 "--batch-size must be an integer from 1 to 4096, got '-1'" \
        extract "${absent[@]}" --batch-size -1
    expect_error "batch size 5000" 2 "--batch-size must be an integer from 1 to 4096, got '5000'" \
        bench extract "${absent[@]}" --batch-size 5000
    expect_error "limit -5" 2 "--limit must be an integer of at least 1, got '-5'" extract "${absent[@]}" --limit -5
    expect_error "limit 0" 2 "--limit must be an integer of at least 1, got '0'" run "${absent[@]}" --limit 0
    expect_error "limit 1.5" 2 "--limit must be an integer of at least 1, got '1.5'" extract --limit 1.5
    expect_error "limit beyond int" 2 "--limit must be an integer of at least 1, got '99999999999999999999'" \
        extract --limit 99999999999999999999
    expect_error "torch threads 100000" 2 "--torch-threads must be an integer from 1 to 256, got '100000'" \
        extract "${absent[@]}" --torch-threads 100000
    expect_error "torch threads 0" 2 "--torch-threads must be an integer from 1 to 256, got '0'" \
        run "${absent[@]}" --torch-threads 0
    expect_error "torch threads abc" 2 "--torch-threads must be an integer from 1 to 256, got 'abc'" \
        explain "${absent[@]}" --torch-threads abc
    expect_error "decode threads 257" 2 "--decode-threads must be an integer from 1 to 256, got '257'" \
        extract --decode-threads 257
    expect_error "epochs 0" 2 "--epochs must be an integer from 1 to 1000, got '0'" extract --epochs 0
    expect_error "epochs 100000" 2 "--epochs must be an integer from 1 to 1000, got '100000'" run --epochs 100000
    expect_error "calibration folds 0" 2 "--calibration-folds must be an integer of at least 1, got '0'" \
        run --calibration-folds 0
    expect_error "describe top 0" 2 "--top must be an integer of at least 1, got '0'" describe --text "red" --top 0
    expect_error "neurons images -2" 2 "--images must be an integer of at least 1, got '-2'" neurons --images -2
    expect_error "neurons units 0" 2 "--units must be an integer of at least 1, got '0'" neurons --units 0
    expect_error "repeated limit, last valid" 2 "--limit must be an integer of at least 1, got '-1'" \
        extract --limit -1 --limit 5

    # Empty values: refused, never read as "the default" (`--stage ""` ran the default stage).
    expect_error "empty stage" 2 "--stage: empty value" run "${absent[@]}" --stage ""
    expect_error "empty stage (=)" 2 "--stage needs a value" extract --stage=
    expect_error "empty dataset" 2 "--dataset: empty value" info --dataset ""
    expect_error "empty export" 2 "--export: empty value" run --export ""
    expect_error "empty cache dir" 2 "--cache-dir: empty value" merge --cache-dir ""
    expect_error "empty text" 2 "--text: empty value" describe --text ""

    # --modality: NAME=csv:FILE (':' for '=' was silently dropped, exit code 0), or for commands
    # that select a modality also a bare NAME.
    expect_error "modality with ':' for '=' (info)" 2 "--modality expects NAME=csv:FILE, got 'att:file.csv'" \
        info "${absent[@]}" --modality att:file.csv
    expect_error "modality with ':' for '=' (run)" 2 "--modality expects NAME or NAME=csv:FILE, got 'att:file.csv'" \
        run "${absent[@]}" --modality att:file.csv
    expect_error "modality name where a CSV is added" 2 "--modality expects NAME=csv:FILE, got 'attributes'" \
        extract --modality attributes
    expect_error "modality without a name" 2 "--modality expects NAME or NAME=csv:FILE, got '=csv:a.csv'" \
        run --modality =csv:a.csv
    expect_error "modality without a file" 2 "--modality expects NAME=csv:FILE, got 'att=csv:'" \
        info --modality att=csv:
    expect_error "modality of another format" 2 "--modality expects NAME or NAME=csv:FILE, got 'att=tsv:a.tsv'" \
        describe --text "red" --modality att=tsv:a.tsv

    # Binary and overlong text in errors: escaped as \xNN and cut, one line (the terminal must not
    # receive escape sequences: a binary CSV header was echoed raw).
    expect_error "binary command name" 2 "unknown command 'x\\x1b[2J\\x01\\xff'" $'x\x1b[2J\x01\xff'
    printable_line "binary command name"
    expect_error "overlong command name" 2 "more bytes)" "$(head -c 5000 /dev/zero | tr '\0' a)"
    printable_line "overlong command name"
    printf 'cl\x01\x1b[2Jass,\xff\xfe\xc2\x9bdim\nT-shirt,1\n' > "$scratch/binary.csv"
    rc=0
    "$binary" info --modality "att=csv:$scratch/binary.csv" > /dev/null 2> "$scratch/err" || rc=$?
    [ "$rc" -eq 1 ] || fail "binary CSV header: exit code $rc, expected 1: $(cat "$scratch/err")"
    [ "$(wc -l < "$scratch/err")" -eq 1 ] || fail "binary CSV header: stderr is not one line: $(cat "$scratch/err")"
    grep -qF "$scratch/binary.csv" "$scratch/err" || fail "binary CSV header: the file is not named: $(cat "$scratch/err")"
    printable_line "binary CSV header"
    echo "ok: binary CSV header -> $(cat "$scratch/err")"
    head -c 4000 /dev/urandom > "$scratch/random.csv"
    rc=0
    "$binary" info --modality "att=csv:$scratch/random.csv" > /dev/null 2> "$scratch/err" || rc=$?
    [ "$rc" -eq 1 ] || fail "random CSV: exit code $rc, expected 1: $(cat "$scratch/err")"
    printable_line "random CSV"
    echo "ok: random CSV -> $(cat "$scratch/err")"
    echo "option values are range-checked, empty values and malformed specs refused, binary text escaped"
    ;;
outputs)
    # Output folders are checked before any work (no network trained, no data set opened: the
    # 10 s bound and the data set that does not exist): exit code 1, the folder named. Root may
    # write anywhere, so the unwritable case is a path through a regular file, which fails for
    # everyone; a read-only folder is checked too when not root. A fresh $NIWT_CACHE_DIR shows
    # that no default network was trained.
    export NIWT_CACHE_DIR=$scratch/network
    echo "a file, not a folder" > "$scratch/file"
    expect_error "export below a file" 1 "$scratch/file/export: --export folder cannot be written ($scratch/file: not a folder)" \
        run "${absent[@]}" --export "$scratch/file/export"
    expect_error "cache dir is a file" 1 "$scratch/file: --cache-dir folder cannot be written (not a folder)" \
        extract "${absent[@]}" --cache-dir "$scratch/file"
    expect_error "explain out below a file" 1 "$scratch/file/x/y: --out folder cannot be written ($scratch/file: not a folder)" \
        explain "${absent[@]}" --image a.png --class A --out "$scratch/file/x/y"
    expect_error "neurons out is a file" 1 "$scratch/file: --out folder cannot be written (not a folder)" \
        neurons "${absent[@]}" --out "$scratch/file"
    if [ "$(id -u)" -ne 0 ]; then
        mkdir "$scratch/readonly" && chmod 555 "$scratch/readonly"
        expect_error "export in a read-only folder" 1 "--export folder cannot be written ($scratch/readonly: Permission denied)" \
            run "${absent[@]}" --export "$scratch/readonly/export"
        chmod 755 "$scratch/readonly"
    else
        echo "(root: the read-only folder case is skipped; root may write there)"
    fi
    # Nothing was created by the refused runs: no default network, no cache folder.
    [ ! -e "$NIWT_CACHE_DIR" ] || [ -z "$(find "$NIWT_CACHE_DIR" -name 'default-network-*')" ] ||
        fail "a refused run trained the default network"
    # A folder that does not exist yet below a writable one is fine: the checks pass and the
    # error is the data set's.
    rc=0
    "$binary" run "${absent[@]}" --export "$scratch/new/export" --cache-dir "$scratch/new/cache" > /dev/null \
        2> "$scratch/err" || rc=$?
    [ "$rc" -eq 1 ] && grep -qF "no-such-dataset" "$scratch/err" ||
        fail "creatable folders: expected the data set's error, got exit code $rc: $(cat "$scratch/err")"
    echo "ok: creatable folders pass the check -> $(cat "$scratch/err")"
    echo "unwritable output folders are refused before any work"
    ;;
cachedir)
    # --cache-dir DIR: the default network is trained into DIR/default-network-*, and nothing into
    # $NIWT_CACHE_DIR (it used to go to the user's cache folder whatever --cache-dir said).
    export NIWT_CACHE_DIR=$scratch/user-cache
    dir=$scratch/chosen
    "$binary" extract --dataset fashion-mnist --epochs 1 --limit 64 --cache-dir "$dir" --json > "$scratch/extract.json" \
        2>> "$log" || fail "extract with --cache-dir"
    bundle=$(sed -n 's/^  "bundle": "\(.*\)",$/\1/p' "$scratch/extract.json")
    case $bundle in
    "$dir"/default-network-*) ;;
    *) fail "the default network is at '$bundle', expected under $dir: $(cat "$scratch/extract.json")" ;;
    esac
    [ -f "$bundle/bundle.pt" ] && [ -f "$bundle/bundle.json" ] || fail "no bundle.pt and bundle.json in $bundle"
    found=$(find "$NIWT_CACHE_DIR" -name 'default-network-*' 2> /dev/null || true)
    [ -z "$found" ] || fail "the default network also went to \$NIWT_CACHE_DIR: $found"
    echo "ok: the default network lives under --cache-dir: $bundle"
    # Again with the same DIR: found there, not retrained.
    "$binary" extract --dataset fashion-mnist --epochs 1 --limit 64 --cache-dir "$dir" > /dev/null 2> "$scratch/err" ||
        fail "second extract: $(cat "$scratch/err")"
    ! grep -q "default network trained" "$scratch/err" || fail "the default network was trained again"
    echo "ok: the second run reuses it"

    # On a terminal (a pseudo-terminal from Python's pty), the progress line is rewritten with \r.
    # An error during it must start a line of its own: expected "\r\nniwt: ..." (the progress
    # line ended), never "features 32/64niwt: ...". Two errors: SIGINT during the features
    # ("niwt: cancelled", exit code 130), and an --export folder that became a file while the run
    # computed, which std::filesystem reports: expected the clean "PATH: cannot create
    # directories: Not a directory" (no "filesystem error:" prefix, no "[PATH]" suffix), exit code 1.
    if ! command -v python3 > /dev/null; then
        echo "SKIP: python3 is needed for the terminal cases"
        exit 0
    fi
    cat > "$scratch/terminal.py" << 'EOF'
# terminal.py ACTION ARG PROGRAM ARGS...: runs PROGRAM on a pseudo-terminal; once its output shows
# "features ", ACTION: "sigint" (after ARG seconds) or "block" (creates the file ARG). Prints the
# exit code, then the output.
import os, pty, signal, sys, time
action, arg, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out, acted = b"", False
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not acted and b"features " in out:
        acted = True
        if action == "sigint":
            time.sleep(float(arg))
            os.kill(pid, signal.SIGINT)
        else:
            open(arg, "w").write("not a folder\n")
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
sys.stdout.write(out.decode("utf-8", "replace"))
EOF
    # terminal_error NAME CODE MESSAGE ACTION ARG ARGS...: exit code CODE, and the output's last
    # line is exactly MESSAGE, preceded by a line break, after the progress line.
    terminal_error() {
        local name=$1 code=$2 message=$3 action=$4 arg=$5
        shift 5
        python3 "$scratch/terminal.py" "$action" "$arg" "$binary" "$@" > "$scratch/tty" ||
            fail "$name: terminal.py failed"
        local rc
        rc=$(head -1 "$scratch/tty")
        tail -n +2 "$scratch/tty" >> "$log"
        [ "$rc" = "$code" ] || fail "$name: exit code $rc, expected $code: $(tail -c 400 "$scratch/tty")"
        grep -q $'\r'"features " "$scratch/tty" || fail "$name: no progress line was drawn with \\r"
        local last
        last=$(tail -n +2 "$scratch/tty" | tr -d '\r' | tail -1)
        [ "$last" = "$message" ] || fail "$name: last line '$last', expected '$message'"
        python3 - "$scratch/tty" "$message" << 'EOF' || fail "$name: the error is glued to the progress line"
import sys
out = open(sys.argv[1], encoding="utf-8", errors="replace").read()
at = out.rindex(sys.argv[2])
sys.exit(0 if out[:at].endswith("\n") else 1)
EOF
        echo "ok: $name -> on its own line: $last"
    }
    terminal_error "SIGINT during features" 130 "niwt: cancelled" sigint 1 \
        extract --dataset fashion-mnist --bundle "$bundle" --cache-dir "$dir" --no-cache --device cpu
    terminal_error "export folder became a file" 1 "niwt: $scratch/export: cannot create directories: Not a directory" \
        block "$scratch/export" run --dataset fashion-mnist --bundle "$bundle" --cache-dir "$dir" --limit 64 \
        --no-cache --no-calibration --export "$scratch/export" --device cpu
    echo "the default network follows --cache-dir; errors on a terminal start their own line"
    ;;
data)
    # The issue's data-file cases through the command line, each a one-line error naming the file
    # and the limit or the fault, exit code 1, before any network is trained (within 10 s).
    # Limits: README "Input limits" (modality CSV 512 MiB and 16384 columns, class lists 64 MiB).
    # /dev/zero reports no size, so only a capped read stops it (it grew to 17 GB before).
    expect_error "modality csv /dev/zero" 1 "/dev/zero: larger than the 512 MiB limit for modality CSV files" \
        info --dataset fashion-mnist --modality att=csv:/dev/zero
    expect_error "split /dev/zero" 1 "/dev/zero: larger than the 64 MiB limit for class list files" \
        info --dataset fashion-mnist --split classes:/dev/zero
    # 10^5 columns for the 10 Fashion-MNIST classes: refused naming the file and the dimension
    # limit (it used to reach LibTorch's "tried to allocate 80000000000 bytes").
    python3 -c "
names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
print('class,' + ','.join('a%d' % i for i in range(100000)))
for name in names: print(name + ',' + ','.join('1' for i in range(100000)))
" > "$scratch/wide.csv"
    expect_error "100000-column modality" 1 "wide.csv:1: 100000 columns, more than the limit of 16384 dimensions" \
        info --dataset fashion-mnist --modality "wide=csv:$scratch/wide.csv"
    # Descriptions that describe no class: all-zero caption vectors, refused naming the classes.
    echo '{}' > "$scratch/empty.json"
    expect_error "empty descriptions" 1 "empty.json: describes none of the data set's 10 classes" \
        run --dataset fashion-mnist --modality captions --descriptions "$scratch/empty.json" --limit 10
    # A Fashion-MNIST folder whose training images file holds 5 of the 20 images its header claims:
    # `info` names the file and both sizes (it used to exit 0).
    mkdir -p "$scratch/fm"
    python3 - "$scratch/fm" << 'PYTHON'
import gzip, struct, sys
folder = sys.argv[1]
def write(name, header, body):
    with gzip.open(f"{folder}/{name}.gz", "wb") as f:
        f.write(header + body)
write("train-images-idx3-ubyte", struct.pack(">IIII", 0x803, 20, 28, 28), bytes(28 * 28 * 5))
write("train-labels-idx1-ubyte", struct.pack(">II", 0x801, 20), bytes(i % 10 for i in range(20)))
write("t10k-images-idx3-ubyte", struct.pack(">IIII", 0x803, 10, 28, 28), bytes(28 * 28 * 10))
write("t10k-labels-idx1-ubyte", struct.pack(">II", 0x801, 10), bytes(range(10)))
PYTHON
    expect_error "truncated IDX" 1 "fm/train-images-idx3-ubyte.gz: truncated: expected 15680 bytes of data, got 3920" \
        info --dataset "fashion-mnist:$scratch/fm"
    ;;
explorer)
    # The explorer unattended (--screenshot-dir, offscreen): an error it shows in the status bar
    # also goes to stderr ("niwt-explorer: error: ...") and the exit code is 1 (it was 0 with
    # nothing on stderr). Screenshots are still taken, so that they show the error. Settings and
    # caches go to the scratch folder.
    export QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME=$scratch/config HOME=$scratch/home
    mkdir -p "$scratch/home" "$scratch/broken"
    echo '{"format": "niwt-bundle/1", "input": {"width": 28, "height": 28}}' > "$scratch/broken/bundle.json"
    head -c 4096 /dev/urandom > "$scratch/broken/bundle.pt"
    # explorer_error NAME PATTERN ARGS...: exit code 1 within 120 s, stderr has PATTERN (fixed).
    explorer_error() {
        local name=$1 pattern=$2
        shift 2
        local rc=0
        timeout 120 "$binary" "$@" > "$scratch/out" 2> "$scratch/err" || rc=$?
        [ "$rc" -eq 1 ] || fail "$name: exit code $rc, expected 1: $(tail -5 "$scratch/err")"
        grep -qF -- "$pattern" "$scratch/err" || fail "$name: stderr lacks '$pattern': $(tail -5 "$scratch/err")"
        echo "ok: $name -> exit code 1, $(grep -F -- "$pattern" "$scratch/err" | head -1)"
    }
    explorer_error "broken bundle" "niwt-explorer: error: " \
        --dataset fashion-mnist --bundle "$scratch/broken" --screenshot-dir "$scratch/shots"
    [ -f "$scratch/shots/window.png" ] || fail "broken bundle: no screenshot taken"
    explorer_error "missing bundle" "niwt-explorer: error: $scratch/absent: no such file or directory" \
        --dataset fashion-mnist --bundle "$scratch/absent" --screenshot "$scratch/shot.png"
    # Screenshot destinations that cannot be written: refused at once (within 10 s, before the
    # data set is opened), exit code 1, one line naming the option and the path.
    echo "a file, not a folder" > "$scratch/file"
    explorer_refused() {
        local name=$1 pattern=$2
        shift 2
        local rc=0 started=$SECONDS
        timeout 60 "$binary" "$@" > "$scratch/out" 2> "$scratch/err" || rc=$?
        grep -v "XDG_RUNTIME_DIR" "$scratch/err" > "$scratch/err.own" || true
        [ "$rc" -eq 1 ] || fail "$name: exit code $rc, expected 1: $(tail -5 "$scratch/err")"
        [ $((SECONDS - started)) -le 10 ] || fail "$name: took $((SECONDS - started)) s (checked after work began?)"
        [ "$(wc -l < "$scratch/err.own")" -eq 1 ] || fail "$name: stderr is not one line: $(cat "$scratch/err.own")"
        grep -qF -- "$pattern" "$scratch/err.own" || fail "$name: stderr lacks '$pattern': $(cat "$scratch/err.own")"
        echo "ok: $name -> $(cat "$scratch/err.own")"
    }
    explorer_refused "screenshot dir below a file" \
        "niwt-explorer: --screenshot-dir $scratch/file/shots: cannot be written ($scratch/file: not a folder)" \
        --dataset fashion-mnist --screenshot-dir "$scratch/file/shots"
    explorer_refused "screenshot in a missing folder" \
        "niwt-explorer: --screenshot $scratch/absent/shot.png: cannot be written ($scratch/absent: no such folder)" \
        --dataset fashion-mnist --screenshot "$scratch/absent/shot.png"
    echo "the explorer's unattended runs exit 1 after an error they show, and print it"
    ;;
*)
    echo "usage: cli_hostile.sh NIWT_BINARY options|outputs|cachedir|data, or EXPLORER_BINARY explorer" >&2
    exit 2
    ;;
esac
