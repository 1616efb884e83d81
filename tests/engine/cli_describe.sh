#!/usr/bin/env bash
# `niwt describe` and `niwt run --typed` end to end on a generated data set of two-coloured birds
# (tests/engine/make_describe_fixture.py: the top half of each image is the "head", the bottom half
# the "wings"; six two-colour classes seen, the one-colour red, green and blue birds unseen; a
# bundle whose features are the two halves' mean colours). No ../shared needed.
# Usage: cli_describe.sh NIWT_BINARY PYTHON describe|typed
set -euo pipefail
niwt=$1
python=$2
part=$3
here=$(cd "$(dirname "$0")" && pwd)
"$python" -c "import torch" 2> /dev/null || { echo "SKIP: $python has no torch (the fixture bundle needs it)"; exit 77; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
log=$scratch/log
touch "$log"
fail() {
    echo "FAIL: $*" >&2
    tr '\r' '\n' < "$log" | tail -20 >&2
    exit 1
}
"$python" "$here/make_describe_fixture.py" "$scratch/fx" || fail "the fixture script"
fx=$scratch/fx
common=(--dataset "folder:$fx/data" --split "classes:$fx/unseen.txt" --bundle "$fx/bundle"
        --cache-dir "$scratch/cache" --device cpu)

# expect_error NAME PATTERN COMMAND...: the command fails (exit code not 0, and not a crash), its
# stderr is one line and holds PATTERN (a fixed string).
expect_error() {
    local name=$1 pattern=$2
    shift 2
    local rc=0
    "$@" > "$scratch/out" 2> "$scratch/err" || rc=$?
    [ "$rc" -ne 0 ] || fail "$name: exit code 0"
    [ "$rc" -lt 128 ] || fail "$name: crashed (exit code $rc)"
    [ "$(wc -l < "$scratch/err")" -eq 1 ] || fail "$name: stderr is not one line: $(cat "$scratch/err")"
    grep -qF -- "$pattern" "$scratch/err" || fail "$name: stderr lacks '$pattern': $(cat "$scratch/err")"
    echo "ok: $name -> $(cat "$scratch/err")"
}

# check FILE PYTHON_CODE: runs the code with `r` = the JSON in FILE; an AssertionError fails the test.
check() {
    local file=$1 code=$2
    "$python" - "$file" <<EOF || fail "check on $(basename "$file"): $(head -c 3000 "$file")"
import json, sys
r = json.load(open(sys.argv[1]))
$code
EOF
}

case $part in
describe)
    # Errors before any image is read: no text at all is a usage error (2); an empty text and a
    # text of unknown words are one-line errors (1), never a class learned from a zero vector.
    rc=0
    "$niwt" describe "${common[@]}" > /dev/null 2> "$scratch/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "describe without --text: exit code $rc, expected 2"
    grep -qF "describe needs --text" "$scratch/err" || fail "describe without --text: $(cat "$scratch/err")"
    expect_error "describe --text ''" "niwt: --text: " "$niwt" describe "${common[@]}" --text ""
    expect_error "describe --text of unknown words" "niwt: --text: " "$niwt" describe "${common[@]}" --text "qwertyuiop zxcvbnm"
    [ ! -d "$scratch/cache" ] || [ -z "$(ls -A "$scratch/cache")" ] || fail "a failed describe touched the caches"

    # The sentence states a blue head and blue wings. Expected stated dims: the head's parts in
    # this data set (crown, forehead, nape) ::blue and has_wing_color::blue, and nothing red or
    # green. Expected ranking: 009.Blue_Grosbeak is the only class whose top and bottom halves are
    # both blue, so its 12 images come first (the next best have one blue half only).
    "$niwt" describe "${common[@]}" --text "a bird with a bright blue head and blue wings" --top 12 --json \
        > "$scratch/describe.json" 2>> "$log" || fail "describe"
    check "$scratch/describe.json" '
