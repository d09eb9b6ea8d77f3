#!/usr/bin/env python3
"""pytorch_peer.py: the oprestore-bench workloads in PyTorch, on the same device,
timed the same way, for the side-by-side numbers of issue 7.

    python3 bench/pytorch_peer.py --device cuda --json torch.json
    python3 bench/pytorch_peer.py --device cuda --merge bench/results/h100-2025-01-01.json
    python3 bench/pytorch_peer.py --device cpu --tiny          (a quick check that it runs)

Architectures: the PyTorch reference definitions of the tests
(tests/fixtures/sr_nets.py, zhang_nets.py, deoldify_nets.py, rife_nets.py,
fx_dain.py + dain_nets.py), at the official widths (--tiny: the small widths of
the converter fixtures), with seeded random weights: speed does not depend on
the values.  A workload whose definition is missing is reported unavailable.

Modes: eager fp32, eager fp16 (model and inputs .half(); CUDA only), and
torch.compile fp16 (CUDA only, when torch has compile).  Timing as
oprestore-bench: --warmup untimed iterations, then --iters iterations each
between two CUDA events on the current stream, issued back to back, read
after one synchronize (CPU: time.perf_counter around each iteration); inputs
rotate among 3 buffers; median, min, p10, p90, max.

The whole-pipeline workloads are approximated on the device with torch ops
(resize, colour conversion, network, resize back) and say so in "what".
Needs only torch (and the test definitions); nothing is downloaded."""
import argparse
import datetime
import json
import math
import os
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))

ROTATE = 3

# The same metadata as runtime/nets/net_seeded.c (official) and bench_workloads.c (tiny).
OFFICIAL = {
    "realesrgan-x4plus": dict(arch="rrdbnet", naming="real-esrgan", num_in_ch="3", num_out_ch="3",
                              num_feat="64", num_grow_ch="32", num_block="23", num_upconv="2",
                              pixel_unshuffle="1", scale="4"),
    "realesr-general-x4v3": dict(arch="srvgg", num_in_ch="3", num_out_ch="3", num_feat="64",
                                 num_conv="32", scale="4", act="prelu"),
    "realesr-animevideov3": dict(arch="srvgg", num_in_ch="3", num_out_ch="3", num_feat="64",
                                 num_conv="16", scale="4", act="prelu"),
    "rife-v4.6": {"arch": "rife", "n_blocks": "4", "head_width": "0", "head_channels": "0",
                  "block_channels": "6", "feat_channels": "0", "mask": "add",
                  "block0.width": "192", "block1.width": "128", "block2.width": "96",
                  "block3.width": "64"},
    "rife-v4.25": {"arch": "rife", "n_blocks": "5", "head_width": "16", "head_channels": "4",
                   "block_channels": "13", "feat_channels": "8", "mask": "replace",
                   "block0.width": "192", "block1.width": "128", "block2.width": "96",
                   "block3.width": "64", "block4.width": "32"},
}
TINY = {
    "realesrgan-x4plus": dict(OFFICIAL["realesrgan-x4plus"], num_feat="8", num_grow_ch="4",
                              num_block="1"),
    "realesr-general-x4v3": dict(OFFICIAL["realesr-general-x4v3"], num_feat="8", num_conv="2"),
    "realesr-animevideov3": dict(OFFICIAL["realesr-animevideov3"], num_feat="8", num_conv="2"),
    "rife-v4.6": dict(OFFICIAL["rife-v4.6"], **{"block0.width": "24", "block1.width": "16",
                                               "block2.width": "12", "block3.width": "8"}),
    "rife-v4.25": dict(OFFICIAL["rife-v4.25"], **{"block0.width": "24", "block1.width": "16",
                                                 "block2.width": "12", "block3.width": "8",
                                                 "block4.width": "4"}),
}

