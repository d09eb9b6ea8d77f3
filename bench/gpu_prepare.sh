#!/usr/bin/env bash
# gpu_prepare.sh: run HERE (Debian 12, amd64, apt) before calling a lent GPU.
# Fills .carry/ (git-ignored), which travels with `run` when the call names
# carry [".carry"]; bench/gpu_session.sh reads it there.
#
#   bench/gpu_prepare.sh [--with-sr] [--no-weights]
#
#   .carry/prefix.tar.xz  the Debian libraries and headers the build needs that
#                         the device image lacks (libpng, libjpeg-turbo, zlib
#                         headers, OpenBLAS, Criterion and its runtime, FFmpeg's
#                         libav*/libsw* with their headers, pkgconf), downloaded
#                         with `apt-get download` (no root), unpacked with
#                         dpkg -x and pruned here (docs, static archives, LAPACK)
#   .carry/prefix.txt     the packages in it: name version (the archive is remade
#                         only when they change, or with OR_PREPARE_FORCE=1)
#   .carry/commit         git HEAD here (with -dirty), for the bench results
#   .carry/shared/weights/realesr-animevideov3.pth   the real-model GPU test
#   .carry/shared/testdata/sr/   (--with-sr, 6 MB) for the `sreval` step
#   .carry/cudnn/include/  this machine's cuDNN headers, used there only when
#                         the cuDNN found (the torch venv's wheel) has none
#
# FFmpeg is carried lean: its libraries and headers, not their codec
# dependencies (x264, x265, aom, rsvg, ... some 70 MB of packages). CMakeLists
# requires FFmpeg, so it is needed to configure and link; the binaries the GPU
# steps run (tests/test_gpu_*, oprestore-bench) do not use it and are linked
# with --as-needed, so they never load it. The few binaries that do use it
# (oprestore-gpu, test_video, test_cli_restore*, test_cli_common) link but
# cannot start there; gpu_session.sh's `cputest` leaves them out and says so.
#
# The .debs are cached in $OR_DEB_DIR (default /tmp/oprestore-gpu-debs), outside
# the carry. The script ends with the size of what will travel (limit 64 MiB:
# tracked + untracked-not-ignored files + .carry).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${OPRESTORE_SHARED:-$ROOT/../shared}
DEB_DIR=${OR_DEB_DIR:-/tmp/oprestore-gpu-debs}
CARRY=$ROOT/.carry
WITH_SR=0
WITH_WEIGHTS=1
for a in "$@"; do
    case $a in
    --with-sr) WITH_SR=1 ;;
    --no-weights) WITH_WEIGHTS=0 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "gpu_prepare.sh: unknown argument $a" >&2; exit 2 ;;
    esac
done

# Development packages, taken without their dependencies (their -dev
# dependencies are only needed for static linking).
DEV_PKGS=(libpng-dev libjpeg62-turbo-dev zlib1g-dev libopenblas-dev libopenblas-openmp-dev
          libcriterion-dev pkgconf
          libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev)
# FFmpeg's runtime libraries, without their codec dependencies (see above).
LEAN_PKGS=(libavcodec59 libavformat59 libavutil57 libswscale6 libswresample4 libopenblas0)
# Runtime libraries taken with their whole dependency closure...
CLOSURE_ROOTS=(libpng16-16 libjpeg62-turbo libopenblas0-openmp libgfortran5 libcriterion3
               libpkgconf3 pkgconf-bin)
# ...less what every Debian/Ubuntu image with a compiler has (C and C++
# runtimes, zlib, pcre2: libz.so's absolute link is re-pointed there).
BASE_PKGS=" libc6 libc-bin libgcc-s1 libstdc++6 gcc-12-base zlib1g libzstd1 liblzma5 libbz2-1.0 "
BASE_PKGS+="libcrypt1 libselinux1 libpcre2-8-0 libgmp10 libtinfo6 libgomp1 debconf dpkg tar perl-base "

