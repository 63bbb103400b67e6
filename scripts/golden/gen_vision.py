#!/usr/bin/env python3
"""Golden data for the vision tests, computed by OpenCV 4.6 itself (Debian python3-opencv) and numpy.

Regenerate:  /usr/bin/python3 scripts/golden/gen_vision.py      (needs python3-opencv, python3-numpy,
             ffmpeg, and ../shared/data for the real-frame pairs)
Output:      tests/golden/vision/   (small: about 0.5 MB)
Scratch:     $SYNCDSP_VISION_SCRATCH or /tmp/syncdsp_vision_scratch (full-size decoded frames and
             flows, not committed; test_vision reads them when present)

What is written and which OpenCV call made it:
  rgb_37x23.png                 random smooth RGB image (numpy), the input of the image tests
  gray_37x23.npy                cv2.cvtColor(rgb, COLOR_RGB2GRAY)                      (u8)
  linear_<w>x<h>.npy            cv2.resize(rgb, (w, h), interpolation=INTER_LINEAR)   (u8, 3 ch)
  area_<w>x<h>.npy              cv2.resize(rgb, (w, h), interpolation=INTER_AREA)     (u8, 3 ch)
  blur_u8_5_1.1.npy             cv2.GaussianBlur(rgb, (5, 5), 1.1)                     (u8)
  blur_f32_9_1.5.npy            cv2.GaussianBlur(gray.astype(f32), (9, 9), 1.5)        (f32)
  blur_f32_0_2.0.npy            cv2.GaussianBlur(gray.astype(f32), (0, 0), 2.0)        (size from sigma)
  pyrdown_u8.npy                cv2.pyrDown(rgb)
  kernels.json                  cv2.getGaussianKernel(size, sigma, CV_32F) for several pairs (the float
                                kernel GaussianBlur uses; the CV_64F variant has extra fixed tables)
  mouth_f290.png, mouth_f291.png  96x96 crop (x 64, y 120) of face-crop frames 290/291 (ffmpeg gray)
  flow_mouth_box.npy            calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0)
  flow_mouth_gauss.npy          ... flags OPTFLOW_FARNEBACK_GAUSSIAN
  flow_mouth_p7.npy             ... (0.7, 5, 9, 4, 7, 1.5, GAUSSIAN) another parameter set
  flow_mouth_init.npy           ... (0.5, 3, 15, 3, 5, 1.2, USE_INITIAL_FLOW) from init_mouth.npy
  init_mouth.npy                the initial flow: constant (1.0, -0.5)
  lipfeat_mouth_box.npy         numpy lip-motion features of flow_mouth_box.npy (whole field and the
                                region x 10, y 20, 60x51): mean dy, mean |dy|, mean magnitude,
                                opening rate (bottom floor(h/2) rows minus top floor(h/2) rows),
                                4-bin magnitude histogram over [0, 4) px (last bin open-ended)
  odd_61x45_a.png/_b.png, flow_odd_box.npy   odd-size crop (level sizes round half to even)
  full454_f290.png/_f291.png    the 454x256 uncropped frames 290/291
  flow_full454_box_sub4.npy     flow of the full frames, flags 0, every 4th pixel ([::4, ::4])
  flow_full454_gauss_sub4.npy   same with the Gaussian flag
  fshift_a.png/_b.png           periodic texture and its exact band-limited (Fourier) shift by
                                (+0.75, -0.25), 96x96, rounded to u8
  flow_fshift_box.npy / _gauss  OpenCV's flow on that pair (the test compares both to the truth)
"""
import json
import os
import subprocess
import sys

import cv2
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", ".."))
out = os.path.join(root, "tests", "golden", "vision")
os.makedirs(out, exist_ok=True)
scratch = os.environ.get("SYNCDSP_VISION_SCRATCH", "/tmp/syncdsp_vision_scratch")
os.makedirs(scratch, exist_ok=True)
shared = os.path.normpath(os.path.join(root, "..", "shared", "data", "lrs3_C8zY0oAdQrs_00018"))
cv2.setNumThreads(1)
rng = np.random.default_rng(20261122)
print("OpenCV", cv2.__version__)


