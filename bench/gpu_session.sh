#!/usr/bin/env bash
# gpu_session.sh: the whole GPU check-and-measure pass, run THERE, on a lent
# GPU (see bench/results/README.md, "Running on a lent GPU"):
#
#   bench/gpu_session.sh [STEP ...]      (after bench/gpu_prepare.sh here;
#                                         run with carry [".carry"])
#
# Steps, always run in this order whatever order they are named in (default:
# env build test sanitize peer bench; `all`: every one):
#   env       nvidia-smi, nvcc, cuDNN (version and where), cmake, gcc, python/torch
#   build     unpack .carry/prefix.tar.xz into a private prefix, configure
#             (Release, CUDA architecture 90, ninja) against it and build what
#             the selected steps need (every later step builds if needed)
#   test      ctest -L gpu (the GPU tests; skipped ones count as failures there)
#   cputest   ctest -L cpu (optional: CI runs these anyway)
#   sanitize  compute-sanitizer memcheck, racecheck, initcheck over
#             tests/test_gpu_ops*, and one network (test_gpu_net_sr, one test)
#             under memcheck
#   sreval    bench/sr_eval.sh -g 0 (needs gpu_prepare.sh --with-sr)
#   peer      bench/pytorch_peer.py per stage and mode group, merged into one JSON
#   bench     oprestore-bench --kernels (merging peer's JSON, with the chart),
#             then --stage upscale --layout nchw for the layout comparison
#
# Output: $OUT/summary.txt (written as it goes), $OUT/logs.tgz (every log,
# re-packed after each step), $OUT/<gpu>-<date>.{json,csv,png},
# $OUT/<gpu>-<date>-nchw.json, $OUT/results-<gpu>.md (sreval): at most 8
# files. A summary table is printed last. Each step has a share of the time
# budget (OR_GPU_BUDGET_S, default 550 s, under the 600 s a call may run):
# what would not fit is reported as not run rather than killed with the call.
#
# Environment:
#   OR_GPU_DRY=1         dry run on a machine without a GPU: -g cpu, --tiny
#                        benches, /usr/bin/python3's torch (eager fp32), no
#                        sanitizer unless OR_GPU_SANITIZER names a stand-in, OUT
#                        default /tmp/gpu_out (emptied), build in
#                        /tmp/build-gpusession with -j2 (CUDA compiled when nvcc
#                        and cuDNN are there), budget 7200 s
#   OR_GPU_BUDGET_S      seconds this call may use (default 550)
#   OR_GPU_BUILD_DIR     build folder (default build-gpu; dry: /tmp/build-gpusession)
#   OR_GPU_PREFIX        where the carried libraries are unpacked (default
#                        /tmp/oprestore-gpu-prefix)
#   OR_GPU_JOBS          build jobs (default nproc; dry: 2)
#   OR_GPU_CUDA=0        configure without CUDA (dry runs only; default: CUDA
#                        when nvcc and cuDNN are found)
#   OR_CUDNN_ROOT        the only folder to take cuDNN from (lib/libcudnn.so*,
#                        include/cudnn.h or else .carry/cudnn/include); default:
#                        the CUDA toolkit, /usr, then python3's
#                        site-packages/nvidia/cudnn (the torch venv's wheel)
#   OR_GPU_PKG_CONFIG    pkg-config to use (default the machine's, else the carried one)
#   OR_GPU_SAN_TOOLS     sanitizer tools (default "memcheck racecheck initcheck")
#   OR_GPU_SAN_JOBS      sanitizer runs at a time (default 6)
#   OR_GPU_SAN_TIMEOUT   seconds per sanitizer run at most (default 200)
#   OR_GPU_SAN_ARGS      extra compute-sanitizer arguments (e.g. --leak-check full)
#   OR_GPU_SANITIZER     the compute-sanitizer to run (also in a dry run: a stand-in)
#   OR_GPU_NET_FILTER    Criterion filter of the network run under memcheck
#                        (default net_sr_cuda/seeded_fixtures)
#   OR_GPU_PEER_MODES    pytorch_peer modes (default eager_fp32,eager_fp16,compile_fp16)
#   OR_GPU_BENCH_RESERVE seconds peer leaves to bench when both run (default 200)
#   OR_GPU_TORCH_JSON    a pytorch_peer JSON to merge when `peer` is not run in
#                        this call (e.g. one carried in .carry/)
#   OR_GPU_NAME          the <gpu> of the result names (default from nvidia-smi)
#   OR_GPU_BENCH_ARGS    extra oprestore-bench arguments (dry default: --tiny)
#   OR_GPU_PY            python with torch (default python3; dry: /usr/bin/python3)
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

# ---- steps to run -------------------------------------------------------------------
ORDER="env build test cputest sanitize sreval peer bench"
if [ $# -eq 0 ]; then
    set -- env build test sanitize peer bench
fi
WANT=" env "
for a in "$@"; do
    case " $ORDER all " in
    *" $a "*) ;;
    *) echo "gpu_session.sh: unknown step '$a' (steps: $ORDER all)" >&2; exit 2 ;;
    esac
    [ "$a" = all ] && WANT=" $ORDER " || WANT="$WANT$a "
done
wants() { case "$WANT" in *" $1 "*) return 0 ;; esac; return 1; }

