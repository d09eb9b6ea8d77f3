#!/usr/bin/env bash
# house_moves.sh: issue 18's file moves (runtime/ by layer, the cuDNN/cuBLAS
# orchestration of kernels/ up into the core's CUDA backend) and the include /
# CMake / docs path rewrites that follow from them, from ONE mapping table.
#
#   scripts/house_moves.sh           both phases
#   scripts/house_moves.sh moves     only `git mv` (no edits: `git log --follow` keeps history)
#   scripts/house_moves.sh rewrite   only the path rewrites
#
# Idempotent: a move whose source is gone and whose destination exists is
# skipped; includes that already resolve are left alone.  Commit the two
# phases separately (moves, then rewrites).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
phase="${1:-all}"

# ---- the mapping table: old path -> new path ------------------------------------
MAP="$(cat <<'TABLE'
runtime/status.c            runtime/core/status.c
runtime/status.h            runtime/core/status.h
runtime/tensor.c            runtime/core/tensor.c
runtime/tensor.h            runtime/core/tensor.h
runtime/arena.c             runtime/core/arena.c
runtime/arena.h             runtime/core/arena.h
runtime/fileutil.c          runtime/core/fileutil.c
runtime/fileutil.h          runtime/core/fileutil.h
runtime/backend.c           runtime/core/backend.c
runtime/backend.h           runtime/core/backend.h
runtime/backend_cpu.c       runtime/core/backend_cpu.c
runtime/backend_cuda.cu     runtime/core/backend_cuda.cu
runtime/backend_cuda.h      runtime/core/backend_cuda.h
kernels/conv2d_cuda.cu      runtime/core/backend_cuda_conv.cu
kernels/deconv_cuda.cu      runtime/core/backend_cuda_deconv.cu
kernels/attention_cuda.cu   runtime/core/backend_cuda_attention.cu
runtime/ops.c               runtime/core/ops.c
runtime/ops.h               runtime/core/ops.h
runtime/ops_attention.c     runtime/core/ops_attention.c
runtime/ops_attention.h     runtime/core/ops_attention.h
runtime/ops_color.c         runtime/core/ops_color.c
runtime/ops_color.h         runtime/core/ops_color.h
runtime/ops_deconv.c        runtime/core/ops_deconv.c
runtime/ops_deconv.h        runtime/core/ops_deconv.h
runtime/ops_flow.c          runtime/core/ops_flow.c
runtime/ops_flow.h          runtime/core/ops_flow.h
runtime/ops_math.c          runtime/core/ops_math.c
runtime/ops_math.h          runtime/core/ops_math.h
runtime/ops_pool.c          runtime/core/ops_pool.c
runtime/ops_pool.h          runtime/core/ops_pool.h
runtime/ops_resample.c      runtime/core/ops_resample.c
runtime/ops_resample.h      runtime/core/ops_resample.h
runtime/net.c               runtime/nets/net.c
runtime/net.h               runtime/nets/net.h
runtime/net_internal.h      runtime/nets/net_internal.h
runtime/net_seeded.c        runtime/nets/net_seeded.c
runtime/net_seeded.h        runtime/nets/net_seeded.h
runtime/net_rrdbnet.c       runtime/nets/net_rrdbnet.c
runtime/net_srvgg.c         runtime/nets/net_srvgg.c
runtime/net_zhang.c         runtime/nets/net_zhang.c
runtime/net_deoldify.c      runtime/nets/net_deoldify.c
runtime/net_deoldify.h      runtime/nets/net_deoldify_enc.h
runtime/net_deoldify_enc.c  runtime/nets/net_deoldify_enc.c
runtime/net_rife.c          runtime/nets/net_rife.c
runtime/net_rife.h          runtime/nets/net_rife.h
runtime/net_rife_forward.c  runtime/nets/net_rife_forward.c
runtime/net_dain.c          runtime/nets/net_dain.c
runtime/net_dain_depth.c    runtime/nets/net_dain_depth.c
runtime/net_dain_parts.c    runtime/nets/net_dain_parts.c
runtime/net_dain_parts.h    runtime/nets/net_dain_parts.h
runtime/net_dain_pwc.c      runtime/nets/net_dain_pwc.c
runtime/colorize.c          runtime/stages/colorize.c
runtime/colorize.h          runtime/stages/colorize.h
runtime/colorize_deoldify.c runtime/stages/colorize_deoldify.c
runtime/colorize_zhang.c    runtime/stages/colorize_zhang.c
runtime/colorize_zhang.h    runtime/stages/colorize_zhang.h
runtime/hints.c             runtime/stages/hints.c
runtime/upscale.c           runtime/stages/upscale.c
runtime/upscale.h           runtime/stages/upscale.h
runtime/tile.c              runtime/stages/tile.c
runtime/interpolate.c       runtime/stages/interpolate.c
runtime/interpolate.h       runtime/stages/interpolate.h
runtime/scene.c             runtime/stages/scene.c
runtime/scene.h             runtime/stages/scene.h
runtime/image.c             runtime/io/image.c
runtime/image.h             runtime/io/image.h
runtime/image_internal.h    runtime/io/image_internal.h
runtime/image_png.c         runtime/io/image_png.c
runtime/image_jpeg.c        runtime/io/image_jpeg.c
runtime/resize.c            runtime/io/resize.c
runtime/resize.h            runtime/io/resize.h
runtime/resize_pil.c        runtime/io/resize_pil.c
runtime/resize_pil.h        runtime/io/resize_pil.h
runtime/video.h             runtime/io/video.h
runtime/video_internal.h    runtime/io/video_internal.h
runtime/video_read.c        runtime/io/video_read.c
runtime/video_write.c       runtime/io/video_write.c
runtime/pipeline.h          runtime/pipeline/pipeline.h
runtime/pipeline_batch.c    runtime/pipeline/pipeline_batch.c
runtime/pipeline_queue.c    runtime/pipeline/pipeline_queue.c
runtime/pipeline_video.c    runtime/pipeline/pipeline_video.c
runtime/progress.c          runtime/pipeline/progress.c
runtime/progress.h          runtime/pipeline/progress.h
TABLE
)"