def save(name, arr):
    np.save(os.path.join(out, name), np.ascontiguousarray(arr))


# ---- image operations -------------------------------------------------------------------------
noise = rng.uniform(0, 255, (23, 37, 3)).astype(np.float32)
rgb = cv2.GaussianBlur(noise, (0, 0), 1.0)
rgb = np.clip(rgb * 2.2 - 150 + np.linspace(0, 60, 37)[None, :, None], 0, 255).round().astype(np.uint8)
cv2.imwrite(os.path.join(out, "rgb_37x23.png"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
back = cv2.cvtColor(cv2.imread(os.path.join(out, "rgb_37x23.png")), cv2.COLOR_BGR2RGB)
assert (back == rgb).all()
gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
save("gray_37x23.npy", gray)
for (w, h) in [(20, 11), (60, 41), (18, 11), (37, 23), (74, 46), (13, 30)]:
    save(f"linear_{w}x{h}.npy", cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR))
for (w, h) in [(15, 9), (18, 11), (12, 23), (50, 31), (7, 5)]:
    save(f"area_{w}x{h}.npy", cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA))
save("blur_u8_5_1.1.npy", cv2.GaussianBlur(rgb, (5, 5), 1.1))
save("blur_f32_9_1.5.npy", cv2.GaussianBlur(gray.astype(np.float32), (9, 9), 1.5))
save("blur_f32_0_2.0.npy", cv2.GaussianBlur(gray.astype(np.float32), (0, 0), 2.0))
save("pyrdown_u8.npy", cv2.pyrDown(rgb))
kernels = []
for size, sigma in [(3, 0), (5, 0), (7, 0), (9, 0), (3, 0.5), (9, 1.5), (19, 3.5), (5, 1.1), (11, 2.0)]:
    kernels.append({"size": size, "sigma": sigma,
                    "taps": [float(v) for v in cv2.getGaussianKernel(size, sigma, cv2.CV_32F).ravel()]})
with open(os.path.join(out, "kernels.json"), "w") as f:
    json.dump(kernels, f, indent=1)


# ---- real frames ------------------------------------------------------------------------------
def decode(video, frames, prefix):
    """Decodes the listed 0-based frames of a video to 8-bit gray PNGs in the scratch folder."""
    paths = []
    for i in frames:
        p = os.path.join(scratch, f"{prefix}_f{i:03d}.png")
        if not os.path.exists(p):
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", video, "-vf", f"select=eq(n\\,{i})",
                            "-vsync", "0", "-frames:v", "1", "-pix_fmt", "gray", p], check=True)
        paths.append(p)
    return paths


def flow(a, b, pyr=0.5, levels=3, win=15, iters=3, n=5, sigma=1.2, flags=0, init=None):
    return cv2.calcOpticalFlowFarneback(a, b, init, pyr, levels, win, iters, n, sigma, flags)


G = cv2.OPTFLOW_FARNEBACK_GAUSSIAN
if not os.path.isdir(shared):
    sys.exit(f"missing {shared}: cannot make the real-frame goldens")
face = decode(os.path.join(shared, "facecrop_224.mp4"), [290, 291], "face224")
full = decode(os.path.join(shared, "uncropped_256.mp4"), [0, 1, 100, 101, 200, 201, 290, 291, 300, 301], "full454")
fa, fb = (cv2.imread(p, cv2.IMREAD_GRAYSCALE) for p in face)
ma, mb = fa[120:216, 64:160].copy(), fb[120:216, 64:160].copy()
cv2.imwrite(os.path.join(out, "mouth_f290.png"), ma)
cv2.imwrite(os.path.join(out, "mouth_f291.png"), mb)
save("flow_mouth_box.npy", flow(ma, mb))
save("flow_mouth_gauss.npy", flow(ma, mb, flags=G))
save("flow_mouth_p7.npy", flow(ma, mb, 0.7, 5, 9, 4, 7, 1.5, G))