T0=$(date +%s)
DRY=${OR_GPU_DRY:-0}
BUDGET=${OR_GPU_BUDGET_S:-550}
[ "$DRY" = 1 ] && BUDGET=${OR_GPU_BUDGET_S:-7200} # a busy 2-core machine
DEADLINE=$((T0 + BUDGET))
if [ "$DRY" = 1 ]; then
    OUT=${OUT:-/tmp/gpu_out}
    BUILD=${OR_GPU_BUILD_DIR:-/tmp/build-gpusession}
    JOBS=${OR_GPU_JOBS:-2}
    DEV=cpu
    PY=${OR_GPU_PY:-/usr/bin/python3}
    BENCH_ARGS=${OR_GPU_BENCH_ARGS:---tiny}
    PEER_MODES=${OR_GPU_PEER_MODES:-eager_fp32}
    COMPARE_LAYOUT=nhwc # the CPU's default is NCHW: compare with the other one
else
    OUT=${OUT:?OUT is not set (outside a device call, use OR_GPU_DRY=1)}
    BUILD=${OR_GPU_BUILD_DIR:-$ROOT/build-gpu}
    JOBS=${OR_GPU_JOBS:-$(nproc)}
    DEV=0
    PY=${OR_GPU_PY:-python3}
    BENCH_ARGS=${OR_GPU_BENCH_ARGS:-}
    PEER_MODES=${OR_GPU_PEER_MODES:-eager_fp32,eager_fp16,compile_fp16}
    COMPARE_LAYOUT=nchw
fi
PREFIX=${OR_GPU_PREFIX:-/tmp/oprestore-gpu-prefix}
PLIB=$PREFIX/usr/lib/x86_64-linux-gnu
SHARED_CARRY=$ROOT/.carry/shared
WORK=/tmp/gpu_session-work
LOGS=$WORK/logs
rm -rf "$WORK"
# a device call starts with an empty $OUT; the dry run's default one is emptied likewise
[ "$DRY" = 1 ] && [ "$OUT" = /tmp/gpu_out ] && rm -rf /tmp/gpu_out
mkdir -p "$LOGS" "$OUT"
SUMMARY=$OUT/summary.txt
: >"$SUMMARY"

# ---- time, logs, summary -------------------------------------------------------------
now() { date +%s; }
elapsed() { echo $(($(now) - T0)); }
left() { echo $((DEADLINE - $(now))); }
# tmo N: a timeout of at most N seconds that ends 20 s before the budget does
tmo() {
    local l=$(($(left) - 20))
    [ "$l" -lt 1 ] && l=1
    [ "$l" -lt "$1" ] && echo "$l" || echo "$1"
}
say() { echo "$*" | tee -a "$SUMMARY"; }
pack_logs() { tar -C "$WORK" -czf "$OUT/logs.tgz" logs 2>/dev/null; }

S_NAMES=()
S_STATUS=()
S_TIME=()
S_DETAIL=()
STEP_STATUS=""
STEP_DETAIL=""
run_step() {
    local name=$1 step_t0
    step_t0=$(now)
    STEP_STATUS=""
    STEP_DETAIL=""
    echo "== [$(elapsed) s] $name" | tee -a "$SUMMARY"
    if [ "$(left)" -lt 30 ]; then
        STEP_STATUS="NOT RUN"
        STEP_DETAIL="no time left in the budget ($BUDGET s)"
    else
        "step_$name"
        [ -n "$STEP_STATUS" ] || STEP_STATUS=ok
    fi
    S_NAMES+=("$name")
    S_STATUS+=("$STEP_STATUS")
    S_TIME+=("$(($(now) - step_t0))")
    S_DETAIL+=("$STEP_DETAIL")
    say "   $name: $STEP_STATUS ($(($(now) - step_t0)) s) $STEP_DETAIL"
    pack_logs
}
fail() { STEP_STATUS=FAIL; STEP_DETAIL="$*"; }

# ---- environment: the carried prefix, cuDNN --------------------------------------------
have() { command -v "$1" >/dev/null 2>&1; }
NVCC=$(command -v nvcc || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; } || true)
SANITIZER=${OR_GPU_SANITIZER:-}
[ -n "$SANITIZER" ] || SANITIZER=$(command -v compute-sanitizer ||
            { [ -n "$NVCC" ] && [ -x "$(dirname "$NVCC")/compute-sanitizer" ] &&
              echo "$(dirname "$NVCC")/compute-sanitizer"; } || true)

