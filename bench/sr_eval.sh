#!/usr/bin/env bash
# sr_eval.sh: regenerate docs/results.md, the super-resolution quality of the
# runtime on Set5 and Set14 (x4, bicubic LR), with the time of every image.
#
#   bench/sr_eval.sh [-g cpu|N] [-d f16|f32] [-B BUILD_DIR] [-o OUT.md] [-r DIR]
#
#   -g   device: cpu (default) or a CUDA device number
#   -d   compute dtype (default as the CLI: f16 on CUDA, f32 on the CPU)
#   -B   build folder with oprestore-convert and oprestore-bench (default: build,
#        or $OPRESTORE_BUILD)
#   -o   output (default: docs/results.md)
#   -r   resumable: keep each model's tables in DIR/<model>.md and reuse those
#        already there instead of running the model again (a CPU run of every
#        model takes hours on a loaded machine; the tables say when and where
#        each was measured)
#
# Checkpoints and images come from $OPRESTORE_SHARED (default: ../shared next
# to the repository): weights/realesr-animevideov3.pth is converted with
# oprestore-convert into a temporary folder and evaluated with
# `oprestore-bench --sr-eval` (bench/sr_eval.c: protocol there and in the
# output); so are weights/realesrgan-x4plus.pth and realesrgan-x4plus-anime.pth
# when present (the checkpoints recovered from Real-ESRGAN's ncnn files, see
# shared/weights/MANIFEST.md; converting the ncnn files themselves gives the
# same pictures, docs/converters/ncnn.md).  When weights/RRDB_PSNR_x4.pth is present, that model is evaluated
# too and its means must be within 0.02 dB of ESRGAN's published Y-channel
# numbers (Set5 32.73, Set14 28.99); the script then exits 1 if they are not
# (the document is still written, saying so).  Exit 2: usage or missing input.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${OPRESTORE_SHARED:-$ROOT/../shared}
BUILD=${OPRESTORE_BUILD:-$ROOT/build}
DEVICE=cpu
OUT=$ROOT/docs/results.md
PUBLISHED_SET5=32.73
PUBLISHED_SET14=28.99
TOLERANCE=0.02

DTYPE_ARGS=()
RESUME=""
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
while getopts "g:d:B:o:r:h" opt; do
    case $opt in
    g) DEVICE=$OPTARG ;;
    d) DTYPE_ARGS=(--dtype "$OPTARG") ;;
    B) BUILD=$OPTARG ;;
    o) OUT=$OPTARG ;;
    r) RESUME=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done

die() { echo "sr_eval.sh: $*" >&2; exit 2; }
CONVERT=$BUILD/oprestore-convert
BENCH=$BUILD/oprestore-bench
[ -x "$CONVERT" ] && [ -x "$BENCH" ] || die "$BUILD: oprestore-convert/oprestore-bench not built (./setup.sh, or -B BUILD_DIR)"
[ -d "$SHARED" ] || die "$SHARED: no such folder (set OPRESTORE_SHARED)"
SHARED=$(cd "$SHARED" && pwd)
SETS=("$SHARED/testdata/sr/Set5" "$SHARED/testdata/sr/Set14")
for s in "${SETS[@]}"; do [ -d "$s/HR" ] || die "$s: no HR/ folder (shared/testdata missing?)"; done
ANIME_PTH=$SHARED/weights/realesr-animevideov3.pth
RRDB_PTH=$SHARED/weights/RRDB_PSNR_x4.pth
[ -f "$ANIME_PTH" ] || die "$ANIME_PTH: not found"