def lip_features(f, bins=4, hmax=4.0):
    """Independent numpy version of vision::flow_region_features (definitions in lip_motion.hpp)."""
    f = f.astype(np.float64)
    dx, dy = f[..., 0], f[..., 1]
    mag = np.hypot(dx, dy)
    h = f.shape[0] // 2
    opening = dy[f.shape[0] - h:].mean() - dy[:h].mean()
    idx = np.minimum(np.floor(mag / (hmax / bins)), bins - 1).astype(int)
    hist = np.bincount(idx.ravel(), minlength=bins) / mag.size
    return np.concatenate([[dy.mean(), np.abs(dy).mean(), mag.mean(), opening], hist])


fm = flow(ma, mb)
save("lipfeat_mouth_box.npy", np.stack([lip_features(fm), lip_features(fm[20:71, 10:70])]))
init = np.zeros((96, 96, 2), np.float32)
init[..., 0], init[..., 1] = 1.0, -0.5
save("init_mouth.npy", init)
save("flow_mouth_init.npy", flow(ma, mb, flags=cv2.OPTFLOW_USE_INITIAL_FLOW, init=init.copy()))
oa, ob = fa[100:145, 70:131].copy(), fb[100:145, 70:131].copy()
cv2.imwrite(os.path.join(out, "odd_61x45_a.png"), oa)
cv2.imwrite(os.path.join(out, "odd_61x45_b.png"), ob)
save("flow_odd_box.npy", flow(oa, ob, 0.5, 3, 7, 3, 5, 1.1, 0))

# Full 454x256 frames: every pair's flow goes to the scratch folder (read by the test when
# present); pair 290->291 is also committed, with the flow subsampled to keep the repo small.
for i in range(0, len(full), 2):
    a, b = (cv2.imread(p, cv2.IMREAD_GRAYSCALE) for p in full[i:i + 2])
    stem = os.path.basename(full[i])[:-4]
    np.save(os.path.join(scratch, f"flow_{stem}_box.npy"), flow(a, b))
    np.save(os.path.join(scratch, f"flow_{stem}_gauss.npy"), flow(a, b, flags=G))
a, b = (cv2.imread(p, cv2.IMREAD_GRAYSCALE) for p in full[6:8])
cv2.imwrite(os.path.join(out, "full454_f290.png"), a)
cv2.imwrite(os.path.join(out, "full454_f291.png"), b)
save("flow_full454_box_sub4.npy", flow(a, b)[::4, ::4])
save("flow_full454_gauss_sub4.npy", flow(a, b, flags=G)[::4, ::4])

# ---- synthetic exact sub-pixel shift ----------------------------------------------------------
N = 96
ky = np.fft.fftfreq(N)[:, None]
kx = np.fft.fftfreq(N)[None, :]
# Periodic smooth noise: white noise low-passed by a Gaussian of sigma 1.5 px in the Fourier domain.
smooth = np.exp(-2 * (np.pi * 1.5) ** 2 * (kx ** 2 + ky ** 2))
tex = np.real(np.fft.ifft2(np.fft.fft2(rng.uniform(0, 1, (N, N))) * smooth))
tex = 40 + 160 * (tex - tex.min()) / (tex.max() - tex.min())
tx, ty = 0.75, -0.25
# b(x, y) = a(x - tx, y - ty), so the flow from a to b is (tx, ty) everywhere.
shifted = np.real(np.fft.ifft2(np.fft.fft2(tex) * np.exp(-2j * np.pi * (kx * tx + ky * ty))))
a = np.clip(tex.round(), 0, 255).astype(np.uint8)
b = np.clip(shifted.round(), 0, 255).astype(np.uint8)
cv2.imwrite(os.path.join(out, "fshift_a.png"), a)
cv2.imwrite(os.path.join(out, "fshift_b.png"), b)
for name, flags in [("box", 0), ("gauss", G)]:
    f = flow(a, b, flags=flags)
    save(f"flow_fshift_{name}.npy", f)
    e = np.hypot(f[..., 0] - tx, f[..., 1] - ty)[16:-16, 16:-16]
    print(f"fshift {name}: OpenCV interior mean EPE to truth {e.mean():.4f}")
print("wrote", out)