tmp=$(mktemp -d /tmp/gpu_prepare.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "== resolving packages (apt-get -s against an empty status: the whole closure)"
: >"$tmp/empty_status"
closure=$(apt-get -o Dir::State::status="$tmp/empty_status" -o Debug::NoLocking=1 -s install \
              --no-install-recommends "${CLOSURE_ROOTS[@]}" 2>/dev/null | awk '/^Inst /{print $2}')
[ -n "$closure" ] || { echo "gpu_prepare.sh: apt-get could not resolve ${CLOSURE_ROOTS[*]}" >&2; exit 1; }
pkgs=()
for p in $closure "${DEV_PKGS[@]}" "${LEAN_PKGS[@]}"; do
    case "$BASE_PKGS" in *" $p "*) continue ;; esac
    case " ${pkgs[*]} " in *" $p "*) continue ;; esac
    pkgs+=("$p")
done
echo "   ${#pkgs[@]} packages: ${pkgs[*]}"

echo "== downloading into $DEB_DIR (cached)"
mkdir -p "$DEB_DIR"
debs=()
missing=()
deb_of() {
    local f
    for f in "$DEB_DIR/$1"_*_amd64.deb "$DEB_DIR/$1"_*_all.deb; do
        [ -f "$f" ] && { echo "$f"; return 0; }
    done
    return 0
}
for p in "${pkgs[@]}"; do
    [ -n "$(deb_of "$p")" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    (cd "$DEB_DIR" && apt-get -q download "${missing[@]}" 2>&1 | grep -vE '^(Get:|Fetched|W: Download is performed unsandboxed)' || true)
fi
for p in "${pkgs[@]}"; do
    d=$(deb_of "$p")
    [ -n "$d" ] || { echo "gpu_prepare.sh: $p was not downloaded" >&2; exit 1; }
    debs+=("$d")
done
deb_bytes=$(du -cb "${debs[@]}" | tail -1 | cut -f1)
echo "   $(( deb_bytes / 1048576 )) MiB of .debs"

: >"$tmp/prefix.txt"
for d in "${debs[@]}"; do
    echo "$(dpkg-deb -f "$d" Package) $(dpkg-deb -f "$d" Version)" >>"$tmp/prefix.txt"
done
sort -o "$tmp/prefix.txt" "$tmp/prefix.txt"
mkdir -p "$CARRY"
rm -rf "$CARRY/debs" # an older layout
raw_bytes=0
if [ "${OR_PREPARE_FORCE:-0}" != 1 ] && [ -f "$CARRY/prefix.tar.xz" ] &&
   cmp -s "$tmp/prefix.txt" "$CARRY/prefix.txt"; then
    echo "== .carry/prefix.tar.xz holds these packages already (OR_PREPARE_FORCE=1 remakes it)"
else
    echo "== unpacking (dpkg -x) and pruning"
    stage=$tmp/prefix
    mkdir -p "$stage"
    for d in "${debs[@]}"; do
        dpkg -x "$d" "$stage"
    done
    rm -rf "${stage:?}"/usr/share/{doc,man,info,lintian,locale,bug,bash-completion,aclocal,gcc} "${stage:?}"/etc
    find "$stage" \( -name '*.a' -o -name 'liblapack.so*' -o -name 'libblas.so*' \) \( -type f -o -type l \) -delete
    # One library folder (merged /usr): keyutils and com_err live in /lib.
    if [ -d "$stage/lib" ]; then
        mkdir -p "$stage/usr/lib"
        cp -a "$stage/lib/." "$stage/usr/lib/"
        rm -rf "${stage:?}/lib"
    fi
    # Links are kept as they are: gpu_session.sh re-points the absolute ones
    # (libz.so -> /lib/x86_64-linux-gnu/libz.so.1.2.13) when it unpacks.
    raw_bytes=$(du -sb "$stage" | cut -f1)

    echo "== checking that the carried libraries need only the prefix and a base system"
    # What a carried library or program loads from outside the prefix must be in every
    # image with a compiler; FFmpeg's libraries are carried lean on purpose (above).
    BASE_SONAMES=" libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libresolv.so.2 "
    BASE_SONAMES+="libgcc_s.so.1 libstdc++.so.6 libz.so.1 libpcre2-8.so.0 libzstd.so.1 liblzma.so.5 "
    BASE_SONAMES+="libbz2.so.1.0 libcrypt.so.1 libselinux.so.1 libgmp.so.10 libgomp.so.1 "
    slib=$stage/usr/lib/x86_64-linux-gnu
    outside=$(find "$stage" -type f \( -name '*.so*' -o -path '*/bin/*' \) ! -name 'libav*' ! -name 'libsw*' |
              while IFS= read -r f; do
                  file -b "$f" 2>/dev/null | grep -q ELF || continue
                  LD_LIBRARY_PATH=$slib:$slib/openblas-openmp ldd "$f" 2>/dev/null |
                      awk -v p="$stage" '$2 == "=>" && index($3, p) != 1 {print $1}'
              done | sort -u)
    unexpected=""
    for so in $outside; do
        case "$BASE_SONAMES" in *" $so "*) ;; *) unexpected="$unexpected $so" ;; esac
    done
    echo "   taken from the machine: $(echo "$outside" | tr '\n' ' ')"
    if [ -n "$unexpected" ]; then
        echo "gpu_prepare.sh: carried libraries need$unexpected from outside the prefix and the base set" >&2
        exit 1
    fi

    echo "== writing .carry/prefix.tar.xz"
    tar -C "$stage" -cf - . | xz -T0 -9 >"$CARRY/prefix.tar.xz.tmp"
    mv "$CARRY/prefix.tar.xz.tmp" "$CARRY/prefix.tar.xz"
    cp "$tmp/prefix.txt" "$CARRY/prefix.txt"