# ---- phase 1: git mv --------------------------------------------------------------
if [ "$phase" = all ] || [ "$phase" = moves ]; then
  while read -r old new; do
    [ -z "$old" ] && continue
    if [ -e "$old" ]; then
      mkdir -p "$(dirname "$new")"
      git mv "$old" "$new"
    elif [ ! -e "$new" ]; then
      echo "house_moves: warning: neither $old nor $new exists" >&2
    fi
  done <<< "$MAP"
  # a file that appeared on main after this table was written
  left=$(ls runtime/*.c runtime/*.h runtime/*.cu 2>/dev/null || true)
  [ -n "$left" ] && echo "house_moves: not in the table, still at runtime/: $left" >&2
fi

# ---- phase 2: rewrites ----------------------------------------------------------------
if [ "$phase" = all ] || [ "$phase" = rewrite ]; then
  MAP="$MAP" python3 - <<'PY'
import os, re, subprocess
pairs = [l.split() for l in os.environ["MAP"].splitlines() if l.strip()]
fwd = {o: n for o, n in pairs}
inv = {n: o for o, n in pairs}
files = subprocess.run(["git", "ls-files"], capture_output=True, text=True,
                       check=True).stdout.split()
now = set(files)                               # the tree after the moves
before = {inv.get(p, p) for p in now}          # the same tree before them
norm = lambda p: os.path.normpath(p).replace("\\", "/")

def resolve(includer_dir, s, tree):
    for cand in (norm(os.path.join(includer_dir, s)), norm(s)):
        if cand in tree:
            return cand
    return None

inc_re = re.compile(r'^(\s*#\s*include\s*")([^"]+)(")', re.M)

def fix_include(path, m):
    s = m.group(2)
    new_dir = os.path.dirname(path)
    if resolve(new_dir, s, now):               # still resolves (or already rewritten)
        return m.group(0)
    old = resolve(os.path.dirname(inv.get(path, path)), s, before)
    if old is None:
        return m.group(0)                      # a system or generated header
    tgt = fwd.get(old, old)
    rep = os.path.basename(tgt) if os.path.dirname(tgt) == new_dir else tgt
    return m.group(1) + rep + m.group(3)

# bare old paths in comments, docs, CMake: longest first, whole path only
olds = sorted(fwd, key=len, reverse=True)
path_re = re.compile(r'(?<![A-Za-z0-9_./-])(' + "|".join(map(re.escape, olds)) +
                     r')(?![A-Za-z0-9_])')
exts = (".c", ".h", ".cu", ".cuh", ".cpp", ".cmake", ".md", ".py", ".sh", ".txt")
for p in files:
    if not (p.endswith(exts) or os.path.basename(p) == "CMakeLists.txt"):
        continue
    if p.startswith("scripts/house_moves") or not os.path.isfile(p):
        continue
    try:
        text = open(p, encoding="utf-8").read()
    except UnicodeDecodeError:
        continue
    new = text
    if p.endswith((".c", ".h", ".cu", ".cuh", ".cpp")):
        new = inc_re.sub(lambda m: fix_include(p, m), new)
    new = path_re.sub(lambda m: fwd[m.group(1)], new)
    if new != text:
        open(p, "w", encoding="utf-8").write(new)
PY
  # CMake globs of the flat runtime/ folder -> its layer folders (commit 2 must build)
  sed -i -E \
    -e 's#^( *)runtime/\*\.c kernels/\*\.c#\1runtime/core/*.c runtime/nets/*.c runtime/stages/*.c runtime/io/*.c runtime/pipeline/*.c kernels/*.c#' \
    -e 's#runtime/\*\.cu kernels/\*\.cu#runtime/core/*.cu kernels/*.cu#' CMakeLists.txt
fi
