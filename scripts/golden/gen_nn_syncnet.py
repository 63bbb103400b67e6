#!/usr/bin/env python3
"""Golden data for the SyncNet tests (tests/nn/test_syncnet.cpp) and the benchmark, from PyTorch.

* A SyncNet v2 module written from the layer table (docs/nn.md; syncnet_python's model `S`: same
  layers, same state-dict names), with a width divisor. Random weights (seeded), BatchNorm gamma,
  beta, running mean/var randomised so no BN is an identity; eval mode.
* Weights exported with scripts/export_syncnet.py's writer (the same code a user runs).
* Synthetic inputs in closed form (the C++ test recomputes them, so they are not stored):
    frame t, row y, col x, channel c (BGR order, 8-bit):
        (7x + 13y + 31t + 101c + (x*y) % 17) % 256
    MFCC frame t, coefficient c:  ((7t + 3c) % 23 - 11) * 1.5
* The protocol on the bundled face-crop clip (data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4): frames
  decoded by ffmpeg as raw bgr24, audio as 16 kHz mono s16 (as SyncNetInstance extracts it), MFCCs
  by a numpy statement of python_speech_features.mfcc(sig, 16000) defaults, then the protocol of
  SyncNetInstance.evaluate (calc_pdist, mean, min, median) in torch, on the first CLIP_FRAMES frames.

Regenerate (CI fixture, width/8, < 1 MB):
    /usr/bin/python3 scripts/golden/gen_nn_syncnet.py
Full-width data for the optional test and the benchmark (52 MB, never committed):
    /usr/bin/python3 scripts/golden/gen_nn_syncnet.py --full build-nn/syncnet_full
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", ".."))
sys.path.insert(0, os.path.join(root, "scripts"))
from export_syncnet import state_dict_to_arrays, write_safetensors  # noqa: E402

CLIP = os.path.join(root, "data", "lrs3_C8zY0oAdQrs_00018", "facecrop_224.mp4")
CLIP_FRAMES = 40


class SyncNetV2(nn.Module):
    """Model `S` of syncnet_python, written from the layer table; widths divided by `div`."""

    def __init__(self, div=1):
        super().__init__()
        a = [64 // div, 192 // div, 384 // div, 256 // div, 256 // div, 512 // div]
        l = [96 // div, 256 // div, 256 // div, 256 // div, 256 // div, 512 // div]
        fc, emb = 512 // div, 1024 // div

        def c2(i, o, k, p):
            return [nn.Conv2d(i, o, k, padding=p), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]

        def c3(i, o, k, s, p):
            return [nn.Conv3d(i, o, k, stride=s, padding=p), nn.BatchNorm3d(o), nn.ReLU(inplace=True)]

        self.netcnnaud = nn.Sequential(
            *c2(1, a[0], 3, 1), nn.MaxPool2d(1, 1),
            *c2(a[0], a[1], 3, 1), nn.MaxPool2d(3, (1, 2)),
            *c2(a[1], a[2], 3, 1), *c2(a[2], a[3], 3, 1), *c2(a[3], a[4], 3, 1), nn.MaxPool2d(3, 2),
            *c2(a[4], a[5], (5, 4), 0))
        self.netfcaud = nn.Sequential(nn.Linear(a[5], fc), nn.BatchNorm1d(fc), nn.ReLU(), nn.Linear(fc, emb))
        self.netfclip = nn.Sequential(nn.Linear(l[5], fc), nn.BatchNorm1d(fc), nn.ReLU(), nn.Linear(fc, emb))
        self.netcnnlip = nn.Sequential(
            *c3(3, l[0], (5, 7, 7), (1, 2, 2), 0), nn.MaxPool3d((1, 3, 3), (1, 2, 2)),
            *c3(l[0], l[1], (1, 5, 5), (1, 2, 2), (0, 1, 1)), nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
            *c3(l[1], l[2], (1, 3, 3), 1, (0, 1, 1)), *c3(l[2], l[3], (1, 3, 3), 1, (0, 1, 1)),
            *c3(l[3], l[4], (1, 3, 3), 1, (0, 1, 1)), nn.MaxPool3d((1, 3, 3), (1, 2, 2)),
            *c3(l[4], l[5], (1, 6, 6), 1, 0))

    def forward_aud(self, x):
        return self.netfcaud(self.netcnnaud(x).flatten(1))

    def forward_lipfeat(self, x):
        return self.netcnnlip(x).flatten(1)

    def forward_lip(self, x):
        return self.netfclip(self.forward_lipfeat(x))


def make_model(div, seed):
    torch.manual_seed(seed)
    m = SyncNetV2(div)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
                c = mod.num_features
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.normal_(0, 0.1)
                mod.running_mean.normal_(0, 0.1)
                mod.running_var.uniform_(0.5, 1.5)
    return m.eval()


def synthetic_frames(t):
    x = np.arange(224)[None, None, :, None]
    y = np.arange(224)[None, :, None, None]
    tt = np.arange(t)[:, None, None, None]
    c = np.arange(3)[None, None, None, :]
    return ((7 * x + 13 * y + 31 * tt + 101 * c + (x * y) % 17) % 256).astype(np.uint8)  # T,H,W,C (BGR)


def synthetic_mfcc(t):
    tt = np.arange(t)[:, None]
    c = np.arange(13)[None, :]
    return (((7 * tt + 3 * c) % 23 - 11) * 1.5).astype(np.float32)  # frames x 13


def lip_batch(frames_thwc, windows):
    """frames (T,H,W,C) -> (windows,3,5,H,W) float, as SyncNetInstance slices imtv."""
    imtv = torch.from_numpy(frames_thwc.astype(np.float64)).float().permute(3, 0, 1, 2).unsqueeze(0)  # 1,3,T,H,W
    return torch.cat([imtv[:, :, v:v + 5] for v in range(windows)], 0)


def aud_batch(mfcc_tc, windows):
    cct = torch.from_numpy(mfcc_tc.T.copy()).float()[None, None]  # 1,1,13,T
    return torch.cat([cct[:, :, :, 4 * v:4 * v + 20] for v in range(windows)], 0)


def psf_mfcc(sig, rate=16000):
    """python_speech_features.mfcc(sig, rate) with its defaults, stated in numpy."""
    from scipy.fftpack import dct
    sig = sig.astype(np.float64)
    sig = np.append(sig[0], sig[1:] - 0.97 * sig[:-1])
    flen, fstep, nfft = 400, 160, 512
    n = len(sig)
    nframes = 1 if n <= flen else 1 + int(np.ceil((n - flen) / fstep))
    pad = np.concatenate([sig, np.zeros(int((nframes - 1) * fstep + flen) - n)])
    idx = np.tile(np.arange(flen), (nframes, 1)) + np.tile(np.arange(0, nframes * fstep, fstep), (flen, 1)).T
    frames = pad[idx]
    pspec = 1.0 / nfft * np.square(np.absolute(np.fft.rfft(frames, nfft)))
    energy = np.sum(pspec, 1)
    energy = np.where(energy == 0, np.finfo(float).eps, energy)
    mel = lambda hz: 2595 * np.log10(1 + hz / 700.0)
    imel = lambda m: 700 * (10 ** (m / 2595.0) - 1)
    pts = np.linspace(mel(0), mel(rate / 2), 26 + 2)
    b = np.floor((nfft + 1) * imel(pts) / rate)
    fb = np.zeros([26, nfft // 2 + 1])
    for j in range(26):
        for i in range(int(b[j]), int(b[j + 1])):
            fb[j, i] = (i - b[j]) / (b[j + 1] - b[j])
        for i in range(int(b[j + 1]), int(b[j + 2])):
            fb[j, i] = (b[j + 2] - i) / (b[j + 2] - b[j + 1])
    feat = np.dot(pspec, fb.T)
    feat = np.where(feat == 0, np.finfo(float).eps, feat)
    feat = dct(np.log(feat), type=2, axis=1, norm="ortho")[:, :13]
    lift = 1 + (22 / 2.0) * np.sin(np.pi * np.arange(13) / 22)
    feat = feat * lift
    feat[:, 0] = np.log(energy)
    return feat


def protocol(vid, aud, vshift=15):
    """SyncNetInstance.evaluate's offset computation, in torch (calc_pdist + mean/min/median + medfilt)."""
    from scipy import signal
    win = vshift * 2 + 1
    audp = torch.nn.functional.pad(aud, (0, 0, vshift, vshift))
    dists = [torch.nn.functional.pairwise_distance(vid[[i], :].repeat(win, 1), audp[i:i + win, :])
             for i in range(len(vid))]
    mdist = torch.mean(torch.stack(dists, 1), 1)
    minval, minidx = torch.min(mdist, 0)
    fdist = np.stack([d[minidx].numpy() for d in dists])
    fconf = torch.median(mdist).numpy() - fdist
    return {
        "vshift": vshift,
        "av_offset_frames": int(vshift - minidx),
        "min_dist": float(minval),
        "confidence": float(torch.median(mdist) - minval),
        "mean_dists": [float(v) for v in mdist],
        "window_confidence_raw": [float(v) for v in fconf],
        "window_confidence": [float(v) for v in signal.medfilt(fconf, kernel_size=9)],
        "dists": [[float(v) for v in d] for d in dists],
    }


