#!/usr/bin/env python3
"""seeded_models.py: official-size model files with seeded weights, for profiling the CLI
(`restore`) where no release checkpoint is at hand (docs/perf.md, "CPU part of a restore").

    /usr/bin/python3 bench/seeded_models.py -o /tmp/models [--build build] [--weights ../shared/weights]

Writes siggraph17, eccv16, deoldify-artistic, rife-v4.6 / rife-v4.25 and dain checkpoints in the official
layouts from the test suite's definitions (tests/fixtures/fx_zhang.py, fx_deoldify.py, fx_rife.py, fx_dain.py)
at the official widths,
with seeded values (tests/fixtures/common.py seeded_init), and converts each with
build/oprestore-convert into DIR/<registry name>.safetensors.  The real
realesr-animevideov3 checkpoint is converted too when --weights has it.  Speed does not depend
on the values; the outputs are meaningless colours."""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))


def checkpoints():
    """-> [(registry name, state dict in the official layout)]."""
    import common
    import fx_dain
    import fx_deoldify
    import fx_rife
    import fx_zhang
    out = [("eccv16", dict(common.seeded_init(fx_zhang.ECCV16(w=64), 301).state_dict())),
           ("siggraph17", dict(common.seeded_init(fx_zhang.SIGGRAPH17(w=64), 302).state_dict()))]
    for name, seed, widths, head, k, feat in (("rife-v4.6", 401, [192, 128, 96, 64], None, 6, 0),
                                              ("rife-v4.25", 402, [192, 128, 96, 64, 32], (16, 4),
                                               13, 8)):
        net = common.seeded_init(fx_rife.IFNet(widths, head, k, feat), seed)
        out.append((name, fx_rife.with_module_prefix(net.state_dict())))
    # DeOldify artistic: DynamicUnetDeep on resnet34, nf_factor 1.5, base width 64 (fastai's file)
    build = fx_deoldify.build("deep", fx_deoldify.BasicBlock, [3, 4, 6, 3], 64, 1.5)
    out.append(("deoldify-artistic", fx_deoldify.fastai_with_opt(dict(build(403).state_dict()))))
    # DAIN's best.pth layout: torch.save(model.state_dict()), official widths (bench/pytorch_peer.py)
    dain = fx_dain.DAIN(1, [16, 32, 64, 96, 128, 196], [128, 128, 96, 64, 32],
                        [128, 128, 128, 96, 64, 32])
    out.append(("dain", dict(common.seeded_init(dain, 404).state_dict())))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--out", required=True, help="models folder to write")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--weights", default=os.path.join(ROOT, "..", "shared", "weights"))
    a = ap.parse_args()
    import torch
    os.makedirs(a.out, exist_ok=True)
    conv = os.path.join(a.build, "oprestore-convert")
    with tempfile.TemporaryDirectory() as tmp:
        for name, sd in checkpoints():
            pth = os.path.join(tmp, name + ".pth")
            torch.save(sd, pth)
            subprocess.check_call([conv, pth, "-o", os.path.join(a.out, name + ".safetensors")],
                                  stdout=subprocess.DEVNULL)
            print("wrote", os.path.join(a.out, name + ".safetensors"))
    real = os.path.join(a.weights, "realesr-animevideov3.pth")
    if os.path.exists(real):
        subprocess.check_call([conv, real, "-o", os.path.join(a.out,
                                                              "realesr-animevideov3.safetensors")],
                              stdout=subprocess.DEVNULL)
        print("wrote", os.path.join(a.out, "realesr-animevideov3.safetensors"), "(real weights)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
