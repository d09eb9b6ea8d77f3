#!/usr/bin/env bash
# setup.sh: everything a fresh Debian 12 machine needs, in one command:
#   1. installs the Debian packages the build and the tests use (apt-get),
#   2. configures and builds (CUDA included when nvcc and cuDNN are found),
#   3. converts every checkpoint found in $OPRESTORE_CHECKPOINTS (default
#      ../shared/weights) into $OPRESTORE_MODELS (default ./models), skipping
#      those already converted from the same file (same sha256).
# Environment: OPRESTORE_SKIP_APT=1 skips step 1; OPRESTORE_CMAKE_ARGS adds
# cmake arguments (e.g. -DOPRESTORE_CUDA=OFF); BUILD_DIR (default build).
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  cmake make gcc g++ pkg-config
  libpng-dev libjpeg62-turbo-dev zlib1g-dev   # images, zip checkpoints
  libopenblas-openmp-dev                       # CPU backend sgemm (OpenMP build: CMakeLists.txt)
  libcriterion-dev                             # tests
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev  # video (stage issues)
  python3-torch python3-numpy python3-pil      # only to regenerate test fixtures
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
"$build/oprestore-gpu" models -M "$models" | sed -n '1,/registered but missing/p' | head -n -1
echo "== done. Run the tests with: tests/run_all.sh"