def decode_clip(path, frames):
    v = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0", "-an", "-fps_mode",
                        "passthrough", "-frames:v", str(frames), "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"],
                       check=True, capture_output=True).stdout
    a = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-vn", "-ac", "1", "-ar",
                        "16000", "-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"],
                       check=True, capture_output=True).stdout
    return (np.frombuffer(v, np.uint8).reshape(-1, 224, 224, 3), np.frombuffer(a, "<i2"))


def save(out, name, arr):
    np.save(os.path.join(out, name + ".npy"), np.ascontiguousarray(arr))


def generate(out, div, seed, clip_frames):
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    m = make_model(div, seed)
    tag = f"syncnet_div{div}"
    write_safetensors(os.path.join(out, tag + ".safetensors"), state_dict_to_arrays(m.state_dict()),
                      {"format": "pt", "source": "gen_nn_syncnet.py", "seed": str(seed), "width_div": str(div)})
    frames, mfcc = synthetic_frames(7), synthetic_mfcc(28)  # 3 windows
    with torch.inference_mode():
        lip = lip_batch(frames, 3)
        aud = aud_batch(mfcc, 3)
        save(out, tag + "_synth_lip_emb", m.forward_lip(lip).numpy())
        save(out, tag + "_synth_lipfeat", m.forward_lipfeat(lip).numpy())
        save(out, tag + "_synth_aud_emb", m.forward_aud(aud).numpy())
        if clip_frames and os.path.exists(CLIP):
            v, a = decode_clip(CLIP, clip_frames)
            min_length = min(len(v), len(a) // 640)
            windows = min_length - 5
            cc = psf_mfcc(a, 16000).astype(np.float32)
            save(out, tag + "_clip_mfcc", cc[: 4 * (windows - 1) + 20])
            ve = torch.cat([m.forward_lip(lip_batch(v[i:i + 24], min(20, windows - i))) for i in range(0, windows, 20)])
            ae = torch.cat([m.forward_aud(aud_batch(cc[4 * i:], min(20, windows - i))) for i in range(0, windows, 20)])
            res = protocol(ve, ae)
            res["clip"] = os.path.relpath(CLIP, root)
            res["frames"] = int(len(v))
            res["audio_samples_used"] = int(min(len(a), len(v) * 640))
            res["windows"] = windows
            with open(os.path.join(out, tag + "_clip_protocol.json"), "w") as f:
                json.dump(res, f, indent=1)
    print("wrote", tag, "data to", out)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--full":
        generate(sys.argv[2], 1, 4321, CLIP_FRAMES)
    else:
        generate(os.path.join(root, "tests", "golden", "nn"), 8, 1234, CLIP_FRAMES)
