#!/usr/bin/env python3
"""Golden data for `syncdsp syncnet --input video` (tests/cli/test_cli_syncnet_tracks.cpp) and for
vision/resize_opencv_u8.hpp (tests/vision/test_resize_opencv_u8.cpp): a numpy + cv2 + torch statement
of syncnet_python's run_pipeline.py crop and SyncNetInstance.evaluate, on the face boxes syncdsp's
tracker found.

What is stated here, independently of syncdsp's C++ (only the per-frame boxes and frame timestamps
come from syncdsp, through `syncdsp syncnet --dump-boxes`, because the face detector differs):
  * the test clip: the bundled face crop scaled and padded into a 640x360 frame at 30 fps
    (CLIP_FILTER below; the C++ test runs the same ffmpeg command);
  * frames decoded by ffmpeg as bgr24 (-copyts, passthrough), audio as 16 kHz mono s16 with sample 0
    at the audio stream's start time (ffprobe start_time, the aresample first_pts filter);
  * the 25 fps grid by timestamps: slot k at a0 + k/25 s shows the latest frame with pts <= that
    instant (+1 us), while the instant is >= 1 ms before the last frame's end (its pts plus the mean
    frame interval); a track covers the slots whose frame is in its span;
  * run_pipeline.crop_video: x1 y1 x2 y2 per slot, bridged gaps filled by scipy interp1d (nearest at
    the ends), s = max(w, h)/2 and the centre, scipy.signal.medfilt(kernel 13), np.pad with 110 by
    int(s*(1+2*cs)), the slice [int(my-bs):int(my+bs*(1+2cs)), int(mx-bs*(1+cs)):int(mx+bs*(1+cs))],
    cv2.resize to 224x224;
  * the track's audio: samples 640*k0 .. 640*(k1+1); python_speech_features MFCCs (numpy statement
    of gen_nn_syncnet.py); the protocol in torch with the seeded /8 SyncNet of gen_nn_syncnet.py
    (checked here to equal tests/golden/nn/syncnet_div8.safetensors).

Regenerate (needs the syncdsp CLI built from this tree, ffmpeg, /usr/bin/python3 with torch, cv2, scipy):
    /usr/bin/python3 scripts/golden/gen_syncnet_tracks.py build/apps/syncdsp
Compare the CLI with the statement on any other clip (prints the errors, writes nothing):
    /usr/bin/python3 scripts/golden/gen_syncnet_tracks.py --check build/apps/syncdsp CLIP
Writes tests/golden/nn/syncnet_div8_tracks_30fps.json (with the tracker's boxes it used and the byte
sum of every crop) and tests/golden/vision/resize_opencv_u8_*.npy (cv2.resize of a closed-form
pattern; only these with --resize-only, which needs no CLI).
"""
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np
import torch
from scipy import signal
from scipy.interpolate import interp1d

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", ".."))
sys.path.insert(0, here)
from gen_nn_syncnet import aud_batch, lip_batch, make_model, protocol, psf_mfcc  # noqa: E402

SOURCE = os.path.join(root, "data", "lrs3_C8zY0oAdQrs_00018", "facecrop_224.mp4")
# The 30 fps uncropped clip: 3.2 s of the face crop, scaled to 180x180 and padded into 640x360.
CLIP_SECONDS = "3.2"
CLIP_FILTER = "fps=30,scale=180:180,pad=640:360:300:70:color=gray"
GOLDEN = os.path.join(root, "tests", "golden", "nn", "syncnet_div8_tracks_30fps.json")
SLACK = 1e-6


def make_clip(out):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", SOURCE, "-t", CLIP_SECONDS, "-vf", CLIP_FILTER,
                    "-c:v", "ffv1", "-c:a", "pcm_s16le", out], check=True)


def decode_frames(path, w, h):
    v = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-copyts", "-i", path, "-map", "0:v:0", "-an",
                        "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"],
                       check=True, capture_output=True).stdout
    return np.frombuffer(v, np.uint8).reshape(-1, h, w, 3)


def decode_audio(path):
    p = json.loads(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                                   "stream=start_time", "-of", "json", path], check=True, capture_output=True).stdout)
    start = float(p["streams"][0].get("start_time", 0) or 0)
    first = int(round(start * 16000))
    a = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-copyts", "-i", path, "-map", "0:a:0", "-vn", "-af",
                        f"aresample=16000,aresample=async=1:first_pts={first}", "-ac", "1", "-ar", "16000", "-f",
                        "s16le", "-acodec", "pcm_s16le", "pipe:1"], check=True, capture_output=True).stdout
    return np.frombuffer(a, "<i2"), first / 16000.0


def grid(times, t0, fps=25.0):
    interval = (times[-1] - times[0]) / (len(times) - 1) if len(times) >= 2 else 1.0 / fps
    end = times[-1] + interval
    out, i, k = [], 0, 0
    while True:
        t = t0 + k / fps
        if t >= end - 1e-3:
            return out
        while i < len(times) and times[i] <= t + SLACK:
            i += 1
        out.append(i - 1)
        k += 1