names = sorted(d["name"] for d in r["stated_dims"])
assert names == ["has_crown_color::blue", "has_forehead_color::blue", "has_nape_color::blue", "has_wing_color::blue"], names
assert any(a["name"] == "has_wing_color::blue" for p in r["phrases"] for a in p["attributes"]), r["phrases"]
assert all(not p["negated"] for p in r["phrases"])
assert len(r["nearest_seen_classes"]) > 0 and all(n[:3] in ("001", "002", "003", "004", "005", "006") for n in r["nearest_seen_classes"])
assert r["unknown_words"] == [], r["unknown_words"]
assert len(r["top_images"]) == 12
classes = [t["class"] for t in r["top_images"]]
assert classes == ["009.Blue_Grosbeak"] * 12, classes
margins = [t["margin"] for t in r["top_images"]]  # ranked by margin over the best seen logit
assert margins == sorted(margins, reverse=True), margins
assert all("/009.Blue_Grosbeak/" in t["file"] for t in r["top_images"])
assert r["text"].startswith("a bird with") and r["modality"] == "attributes" and r["stage"] == "split"
assert r["parse_ms"] >= 0 and r["learn_ms"] > 0
for key in ("dataset", "bundle"): assert r[key], key
'
    echo "ok: describe blue head + blue wings -> stated dims and 12 top images of 009.Blue_Grosbeak"
    # stderr is a file here, not a terminal: progress comes as plain lines, no carriage returns,
    # and the first describe extracted the features, so a "features N/N" line is there.
    ! grep -q $'\r' "$log" || fail "progress written to a file holds carriage returns"
    # "features N/M", then once measurable " · R/s · M:SS left" (the explorer's status bar text).
    grep -qE '^features [0-9]+/[0-9]+( · [0-9.]+/s( · [0-9:]+ left)?)?$' "$log" ||
        fail "no plain 'features N/M' progress line in the log"
    echo "ok: progress on a non-terminal is plain lines"

    # A word the parser does not know is listed, not dropped; the rest still learns a class.
    # Expected: "zorblax" among the unknown words; red head + red wings -> 007.Le_Conte_Sparrow first.
    "$niwt" describe "${common[@]}" --text "a zorblax with a red head and red wings" --top 5 --json \
        > "$scratch/unknown.json" 2>> "$log" || fail "describe with an unknown word"
    check "$scratch/unknown.json" '
assert "zorblax" in r["unknown_words"], r["unknown_words"]
classes = [t["class"] for t in r["top_images"]]
assert classes == ["007.Le_Conte_Sparrow"] * 5, classes
'
    echo "ok: describe with an unknown word lists it; red/red bird first"

    # Readable output (no --json): the parse and the top images as lines.
    "$niwt" describe "${common[@]}" --text "green head, green wings" --top 3 > "$scratch/readable.txt" 2>> "$log" ||
        fail "describe (readable)"
    grep -q "^phrases:" "$scratch/readable.txt" || fail "readable output lacks phrases: $(cat "$scratch/readable.txt")"
    [ "$(grep -c "008.Green_Jay" "$scratch/readable.txt")" -eq 3 ] ||
        fail "readable top 3 are not all 008.Green_Jay: $(cat "$scratch/readable.txt")"
    echo "ok: describe readable output, top 3 of 008.Green_Jay"

    # Captions: the encoder is fitted on the seen classes' descriptions only. A bag of words does
    # not bind colours to parts, but "blue" twice is only the blue/blue bird's whole image, so its
    # images should still lead; "blue" is known (the seen classes' descriptions use it).
    cat > "$scratch/descriptions.json" <<'EOF'
{"Alder Finch": ["a finch with a red head", "green wings"],
 "Birch Finch": ["a finch with a red head", "blue wings"],
 "Cedar Finch": ["a finch with a green head", "red wings"],
 "Dune Finch": ["a finch with a green head", "blue wings"],
 "Elm Finch": ["a finch with a blue head", "red wings"],
 "Fern Finch": ["a finch with a blue head", "green wings"],
 "Blue Grosbeak": ["a grosbeak, all cobalt"]}