# find_cudnn: sets CUDNN_INC, CUDNN_LIB (a file), CUDNN_VER, or leaves them empty.
# The first root with both header and library wins; failing that, the first
# library (the torch venv's wheel may lack headers) with the headers that
# gpu_prepare.sh carried in .carry/cudnn/include. OR_CUDNN_ROOT: that root only.
CUDNN_INC=""
CUDNN_LIB=""
CUDNN_VER=""
cudnn_inc_in() {
    local f
    for f in "$1/include" "$1/include/x86_64-linux-gnu"; do
        [ -f "$f/cudnn.h" ] && { echo "$f"; return; }
    done
}
cudnn_lib_in() {
    local f
    for f in "$1"/lib64/libcudnn.so "$1"/lib/libcudnn.so "$1"/lib/x86_64-linux-gnu/libcudnn.so \
             "$1"/targets/x86_64-linux/lib/libcudnn.so \
             "$1"/lib64/libcudnn.so.[0-9]* "$1"/lib/libcudnn.so.[0-9]* \
             "$1"/lib/x86_64-linux-gnu/libcudnn.so.[0-9]*; do
        [ -f "$f" ] && { echo "$f"; return; }
    done
}
find_cudnn() {
    local roots=() r inc lib first_lib="" f
    if [ -n "${OR_CUDNN_ROOT:-}" ]; then
        roots=("$OR_CUDNN_ROOT")
    else
        [ -n "$NVCC" ] && roots+=("$(dirname "$(dirname "$(readlink -f "$NVCC")")")")
        roots+=(/usr/local/cuda /usr)
        if have "$PY"; then
            while IFS= read -r r; do roots+=("$r"); done < <("$PY" -c '
import glob, sys
for s in sys.path:
    for p in glob.glob(s + "/nvidia/cudnn"):
        print(p)' 2>/dev/null)
        fi
    fi
    for r in "${roots[@]}"; do
        lib=$(cudnn_lib_in "$r")
        [ -n "$lib" ] || continue
        [ -n "$first_lib" ] || first_lib=$lib
        inc=$(cudnn_inc_in "$r")
        [ -n "$inc" ] || continue
        CUDNN_INC=$inc
        CUDNN_LIB=$lib
        break
    done
    if [ -z "$CUDNN_LIB" ] && [ -n "$first_lib" ] && [ -f "$ROOT/.carry/cudnn/include/cudnn.h" ]; then
        CUDNN_INC=$ROOT/.carry/cudnn/include
        CUDNN_LIB=$first_lib
    fi
    [ -n "$CUDNN_LIB" ] || return 1
    f=$CUDNN_INC/cudnn_version.h
    [ -f "$f" ] || f=$CUDNN_INC/cudnn.h
    CUDNN_VER=$(awk '/#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) /{v = v (v ? "." : "") $3} END {print v}' "$f")
    [ "$CUDNN_INC" = "$ROOT/.carry/cudnn/include" ] && CUDNN_VER="$CUDNN_VER (carried headers)"
    return 0
}

# setup_prefix: unpack .carry/prefix.tar.xz into $PREFIX once, re-point its absolute
# links and .pc files there, and a pkg-config when the machine has none
HAVE_PREFIX=0
setup_prefix() {
    local tarball=$ROOT/.carry/prefix.tar.xz stamp l t base cand f
    if [ ! -f "$tarball" ]; then
        echo "no $tarball: building against the machine's own libraries (run bench/gpu_prepare.sh here first)"
        return 1
    fi
    stamp="$(stat -c %s-%Y "$tarball") $PREFIX"
    if [ -f "$PREFIX/.stamp" ] && [ "$(cat "$PREFIX/.stamp")" = "$stamp" ]; then
        HAVE_PREFIX=1
        return 0
    fi
    rm -rf "$PREFIX"
    mkdir -p "$PREFIX"
    if have xz; then
        tar -C "$PREFIX" -xJf "$tarball" || return 1
    else
        # (the prefix holds absolute links, which the "data" filter would refuse)
        python3 -c 'import sys, tarfile
kw = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}
tarfile.open(sys.argv[1]).extractall(sys.argv[2], **kw)' "$tarball" "$PREFIX" || return 1
    fi
    # Absolute links (libz.so -> /lib/.../libz.so.1.2.13): into the prefix when the
    # target is there, else to the machine's library of the same name.
    while IFS= read -r l; do
        t=$(readlink "$l")
        if [ -e "$PREFIX$t" ]; then
            ln -sfn "$PREFIX$t" "$l"
        elif [ -e "$PREFIX/usr$t" ]; then
            ln -sfn "$PREFIX/usr$t" "$l"
        elif [ ! -e "$t" ]; then
            base=$(basename "$t")
            base=${base%%.so*}.so
            cand=$({ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } |
                   awk -v b="$base" 'index($1, b ".") == 1 && /x86-64/ {print $NF; exit}')
            if [ -n "$cand" ]; then ln -sfn "$cand" "$l"; else echo "broken link: $l -> $t"; fi
        fi
    done < <(find "$PREFIX" -type l -lname '/*')
    while IFS= read -r f; do
        sed -i -E "s#^([A-Za-z_]+=)/usr#\\1$PREFIX/usr#; s#(-[IL])/usr#\\1$PREFIX/usr#g" "$f"
    done < <(find "$PREFIX" -name '*.pc')
    mkdir -p "$PREFIX/bin"
    cat >"$PREFIX/bin/pkg-config" <<EOF
#!/bin/sh
LD_LIBRARY_PATH=$PLIB\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH} exec $PREFIX/usr/bin/pkgconf "\$@"
EOF
    chmod +x "$PREFIX/bin/pkg-config"
    echo "$stamp" >"$PREFIX/.stamp"
    HAVE_PREFIX=1
}

# benv CMD: CMD with the prefix's headers, libraries and .pc files visible
benv() {
    if [ "$HAVE_PREFIX" = 1 ]; then
        env PKG_CONFIG_PATH="$PLIB/pkgconfig:$PREFIX/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
            CPATH="$PREFIX/usr/include:$PREFIX/usr/include/x86_64-linux-gnu${CPATH:+:$CPATH}" \
            LIBRARY_PATH="$PLIB:$PLIB/openblas-openmp${LIBRARY_PATH:+:$LIBRARY_PATH}" "$@"
    else
        "$@"
    fi
}
# the commit the results record: the device's copy of the tree has no .git, so
# gpu_prepare.sh wrote it into .carry/commit
COMMIT=${OPRESTORE_COMMIT:-}
if [ -z "$COMMIT" ] && ! git -C "$ROOT" rev-parse HEAD >/dev/null 2>&1 && [ -f "$ROOT/.carry/commit" ]; then
    COMMIT=$(cat "$ROOT/.carry/commit")
fi
# renv CMD: CMD able to load the prefix's and cuDNN's libraries, tests finding .carry/shared
renv() {
    local ld=""
    [ "$HAVE_PREFIX" = 1 ] && ld="$PLIB:$PLIB/openblas-openmp"
    [ -n "$CUDNN_LIB" ] && ld="$ld${ld:+:}$(dirname "$CUDNN_LIB")"
    env LD_LIBRARY_PATH="$ld${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OPRESTORE_SHARED="$SHARED_CARRY" \
        ${COMMIT:+OPRESTORE_COMMIT="$COMMIT"} "$@"
}