# (stage, name, model, kind, full size, tiny size, what) as bench/bench_workloads.c
WORKLOADS = [
    ("colorize", "deoldify-artistic", "deoldify-artistic", "deoldify_pipe", (1920, 1080), (64, 48),
     "pipeline approximated in torch: gray -> 560x560, network, bilinear back, chroma only"),
    ("colorize", "deoldify-artistic-net", "deoldify-artistic", "deoldify", (560, 560), (64, 64),
     "network alone at render factor 35"),
    ("colorize", "siggraph17", "siggraph17", "zhang_pipe", (1920, 1080), (64, 48),
     "pipeline approximated in torch: Lab, L at 256x256, network, ab bilinear back"),
    ("colorize", "siggraph17-net", "siggraph17", "zhang", (256, 256), (32, 32), "network alone"),
    ("upscale", "realesrgan-x4plus", "realesrgan-x4plus", "sr", (480, 270), (24, 16),
     "network alone, 480x270 -> 1920x1080"),
    ("upscale", "realesr-general-x4v3", "realesr-general-x4v3", "sr", (480, 270), (24, 16),
     "network alone, 480x270 -> 1920x1080"),
    ("upscale", "realesr-animevideov3", "realesr-animevideov3", "sr", (480, 270), (24, 16),
     "network alone, 480x270 -> 1920x1080"),
    ("upscale", "realesr-animevideov3-4k", "realesr-animevideov3", "sr_4k", (1920, 1080), (32, 24),
     "pipeline approximated in torch: x4 network then bicubic (antialias) to x2"),
    ("upscale", "realesrgan-x4plus-4k", "realesrgan-x4plus", "sr_4k", (1920, 1080), (32, 24),
     "pipeline approximated in torch: x4 network then bicubic (antialias) to x2"),
    ("interpolate", "rife-v4.6", "rife-v4.6", "rife", (1920, 1080), (64, 64),
     "network alone, one middle frame (2x) per step"),
    ("interpolate", "rife-v4.25", "rife-v4.25", "rife", (1920, 1080), (64, 64),
     "network alone, one middle frame (2x) per step"),
    ("interpolate", "dain", "dain", "dain", (1280, 720), (64, 64),
     "network alone, one middle frame (2x) per step"),
]


class Unavailable(Exception):
    pass


def seeded(m, seed=1):
    """He-uniform weights, zero biases (values do not change the speed)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith("bias"):
                p.zero_()
            elif p.dim() >= 2:
                fan_in = p[0].numel()
                b = math.sqrt(6.0 / max(1, fan_in))
                p.copy_((torch.rand(p.shape, generator=g) * 2 - 1) * b)
            else:
                p.fill_(0.25)
    return m.eval()


XYZ_FROM_RGB = [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169],
                [0.019334, 0.119193, 0.950227]]
WHITE_D65 = [0.95047, 1.0, 1.08883]


def rgb2lab(rgb):
    """skimage's rgb2lab (as zhang_nets.py) in torch ops on [N,3,H,W]."""
    m = torch.tensor(XYZ_FROM_RGB, device=rgb.device, dtype=rgb.dtype)
    white = torch.tensor(WHITE_D65, device=rgb.device, dtype=rgb.dtype).view(1, 3, 1, 1)
    lin = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = torch.einsum("ij,njhw->nihw", m, lin) / white
    f = torch.where(xyz > 0.008856, xyz.clamp(min=1e-12) ** (1.0 / 3), 7.787 * xyz + 16.0 / 116)
    fx, fy, fz = f[:, :1], f[:, 1:2], f[:, 2:]
    return torch.cat((116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)), 1)


def lab2rgb(lab):
    """skimage's lab2rgb (as zhang_nets.py) in torch ops on [N,3,H,W]."""
    m = torch.linalg.inv(torch.tensor(XYZ_FROM_RGB, dtype=torch.float64)).to(lab)
    white = torch.tensor(WHITE_D65, device=lab.device, dtype=lab.dtype).view(1, 3, 1, 1)
    y = (lab[:, :1] + 16) / 116
    x = lab[:, 1:2] / 500 + y
    z = (y - lab[:, 2:] / 200).clamp(min=0)
    f = torch.cat((x, y, z), 1)
    xyz = torch.where(f > 0.2068966, f ** 3, (f - 16.0 / 116) / 7.787) * white
    rgb = torch.einsum("ij,njhw->nihw", m, xyz)
    rgb = torch.where(rgb > 0.0031308, 1.055 * rgb.clamp(min=1e-12) ** (1 / 2.4) - 0.055,
                      rgb * 12.92)
    return rgb.clamp(0, 1)


def import_or_unavailable(name):
    try:
        return __import__(name)
    except ImportError as e:
        raise Unavailable("reference definition %s.py not importable (%s)" % (name, e))


def round_up(x, m):
    return (x + m - 1) // m * m


