#!/usr/bin/env bash
# tests/run_all.sh: the tests, as CI runs them (.ci/run, after ./setup.sh):
#   1. every test of build/ (ctest; GPU tests are skipped without a device),
#   2. the sanitizer pass: a CPU-only tree build-sanitize/ with
#      -fsanitize=address,undefined (OPRESTORE_SANITIZE=ON, -O1 -g, UB and
#      leaks stop the test), then the tests labelled "sanitize" in it: the
#      parsers, converters, images, video, hints, CLI and bad-input tests and
#      the replay of every fuzz corpus (tests/fuzz/corpus/<target>/).
# Both passes run; the exit status is non-zero when either failed.
# Environment: BUILD_DIR (default build), SANITIZE_DIR (default
# build-sanitize), OPRESTORE_SKIP_SANITIZE=1 runs only the first pass.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
build=${BUILD_DIR:-build}
san=${SANITIZE_DIR:-build-sanitize}
jobs=$(nproc)

status=0
echo "== tests in $build"
ctest --test-dir "$build" --output-on-failure || status=1

if [ "${OPRESTORE_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== sanitizer pass in $san (ASan + UBSan, CPU only)"
  if cmake -S . -B "$san" -DCMAKE_BUILD_TYPE=Debug -DOPRESTORE_SANITIZE=ON \
        -DOPRESTORE_CUDA=OFF -DOPRESTORE_CUDA_EMU=OFF >/dev/null &&
     cmake --build "$san" -j"$jobs" >/dev/null; then
    ctest --test-dir "$san" -L sanitize -j"$jobs" --output-on-failure || status=1
  else
    echo "sanitizer tree: build failed" >&2
    status=1
  fi
fi
exit $status