# reap_build_procs: end, by process id, what this build's binaries left running
# (ctest starts tests in process groups of their own, out of timeout's reach)
reap_build_procs() {
    local p exe
    for p in /proc/[0-9]*; do
        exe=$(readlink "$p/exe" 2>/dev/null) || continue
        case $exe in "$BUILD"/*) kill -9 "${p#/proc/}" 2>/dev/null && echo "ended leftover ${p#/proc/} $exe" ;; esac
    done
}

# ---- build ----------------------------------------------------------------------------
GPU_TESTS=$(cd tests && ls test_gpu_*.c 2>/dev/null | sed 's/\.c$//' | tr '\n' ' ')
CONFIGURED=0
configure() {
    [ "$CONFIGURED" = 1 ] && return 0
    local args=() gen=() pc
    setup_prefix
    find_cudnn
    have ninja && gen=(-G Ninja)
    if [ -f "$BUILD/CMakeCache.txt" ]; then
        gen=() # the generator of an existing build folder stays
    fi
    args+=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90
           -DOPRESTORE_SHARED_DIR="$SHARED_CARRY")
    if [ "$HAVE_PREFIX" = 1 ]; then
        args+=(-DCMAKE_PREFIX_PATH="$PREFIX/usr"
               -DCBLAS_INCLUDE_DIR="$PREFIX/usr/include/x86_64-linux-gnu/openblas-openmp"
               -DOPENBLAS_LIBRARY="$PLIB/openblas-openmp/libopenblas.so"
               -DCRITERION_LIBRARY="$PLIB/libcriterion.so"
               -DZLIB_INCLUDE_DIR="$PREFIX/usr/include" -DZLIB_LIBRARY="$PLIB/libz.so"
               # FFmpeg is carried without its codec libraries: what does not use it
               # must not load it, and what does still links (and cannot start).
               "-DCMAKE_EXE_LINKER_FLAGS=-Wl,--as-needed -Wl,--allow-shlib-undefined -Wl,-rpath-link,$PLIB")
        pc=${OR_GPU_PKG_CONFIG:-$(command -v pkg-config || true)}
        [ -n "$pc" ] || pc=$PREFIX/bin/pkg-config
        args+=(-DPKG_CONFIG_EXECUTABLE="$pc")
    fi
    if [ "$DRY" = 1 ] && [ "${OR_GPU_CUDA:-1}" = 0 ]; then
        args+=(-DOPRESTORE_CUDA=OFF)
    elif [ -n "$CUDNN_LIB" ]; then
        args+=(-DCUDNN_INCLUDE_DIR="$CUDNN_INC" -DCUDNN_LIBRARY="$CUDNN_LIB" -DCMAKE_CUDA_FLAGS=-lineinfo)
        [ -n "$NVCC" ] && args+=(-DCMAKE_CUDA_COMPILER="$NVCC")
    fi
    echo "+ cmake -S $ROOT -B $BUILD ${gen[*]} ${args[*]}"
    if ! benv cmake -S "$ROOT" -B "$BUILD" "${gen[@]}" "${args[@]}"; then
        return 1
    fi
    CONFIGURED=1
}
# ensure_build TARGET...: configure if needed and build the targets (all: "all")
ensure_build() {
    local log=$LOGS/build.log
    {
        configure || return 1
        echo "+ cmake --build $BUILD -j $JOBS --target $*"
        benv timeout "$(tmo 480)" cmake --build "$BUILD" -j "$JOBS" --target "$@"
    } >>"$log" 2>&1
}
# the targets the selected steps need
needed_targets() {
    if wants cputest; then echo all; return; fi
    local t=""
    { wants test || wants sanitize; } && t="$t $GPU_TESTS"
    { wants bench || wants sreval; } && t="$t oprestore-bench"
    wants sreval && t="$t oprestore-convert"
    echo "${t:- oprestore-bench}"
}
# missing_libs BIN: the libraries BIN cannot find, on one line (or "unloadable")
missing_libs() {
    local out
    out=$(renv ldd "$1" 2>&1) || { echo "unloadable"; return; }
    echo "$out" | awk '/not found/ {printf "%s ", $1}'
}

# ---- env -----------------------------------------------------------------------------
GPU_SLUG=""
step_env() {
    local log=$LOGS/env.log gpu drv t
    find_cudnn
    {
        echo "date: $(date -u +%FT%TZ)  host: $(uname -srm)  dry: $DRY"
        grep -E '^(PRETTY_NAME)=' /etc/os-release 2>/dev/null
        echo "glibc: $(ldd --version 2>/dev/null | head -1)"
        echo "cpus: $(nproc)  memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
        df -h /tmp | tail -1
        echo "--- nvidia-smi"
        have nvidia-smi && nvidia-smi && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv
        echo "--- nvcc: ${NVCC:-none}"
        [ -n "$NVCC" ] && "$NVCC" --version
        echo "--- cuDNN: ${CUDNN_VER:-not found} include $CUDNN_INC lib $CUDNN_LIB"
        echo "--- compute-sanitizer: ${SANITIZER:-none}"
        [ -n "$SANITIZER" ] && "$SANITIZER" --version
        echo "--- tools"
        for t in cmake ninja gcc g++ pkg-config xz dpkg "$PY"; do
            echo "$t: $(command -v "$t" || echo none) $("$t" --version 2>/dev/null | head -1)"
        done
        "$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(), "device", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")' 2>&1
        echo "--- libraries the machine has (carried ones are used instead)"
        { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } |
            grep -E 'lib(png16|jpeg|openblas|criterion|avcodec|avformat|swscale|ssl|gfortran|z)\.so' || echo "(none)"
        echo "--- carried: $(ls -la "$ROOT"/.carry 2>&1 | tr '\n' ' ')"
    } >"$log" 2>&1
    if [ "$DRY" = 1 ]; then
        gpu="(dry run: no GPU)"
        GPU_SLUG=${OR_GPU_NAME:-cpu-dry}
    elif have nvidia-smi && gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1) && [ -n "$gpu" ]; then
        GPU_SLUG=${OR_GPU_NAME:-$(echo "${gpu%%,*}" | tr 'A-Z' 'a-z' | sed -E 's/^nvidia //; s/[^a-z0-9.]+/-/g; s/-+$//')}
    else
        gpu="no GPU seen by nvidia-smi"
        GPU_SLUG=${OR_GPU_NAME:-unknown-gpu}
        STEP_STATUS=FAIL
    fi
    drv=$([ -n "$NVCC" ] && "$NVCC" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')
    STEP_DETAIL="$gpu; nvcc ${drv:-none}; cuDNN ${CUDNN_VER:-none} ($CUDNN_LIB); $(cmake --version 2>/dev/null | head -1)"
}

# ---- build ---------------------------------------------------------------------------
step_build() {
    local log=$LOGS/build.log b miss="" n=0 hdr
    # shellcheck disable=SC2046 # one word per target
    if ! ensure_build $(needed_targets); then
        fail "see build.log: $(grep -m3 -E 'error|Error|FATAL' "$log" | tr '\n' ' ' | cut -c1-300)"
        [ "$HAVE_PREFIX" = 1 ] || STEP_DETAIL="$STEP_DETAIL (no .carry/prefix.tar.xz: run gpu_prepare.sh here and carry .carry)"
        return
    fi
    {
        echo "--- where the binaries' libraries come from"
        for b in "$BUILD"/tests/test_gpu_ops "$BUILD"/oprestore-bench; do
            [ -x "$b" ] || continue
            echo "$b:"
            renv ldd "$b" | grep -E 'png|jpeg|openblas|criterion|cudnn|cublas|cudart|gfortran|git2|libz|libav'
        done
        echo "--- library headers the build used (ninja -t deps)"
        have ninja && [ -f "$BUILD/build.ninja" ] &&
            ninja -C "$BUILD" -t deps 2>/dev/null |
            grep -E '/(png|jpeglib|jconfig|zlib|cblas)\.h$|/criterion/criterion\.h$|/libavformat/avformat\.h$|/cudnn\.h$' |
            sed 's/^ *//' | sort -u
    } >>"$log" 2>&1
    for b in "$BUILD"/tests/test_* "$BUILD"/oprestore-*; do
        [ -x "$b" ] && [ -f "$b" ] || continue
        n=$((n + 1))
        [ -n "$(missing_libs "$b")" ] && miss="$miss $(basename "$b")"
    done
    STEP_DETAIL="$n binaries in $BUILD"
    grep -q 'CUDA backend ON' "$log" && STEP_DETAIL="$STEP_DETAIL, CUDA on" || STEP_DETAIL="$STEP_DETAIL, CUDA OFF"
    if [ "$HAVE_PREFIX" = 1 ]; then
        # the carried libraries must be the ones used (the machine's would hide a gap)
        hdr=$(grep -E '^(/|.*/)(png|jpeglib|zlib|cblas)\.h$|criterion/criterion\.h$' "$log" | grep -vc "^$PREFIX" || true)
        if renv ldd "$BUILD"/tests/test_gpu_ops 2>/dev/null | grep -E 'criterion|openblas|png16|jpeg' | grep -vq "$PREFIX"; then
            STEP_STATUS=WARN
            STEP_DETAIL="$STEP_DETAIL; some carried libraries resolve outside $PREFIX (build.log)"
        elif [ "${hdr:-0}" != 0 ]; then
            STEP_STATUS=WARN
            STEP_DETAIL="$STEP_DETAIL; $hdr library headers came from outside $PREFIX (build.log)"
        else
            STEP_DETAIL="$STEP_DETAIL; carried libraries and headers used"
        fi
    fi
    [ -n "$miss" ] && STEP_DETAIL="$STEP_DETAIL; cannot start here (libraries missing):$miss"
}

