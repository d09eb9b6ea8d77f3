#!/usr/bin/python3
"""bench/studio_latency.py: the colour studio's time from an edit to the
updated preview (docs/perf.md, "Colour studio"), as the page sees it: PUT the
hints, then GET the preview of that edit, over HTTP on 127.0.0.1.

The network is SIGGRAPH17 at the released width (64; 34 M parameters) with
random weights (timing does not depend on the values; this repository has no
released checkpoint): the seeded fixture model's tensor names, every width
multiplied by 16, written as a safetensors file in a temporary folder.

usage: bench/studio_latency.py [--gpu cpu|N] [--threads N] [--edits N] [--size S]
                               [--bin build/oprestore-gpu] [--convert build/oprestore-convert]
Prints the median and 90th percentile of N sequential edits (each a moved
hint), and the time of a burst of 10 edits sent without waiting (coalesced:
the worker runs only the newest ones).  Not a test: nothing is asserted.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n))


def full_width_model(seeded, out, mult=16):
    """The seeded width-4 model's names, every channel count but the 4 inputs, 2
    outputs and the classes multiplied by mult, random weights (He-scaled)."""
    hdr = header(seeded)
    meta = hdr.pop("__metadata__")
    classes = int(meta["classes"])
    rng = np.random.default_rng(1)
    blobs, head, off = [], {}, 0
    for name, v in sorted(hdr.items()):
        shape = list(v["shape"])
        for i, d in enumerate(shape[:2]):
            fixed = (name.startswith("conv1_1") and i == 1) or (name.startswith("out") and i == 0) \
                or (name.startswith("class") and i == 0) or d == classes
            if not fixed and (len(shape) > 1 or i == 0):
                shape[i] = d * mult
        a = rng.standard_normal(shape).astype("<f4")
        if len(shape) == 4:
            a *= np.sqrt(2.0 / (shape[1] * shape[2] * shape[3]))
        elif name.endswith(".scale"):
            a = np.ones(shape, "<f4")
        else:
            a *= 0.01
        b = a.tobytes()
        head[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    meta = {k: meta[k] for k in ("arch", "in_ch", "classes", "dtype")}
    meta["width"] = str(int(header(seeded)["__metadata__"]["width"]) * mult)
    head["__metadata__"] = meta
    h = json.dumps(head).encode()
    h += b" " * (-len(h) % 8)
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def gray_png(path, w, h):
    rng = np.random.default_rng(2)
    px = (np.linspace(40, 220, w)[None, :] + rng.normal(0, 20, (h, w))).clip(0, 255).astype(np.uint8)
    raw = b"".join(b"\x00" + px[y].tobytes() for y in range(h))

    def chunk(tag, d):
        return struct.pack(">I", len(d)) + tag + d + struct.pack(">I", zlib.crc32(tag + d))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpu", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/oprestore-gpu"))
    ap.add_argument("--convert", default=os.path.join(ROOT, "build/oprestore-convert"))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="studio-bench-")
    server = None
    try:
        seeded = os.path.join(tmp, "seeded.safetensors")
        subprocess.run([a.convert, os.path.join(ROOT, "tests/fixtures/ckpt/zhang_siggraph17.zip.pth"),
                        "-o", seeded], check=True, stdout=subprocess.DEVNULL)
        model = os.path.join(tmp, "siggraph17.safetensors")
        full_width_model(seeded, model)
        photo = os.path.join(tmp, "photo.png")
        gray_png(photo, a.size, a.size)
        env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
        server = subprocess.Popen([a.bin, "studio", "-i", photo, "-m", model, "--port", "0",
                                   "-g", a.gpu, "-M", tmp], stdout=subprocess.PIPE, text=True,
                                  env=env)
        url = server.stdout.readline().split("open ")[1].split()[0]
        base, token = url.split("/?t=")

        def call(method, path, body=None):
            sep = "&" if "?" in path else "?"
            r = urllib.request.Request(base + path + sep + "t=" + token, data=body, method=method)
            with urllib.request.urlopen(r, timeout=600) as resp:
                return resp.read(), resp.headers

        def edit(i):
            x, y = (37 * i) % a.size, (53 * i) % a.size
            body = json.dumps([{"x": x, "y": y, "color": "#c04020"}]).encode()
            return json.loads(call("PUT", "/api/hints", body)[0])["gen"]

        call("GET", "/api/preview.png?gen=1")  # the first run (allocations)
        for i in range(2):  # warm-up
            call("GET", "/api/preview.png?gen=%d" % edit(i))
        times = []
        for i in range(a.edits):
            t0 = time.perf_counter()
            g = edit(i + 2)
            call("GET", "/api/preview.png?gen=%d" % g)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        gens = [edit(100 + i) for i in range(10)]
        _, h = call("GET", "/api/preview.png?gen=%d" % gens[-1])
        burst = time.perf_counter() - t0
        times.sort()
        print("studio edit -> preview, %dx%d photo, SIGGRAPH17 width 64, -g %s, %d threads: "
              "median %.3f s, p90 %.3f s, min %.3f s over %d edits; a burst of 10 edits: "
              "%.3f s to the newest (shown gen %s)"
              % (a.size, a.size, a.gpu, a.threads, times[len(times) // 2],
                 times[int(len(times) * 0.9)], times[0], a.edits, burst, h.get("X-Studio-Gen")))
    finally:
        if server:
            server.send_signal(2)
            server.wait(timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
