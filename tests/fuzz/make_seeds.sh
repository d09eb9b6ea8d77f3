#!/usr/bin/env bash
# make_seeds.sh BUILD_DIR: writes the first seeds of the new corpora (the
# fuzzers grew tests/fuzz/corpus/ from these; see README.md):
#   corpus/fuzz_hints/seed_*.json  hint files, valid and refused ones
#   corpus/fuzz_video/*            tiny clips from BUILD_DIR/tests/fuzz/make_video_seeds
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: make_seeds.sh BUILD_DIR}
h="$here/corpus/fuzz_hints"
mkdir -p "$h" "$here/corpus/fuzz_video"
printf '%s' '[{"x": 120, "y": 80, "color": "#3b5d2a"}]' >"$h/seed_one.json"
printf '%s' '[{"x": 0, "y": 0, "color": "#FFFFFF"}, {"y": 7, "x": 3, "color": "#00aa10"}]' >"$h/seed_two.json"
printf '%s' '[]' >"$h/seed_empty.json"
printf '%s' '[{"x": 1.5, "y": -2, "color": "#12345"}]' >"$h/seed_bad_values.json"
printf '%s' '[{"x": 1, "y": 2, "colour": "#123456", "extra": [null, true, false, 1e3]}]' >"$h/seed_bad_member.json"
printf '%s' '{"x": 1, "y": 2, "color": "#123456"}' >"$h/seed_not_array.json"
printf '%s' '[{"x": 1, "y": 2, "color": "#12\u00e9\"\\/\b\f\n\r\t"}]' >"$h/seed_escapes.json"
printf '%s' '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]' >"$h/seed_deep.json"
"$build/tests/fuzz/make_video_seeds" "$here/corpus/fuzz_video"