# ---- test ----------------------------------------------------------------------------
# ctest_summary LOG: "N/M passed" plus failed and skipped tests
ctest_summary() {
    local line failed skipped
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of' "$1" | tail -1)
    failed=$(sed -n '/The following tests FAILED:/,/^$/p' "$1" | grep -E '^\s+[0-9]+ - ' |
             sed -E 's/^\s+[0-9]+ - ([^ ]+).*\((.*)\)/\1(\2)/' | tr '\n' ' ')
    skipped=$(sed -n '/The following tests did not run:/,/^$/p' "$1" | grep -E '^\s+[0-9]+ - ' |
              sed -E 's/^\s+[0-9]+ - ([^ ]+).*/\1/' | tr '\n' ' ')
    echo "${line:-no ctest summary}${failed:+; failed: $failed}${skipped:+; skipped: $skipped}"
}
step_test() {
    local log=$LOGS/test.log n_skip_cr
    ensure_build $GPU_TESTS || { fail "build failed (build.log)"; return; }
    # verbose Criterion: each test's time, its cr_log_info lines and why it skipped
    renv env CRITERION_VERBOSITY_LEVEL=1 timeout "$(tmo 500)" \
        ctest --test-dir "$BUILD" -L gpu -j 4 --timeout "$(tmo 480)" -V >"$log" 2>&1
    local rc=$?
    [ $rc -eq 124 ] && reap_build_procs >>"$log"
    STEP_DETAIL=$(ctest_summary "$log")
    n_skip_cr=$(grep -hoE '\[SKIP\] [0-9]+ test\(s\) skipped' "$log" | awk '{s += $2} END {print s + 0}')
    [ "$n_skip_cr" -gt 0 ] && STEP_DETAIL="$STEP_DETAIL; Criterion skipped $n_skip_cr test(s): $(grep -oE '\[SKIP\] [A-Za-z0-9_]+::.*' "$log" | cut -c8-120 | sort -u | head -3 | tr '\n' ' ')"
    [ $rc -eq 124 ] && { fail "timed out: $STEP_DETAIL"; return; }
    if [ $rc -ne 0 ]; then
        STEP_STATUS=FAIL
    elif [ "$DRY" != 1 ] && grep -q 'tests did not run' "$log"; then
        STEP_STATUS=FAIL # on a GPU, a skipped GPU test means the device was not used
    fi
}
step_cputest() {
    local log=$LOGS/cputest.log b ex=""
    ensure_build all || { fail "build failed (build.log)"; return; }
    for b in "$BUILD"/tests/test_*; do
        [ -x "$b" ] && [ -f "$b" ] || continue
        [ -n "$(missing_libs "$b")" ] && ex="$ex${ex:+|}$(basename "$b")"
    done
    # the test_cli_* tests run oprestore-gpu, which needs FFmpeg's codec libraries
    [ -n "$(missing_libs "$BUILD/oprestore-gpu")" ] && ex="$ex${ex:+|}test_cli_.*"
    # test_sr_eval needs testdata/sr (gpu_prepare.sh --with-sr) and fails without it
    local shared=$SHARED_CARRY
    [ -d "$shared/testdata/sr" ] || ex="$ex${ex:+|}test_sr_eval"
    local exa=()
    [ -n "$ex" ] && exa=(-E "^($ex)\$")
    renv timeout "$(tmo 500)" ctest --test-dir "$BUILD" -L cpu -j "$JOBS" --timeout "$(tmo 480)" \
        --output-on-failure "${exa[@]}" >"$log" 2>&1
    local rc=$?
    [ $rc -eq 124 ] && reap_build_procs >>"$log"
    STEP_DETAIL="$(ctest_summary "$log")${ex:+; left out (libraries or testdata/sr not carried): ${ex//|/ }}"
    [ $rc -eq 124 ] && STEP_DETAIL="timed out (budget); $STEP_DETAIL"
    [ $rc -eq 0 ] || STEP_STATUS=FAIL
}