EOF
    "$niwt" describe "${common[@]}" --modality captions --descriptions "$scratch/descriptions.json" \
        --text "blue head and blue wings" --top 3 --json > "$scratch/captions.json" 2>> "$log" || fail "describe --modality captions"
    check "$scratch/captions.json" '
assert r["modality"] == "captions"
assert sorted(d["name"] for d in r["stated_dims"]) == ["blue", "head", "wing"], r["stated_dims"]
assert [t["class"] for t in r["top_images"]] == ["009.Blue_Grosbeak"] * 3, r["top_images"]
'
    # "cobalt" occurs only in an unseen class's description: not in the vocabulary, so unknown.
    expect_error "describe --modality captions with an unseen-only word" "niwt: --text: no word of it occurs" \
        "$niwt" describe "${common[@]}" --modality captions --descriptions "$scratch/descriptions.json" --text "cobalt grosbeak"
    echo "ok: describe --modality captions"
    ;;

typed)
    # Names as people type them: spacing, hyphens, case and the "NNN." prefix do not matter.
    cat > "$scratch/typed.json" <<'EOF'
{"LeConte Sparrow": "a sparrow with a red head and red wings",
 "green-jay": "a jay with a bright green head and green wings",
 "BLUE GROSBEAK": "a grosbeak with a blue head and blue wings"}
EOF
    "$niwt" run "${common[@]}" --typed "$scratch/typed.json" --json > "$scratch/typed_out.json" 2>> "$log" ||
        fail "run --typed"
    # Expected: all three unseen classes typed under their data set names, each sentence parsed into
    # phrases that set its colour; and since the sentences state exactly the colours the images
    # have (and the features are those colours), most unseen test images are recognised among the
    # unseen classes (zsl, in percent, well above chance: 33.3).
    check "$scratch/typed_out.json" '
t = r["typed"]
assert sorted(t) == ["007.Le_Conte_Sparrow", "008.Green_Jay", "009.Blue_Grosbeak"], sorted(t)
assert r["typed_parser"] == "parser"
for name, colour in (("007.Le_Conte_Sparrow", "red"), ("008.Green_Jay", "green"), ("009.Blue_Grosbeak", "blue")):
    e = t[name]
    assert e["phrases"], e
    assert "has_wing_color::" + colour in [d["name"] for d in e["stated_dims"]], e["stated_dims"]
    assert isinstance(e["unknown_words"], list) and isinstance(e["nearest_seen_classes"], list)
    assert e["sentence"]
assert t["007.Le_Conte_Sparrow"]["name_in_file"] == "LeConte Sparrow"
assert r["unseen_classes_not_typed"] == []
assert r["zsl"] > 60, r["zsl"]  # percent; chance is 33.3
for key in ("U", "S", "H", "per_class", "eszsl", "mod2alpha", "alpha2w", "timings"): assert key in r, key
'
    echo "ok: run --typed (parser): 3 classes typed, zsl $("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["zsl"])' "$scratch/typed_out.json")"

    # The old keyword matcher, side by side: it needs the attribute names' own words.
    cat > "$scratch/keyword.json" <<'EOF'
{"Blue Grosbeak": "blue crown, blue forehead, blue nape and blue wings"}
EOF
    "$niwt" run "${common[@]}" --typed "$scratch/keyword.json" --typed-parser keyword --json \
        > "$scratch/keyword_out.json" 2>> "$log" || fail "run --typed --typed-parser keyword"
    # attributeScoresFromCaption: a named value whose part is "has_wing_color" (words wing, color;
    # "has" is a stop word) with "wing" in the text scores 0.5 + 0.5 x 1/2 = 0.75; the value is that
    # times the largest value of the dimension over the seen classes' rows (from attributes.csv).
    check "$scratch/keyword_out.json" '
