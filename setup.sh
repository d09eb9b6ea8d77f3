#!/usr/bin/env bash
# setup.sh: everything a fresh Debian 12 machine needs, in one command:
#   1. installs the Debian packages the build and the tests use (apt-get),
#   2. configures and builds (CUDA included when nvcc and cuDNN are found),
#   3. converts every checkpoint found in $OPRESTORE_CHECKPOINTS (default
#      ../shared/weights) into $OPRESTORE_MODELS (default ./models), skipping
#      those already converted from the same file (same sha256),
#   4. with --get-models (or OPRESTORE_GET_MODELS=1): downloads, checks and
#      converts the default model of every command that is not there yet
#      (oprestore-gpu models --get defaults).  Offline, setup still succeeds and
#      says what is missing; the built-in realesr-animevideov3 makes `upscale`
#      work with no models at all.
# Usage: ./setup.sh [--get-models]
# Environment: OPRESTORE_SKIP_APT=1 skips step 1; OPRESTORE_CMAKE_ARGS adds
# cmake arguments (e.g. -DOPRESTORE_CUDA=OFF); BUILD_DIR (default build).
set -euo pipefail
cd "$(dirname "$0")"

get_models=${OPRESTORE_GET_MODELS:-0}
for arg in "$@"; do
  case "$arg" in
    --get-models) get_models=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument $arg (see ./setup.sh -h)" >&2; exit 2 ;;
  esac
done

packages=(
  cmake make gcc g++ pkg-config
  libpng-dev libjpeg62-turbo-dev zlib1g-dev   # images, zip checkpoints
  libopenblas-openmp-dev                       # CPU backend sgemm (OpenMP build: CMakeLists.txt)
  libcurl4-openssl-dev                         # oprestore-gpu models --get (optional in CMake)
  libmicrohttpd-dev                            # oprestore-gpu studio's web server (optional in CMake)
  libcriterion-dev                             # tests
  chromium chromium-driver python3-selenium    # the studio's browser test (label browser; skipped without)
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev  # video (stage issues)
  ffmpeg                                                        # bench/flicker.sh cuts the clip
  python3-torch python3-numpy python3-pil      # only to regenerate test fixtures
  slurm-wlm munge                              # test_slurm: a one-node Slurm (docs/cluster.md)
  python3-yaml                                 # test_k8s_yaml: the Kubernetes Job parses
  python3-skimage python3-torchvision          # the official colour conversions (Zhang) and basicsr's imports (Real-ESRGAN), for fixtures and docs/accuracy.md
)

if [ "${OPRESTORE_SKIP_APT:-0}" != 1 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "== installing Debian packages"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${packages[@]}" >/dev/null
fi

build=${BUILD_DIR:-build}
echo "== building in $build"
# shellcheck disable=SC2086
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release ${OPRESTORE_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)"

checkpoints=${OPRESTORE_CHECKPOINTS:-../shared/weights}
models=${OPRESTORE_MODELS:-./models}
echo "== converting checkpoints from $checkpoints into $models"
mkdir -p "$models"
found=0
failed=0
for f in "$checkpoints"/*.pth "$checkpoints"/*.pkl "$checkpoints"/*.pt; do
  [ -f "$f" ] || continue
  found=$((found + 1))
  "$build/oprestore-convert" "$f" -M "$models" || failed=$((failed + 1))
done
echo "== $found checkpoint(s) found, $failed failed to convert"
if [ "$get_models" = 1 ]; then
  echo "== downloading the default models into $models (oprestore-gpu models --get defaults)"
  "$build/oprestore-gpu" models --get defaults -M "$models" ||
    echo "== some defaults could not be downloaded (offline?): see the lines above; setup goes on"
fi
"$build/oprestore-gpu" models -M "$models"
if [ "$get_models" != 1 ]; then
  echo "== ./setup.sh --get-models (or OPRESTORE_GET_MODELS=1) downloads the defaults of every"
  echo "   command; 'oprestore-gpu models --get NAME' any registered model"
fi
echo "== done. Run the tests with: tests/run_all.sh"