# ---- sanitize ------------------------------------------------------------------------
SAN_TOOLS=${OR_GPU_SAN_TOOLS:-memcheck racecheck initcheck}
SAN_JOBS=${OR_GPU_SAN_JOBS:-6}
SAN_TIMEOUT=${OR_GPU_SAN_TIMEOUT:-200}
NET_FILTER=${OR_GPU_NET_FILTER:-net_sr_cuda/seeded_fixtures}
# san_job TOOL BIN [FILTER]: one compute-sanitizer run, log in $LOGS/san-TOOL-BIN.log
san_job() {
    local tool=$1 bin=$2 filter=${3:-} log t fa=()
    log=$LOGS/san-$tool-$bin.log
    t=$(tmo "$SAN_TIMEOUT")
    if [ "$(left)" -lt 40 ]; then
        echo "not run: no time left" >"$log"
        echo 200 >"$log.rc"
        return
    fi
    [ -n "$filter" ] && fa=(--filter "$filter")
    # shellcheck disable=SC2086
    renv timeout -k 10 "$t" "$SANITIZER" --tool "$tool" --target-processes all --print-limit 100 \
        ${OR_GPU_SAN_ARGS:-} "$BUILD/tests/$bin" -j2 --ascii "${fa[@]}" >"$log" 2>&1
    echo $? >"$log.rc"
}
# san_result LOG TOOL: "status|detail"
san_result() {
    local log=$1 rc errs haz synth st
    rc=$(cat "$log.rc" 2>/dev/null || echo 255)
    errs=$(grep -oE 'ERROR SUMMARY: [0-9]+ error' "$log" | awk '{s += $3} END {print s + 0}')
    haz=$(grep -oE 'RACECHECK SUMMARY: [0-9]+ hazard' "$log" | awk '{s += $3} END {print s + 0}')
    synth=$(grep -E 'Synthesis: Tested' "$log" | tail -1 | sed -E 's/.*Synthesis: //; s/ +/ /g')
    if [ "$rc" = 200 ]; then st="NOT RUN"
    elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then st=TIMEOUT
    elif [ "$rc" = 77 ]; then st=SKIP
    elif [ "$errs" = 0 ] && [ "$haz" = 0 ] && [ "$rc" = 0 ]; then st=ok
    else st=FAIL
    fi
    local internal
    internal=$(grep -m1 -E '^========= (Error|Internal)' "$log" | cut -c1-80)
    [ "$2" = racecheck ] && errs="$errs, hazards $haz"
    echo "$st|errors $errs; ${synth:-no Criterion synthesis}${internal:+; $internal}"
}
step_sanitize() {
    if [ "$DRY" = 1 ] && [ -z "${OR_GPU_SANITIZER:-}" ]; then
        STEP_STATUS=SKIP
        STEP_DETAIL="dry run: the runs it would make are listed in sanitize.log"
    elif [ -z "$SANITIZER" ]; then
        STEP_STATUS=SKIP
        STEP_DETAIL="no compute-sanitizer on this machine"
    fi
    ensure_build $GPU_TESTS || { fail "build failed (build.log)"; return; }
    local jobs=() j tool bin tb ops=()
    for tb in "$BUILD"/tests/test_gpu_ops*; do
        [ -x "$tb" ] && ops+=("$(basename "$tb")")
    done
    for tool in $SAN_TOOLS; do
        for bin in "${ops[@]}"; do jobs+=("$tool $bin"); done
        [ "$tool" = memcheck ] && jobs+=("memcheck test_gpu_net_sr $NET_FILTER")
    done
    printf '%s\n' "${jobs[@]}" >"$LOGS/sanitize.log"
    [ "$STEP_STATUS" = SKIP ] && return
    for j in "${jobs[@]}"; do
        while [ "$(jobs -rp | wc -l)" -ge "$SAN_JOBS" ]; do wait -n; done
        # shellcheck disable=SC2086
        san_job $j &
    done
    wait
    reap_build_procs >>"$LOGS/sanitize.log"
    local n_fail=0 n_ok=0 other=0 r st
    printf '%-10s %-32s %-8s %s\n' tool binary status detail >"$LOGS/sanitize-table.txt"
    for j in "${jobs[@]}"; do
        # shellcheck disable=SC2086
        set -- $j
        r=$(san_result "$LOGS/san-$1-$2.log" "$1")
        st=${r%%|*}
        case $st in ok) n_ok=$((n_ok + 1)) ;; FAIL) n_fail=$((n_fail + 1)) ;; *) other=$((other + 1)) ;; esac
        printf '%-10s %-32s %-8s %s\n' "$1" "$2" "$st" "${r#*|}${3:+ (filter $3)}" >>"$LOGS/sanitize-table.txt"
    done
    cat "$LOGS/sanitize-table.txt" >>"$LOGS/sanitize.log"
    STEP_DETAIL="${#jobs[@]} runs: $n_ok clean, $n_fail with errors, $other timed out/not run/skipped (table below)"
    [ "$n_fail" -gt 0 ] && STEP_STATUS=FAIL
    [ "$n_fail" = 0 ] && [ "$other" -gt 0 ] && STEP_STATUS=PARTIAL
}

