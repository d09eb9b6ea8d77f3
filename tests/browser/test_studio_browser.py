#!/usr/bin/python3
"""The colour studio's page in a real browser (ctest test_studio_browser, label
browser): headless Chromium driven by Selenium loads the page that
`oprestore-gpu studio` prints, clicks a point of the photo, picks a suggested
colour, waits for the preview of that edit, and checks that the preview's
colour near the hint moved towards the chosen colour; it saves a screenshot.

Exit 77 (ctest: skipped, never passed) when Chromium, chromedriver or Selenium
is missing.

The network: SIGGRAPH17's layout with hand-set weights ("hint pass"), made here
from the seeded fixture model's header: conv1 splits the hint's a and b into
positive and negative parts, the 1->10 shortcut and conv10_1 spread them over a
few pixels, `out` recombines them, every other weight is zero.  Its output is
110 tanh(hint ab / 110) around each hint and gray elsewhere, so the expected
direction is known, as it is not for random seeded weights (whose output
barely depends on the hints).  The class head's biases are seeded (the
suggestions are then the same at every pixel, and distinct).

usage: test_studio_browser.py OPRESTORE_GPU OPRESTORE_CONVERT SOURCE_DIR OUT_DIR
"""
import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77


def skip(why):
    print("SKIPPED: " + why)
    sys.exit(SKIP)


try:
    import numpy as np
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as e:
    skip("python3-selenium or numpy missing (%s)" % e)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
if not CHROMIUM or not DRIVER:
    skip("chromium or chromedriver not installed (Debian: chromium chromium-driver)")


def read_safetensors_header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n))


def write_safetensors(path, tensors, meta):
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def hint_pass_model(seeded, out):
    """The hand-set SIGGRAPH17 described above, with the seeded model's names and shapes."""
    hdr = read_safetensors_header(seeded)
    meta = hdr.pop("__metadata__")
    rng = np.random.default_rng(5)
    t = {}
    for name, v in hdr.items():
        a = np.zeros(v["shape"], np.float32)
        if name.endswith(".scale"):
            a[:] = 1
        t[name] = a
    box = np.full((3, 3), 1 / 9, np.float32)
    for k, (ch, sign) in enumerate(((1, 1), (1, -1), (2, 1), (2, -1))):
        t["conv1_1.weight"][k, ch, 1, 1] = sign  # input channels: L, a/110, b/110, mask
        t["conv1_2.weight"][k, k, 1, 1] = 1
        t["short1_10.weight"][k, k] = box
        t["conv10_1.weight"][k, k] = box
    t["out.weight"][0, 0], t["out.weight"][0, 1] = 1, -1
    t["out.weight"][1, 2], t["out.weight"][1, 3] = 1, -1
    t["class.bias"][:] = rng.normal(0, 2, t["class.bias"].shape)
    meta = {k: meta[k] for k in ("arch", "in_ch", "width", "classes", "dtype")}
    write_safetensors(out, t, meta)


def gray_photo(path, w=320, h=240):
    """A mid-gray gradient (L about 35..75, where the gamut is wide), 8-bit gray PNG."""
    import zlib
    x = np.linspace(90, 190, w)[None, :] + np.linspace(-10, 10, h)[:, None]
    px = np.clip(np.round(x), 0, 255).astype(np.uint8)
    raw = b"".join(b"\x00" + px[y].tobytes() for y in range(h))

    def chunk(tag, d):
        return struct.pack(">I", len(d)) + tag + d + struct.pack(">I", zlib.crc32(tag + d))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def rgb2lab(rgb):
    """skimage rgb2lab of one colour in [0,1] (tests/fixtures/zhang_nets.py)."""
    m = np.array([[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169],
                  [0.019334, 0.119193, 0.950227]])
    a = np.array(rgb, np.float64)
    a = np.where(a > 0.04045, ((a + 0.055) / 1.055) ** 2.4, a / 12.92)
    xyz = m @ a / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


# the preview's mean colour in a window around photo pixel (x, y), read in the page
JS_DROP = """
const [b64, name] = arguments;
const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const dt = new DataTransfer();
dt.items.add(new File([bytes], name, {type: 'image/png'}));
document.body.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
"""

JS_MEAN = """
const [x, y, r] = arguments;
const img = document.getElementById('preview');
const c = document.createElement('canvas');
c.width = img.naturalWidth; c.height = img.naturalHeight;
const g = c.getContext('2d'); g.drawImage(img, 0, 0);
const d = g.getImageData(x - r, y - r, 2 * r + 1, 2 * r + 1).data;
let s = [0, 0, 0];
for (let i = 0; i < d.length; i += 4) { s[0] += d[i]; s[1] += d[i + 1]; s[2] += d[i + 2]; }
const n = d.length / 4;
return [s[0] / n / 255, s[1] / n / 255, s[2] / n / 255];
"""


