#!/usr/bin/env python3
"""results_md.py: the docs/perf.md tables of one oprestore-bench results JSON.

    python3 bench/results_md.py bench/results/h100-80gb-hbm3-2026-12-01.json [--top 5]

Prints markdown: a line naming the device, commit, date and measured ceilings;
one row per workload (ours, PyTorch's modes that were measured, the ratios, the
floor over the measured ceilings and how close we are to it); then the --top
most expensive kernel groups of each workload (when the run had --kernels).
Standard library only; the JSON is the one `oprestore-bench --json` writes
(with `--merge` of bench/pytorch_peer.py's numbers, if any)."""
import argparse
import json
import sys

TORCH_MODES = ["eager_fp32", "eager_fp16", "compile_fp16"]


def fmt(v, digits=3):
    if v is None:
        return "—"
    if v >= 100:
        return "%.0f" % v
    return ("%%.%dg" % digits) % v


def header(d):
    c = d.get("ceilings", {})
    gemm = "GEMM f32 %s TFLOP/s" % fmt(c.get("gemm_f32_tflops"))
    if c.get("gemm_f16_tflops"):
        gemm += ", f16 %s TFLOP/s" % fmt(c["gemm_f16_tflops"])
    return ("Device: %s · host: %s · date: %s · commit: `%s` · dtype %s, %s iterations after %s "
            "warm-up · measured ceilings: %s (%s), copy %s GB/s (%s)"
            % (d.get("device"), d.get("host"), d.get("date"), (d.get("commit") or "?")[:12],
               d.get("dtype"), fmt(d.get("iters")), fmt(d.get("warmup")), gemm, c.get("gemm", ""),
               fmt(c.get("copy_gbps")), c.get("copy", "")))


def workload_table(d):
    rows = [r for r in d["results"] if r.get("available")]
    modes = [m for m in TORCH_MODES if any(m in r.get("pytorch", {}) for r in rows)]
    head = ["workload", "input", "ours ms (p10–p90)", "ours fps"]
    head += ["torch %s fps" % m.replace("_", " ") for m in modes]
    head += ["ours / torch %s" % m.replace("_", " ") for m in modes]
    head += ["floor ms (measured ceilings)", "% of floor speed"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        t = r["ms_per_frame"]
        cells = [r["name"], "%dx%d" % tuple(r["in"]),
                 "%s (%s–%s)" % (fmt(t["median"], 4), fmt(t["p10"], 4), fmt(t["p90"], 4)),
                 fmt(r["fps"])]
        torch = [r.get("pytorch", {}).get(m, {}).get("fps") for m in modes]
        cells += [fmt(f) for f in torch]
        cells += ["%.2fx" % (r["fps"] / f) if f else "—" for f in torch]
        floor = r.get("measured_floor_ms")
        cells += [fmt(floor), "%.0f%%" % (100 * floor / t["median"]) if floor else "—"]
        out.append("| " + " | ".join(cells) + " |")
    missing = [r["name"] + ": " + r.get("reason", "") for r in d["results"] if not r.get("available")]
    if missing:
        out.append("")
        out.append("Not measured: " + "; ".join(missing))
    return "\n".join(out)


def kernel_tables(d, top):
    out = []
    for r in d["results"]:
        ks = r.get("kernels") or []
        if not r.get("available") or not ks:
            continue
        total = sum(k["ms"] for k in ks)
        out.append("**%s** (kernels %s ms/frame)\n" % (r["name"], fmt(total, 4)))
        out.append("| kernel | calls | ms | % | TFLOP/s | GB/s | % of GEMM ceiling | % of copy ceiling |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for k in sorted(ks, key=lambda k: -k["ms"])[:top]:
            out.append("| `%s` | %s | %s | %.1f | %s | %s | %.0f | %.0f |"
                       % (k["key"], fmt(k["count"]), fmt(k["ms"], 4), 100 * k["ms"] / total,
                          fmt(k["tflops"]), fmt(k["gbps"]), 100 * k["frac_gemm"],
                          100 * k["frac_copy"]))
        out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--top", type=int, default=5, help="kernel groups per workload (0: none)")
    a = ap.parse_args()
    try:
        with open(a.json) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        print("results_md.py: %s: %s" % (a.json, e), file=sys.stderr)
        return 1
    if d.get("tool") != "oprestore-bench" or "results" not in d:
        print("results_md.py: %s: not an oprestore-bench results file" % a.json, file=sys.stderr)
        return 1
    print(header(d))
    print()
    print(workload_table(d))
    if a.top > 0:
        print()
        print(kernel_tables(d, a.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