# ---- sreval ----------------------------------------------------------------------------
step_sreval() {
    local log=$LOGS/sreval.log md
    [ -d "$SHARED_CARRY/testdata/sr" ] || {
        STEP_STATUS=SKIP; STEP_DETAIL="no .carry/shared/testdata/sr (bench/gpu_prepare.sh --with-sr)"; return; }
    ensure_build oprestore-bench oprestore-convert || { fail "build failed (build.log)"; return; }
    md=$OUT/results-${GPU_SLUG}.md
    renv env OPRESTORE_BUILD="$BUILD" timeout "$(tmo 300)" bench/sr_eval.sh -g "$DEV" -B "$BUILD" -o "$md" >"$log" 2>&1
    local rc=$?
    STEP_DETAIL="$(grep -m2 -iE 'mean|psnr' "$log" | tr '\n' ' ' | cut -c1-200)"
    [ $rc -eq 0 ] || STEP_STATUS=FAIL
}

# ---- peer ------------------------------------------------------------------------------
TORCH_JSON=$WORK/torch.json
step_peer() {
    local log=$LOGS/peer.log group stage part parts=() rc timed="" dev=cuda tiny=()
    [ "$DRY" = 1 ] && { dev=cpu; tiny=(--tiny); }
    if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
        STEP_STATUS=SKIP; STEP_DETAIL="$PY has no torch"; return
    fi
    # eager modes first (fast), torch.compile after; each stage apart, so that a
    # run cut by the budget loses only its own numbers
    local eager compile
    eager=$(echo "$PEER_MODES" | tr ',' '\n' | grep -v compile | paste -sd, -)
    compile=$(echo "$PEER_MODES" | tr ',' '\n' | grep compile | paste -sd, -)
    # when bench follows in this call, leave it its time
    local reserve=0 t
    wants bench && reserve=${OR_GPU_BENCH_RESERVE:-200}
    : >"$log"
    for group in $eager $compile; do
        for stage in colorize upscale interpolate; do
            part=$WORK/torch-$stage-${group//,/_}.json
            t=$(tmo 300)
            [ $((t + reserve)) -gt $(($(left) - 20)) ] && t=$(($(left) - 20 - reserve))
            if [ "$t" -lt 30 ]; then
                timed="$timed $stage/$group(not run: time kept for bench)"
                continue
            fi
            echo "+ pytorch_peer.py --device $dev --stage $stage --modes $group ${tiny[*]} (timeout $t s)" >>"$log"
            PYTHONUNBUFFERED=1 timeout -k 10 "$t" "$PY" bench/pytorch_peer.py --device "$dev" \
                --stage "$stage" --modes "$group" "${tiny[@]}" --json "$part" >>"$log" 2>&1
            rc=$?
            if [ $rc -eq 0 ] && [ -f "$part" ]; then parts+=("$part"); else timed="$timed $stage/$group(rc $rc)"; fi
        done
    done
    [ ${#parts[@]} -gt 0 ] || { fail "no pytorch_peer run finished:$timed"; return; }
    python3 - "$TORCH_JSON" "${parts[@]}" <<'EOF' >>"$log" 2>&1
import json, sys
doc = None
for p in sys.argv[2:]:
    d = json.load(open(p))
    if doc is None:
        doc = d
    else:
        doc["results"] += d["results"]
json.dump(doc, open(sys.argv[1], "w"), indent=1)
EOF
    cp "$TORCH_JSON" "$LOGS/"
    local n_av n_all
    n_all=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$TORCH_JSON")
    n_av=$(python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))["results"] if r.get("available")))' "$TORCH_JSON")
    STEP_DETAIL="$n_av of $n_all workload x mode results measured${timed:+; cut or failed:$timed}"
    [ -n "$timed" ] && STEP_STATUS=PARTIAL
}