def build(kind, model, tiny):
    """-> (module, make_inputs(w, h, dtype, device) -> tuple, run(module, inputs))."""
    if kind in ("sr", "sr_4k"):
        sr = import_or_unavailable("sr_nets")
        meta = (TINY if tiny else OFFICIAL)[model]
        net = seeded(sr.build(meta))
        if kind == "sr":
            return net, lambda w, h: [(1, 3, h, w)], lambda m, x: m(x)
        return net, lambda w, h: [(1, 3, h, w)], lambda m, x: F.interpolate(
            m(x), scale_factor=0.5, mode="bicubic", antialias=True, align_corners=False)
    if kind in ("zhang", "zhang_pipe"):
        zn = import_or_unavailable("zhang_nets")
        net = seeded(zn.SIGGRAPHGenerator(4 if tiny else 64, 529))
        if kind == "zhang":
            return net, lambda w, h: [(1, 1, h, w)], lambda m, x: m(x)

        def zpipe(m, rgb):
            lab = rgb2lab(rgb)
            l_small = F.interpolate(lab[:, :1], size=(256, 256), mode="bilinear", align_corners=False)
            ab = F.interpolate(m(l_small), size=rgb.shape[2:], mode="bilinear", align_corners=False)
            return lab2rgb(torch.cat((lab[:, :1], ab), 1))
        return net, lambda w, h: [(1, 3, h, w)], zpipe
    if kind in ("deoldify", "deoldify_pipe"):
        dn = import_or_unavailable("deoldify_nets")
        net = seeded(dn.build("deep", "resnet34", 4 if tiny else 64, 1.5))
        if kind == "deoldify":
            return net, lambda w, h: [(1, 3, h, w)], lambda m, x: m(x)
        side = 16 * (4 if tiny else 35)
        mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

        def dpipe(m, gray):
            g3 = gray.expand(-1, 3, -1, -1)
            small = F.interpolate(g3, size=(side, side), mode="bilinear", align_corners=False)
            mu, sd = mean.to(gray), std.to(gray)
            out = (m((small - mu) / sd) * sd + mu).clamp(0, 1)
            out = F.interpolate(out, size=gray.shape[2:], mode="bilinear", align_corners=False)
            # chroma of the output, luminance of the input (BT.601 YUV)
            r, gg, b = out[:, :1], out[:, 1:2], out[:, 2:]
            u = -0.14713 * r - 0.28886 * gg + 0.436 * b
            v = 0.615 * r - 0.51499 * gg - 0.10001 * b
            y = gray
            return torch.cat((y + 1.13983 * v, y - 0.39465 * u - 0.58060 * v, y + 2.03211 * u), 1)
        return net, lambda w, h: [(1, 1, h, w)], dpipe
    if kind == "rife":
        rn = import_or_unavailable("rife_nets")
        net = seeded(rn.IFNet((TINY if tiny else OFFICIAL)[model]))
        return net, lambda w, h: [(1, 3, round_up(h, 64), round_up(w, 64))] * 2, \
            lambda m, a, b: m.inference(a, b, 0.5, 1.0)
    if kind == "dain":
        fx = import_or_unavailable("fx_dain")
        dn = import_or_unavailable("dain_nets")
        if tiny:
            net = fx.DAIN(8, [2, 4, 8, 12, 16, 24], [16, 16, 12, 8, 4], [16, 16, 16, 12, 8, 4])
        else:
            net = fx.DAIN(1, [16, 32, 64, 96, 128, 196], [128, 128, 96, 64, 32],
                          [128, 128, 128, 96, 64, 32])
        net = seeded(net)
        return net, lambda w, h: [(1, 3, round_up(h, 64), round_up(w, 64))] * 2, \
            lambda m, a, b: dn.dain_forward(m, a, b, 0.5)
    raise Unavailable("unknown kind " + kind)


def stats(t):
    t = sorted(t)
    n = len(t)

    def pct(q):
        pos = q * (n - 1)
        i = int(math.floor(pos))
        if i >= n - 1:
            return t[-1]
        return t[i] + (t[i + 1] - t[i]) * (pos - i)
    return dict(median=1e3 * pct(0.5), min=1e3 * t[0], p10=1e3 * pct(0.1), p90=1e3 * pct(0.9),
                max=1e3 * t[-1], mean=1e3 * sum(t) / n, n=n)


def time_it(fn, inputs, iters, warmup, device):
    """Seconds per iteration: CUDA events back to back on the current stream, or wall clock."""
    with torch.no_grad():
        for i in range(warmup):
            fn(*inputs[i % ROTATE])
        if device.type == "cuda":
            torch.cuda.synchronize()
            ev = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True))
                  for _ in range(iters)]
            for i in range(iters):
                ev[i][0].record()
                fn(*inputs[(warmup + i) % ROTATE])
                ev[i][1].record()
            torch.cuda.synchronize()
            return [1e-3 * a.elapsed_time(b) for a, b in ev]
        out = []
        for i in range(iters):
            t0 = time.perf_counter()
            fn(*inputs[(warmup + i) % ROTATE])
            out.append(time.perf_counter() - t0)
        return out