def gen_of(preview):
    return int(preview.get_attribute("data-gen") or 0)


def wait_new_preview(driver, wait, preview, gen_before):
    wait.until(lambda d: gen_of(preview) > gen_before and
               "ready" in d.find_element(By.ID, "status").text)


def ab_distance(driver, px, py, target):
    lab = rgb2lab(np.array(driver.execute_script(JS_MEAN, px, py, 3)))
    return float(np.hypot(*(lab[1:] - target[1:])))


def canvas_offset(canvas, px, py, w=320, h=240):
    cw, ch = canvas.size["width"], canvas.size["height"]
    return (px + 0.5) / w * cw - cw / 2, (py + 0.5) / h * ch - ch / 2


def edits_after_pick(driver, wait, preview, canvas, target, d0, d1, tmp):
    """Undo, redo, dragging the hint, a hints file and a photo dropped on the page: each
    re-runs the network, and the preview near the hint moves as the edit says.  The hint-pass
    network (hint_pass_model) colours only where hints are, so without a hint a place stays
    gray (distance d0 to the chosen colour) and with one it is at d1."""
    back = d1 + 0.5 * (d0 - d1)  # at least half way back to the no-hint preview
    g = gen_of(preview)
    driver.find_element(By.ID, "undo").click()
    wait_new_preview(driver, wait, preview, g)
    du = ab_distance(driver, 96, 96, target)
    g = gen_of(preview)
    driver.find_element(By.ID, "redo").click()
    wait_new_preview(driver, wait, preview, g)
    dr = ab_distance(driver, 96, 96, target)
    print("undo: ab distance %.1f (before the pick %.1f); redo: %.1f" % (du, d0, dr))
    if not (du > back and dr < 0.75 * d0):
        print("FAILED: undo/redo did not take the preview back and forth")
        return 1

    # drag the hint from (96, 96) to (224, 150)
    dn0 = ab_distance(driver, 224, 150, target)
    ox, oy = canvas_offset(canvas, 96, 96)
    nx, ny = canvas_offset(canvas, 224, 150)
    g = gen_of(preview)
    ActionChains(driver).move_to_element_with_offset(canvas, ox, oy).click_and_hold() \
        .move_by_offset((nx - ox) / 2, (ny - oy) / 2).move_by_offset((nx - ox) / 2, (ny - oy) / 2) \
        .release().perform()
    wait_new_preview(driver, wait, preview, g)
    wait.until(lambda d: ab_distance(d, 224, 150, target) < 0.75 * dn0)
    dold, dnew = ab_distance(driver, 96, 96, target), ab_distance(driver, 224, 150, target)
    print("drag to (224, 150): there %.1f -> %.1f, at (96, 96) now %.1f" % (dn0, dnew, dold))
    if not (dold > back and dnew < 0.75 * dn0):
        print("FAILED: dragging the hint did not move the colour with it")
        return 1

    # a hints file in the CLI's --hints format, loaded through the page's file input
    blue = rgb2lab([0x20 / 255, 0x60 / 255, 0xc0 / 255])
    db0 = ab_distance(driver, 160, 60, blue)
    path = os.path.join(tmp, "loaded-hints.json")
    with open(path, "w") as f:
        json.dump([{"x": 160, "y": 60, "color": "#2060C0"}], f)
    g = gen_of(preview)
    driver.find_element(By.ID, "hints-file").send_keys(path)
    wait_new_preview(driver, wait, preview, g)
    wait.until(lambda d: ab_distance(d, 160, 60, blue) < 0.75 * db0)
    db1 = ab_distance(driver, 160, 60, blue)
    dgone = ab_distance(driver, 224, 150, target)
    print("hints file: (160, 60) ab distance to #2060c0 %.1f -> %.1f; the dragged hint, replaced, "
          "%.1f" % (db0, db1, dgone))
    if not (db1 < 0.75 * db0 and dgone > back):
        print("FAILED: the loaded hints file did not replace the hints")
        return 1

    # a photo dropped on the page (a synthetic drop of a 200x150 PNG, as a file manager's)
    photo = os.path.join(tmp, "dropped.png")
    gray_photo(photo, 200, 150)
    with open(photo, "rb") as f:
        data = base64.b64encode(f.read()).decode()
    g = gen_of(preview)
    driver.execute_script(JS_DROP, data, "dropped.png")
    wait.until(lambda d: d.find_element(By.ID, "under").get_attribute("naturalWidth") == "200")
    wait.until(lambda d: gen_of(preview) != g and "ready" in d.find_element(By.ID, "status").text)
    wait.until(lambda d: preview.get_attribute("naturalWidth") == "200")
    print("dropped photo: shown at %sx%s" % (preview.get_attribute("naturalWidth"),
                                             preview.get_attribute("naturalHeight")))
    return 0