assert r["typed_parser"] == "keyword"
assert r["unseen_classes_not_typed"] == ["007.Le_Conte_Sparrow", "008.Green_Jay"], r["unseen_classes_not_typed"]
e = r["typed"]["009.Blue_Grosbeak"]
d = {x["name"]: x["value"] for x in e["stated_dims"]}
assert sorted(d) == ["has_crown_color::blue", "has_forehead_color::blue", "has_nape_color::blue", "has_wing_color::blue"], d
rows = [l.strip().split(",") for l in open(sys.argv[1].replace("keyword_out.json", "fx/data/attributes.csv"))]
col = rows[0].index("has_wing_color::blue")
seen_max = max(float(row[col]) for row in rows[1:7])
assert abs(d["has_wing_color::blue"] - 0.75 * seen_max) < 1e-4, (d, seen_max)
'
    echo "ok: run --typed --typed-parser keyword"

    # Errors: each one line naming the file and the problem, before any image is read.
    echo '{"Purple Finch": "a purple bird"}' > "$scratch/unknown.json"
    expect_error "typed unknown class" "$scratch/unknown.json: class \"Purple Finch\" matches no class" \
        "$niwt" run "${common[@]}" --typed "$scratch/unknown.json"
    echo '{"Alder Finch": "a red head and green wings"}' > "$scratch/seen.json"
    expect_error "typed seen class" "$scratch/seen.json: class \"Alder Finch\" is the seen class \"001.Alder_Finch\"" \
        "$niwt" run "${common[@]}" --typed "$scratch/seen.json"
    printf '{"Blue Grosbeak": "blue head",\n "Green Jay" "green"}\n' > "$scratch/bad.json"
    expect_error "typed bad JSON" "$scratch/bad.json:2: bad JSON" "$niwt" run "${common[@]}" --typed "$scratch/bad.json"
    echo '["Blue Grosbeak", "blue head"]' > "$scratch/list.json"
    expect_error "typed not an object" "$scratch/list.json: expected a JSON object" \
        "$niwt" run "${common[@]}" --typed "$scratch/list.json"
    echo '{"Blue Grosbeak": 7}' > "$scratch/number.json"
    expect_error "typed non-string" "$scratch/number.json: class \"Blue Grosbeak\": expected a sentence" \
        "$niwt" run "${common[@]}" --typed "$scratch/number.json"
    echo '{"Blue Grosbeak": "", "Green Jay": "green head and green wings"}' > "$scratch/empty.json"
    expect_error "typed empty sentence" "$scratch/empty.json: class \"Blue Grosbeak\": " \
        "$niwt" run "${common[@]}" --typed "$scratch/empty.json"
    echo '{"Le Conte Sparrow": "red head", "LeConte-Sparrow": "red wings"}' > "$scratch/twice.json"
    expect_error "typed class named twice" "$scratch/twice.json: class \"007.Le_Conte_Sparrow\" is named twice" \
        "$niwt" run "${common[@]}" --typed "$scratch/twice.json"
    echo '{"Blue Grosbeak": "a lovely little songbird"}' > "$scratch/nokeyword.json"
    expect_error "typed keyword sets nothing" "$scratch/nokeyword.json: class \"Blue Grosbeak\": the keyword matcher found no attribute" \
        "$niwt" run "${common[@]}" --typed "$scratch/nokeyword.json" --typed-parser keyword
    expect_error "typed missing file" "$scratch/absent.json: cannot open" "$niwt" run "${common[@]}" --typed "$scratch/absent.json"
    expect_error "typed-parser unknown" "--typed-parser fancy is unknown" \
        "$niwt" run "${common[@]}" --typed "$scratch/typed.json" --typed-parser fancy
    ;;
*)
    echo "usage: cli_describe.sh NIWT_BINARY PYTHON describe|typed" >&2
    exit 2
    ;;
esac
echo "PASS: $part"
