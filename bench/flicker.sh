#!/usr/bin/env bash
# flicker.sh: the "Temporal stability" section of docs/results.md: how much the
# colours of a colorized film flicker from frame to frame, for DeOldify run per
# frame, for the keyframe mode (Deep Exemplar propagating each scene's DeOldify
# keyframe) and for Deep Exemplar with one fixed reference picture, on the same
# old-film clip (oprestore-bench --flicker; the method is in bench/flicker.h).
#
#   bench/flicker.sh [-g cpu|N] [-B BUILD_DIR] [-o OUT.md] [-n FRAMES] [-s WxH]
#                    [-M MODELS_DIR] [-f RIFE_MODEL]
#
#   -g   device: cpu (default) or a CUDA device number
#   -B   build folder with oprestore-gpu, oprestore-convert, oprestore-bench
#        (default: build, or $OPRESTORE_BUILD)
#   -o   the document whose "## Temporal stability" section is (re)written; the
#        section is the last of the file (default: docs/results.md; sr_eval.sh
#        keeps it when it rewrites the rest)
#   -n   frames from the start of the clip (default 32); -s their size (default
#        216x160, half the clip's 432x320)
#   -M   a models folder with the real deoldify-video.safetensors and
#        deep-exemplar.safetensors (default: the seeded fixture checkpoints of
#        tests/fixtures, converted into a temporary folder: the figures then say
#        nothing about the real models' stability)
#   -f   a converted RIFE model for the flows (default: seeded rife-v4.6 weights,
#        whose flows are not motion: every pixel fails the consistency check and
#        only the uncompensated ab_raw column has figures)
#
# The clip is shared/testdata/film/a-bomb_blast_effects_part.mp4 ($OPRESTORE_SHARED,
# default ../shared), cut and scaled with the ffmpeg command-line tool (Debian
# package ffmpeg; needed by this script only) to FFV1; the fixed reference is
# shared/testdata/film/references/0000874_out.png.  Exit 2: usage or a missing input.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${OPRESTORE_SHARED:-$ROOT/../shared}
BUILD=${OPRESTORE_BUILD:-$ROOT/build}
DEVICE=cpu
OUT=$ROOT/docs/results.md
FRAMES=32
SIZE=216x160
MODELS=""
FLOW=""

usage() { sed -n '8,9p' "$0" | sed 's/^# *//' >&2; exit 2; }
while getopts "g:B:o:n:s:M:f:h" opt; do
    case $opt in
    g) DEVICE=$OPTARG ;;
    B) BUILD=$OPTARG ;;
    o) OUT=$OPTARG ;;
    n) FRAMES=$OPTARG ;;
    s) SIZE=$OPTARG ;;
    M) MODELS=$OPTARG ;;
    f) FLOW=$OPTARG ;;
    *) usage ;;
    esac
done
[[ $FRAMES =~ ^[0-9]+$ && $FRAMES -ge 2 ]] || { echo "flicker.sh: -n $FRAMES: expected 2 or more frames" >&2; exit 2; }
[[ $SIZE =~ ^[0-9]+x[0-9]+$ ]] || { echo "flicker.sh: -s $SIZE: expected WxH" >&2; exit 2; }
CLIP=$SHARED/testdata/film/a-bomb_blast_effects_part.mp4
REF=$SHARED/testdata/film/references/0000874_out.png
for f in "$CLIP" "$REF" "$BUILD/oprestore-gpu" "$BUILD/oprestore-bench" "$BUILD/oprestore-convert"; do
    [ -e "$f" ] || { echo "flicker.sh: $f: missing" >&2; exit 2; }