def track_crop_boxes(track, g, kernel=13):
    first, last = track["first"], track["last"]
    slots = [k for k, f in enumerate(g) if first <= f <= last]
    frames = [g[k] for k in slots]
    xywh = np.array([track["boxes"][f - first] for f in frames], dtype=np.float64)
    has = np.array([track["has"][f - first] for f in frames], dtype=bool)
    bb = np.stack([xywh[:, 0], xywh[:, 1], xywh[:, 0] + xywh[:, 2], xywh[:, 1] + xywh[:, 3]], 1)
    idx = np.arange(len(slots))
    known = idx[has]
    for j in range(4):
        col = bb[:, j].copy()
        inside = (~has) & (idx > known[0]) & (idx < known[-1])
        if inside.any():
            col[inside] = interp1d(known, bb[has, j])(idx[inside])
        col[(~has) & (idx < known[0])] = bb[known[0], j]
        col[(~has) & (idx > known[-1])] = bb[known[-1], j]
        bb[:, j] = col
    dets = {"s": [], "x": [], "y": []}
    for det in bb:  # run_pipeline.crop_video
        dets["s"].append(max((det[3] - det[1]), (det[2] - det[0])) / 2)
        dets["y"].append((det[1] + det[3]) / 2)
        dets["x"].append((det[0] + det[2]) / 2)
    for key in dets:
        dets[key] = signal.medfilt(dets[key], kernel_size=kernel)
    return slots, frames, dets


def crop(image, x, y, bs, cs=0.4, pad=110):
    bsi = int(bs * (1 + 2 * cs))
    frame = np.pad(image, ((bsi, bsi), (bsi, bsi), (0, 0)), "constant", constant_values=(pad, pad))
    my = y + bsi
    mx = x + bsi
    face = frame[int(my - bs):int(my + bs * (1 + 2 * cs)), int(mx - bs * (1 + cs)):int(mx + bs * (1 + cs))]
    return cv2.resize(face, (224, 224))


def read_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        head = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in head.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        assert meta["dtype"] == "F32", meta["dtype"]
        out[name] = np.frombuffer(data[a:b], "<f4").reshape(meta["shape"])
    return out