TMP=$(mktemp -d /tmp/sr_eval.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# evaluate NAME PTH: convert, run both sets; the tables go to $TMP/NAME.md
evaluate() {
    local name=$1 pth=$2
    if [ -n "$RESUME" ] && [ -s "$RESUME/$name.md" ]; then
        echo "sr_eval.sh: $name: reusing $RESUME/$name.md" >&2
        cp "$RESUME/$name.md" "$TMP/$name.md"
        return
    fi
    "$CONVERT" "$pth" -o "$TMP/$name.safetensors" >&2
    "$BENCH" -g "$DEVICE" "${DTYPE_ARGS[@]}" --sr-eval "${SETS[0]}" --sr-eval "${SETS[1]}" \
        --model-file "$TMP/$name.safetensors" --markdown "$TMP/$name.md" >/dev/null
    if [ -n "$RESUME" ]; then
        mkdir -p "$RESUME"
        cp "$TMP/$name.md" "$RESUME/$name.md"
    fi
}

# mean_of NAME SET: the mean PSNR-Y oprestore-bench wrote for that set
mean_of() {
    awk -v set="$2" '/^### / { cur = $2; sub(/:$/, "", cur) }
        cur == set && /^Mean PSNR-Y/ && match($0, /\*\*[0-9.]+ dB\*\*/) {
            print substr($0, RSTART + 2, RLENGTH - 7); exit }' "$TMP/$1.md"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
# the tree as it was before this run (the document itself is rewritten below)
COMMIT=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
if [ "$COMMIT" != unknown ] && [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    COMMIT="$COMMIT (with uncommitted changes)"
fi
evaluate realesr-animevideov3 "$ANIME_PTH"
ANIME5=$(mean_of realesr-animevideov3 Set5)
ANIME14=$(mean_of realesr-animevideov3 Set14)

RRDB_STATUS="not run: checkpoint absent (\`$(basename "$RRDB_PTH")\` not in shared/weights)"
RRDB_ROW="| RRDB_PSNR_x4 (ESRGAN, PSNR-oriented) | not run | not run | 32.73 | 28.99 | checkpoint absent |"
RRDB_OK=1
if [ -f "$RRDB_PTH" ]; then
    evaluate RRDB_PSNR_x4 "$RRDB_PTH"
    R5=$(mean_of RRDB_PSNR_x4 Set5)
    R14=$(mean_of RRDB_PSNR_x4 Set14)
    verdict=$(awk -v a="$R5" -v b="$R14" -v pa="$PUBLISHED_SET5" -v pb="$PUBLISHED_SET14" \
        -v t="$TOLERANCE" 'function abs(x) { return x < 0 ? -x : x }
        BEGIN { print (abs(a - pa) <= t && abs(b - pb) <= t) ? "reproduced" : "NOT reproduced" }')
    [ "$verdict" = reproduced ] || RRDB_OK=0
    RRDB_STATUS="run: Set5 $R5 dB, Set14 $R14 dB: $verdict (tolerance $TOLERANCE dB)"
    RRDB_ROW="| RRDB_PSNR_x4 (ESRGAN, PSNR-oriented) | $R5 | $R14 | 32.73 | 28.99 | $verdict (tolerance $TOLERANCE dB) |"
fi

# The Real-ESRGAN RRDBNet models (recovered from the official ncnn files),
# cheapest first; the document is rewritten after each, so a run stopped
# half-way still leaves the finished models in it.
X4PLUS_SPECS=("realesrgan-x4plus-anime|RealESRGAN_x4plus_anime_6B (Real-ESRGAN, RRDBNet 6 blocks)"
              "realesrgan-x4plus|RealESRGAN_x4plus (Real-ESRGAN, RRDBNet 23 blocks)")
X4PLUS_NAMES=()  # evaluated so far
x4plus_rows() {
    local spec name label done n
    for spec in "${X4PLUS_SPECS[@]}"; do
        name=${spec%%|*} label=${spec#*|} done=0
        for n in "${X4PLUS_NAMES[@]}"; do [ "$n" = "$name" ] && done=1; done
        if [ $done = 1 ]; then
            echo "| $label | $(mean_of "$name" Set5) | $(mean_of "$name" Set14) | none | none | no published PSNR (GAN model) |"
        elif [ -f "$SHARED/weights/$name.pth" ]; then
            echo "| $label | not run | not run | none | none | not finished (the run stopped before this model) |"
        else
            echo "| $label | not run | not run | none | none | checkpoint absent (\`$name.pth\`) |"
        fi
    done
}

write_doc() {
# ---- the machine ------------------------------------------------------------------
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
CPU_MODEL=${CPU_MODEL:-unknown}
CORES=$(nproc 2>/dev/null || echo "?")
BACKEND=$(sed -n 's/^Device: \([^.]*\)\. .*/\1/p' "$TMP/realesr-animevideov3.md" | head -1)
GPU_LINE=""
if [ "$DEVICE" != cpu ] && command -v nvidia-smi >/dev/null 2>&1; then
    GPU_LINE=$(nvidia-smi -i "${DEVICE#cuda:}" --query-gpu=name,memory.total,driver_version \
        --format=csv,noheader 2>/dev/null || true)
fi
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
COMMAND="bench/sr_eval.sh -g $DEVICE${DTYPE_ARGS[1]:+ -d ${DTYPE_ARGS[1]}}${RESUME:+ -r DIR}"
LOAD=$LOAD_BEFORE

# ---- the document ------------------------------------------------------------------
{
    cat <<EOF
# Results: super-resolution on Set5 and Set14 (x4)

Made by \`bench/sr_eval.sh\` (do not edit by hand; run it again), except the
last section, "Temporal stability", made by \`bench/flicker.sh\` (kept as it is
when this script runs). Every number below was computed by this runtime
(\`oprestore-bench --sr-eval\`, \`bench/sr_eval.c\`) with no Python involved.

| | |
|---|---|
| date (UTC) | $DATE |
| commit | \`$COMMIT\` |
| CPU | $CPU_MODEL, $CORES logical cores |
| backend | $BACKEND |
| load average before the run | $LOAD (1, 5, 15 min; other work on the machine makes the times noisy) |
EOF
    [ -n "$GPU_LINE" ] && echo "| GPU | $GPU_LINE |"
    [ -n "$RESUME" ] && echo "| resumed | with \`-r\`: models already measured by an earlier (interrupted) run of this script were not run again; the date, commit and load above are those of this run |"
    cat <<EOF
| command | \`$COMMAND\` |

## Protocol

The standard EDSR / RCAN / ESRGAN protocol, as BasicSR computes it
(\`shared/testdata/README.md\`, section 3):

- **Data**: \`shared/testdata/sr/Set5\` and \`Set14\`, LR = \`LR_bicubic_x4\` (MATLAB
  \`imresize\` bicubic x4), GT = the HR image cropped from the top-left to 4x the LR
  size (BasicSR's \`GTmod12\`). \`bridge\`'s HR is single-channel and is read as R=G=B.
- **Inference**: \`or_upscale_image\` with the default options (whole image when it
  fits, as the tables say; otherwise tiles with 10 pixels of context), the output
  clamped to [0,1] and rounded to 8 bits as the PNG writer does (BasicSR's \`tensor2img\`).
- **Metric**: PSNR on the Y channel of MATLAB \`rgb2ycbcr\`,
  Y = 16 + 65.481 R + 128.553 G + 24.966 B with R, G, B in [0,1], Y not rounded,
  4 pixels cropped from every border, in double precision; the set's figure is the
  mean of the per-image PSNRs. \`tests/test_sr_eval.c\` checks the metric against an
  independent numpy implementation (\`tests/fixtures/sr_eval/make_psnr_fixture.py\`)
  to 1e-6 dB, and the realesr-animevideov3 PSNRs of Set5 and \`bridge\` against those
  of PyTorch's output of the same checkpoint (within 0.01 dB; the fixture holds
  PyTorch's value for all 19 images).
- **Time**: wall clock around \`or_upscale_image\` (image already decoded) plus a
  backend sync, one run per image, after one untimed warm-up run on the first image.

## Summary (mean PSNR-Y, dB)

| model | Set5 | Set14 | published Set5 | published Set14 | status |
|---|---:|---:|---:|---:|---|
| realesr-animevideov3 (Real-ESRGAN, SRVGGNetCompact) | $ANIME5 | $ANIME14 | none | none | no published PSNR |
$(x4plus_rows)
$RRDB_ROW

**realesr-animevideov3** is a blind, real-world (GAN) model for anime video,
trained on a synthetic degradation pipeline, not on bicubic downscaling; Real-ESRGAN
publishes no Set5/Set14 PSNR, and a low PSNR on bicubic LR is expected. These numbers
track regressions of the runtime, not the model's quality.

**realesrgan-x4plus** and **realesrgan-x4plus-anime** (RealESRGAN_x4plus,
RealESRGAN_x4plus_anime_6B) are GAN models for real-world degradations too: no
published Set5/Set14 PSNR, and the same caveat applies. The checkpoints are the
ones recovered from Real-ESRGAN's official ncnn files (\`shared/weights/MANIFEST.md\`:
fp16-rounded weights, not the official \`.pth\` bytes); converting the ncnn
\`.param\`/\`.bin\` pair with \`oprestore-convert\` gives the same 8-bit pictures
(\`tests/test_sr_published_ncnn.c\`, \`docs/converters/ncnn.md\`).

**ESRGAN RRDB_PSNR_x4** (\`RRDB_PSNR_x4.pth\`, BasicSR's
\`ESRGAN_PSNR_SRx4_DF2K_official\`), published in the README of xinntao/ESRGAN
(commit \`0411c8fd\`), Y channel, crop 4: Set5 **32.73** / SSIM 0.9011, Set14
**28.99** / SSIM 0.7917. Status here: $RRDB_STATUS.
The script reproduces these numbers (within $TOLERANCE dB, or exits 1) whenever the
checkpoint is in \`shared/weights\`; \`tests/test_sr_published.c\` checks Set5.
For context, the same README table lists SRCNN 30.48 / 27.50, EDSR 32.46 / 28.80
and RCAN 32.63 / 28.87 (Set5 / Set14).

## Per image

\`lenna\` is listed only because the published Set14 means include it.

EOF
    cat "$TMP/realesr-animevideov3.md"
    for name in "${X4PLUS_NAMES[@]}"; do
        cat "$TMP/$name.md"
    done
    if [ -f "$TMP/RRDB_PSNR_x4.md" ]; then
        cat "$TMP/RRDB_PSNR_x4.md"
    fi
    # bench/flicker.sh's section, the last of the file, kept
    if [ -f "$OUT" ] && grep -q '^## Temporal stability$' "$OUT"; then
        sed -n '/^## Temporal stability$/,$p' "$OUT"
    fi
} > "$TMP/results.md"

mkdir -p "$(dirname "$OUT")"
cp "$TMP/results.md" "$OUT.tmp.$$" && mv "$OUT.tmp.$$" "$OUT"
}

write_doc
for spec in "${X4PLUS_SPECS[@]}"; do
    name=${spec%%|*}
    [ -f "$SHARED/weights/$name.pth" ] || continue
    evaluate "$name" "$SHARED/weights/$name.pth"
    X4PLUS_NAMES+=("$name")
    write_doc
done
echo "sr_eval.sh: wrote $OUT (realesr-animevideov3: Set5 $ANIME5 dB, Set14 $ANIME14 dB; RRDB_PSNR_x4: $RRDB_STATUS)" >&2
if [ "$RRDB_OK" != 1 ]; then
    echo "sr_eval.sh: RRDB_PSNR_x4 does not reproduce the published $PUBLISHED_SET5 / $PUBLISHED_SET14 dB" >&2
    exit 1
fi