done
command -v ffmpeg > /dev/null || { echo "flicker.sh: the ffmpeg command (Debian package ffmpeg) cuts the clip: install it" >&2; exit 2; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
GPU=$BUILD/oprestore-gpu
WEIGHTS="the real checkpoints in \`$MODELS\`"
if [ -z "$MODELS" ]; then
    MODELS=$TMP/models
    mkdir -p "$MODELS"
    "$BUILD/oprestore-convert" "$ROOT/tests/fixtures/ckpt/deoldify_wide_r101.zip.pth" \
        -o "$MODELS/deoldify-video.safetensors" > /dev/null
    "$BUILD/oprestore-convert" "$ROOT/tests/fixtures/dex" -o "$MODELS/deep-exemplar.safetensors" > /dev/null
    WEIGHTS="**seeded** (the fixture checkpoints of the official layouts at reduced widths, \`tests/fixtures/ckpt/deoldify_wide_r101.zip.pth\` as deoldify-video and \`tests/fixtures/dex\` as deep-exemplar): the real DeOldify and Deep Exemplar weights are not on this machine, so these figures compare the pipelines' plumbing, not the models' stability"
fi
W=${SIZE%x*} H=${SIZE#*x}
SRC=$TMP/source.mkv
ffmpeg -v error -i "$CLIP" -vf "scale=$W:$H" -frames:v "$FRAMES" -c:v ffv1 -an -y "$SRC"

WP=$((W * H)) # Deep Exemplar's working size: the frame's own
declare -A CMD=(
    [deoldify]="colorize -m deoldify-video"
    [keyframes]="restore --colorize deep-exemplar --keyframes deoldify-video --work-pixels $WP"
    [dex-ref]="colorize -m deep-exemplar --reference REF --work-pixels $WP"
)
declare -A LABEL=(
    [deoldify]="DeOldify per frame"
    [keyframes]="keyframe mode"
    [dex-ref]="Deep Exemplar fixed reference"
)
ROWS=""
for k in deoldify keyframes dex-ref; do
    args=${CMD[$k]//REF/$REF}
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$GPU" $args -M "$MODELS" -g "$DEVICE" --codec ffv1 -i "$SRC" -o "$TMP/$k.mkv" 2> "$TMP/$k.log" ||
        { cat "$TMP/$k.log" >&2; exit 1; }
    sec=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    ROWS+="| ${LABEL[$k]} | \`oprestore-gpu ${CMD[$k]//REF/shared/testdata/film/references/0000874_out.png} -g $DEVICE --codec ffv1 -i source.mkv\` | $(printf %.1f "$sec") s |"$'\n'
done

FLOW_ARGS=()
[ -n "$FLOW" ] && FLOW_ARGS=(--flow-model "$FLOW")
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
"$BUILD/oprestore-bench" -g "$DEVICE" --flicker "$SRC" "${FLOW_ARGS[@]}" \
    --flicker-candidates "${LABEL[deoldify]}=$TMP/deoldify.mkv,${LABEL[keyframes]}=$TMP/keyframes.mkv,${LABEL[dex-ref]}=$TMP/dex-ref.mkv,gray source (no colour)=$SRC" \
    --json "$TMP/flicker.json" --markdown "$TMP/table.md" > "$TMP/flicker.txt"

CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
{
    if [ -f "$OUT" ]; then
        sed '/^## Temporal stability$/,$d' "$OUT" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
        echo
    fi
    cat <<EOF
## Temporal stability

Made by \`bench/flicker.sh\` (do not edit by hand; run it again): the warping
error of the video-colorization literature (Lai et al. 2018, "Learning Blind
Video Temporal Consistency"), \`oprestore-bench --flicker\` (\`bench/flicker.c\`,
method in \`bench/flicker.h\` and \`docs/perf.md\`). For each pair of frames:
our RIFE's flows on the gray source (forward at t = 0, backward at t = 1), the
pixels whose forward and backward flows agree and that are no motion boundary
(Ruder et al. 2016, with Lai et al.'s thresholds), and the mean Lab ab change
between frame t+1 and frame t warped onto it (\`ab_warp\`, lower is steadier);
\`E_warp\` is Lai et al.'s figure (RGB in [0,1]); \`ab_raw\` the mean ab change
with no motion compensation, over every pixel.

| | |
|---|---|
| date (UTC) | $(date -u +%Y-%m-%dT%H:%M:%SZ) |
| commit | \`$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)\` |
| machine | $CPU_MODEL, $(nproc) logical cores, load $LOAD before the run |
| clip | \`shared/testdata/film/a-bomb_blast_effects_part.mp4\`, the first $FRAMES frames scaled to ${W}x$H (\`ffmpeg -vf scale=$W:$H -frames:v $FRAMES -c:v ffv1\`) |
| weights | $WEIGHTS |
| flow | $( [ -n "$FLOW" ] && echo "\`$FLOW\`" || echo "rife-v4.6 with **seeded** weights (no RIFE checkpoint here): its flows are not motion, so no pixel passes the consistency check and \`ab_warp\` has no figure; \`ab_raw\` is the figure that means something today" ) |
| command | \`bench/flicker.sh -g $DEVICE -n $FRAMES -s $SIZE\` |

| candidate | made by | time |
|---|---|---:|
$ROWS
EOF
    cat "$TMP/table.md"
    echo
    echo "The JSON (\`--json\`) also holds every pair's \`ab_warp\`. With the real weights, run \`bench/flicker.sh -M MODELS -f MODELS/rife-v4.6.safetensors\`."
} > "$TMP/out.md"
cp "$TMP/out.md" "$OUT.tmp.$$" && mv "$OUT.tmp.$$" "$OUT"
cat "$TMP/flicker.txt"
echo "flicker.sh: wrote the Temporal stability section of $OUT" >&2