def statement(cli):
    torch.set_num_threads(1)
    m = make_model(8, 1234)
    stored = read_safetensors(os.path.join(root, "tests", "golden", "nn", "syncnet_div8.safetensors"))
    for k, v in m.state_dict().items():
        if k.endswith("num_batches_tracked"):
            continue
        assert np.array_equal(stored[k], v.numpy()), k
    weights = os.path.join(root, "tests", "golden", "nn", "syncnet_div8.safetensors")
    with tempfile.TemporaryDirectory() as tmp:
        clip = os.path.join(tmp, "face_30fps_640x360.mkv")
        make_clip(clip)
        boxes_path = os.path.join(tmp, "boxes.json")
        subprocess.run([cli, "syncnet", "--weights", weights, "--input", "video", "--dump-boxes", boxes_path, clip],
                       check=True, capture_output=True)
        with open(boxes_path) as f:
            dump = json.load(f)
        frames = decode_frames(clip, 640, 360)
        pcm, a0 = decode_audio(clip)
    times = dump["times"]
    assert len(times) == len(frames), (len(times), len(frames))
    assert abs(a0 - dump["audio_start_s"]) < 1e-12, (a0, dump["audio_start_s"])
    g = grid(times, a0)
    out = {"clip": {"source": os.path.relpath(SOURCE, root), "seconds": CLIP_SECONDS, "filter": CLIP_FILTER,
                    "codec": "ffv1 + pcm_s16le in .mkv"},
           "audio_start_s": a0, "frames": len(frames), "slots": len(g), "tracker_dump": dump, "tracks": []}
    out["tracker_dump"].pop("file", None)
    with torch.inference_mode():
        for tr in dump["tracks"]:
            slots, fidx, dets = track_crop_boxes(tr, g)
            n, k0 = len(slots), slots[0]
            a = pcm[640 * k0:640 * (k0 + n)]
            usable = min(n, len(a) // 640)
            res = {"id": tr["id"], "first_slot": k0, "frames": n}
            if n < 7 or usable < 6:
                res["measured"] = False
                out["tracks"].append(res)
                continue
            windows = usable - 5
            crops = np.stack([crop(frames[fidx[i]], dets["x"][i], dets["y"][i], dets["s"][i]) for i in range(windows + 4)])
            cc = psf_mfcc(a, 16000).astype(np.float32)
            ve = torch.cat([m.forward_lip(lip_batch(crops[i:i + 24], min(20, windows - i))) for i in range(0, windows, 20)])
            ae = torch.cat([m.forward_aud(aud_batch(cc[4 * i:], min(20, windows - i))) for i in range(0, windows, 20)])
            p = protocol(ve, ae)
            p.pop("dists")
            res.update(p)
            res["measured"] = True
            res["windows"] = windows
            res["crop_sums"] = [int(c.astype(np.int64).sum()) for c in crops]
            out["tracks"].append(res)
    with open(GOLDEN, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", GOLDEN, [(t["id"], t.get("av_offset_frames"), t.get("min_dist")) for t in out["tracks"]])


def check(cli, clip):
    """Compares `syncdsp syncnet --input video --json` on any clip with this statement (no golden)."""
    torch.set_num_threads(1)
    m = make_model(8, 1234)
    weights = os.path.join(root, "tests", "golden", "nn", "syncnet_div8.safetensors")
    with tempfile.TemporaryDirectory() as tmp:
        boxes_path = os.path.join(tmp, "boxes.json")
        got = json.loads(subprocess.run([cli, "syncnet", "--weights", weights, "--input", "video", "--json",
                                         "--dump-boxes", boxes_path, clip], check=True, capture_output=True).stdout)
        with open(boxes_path) as f:
            dump = json.load(f)
    p = json.loads(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                   "stream=width,height", "-of", "json", clip], check=True, capture_output=True).stdout)
    frames = decode_frames(clip, p["streams"][0]["width"], p["streams"][0]["height"])
    pcm, a0 = decode_audio(clip)
    assert len(frames) == len(dump["times"]) and abs(a0 - dump["audio_start_s"]) < 1e-12
    g = grid(dump["times"], a0)
    with torch.inference_mode():
        for tr, gt in zip(dump["tracks"], got["tracks"]):
            slots, fidx, dets = track_crop_boxes(tr, g)
            n, k0 = len(slots), slots[0]
            a = pcm[640 * k0:640 * (k0 + n)]
            windows = min(n, len(a) // 640) - 5
            if n < 7 or windows < 1:
                print("track", tr["id"], "not measured:", not gt["measured"])
                continue
            crops = np.stack([crop(frames[fidx[i]], dets["x"][i], dets["y"][i], dets["s"][i]) for i in range(windows + 4)])
            cc = psf_mfcc(a, 16000).astype(np.float32)
            ve = torch.cat([m.forward_lip(lip_batch(crops[i:i + 24], min(20, windows - i))) for i in range(0, windows, 20)])
            ae = torch.cat([m.forward_aud(aud_batch(cc[4 * i:], min(20, windows - i))) for i in range(0, windows, 20)])
            r = protocol(ve, ae)
            err = float(np.max(np.abs(np.array(r["mean_dists"]) - np.array(gt["dists"]))))
            print(f"track {tr['id']}: {len(frames)} video frames, {n} slots, windows {windows} vs {gt['windows']}, "
                  f"offset {r['av_offset_frames']} vs {gt['av_offset_frames']}, max abs error of the mean distances {err:.2g}")


def resize_pattern(w, h, cn=3):
    y, x, c = np.meshgrid(np.arange(h), np.arange(w), np.arange(cn), indexing="ij")
    return ((3 * x * x + 5 * y * y + 7 * x * y + 101 * c + (x * y) // 3) % 256).astype(np.uint8)


RESIZE_CASES = [(37, 23, 61, 45), (300, 200, 50, 37), (64, 64, 32, 32), (90, 70, 124, 96), (17, 250, 31, 9)]


def resize_golden():
    out = os.path.join(root, "tests", "golden", "vision")
    for sw, sh, dw, dh in RESIZE_CASES:
        r = cv2.resize(resize_pattern(sw, sh), (dw, dh))
        np.save(os.path.join(out, f"resize_opencv_u8_{sw}x{sh}_to_{dw}x{dh}.npy"), r)
    # 60 more sizes (seeded), 1 and 3 channels, kept as a weighted checksum of the output:
    # sum over the flattened bytes of (index + 1) * value.
    rng = np.random.default_rng(5)
    sums = []
    for _ in range(60):
        sw, sh, dw, dh = (int(v) for v in rng.integers(1, 400, 4))
        cn = int(rng.choice([1, 3]))
        img = resize_pattern(sw, sh, cn)
        r = cv2.resize(img if cn == 3 else img[:, :, 0], (dw, dh)).reshape(-1).astype(np.int64)
        sums.append({"src": [sw, sh], "dst": [dw, dh], "channels": cn,
                     "checksum": int(np.sum((np.arange(r.size, dtype=np.int64) + 1) * r))})
    with open(os.path.join(out, "resize_opencv_u8_checksums.json"), "w") as f:
        json.dump({"cv2": cv2.__version__, "cases": sums}, f, indent=0)
    print("wrote resize goldens, cv2", cv2.__version__)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3])
        sys.exit(0)
    resize_golden()
    if len(sys.argv) == 2 and sys.argv[1] != "--resize-only":
        statement(sys.argv[1])
