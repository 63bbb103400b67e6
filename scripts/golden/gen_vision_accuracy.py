#!/usr/bin/env python3
"""Measures how closely `syncdsp flow` reproduces OpenCV 4.6's calcOpticalFlowFarneback, for the
table in docs/vision.md. Not a golden generator: it prints a table.

Inputs: the 19 reference flows of ../shared/anchors/vision/refs (manifest.json) and the 454x256
full-frame pairs that scripts/golden/gen_vision.py leaves in its scratch folder (OpenCV flows
computed there with flags 0 and OPTFLOW_FARNEBACK_GAUSSIAN).

Run:  /usr/bin/python3 scripts/golden/gen_vision_accuracy.py [path/to/syncdsp]
      (default binary: build-vision/apps/syncdsp)
"""
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
cli = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build-vision", "apps", "syncdsp")
refs = os.path.normpath(os.path.join(root, "..", "shared", "anchors", "vision", "refs"))
scratch = os.environ.get("SYNCDSP_VISION_SCRATCH", "/tmp/syncdsp_vision_scratch")
tmp = tempfile.mkdtemp()


def ours(a, b, gaussian):
    out = os.path.join(tmp, "f.npy")
    cmd = [cli, "flow", a, b, "-o", out] + (["--gaussian"] if gaussian else [])
    subprocess.run(cmd, check=True)
    return np.load(out)


def stats(f, ref):
    e = np.hypot(f[..., 0] - ref[..., 0], f[..., 1] - ref[..., 1]).ravel()
    return e.mean(), np.percentile(e, 99), e.max()


rows = []
if os.path.exists(os.path.join(refs, "manifest.json")):
    for e in json.load(open(os.path.join(refs, "manifest.json")))["entries"]:
        a, b = os.path.join(refs, e["prev"]), os.path.join(refs, e["next"])
        if e["crop"]:
            x, y, w, h = e["crop"]
            ca, cb = os.path.join(tmp, "a.png"), os.path.join(tmp, "b.png")
            cv2.imwrite(ca, cv2.imread(a, cv2.IMREAD_GRAYSCALE)[y:y + h, x:x + w])
            cv2.imwrite(cb, cv2.imread(b, cv2.IMREAD_GRAYSCALE)[y:y + h, x:x + w])
            a, b = ca, cb
        ref = np.load(os.path.join(refs, e["flow"]))
        f = ours(a, b, e["flags"] == 256)
        m, p99, mx = stats(f, ref)
        extra = ""
        if "true_shift" in e:
            tx, ty = e["true_shift"]
            inner = (slice(20, -20), slice(20, -20))
            t_o = np.hypot(f[..., 0] - tx, f[..., 1] - ty)[inner].mean()
            t_c = np.hypot(ref[..., 0] - tx, ref[..., 1] - ty)[inner].mean()
            extra = f"EPE to truth: syncdsp {t_o:.4f}, OpenCV {t_c:.4f}"
        rows.append((e["flow"], m, p99, mx, extra))
for p in [0, 100, 200, 290, 300]:
    a = os.path.join(scratch, f"full454_f{p:03d}.png")
    b = os.path.join(scratch, f"full454_f{p + 1:03d}.png")
    for g in (False, True):
        r = os.path.join(scratch, f"flow_full454_f{p:03d}_{'gauss' if g else 'box'}.npy")
        if os.path.exists(r):
            m, p99, mx = stats(ours(a, b, g), np.load(r))
            rows.append((os.path.basename(r), m, p99, mx, ""))
gold = os.path.join(root, "tests", "golden", "vision")
for g in (False, True):
    f = ours(os.path.join(gold, "fshift_a.png"), os.path.join(gold, "fshift_b.png"), g)
    ref = np.load(os.path.join(gold, f"flow_fshift_{'gauss' if g else 'box'}.npy"))
    m, p99, mx = stats(f, ref)
    inner = (slice(16, -16), slice(16, -16))
    t_o = np.hypot(f[..., 0] - 0.75, f[..., 1] + 0.25)[inner].mean()
    t_c = np.hypot(ref[..., 0] - 0.75, ref[..., 1] + 0.25)[inner].mean()
    rows.append((f"fshift (0.75,-0.25) {'gauss' if g else 'box'}", m, p99, mx,
                 f"EPE to truth: syncdsp {t_o:.4f}, OpenCV {t_c:.4f}"))
print(f"{'flow':34s} {'mean EPE':>10s} {'p99':>10s} {'max':>10s}")
for name, m, p99, mx, extra in rows:
    print(f"{name:34s} {m:10.2e} {p99:10.2e} {mx:10.2e}  {extra}")
allm = max(r[1] for r in rows)
allp = max(r[2] for r in rows)
print(f"{len(rows)} flows; worst mean EPE {allm:.2e} px, worst p99 {allp:.2e} px")