fi

# cuDNN headers, for a device whose cuDNN (the torch venv's wheel) has none:
# gpu_session.sh uses them only then. The API used (legacy convolution) is in
# every cuDNN 9.
rm -rf "$CARRY/cudnn"
cudnn_h=$(ls /usr/local/cuda/include/cudnn.h /usr/include/cudnn.h /usr/include/x86_64-linux-gnu/cudnn.h 2>/dev/null | head -1 || true)
if [ -n "$cudnn_h" ]; then
    mkdir -p "$CARRY/cudnn/include"
    cp "$(dirname "$cudnn_h")"/cudnn*.h "$CARRY/cudnn/include/"
else
    echo "   no cudnn.h here: none carried (the device must have its own)"
fi

# the commit measured (the device's copy of the tree has no .git): gpu_session.sh
# gives it to oprestore-bench as OPRESTORE_COMMIT
c=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ] || c="$c-dirty"
echo "$c" >"$CARRY/commit"

rm -rf "$CARRY/shared"
if [ "$WITH_WEIGHTS" = 1 ]; then
    w=$SHARED/weights/realesr-animevideov3.pth
    if [ -f "$w" ]; then
        mkdir -p "$CARRY/shared/weights"
        cp "$w" "$CARRY/shared/weights/"
    else
        echo "   $w not found: the real-model GPU test will be skipped there"
    fi
fi
if [ "$WITH_SR" = 1 ]; then
    [ -d "$SHARED/testdata/sr" ] || { echo "gpu_prepare.sh: $SHARED/testdata/sr not found" >&2; exit 1; }
    mkdir -p "$CARRY/shared/testdata"
    cp -r "$SHARED/testdata/sr" "$CARRY/shared/testdata/"
fi

echo "== what travels"
cd "$ROOT"
tracked=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null |
            awk '{s+=$1} END {print s+0}')
carry=$(du -sb "$CARRY" | cut -f1)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
printf '   %-44s %s\n' ".debs downloaded (cache, not carried)" "$(mib "$deb_bytes")"
[ "$raw_bytes" = 0 ] || printf '   %-44s %s\n' "prefix unpacked and pruned (not carried)" "$(mib "$raw_bytes")"
printf '   %-44s %s\n' ".carry/prefix.tar.xz" "$(mib "$(stat -c %s .carry/prefix.tar.xz)")" \
    ".carry/ in all" "$(mib "$carry")" \
    "tracked files" "$(mib "$tracked")" \
    "untracked, not ignored files" "$(mib "$untracked")"
total=$((tracked + untracked + carry))
printf '   %-44s %s (limit 64 MiB)\n' "total" "$(mib "$total")"
if [ "$total" -gt $((60 * 1048576)) ]; then
    echo "gpu_prepare.sh: WARNING: within 4 MiB of the 64 MiB limit; drop --with-sr or untracked files" >&2
    exit 1
fi
echo "== done. On the device: run(command='bench/gpu_session.sh ...', carry=['.carry'])"
