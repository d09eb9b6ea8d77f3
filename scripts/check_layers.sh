#!/usr/bin/env bash
# check_layers.sh: the layering rules of docs/architecture.md, checked on the
# include graph (ctest: check_layers, label cpu).
#   1. no file under kernels/ includes a runtime/ header;
#   2. the include graph between folders has no cycle;
#   3. a folder includes only folders of a lower layer (RANK below).
# Usage: scripts/check_layers.sh [source root] [-v: print the folder graph]
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"
python3 - "${2:-}" <<'PY'
import os, re, sys
verbose = sys.argv[1] == "-v"
# folder -> its layer: a folder may include only folders of a LOWER layer
# (kernels at the bottom; docs/architecture.md).  Same-layer folders
# (weights, io) may not include each other.
RANK = {
    "kernels":          0,
    "runtime/core":     1,
    "weights":          2,
    "runtime/io":       2,
    "runtime/nets":     3,
    "convert":          3,
    "runtime/stages":   4,
    "convert/tool":     4,
    "runtime/pipeline": 5,
    "runtime/studio":   6,
    "runtime/cli":      7,
    "runtime":          8,
}
srcs = []
for top in ("kernels", "runtime", "weights", "convert"):
    for d, _, fs in os.walk(top):
        srcs += [os.path.join(d, f) for f in fs
                 if f.endswith((".c", ".h", ".cu", ".cuh"))]
inc = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
errors, edges = [], {}
for f in sorted(srcs):
    here = os.path.dirname(f)
    for s in inc.findall(open(f, encoding="utf-8", errors="replace").read()):
        tgt = None
        for cand in (os.path.normpath(os.path.join(here, s)), os.path.normpath(s)):
            if os.path.isfile(cand):
                tgt = cand
                break
        if tgt is None:
            continue                      # a system / toolkit header
        there = os.path.dirname(tgt)
        if here.split("/")[0] == "kernels" and tgt.startswith("runtime/"):
            errors.append(f"{f}: kernels/ includes a runtime/ header: {s}")
        if there != here:
            edges.setdefault(here, {}).setdefault(there, f)
            if here not in RANK:
                errors.append(f"{f}: folder {here}/ has no layer in scripts/check_layers.sh")
            elif there in RANK and RANK[there] >= RANK[here] and not here.startswith("kernels"):
                errors.append(f"{f}: {here}/ (layer {RANK[here]}) includes {there}/ "
                              f"(layer {RANK[there]}): {s}")
# cycles between folders (depth-first search)
state, stack = {}, []
def dfs(u):
    state[u] = 1
    stack.append(u)
    for v in sorted(edges.get(u, {})):
        if state.get(v) == 1:
            cyc = stack[stack.index(v):] + [v]
            errors.append("folder include cycle: " + " -> ".join(cyc) +
                          f" (e.g. {edges[u][v]} includes {v}/)")
        elif v not in state:
            dfs(v)
    stack.pop()
    state[u] = 2
for u in sorted(edges):
    if u not in state:
        dfs(u)
if verbose:
    for u in sorted(edges):
        print(f"{u} -> {', '.join(sorted(edges[u]))}")
for e in errors:
    print("check_layers:", e)
sys.exit(1 if errors else 0)
PY