def run_workload(wl, mode, args, device):
    stage, name, model, kind, full, tiny_size, what = wl
    res = dict(stage=stage, name=name, model=model, mode=mode, what=what, available=False,
               reason="")
    try:
        half = mode in ("eager_fp16", "compile_fp16")
        if half and device.type != "cuda":
            raise Unavailable("fp16 is measured on CUDA only")
        if mode == "compile_fp16" and not hasattr(torch, "compile"):
            raise Unavailable("torch %s has no torch.compile" % torch.__version__)
        w, h = (args.size if args.size else (tiny_size if args.tiny else full))
        net, shapes, run = build(kind, model, args.tiny)
        dtype = torch.float16 if half else torch.float32
        net = net.to(device=device, dtype=dtype)
        g = torch.Generator().manual_seed(7)
        inputs = [tuple(torch.rand(s, generator=g).to(device=device, dtype=dtype)
                        for s in shapes(w, h)) for _ in range(ROTATE)]
        fn = (lambda *x: run(net, *x))
        if mode == "compile_fp16":
            fn = torch.compile(fn)
        t = time_it(fn, inputs, args.iters, args.warmup, device)
        st = stats(t)
        res.update(available=True, in_=[inputs[0][0].shape[3], inputs[0][0].shape[2]],
                   dtype="f16" if half else "f32", ms_per_frame=st,
                   fps=1e3 / st["median"] if st["median"] > 0 else 0.0)
        res["in"] = res.pop("in_")
    except Unavailable as e:
        res["reason"] = str(e)
    except Exception as e:  # a failing workload is reported, the others still run
        res["reason"] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
    return res


def merge_into(path, results):
    """Put each measured mode into the matching result of an oprestore-bench JSON."""
    with open(path) as f:
        doc = json.load(f)
    for r in doc.get("results", []):
        pt = r.setdefault("pytorch", {})
        for p in results:
            if p["stage"] == r.get("stage") and p["name"] == r.get("name") and p["available"]:
                pt[p["mode"]] = dict(fps=p["fps"], ms_per_frame=p["ms_per_frame"])
    doc["pytorch_env"] = env()
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(tmp, path)


def env():
    dev = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return dict(torch=torch.__version__, device=dev,
                date=datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))


def selects(names, wl):
    """As bench_workloads.c: a workload's name selects that workload alone; a model's name
    (that is no workload's name) selects every workload of that model."""
    workload_names = {w[1] for w in WORKLOADS}
    return wl[1] in names or any(n == wl[2] and n not in workload_names for n in names)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--stage", help="comma-separated stages")
    ap.add_argument("--model", help="comma-separated workload names")
    ap.add_argument("--modes", default="eager_fp32,eager_fp16,compile_fp16")
    ap.add_argument("--size", help="WxH for every selected workload")
    ap.add_argument("--iters", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--tiny", action="store_true", help="small sizes and widths (smoke run)")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--merge", help="add the results to this oprestore-bench JSON")
    args = ap.parse_args()
    if args.size:
        try:
            w, h = (int(v) for v in args.size.lower().split("x"))
            args.size = (w, h)
        except ValueError:
            ap.error("--size expects WxH")
    args.iters = args.iters or (2 if args.tiny else 20)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.tiny else 3)
    device = torch.device(args.device)
    stages = args.stage.split(",") if args.stage else None
    names = args.model.split(",") if args.model else None
    results = []
    for wl in WORKLOADS:
        if (stages and wl[0] not in stages) or (names and not selects(names, wl)):
            continue
        for mode in args.modes.split(","):
            r = run_workload(wl, mode, args, device)
            results.append(r)
            if r["available"]:
                print("%-11s %-24s %-13s %9.3f ms  %8.2f fps" % (r["stage"], r["name"], mode,
                                                                 r["ms_per_frame"]["median"],
                                                                 r["fps"]))
            else:
                print("%-11s %-24s %-13s unavailable: %s" % (r["stage"], r["name"], mode,
                                                            r["reason"]))
            sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(tool="pytorch_peer.py", env=env(), iters=args.iters,
                           warmup=args.warmup, results=results), f, indent=1)
    if args.merge:
        merge_into(args.merge, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
