#!/usr/bin/python3
"""Compare syncdsp's voice activity detector with the WebRTC VAD (libfvad as WASM, run in Node).

Inputs (made at run time):
  espeak   espeak-ng (Debian) sentences at 16 kHz with inserted gaps of known length; white
           Gaussian noise at -55 dBFS rms over everything except one gap of digital silence (which
           must come out as "missing"). Sentence spans are the ground truth "speech regions".
  lrs3     the bundled LRS3 clip (data/lrs3_C8zY0oAdQrs_00018/audio_16k.wav, float32), rounded
           to int16 (no dither) because libfvad takes int16.
Both detectors read the same int16 samples. syncdsp runs through examples/voice_activity.cpp.

  /usr/bin/python3 scripts/vad/compare.py --build build-vad [--out build-vad/vad_compare]
                                          [--update-golden]   # also refresh tests/golden/vad/

Needs: espeak-ng, numpy, scipy, the example binary; Node + `npm ci` in scripts/vad for fresh
WebRTC decisions (without Node, or with SYNCDSP_VAD_NO_NODE=1, it falls back to the committed
goldens: the LRS3 clip and the committed espeak clip only).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import scipy.io.wavfile as wavfile
from scipy.signal import resample_poly

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GOLDEN = os.path.join(ROOT, "tests", "golden", "vad")
RATE = 16000

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "Six spoons of fresh snow peas, five thick slabs of blue cheese.",
    "We also need a small plastic snake and a big toy frog for the kids.",
    "She can scoop these things into three red bags.",
    "And we will go meet her Wednesday at the train station.",
]
# Gap before each sentence, and after the last one, in seconds; gap index 3 is digital silence.
GAPS_S = [0.50, 0.30, 0.80, 1.20, 0.50, 1.00, 0.60]
DIGITAL_SILENCE_GAP = 3
NOISE_DBFS = -55.0
SEED = 20261122


def espeak_sentence(text, tmp):
    path = os.path.join(tmp, "espeak_tmp.wav")
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", path, text], check=True)
    r, x = wavfile.read(path)
    x = x.astype(np.float64) / 32768.0
    y = resample_poly(x, RATE, r) if r != RATE else x
    nz = np.nonzero(np.abs(y) > 1e-4)[0]
    return y[nz[0]:nz[-1] + 1]


def make_espeak(out_dir):
    """Returns (int16 samples, truth dict)."""
    parts, spans, gaps, pos = [], [], [], 0
    rng = np.random.default_rng(SEED)
    noise_rms = 10 ** (NOISE_DBFS / 20)
    speech = [espeak_sentence(s, out_dir) for s in SENTENCES]
    peak = max(np.abs(s).max() for s in speech)
    for i, g in enumerate(GAPS_S):
        n = int(round(g * RATE))
        gaps.append([pos, pos + n, 1 if i == DIGITAL_SILENCE_GAP else 0])
        parts.append(np.zeros(n))
        pos += n
        if i < len(speech):
            s = 0.5 * speech[i] / peak
            spans.append([pos, pos + len(s)])
            parts.append(s)
            pos += len(s)
    x = np.concatenate(parts)
    noise = rng.normal(0.0, noise_rms, len(x))
    a, b, _ = gaps[DIGITAL_SILENCE_GAP]
    noise[a:b] = 0.0
    x = x + noise
    x[a:b] = 0.0
    q = np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16)
    truth = {"sample_rate": RATE, "speech_spans": spans, "gaps": [[g[0], g[1]] for g in gaps],
             "digital_silence_gap": DIGITAL_SILENCE_GAP, "noise_dbfs": NOISE_DBFS,
             "sentences": SENTENCES, "espeak_ng": subprocess.run(["espeak-ng", "--version"], capture_output=True,
                                                                 text=True).stdout.strip()}
    return q, truth


def to_int16_wav(src, dst):
    r, x = wavfile.read(src)
    if x.dtype != np.int16:
        x = np.clip(np.round(x.astype(np.float64) * 32768), -32768, 32767).astype(np.int16)
    wavfile.write(dst, r, x)


def run_fvad(wav, prefix):
    node = shutil.which("node")
    if os.environ.get("SYNCDSP_VAD_NO_NODE") or not node or not os.path.isdir(os.path.join(HERE, "node_modules", "@echogarden", "fvad-wasm")):
        return False
    out = subprocess.run([node, os.path.join(HERE, "fvad_reference.mjs"), wav, prefix, "10,30"], check=True,
                         capture_output=True, text=True, cwd=HERE)
    sys.stderr.write(out.stdout)
    return True


def run_syncdsp(example, wav, ms, out):
    r = subprocess.run([example, wav, str(ms), out], check=True, capture_output=True, text=True)
    return np.load(out), r.stdout


def kappa(a, b):
    po = np.mean(a == b)
    pa, pb = a.mean(), b.mean()
    pe = pa * pb + (1 - pa) * (1 - pb)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def auc(score, label, keep):
    """Area under the ROC curve of a continuous score against 0/1 labels (ties count half)."""
    score, label = score[keep], label[keep].astype(bool)
    pos, neg = score[label], score[~label]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    allv = np.concatenate([pos, neg])[order]
    ranks = np.empty(len(allv))
    i = 0
    while i < len(allv):  # average ranks over ties
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[i:j + 1] = 0.5 * (i + j) + 1
        i = j + 1
    r = np.empty(len(allv))
    r[order] = ranks
    return (r[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def truth_frames(truth, n_frames, flen):
    """Per frame: 1 inside a sentence span, 0 inside a gap, -1 for frames straddling a boundary."""
    lab = np.full(n_frames, -1)
    starts = np.arange(n_frames) * flen
    for (a, b) in truth["speech_spans"]:
        lab[(starts >= a) & (starts + flen <= b)] = 1
    for (a, b) in truth["gaps"]:
        lab[(starts >= a) & (starts + flen <= b)] = 0
    return lab


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build-vad"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--update-golden", action="store_true")
    ap.add_argument("--dev", default=os.path.join(ROOT, "..", "shared", "data", "dev"),
                    help="folder of real clips (any ffmpeg input) to add to the table; decoded at run time")
    a = ap.parse_args()
    out = a.out or os.path.join(a.build, "vad_compare")
    os.makedirs(out, exist_ok=True)
    example = os.path.join(a.build, "examples", "example_voice_activity")
    if not os.path.exists(example):
        sys.exit(f"build the example first: cmake --build {a.build} --target example_voice_activity")

    clips = {}
    if shutil.which("espeak-ng"):
        q, truth = make_espeak(out)
        wavfile.write(os.path.join(out, "espeak.wav"), RATE, q)
        with open(os.path.join(out, "espeak_truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
    else:
        shutil.copy(os.path.join(GOLDEN, "espeak.wav"), os.path.join(out, "espeak.wav"))
        shutil.copy(os.path.join(GOLDEN, "espeak_truth.json"), os.path.join(out, "espeak_truth.json"))
    clips["espeak"] = os.path.join(out, "espeak.wav")
    # The same clip 20 dB quieter (rounded to int16 again): a level change alone.
    r, q = wavfile.read(clips["espeak"])
    quiet = np.clip(np.round(q.astype(np.float64) * 10 ** (-20 / 20)), -32768, 32767).astype(np.int16)
    wavfile.write(os.path.join(out, "espeak_m20dB.wav"), RATE, quiet)
    clips["espeak_m20dB"] = os.path.join(out, "espeak_m20dB.wav")
    to_int16_wav(os.path.join(ROOT, "data", "lrs3_C8zY0oAdQrs_00018", "audio_16k.wav"), os.path.join(out, "lrs3.wav"))
    clips["lrs3"] = os.path.join(out, "lrs3.wav")
    dev = sorted(f for f in os.listdir(a.dev) if f.endswith((".mp4", ".wav", ".mkv"))) if os.path.isdir(a.dev) else []
    for f in dev:  # decoded the SyncNet way: mono, 16 kHz, s16
        name = "dev/" + os.path.splitext(f)[0]
        dst = os.path.join(out, name.replace("/", "_") + ".wav")
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", os.path.join(a.dev, f), "-ac", "1", "-vn",
                        "-acodec", "pcm_s16le", "-ar", str(RATE), dst], check=True)
        clips[name] = dst
    with open(os.path.join(out, "espeak_truth.json")) as f:
        truth = json.load(f)

    fresh = all(run_fvad(w, os.path.join(out, name.replace("/", "_"))) for name, w in clips.items())
    if not fresh:
        print("(no Node/fvad-wasm: using the committed WebRTC decisions; espeak and lrs3 only)", file=sys.stderr)
        clips = {k: v for k, v in clips.items() if k in ("espeak", "lrs3")}
        if shutil.which("espeak-ng"):  # a fresh espeak clip would not match the committed decisions
            shutil.copy(os.path.join(GOLDEN, "espeak.wav"), clips["espeak"])
            shutil.copy(os.path.join(GOLDEN, "espeak_truth.json"), os.path.join(out, "espeak_truth.json"))
            with open(os.path.join(out, "espeak_truth.json")) as f:
                truth = json.load(f)
        clips = {k: v for k, v in clips.items() if k in ("espeak", "lrs3")}
        for name in clips:
            for ms in (10, 30):
                shutil.copy(os.path.join(GOLDEN, f"{name}_fvad_{ms}ms.npy"), os.path.join(out, f"{name}_fvad_{ms}ms.npy"))

    print("| clip | frame | syncdsp speech % | WebRTC speech % modes 0/1/2/3 | agreement % vs mode 0/1/2/3 | Cohen's kappa vs mode 0/1/2/3 | AUC of likelihood vs mode 0/3 |")
    print("|---|---|---|---|---|---|---|")
    summary = {ms: [] for ms in (10, 30)}
    truth_rows = []
    for name, wav in clips.items():
        for ms in (10, 30):
            tag = name.replace("/", "_")
            ours, _ = run_syncdsp(example, wav, ms, os.path.join(out, f"{tag}_syncdsp_{ms}ms.npy"))
            ref = np.load(os.path.join(out, f"{tag}_fvad_{ms}ms.npy"))
            n = min(len(ours), ref.shape[1])
            assert abs(len(ours) - ref.shape[1]) == 0, (name, ms, len(ours), ref.shape)
            s = ours[:n, 0].astype(np.uint8)
            agree = [100 * np.mean(s == ref[m, :n]) for m in range(4)]
            kap = [kappa(s, ref[m, :n]) for m in range(4)]
            aucs = [auc(ours[:n, 1], ref[m, :n], ~ours[:n, 2].astype(bool)) for m in (0, 3)]
            if name.startswith("dev/"):
                summary[ms].append(agree + kap)
            print(f"| {name} | {ms} ms | {100 * s.mean():.1f} | " + " / ".join(f"{100 * ref[m].mean():.1f}" for m in range(4)) +
                  " | " + " / ".join(f"{v:.1f}" for v in agree) + " | " + " / ".join(f"{v:.2f}" for v in kap) +
                  " | " + " / ".join(f"{v:.3f}" for v in aucs) + " |")
            if name.startswith("espeak"):
                lab = truth_frames(truth, n, ms * RATE // 1000)
                miss = ours[:n, 2].astype(bool)
                ds = truth["gaps"][truth["digital_silence_gap"]]
                row = {"clip": name, "frame_ms": ms, "missing_frames": int(miss.sum()),
                       "missing_frames_expected": int(np.sum((np.arange(n) * (ms * 16) >= ds[0]) &
                                                              (np.arange(n) * (ms * 16) + ms * 16 <= ds[1])))}
                noisegap = (lab == 0) & ~miss
                for who, d in [("syncdsp", s)] + [(f"webrtc{m}", ref[m, :n]) for m in range(4)]:
                    row[who] = (100 * d[lab == 1].mean(), 100 * d[noisegap].mean())
                truth_rows.append(row)
    for ms in (10, 30):
        if summary[ms]:
            m = np.mean(summary[ms], axis=0)
            print(f"| mean of {len(summary[ms])} dev clips | {ms} ms | | | " + " / ".join(f"{v:.1f}" for v in m[:4]) + " | " +
                  " / ".join(f"{v:.2f}" for v in m[4:]) + " | |")
    print()
    print("espeak truth (sentence spans vs inserted noise gaps): % of frames called speech inside sentences / inside noise gaps")
    print("| clip | frame | missing frames (expected) | syncdsp | WebRTC 0 | WebRTC 1 | WebRTC 2 | WebRTC 3 |")
    print("|---|---|---|---|---|---|---|---|")
    for r in truth_rows:
        cells = [f"{r[k][0]:.1f} / {r[k][1]:.1f}" for k in ["syncdsp", "webrtc0", "webrtc1", "webrtc2", "webrtc3"]]
        print(f"| {r['clip']} | {r['frame_ms']} ms | {r['missing_frames']} ({r['missing_frames_expected']}) | " + " | ".join(cells) + " |")

    if a.update_golden:
        if not fresh:
            sys.exit("--update-golden needs fresh WebRTC decisions (Node + npm ci in scripts/vad)")
        os.makedirs(GOLDEN, exist_ok=True)
        shutil.copy(clips["espeak"], os.path.join(GOLDEN, "espeak.wav"))
        shutil.copy(os.path.join(out, "espeak_truth.json"), os.path.join(GOLDEN, "espeak_truth.json"))
        for name in ("espeak", "lrs3"):
            for ms in (10, 30):
                shutil.copy(os.path.join(out, f"{name}_fvad_{ms}ms.npy"), os.path.join(GOLDEN, f"{name}_fvad_{ms}ms.npy"))
        print(f"updated {GOLDEN}", file=sys.stderr)


if __name__ == "__main__":
    main()