# ---- bench -----------------------------------------------------------------------------
step_bench() {
    local log=$LOGS/bench.log name merge=() tj rc rc2
    ensure_build oprestore-bench || { fail "build failed (build.log)"; return; }
    name=$GPU_SLUG-$(date -u +%F)
    tj=${OR_GPU_TORCH_JSON:-$TORCH_JSON}
    [ -f "$tj" ] && merge=(--merge "$tj")
    # shellcheck disable=SC2086
    renv timeout -k 10 "$(tmo 360)" "$BUILD/oprestore-bench" -g "$DEV" --kernels "${merge[@]}" \
        --json "$OUT/$name.json" --csv "$OUT/$name.csv" --chart "$OUT/$name.png" $BENCH_ARGS >"$log" 2>&1
    rc=$?
    # shellcheck disable=SC2086
    renv timeout -k 10 "$(tmo 180)" "$BUILD/oprestore-bench" -g "$DEV" --stage upscale \
        --layout "$COMPARE_LAYOUT" --json "$OUT/$name-$COMPARE_LAYOUT.json" $BENCH_ARGS \
        >"$LOGS/bench-$COMPARE_LAYOUT.log" 2>&1
    rc2=$?
    # pytorch_peer's own merge adds ms/frame and its environment to the same JSON
    if [ ${#merge[@]} -gt 0 ] && [ -f "$OUT/$name.json" ]; then
        (cd bench && "$PY" -c 'import json, sys, pytorch_peer as p
p.merge_into(sys.argv[1], json.load(open(sys.argv[2]))["results"])' "$OUT/$name.json" "$tj") >>"$log" 2>&1 ||
            echo "pytorch_peer merge_into failed" >>"$log"
    fi
    chmod 644 "$OUT/$name"* 2>/dev/null # merge_into writes through mkstemp (0600)
    python3 - "$OUT/$name.json" "$OUT/$name-$COMPARE_LAYOUT.json" "$COMPARE_LAYOUT" \
        >"$LOGS/layout.txt" 2>&1 <<'EOF'
import json, sys
def fps(path):
    try:
        return {(r["stage"], r["name"]): r.get("fps") for r in json.load(open(path))["results"]}
    except Exception as e:
        print("cannot read %s: %s" % (path, e))
        return {}
a, b = fps(sys.argv[1]), fps(sys.argv[2])
print("%-26s %12s %12s %8s" % ("upscale workload", "default fps", sys.argv[3] + " fps", "ratio"))
for k in sorted(b):
    if k in a and a[k] and b[k]:
        print("%-26s %12.2f %12.2f %8.2f" % (k[1], a[k], b[k], a[k] / b[k]))
EOF
    # the docs/perf.md tables of this run (in logs.tgz)
    python3 bench/results_md.py "$OUT/$name.json" >"$LOGS/perf-tables.md" 2>&1
    STEP_DETAIL="$name.json/.csv/.png${merge:+ (PyTorch merged)}, $name-$COMPARE_LAYOUT.json"
    [ $rc -eq 124 ] || [ $rc -eq 137 ] && { fail "timed out (the main run)"; return; }
    [ $rc -eq 0 ] && [ $rc2 -eq 0 ] || fail "oprestore-bench exit $rc / $rc2 (bench.log)"
}

# ---- the pass ------------------------------------------------------------------------
say "gpu_session.sh: steps$WANT(budget $BUDGET s, dry $DRY, build $BUILD, out $OUT)"
for s in $ORDER; do
    wants "$s" && run_step "$s"
done

# what matters most comes last: the reply keeps only the end of the output
{
    if [ -f "$LOGS/bench.log" ]; then
        echo
        echo "---- oprestore-bench"
        awk '/^device:/ {on = 1} on && /^$/ {exit} on' "$LOGS/bench.log"
        [ -s "$LOGS/layout.txt" ] && { echo; cat "$LOGS/layout.txt"; }
    fi
    for f in test cputest; do
        [ -f "$LOGS/$f.log" ] || continue
        fails=$(grep -E '\*\*\*(Failed|Timeout|Exception)|Not Run' "$LOGS/$f.log" | sed -E 's/^ *//' | head -20
                grep -A2 -E 'Assertion Failed|\[FAIL\]' "$LOGS/$f.log" |
                    grep -vE 'Assertion Failed|^--$|\[----\] *$' | cut -c1-200 | head -20)
        [ -n "$fails" ] || continue
        echo
        echo "---- $f: failed tests and their first assertion messages (all in logs.tgz: logs/$f.log)"
        echo "$fails"
    done
    if [ -f "$LOGS/sanitize-table.txt" ]; then
        echo
        echo "---- compute-sanitizer"
        cat "$LOGS/sanitize-table.txt"
    fi
    echo
    echo "---- summary ($(elapsed) s of $BUDGET; logs in $OUT/logs.tgz)"
    printf '%-9s %-8s %6s  %s\n' step status secs detail
    for i in "${!S_NAMES[@]}"; do
        printf '%-9s %-8s %6s  %s\n' "${S_NAMES[$i]}" "${S_STATUS[$i]}" "${S_TIME[$i]}" "${S_DETAIL[$i]}"
    done
} | tee -a "$SUMMARY"
pack_logs
rc=0
for st in "${S_STATUS[@]}"; do
    case $st in FAIL) rc=1 ;; esac
done
exit $rc