def main():
    gpu, convert, src, out_dir = sys.argv[1:5]
    os.makedirs(out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="studio-browser-")
    server = driver = None
    stop_failed = False
    try:
        seeded = os.path.join(tmp, "seeded.safetensors")
        subprocess.run([convert, os.path.join(src, "tests/fixtures/ckpt/zhang_siggraph17.zip.pth"),
                        "-o", seeded], check=True, stdout=subprocess.DEVNULL)
        model = os.path.join(tmp, "hintpass.safetensors")
        hint_pass_model(seeded, model)
        photo = os.path.join(tmp, "gray.png")
        gray_photo(photo)
        server = subprocess.Popen([gpu, "studio", "-i", photo, "-m", model, "--port", "0", "-g", "cpu",
                                   "-M", tmp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, env=dict(os.environ, OMP_NUM_THREADS="2"))
        line = server.stdout.readline()
        if "http://" not in line:
            raise SystemExit("studio did not print its URL: %r" % line)
        url = line[line.index("http://"):].split()[0]

        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1400,800", "--user-data-dir=" + os.path.join(tmp, "profile")):
            opts.add_argument(a)
        driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
        driver.set_page_load_timeout(60)
        driver.get(url)
        wait = WebDriverWait(driver, 60)
        preview = driver.find_element(By.ID, "preview")
        wait.until(lambda d: int(preview.get_attribute("data-gen") or 0) >= 1)
        wait.until(lambda d: d.find_element(By.ID, "under").get_attribute("naturalWidth") not in (None, "0"))

        # click at 30 %, 40 % of the photo (320x240 -> pixel (96, 96))
        canvas = driver.find_element(By.ID, "hints")
        w, h = canvas.size["width"], canvas.size["height"]
        px, py = 96, 96
        ox = (px + 0.5) / 320 * w - w / 2
        oy = (py + 0.5) / 240 * h - h / 2
        before = np.array(driver.execute_script(JS_MEAN, px, py, 3))
        ActionChains(driver).move_to_element_with_offset(canvas, ox, oy).click().perform()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".suggestion")) > 0)
        sugg = driver.find_elements(By.CSS_SELECTOR, ".suggestion")
        # the most colourful suggestion (a clear direction to move in)
        chroma = []
        for b in sugg:
            c = b.get_attribute("data-color")
            lab = rgb2lab([int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)])
            chroma.append(np.hypot(lab[1], lab[2]))
        pick = sugg[int(np.argmax(chroma))]
        color = pick.get_attribute("data-color")
        gen_before = int(preview.get_attribute("data-gen"))
        pick.click()
        wait.until(lambda d: int(preview.get_attribute("data-gen") or 0) > gen_before and
                   "ready" in d.find_element(By.ID, "status").text)
        after = np.array(driver.execute_script(JS_MEAN, px, py, 3))
        shot = os.path.join(out_dir, "studio.png")
        driver.save_screenshot(shot)

        target = rgb2lab([int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
        lab0, lab1 = rgb2lab(before), rgb2lab(after)
        d0 = np.hypot(*(lab0[1:] - target[1:]))
        d1 = np.hypot(*(lab1[1:] - target[1:]))
        hue = lambda lab: np.degrees(np.arctan2(lab[2], lab[1]))  # noqa: E731
        dh = abs((hue(lab1) - hue(target) + 180) % 360 - 180)
        print("chose %s (ab %.1f, %.1f); preview ab near the hint: before (%.1f, %.1f), after "
              "(%.1f, %.1f); ab distance %.1f -> %.1f; hue difference %.1f deg; screenshot %s"
              % (color, target[1], target[2], lab0[1], lab0[2], lab1[1], lab1[2], d0, d1, dh, shot))
        # the hint-pass net gives 110 tanh(ab / 110) (68 for 80), box-blurred at the patch
        # edge inside the 7x7 window: at least a quarter of the way, within 20 degrees of hue
        ok = d1 < 0.75 * d0 and np.hypot(lab1[1], lab1[2]) > 5 and dh < 20
        if not ok:
            print("FAILED: the preview did not move towards the chosen colour")
            return 1
        return edits_after_pick(driver, wait, preview, canvas, target, d0, d1, tmp)
    finally:
        if driver:
            driver.quit()
        if server:
            server.send_signal(2)  # Ctrl-C: a clean stop
            try:
                rc = server.wait(timeout=20)
                print("studio stopped (exit %d)" % rc)
                if rc != 0:
                    print("FAILED: studio exited %d after SIGINT (expected a clean stop, 0)" % rc)
                    stop_failed = True
            except subprocess.TimeoutExpired:
                server.kill()
                print("FAILED: studio did not stop on SIGINT")
                stop_failed = True
        shutil.rmtree(tmp, ignore_errors=True)
        if stop_failed:
            sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
