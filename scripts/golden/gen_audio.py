#!/usr/bin/env python3
"""Golden data for syncdsp's audio front-end (tests/golden/audio/).

References actually run here (nothing re-implemented, except where stated):
  * python_speech_features  github:jameslyons/python_speech_features @ e280ac2b (the commit SyncNet
    uses), checked out outside the repository; pass its directory with --psf.
  * librosa 0.11.0          github:librosa/librosa tag 0.11.0, checked out outside the repository;
    pass its directory with --librosa. Its dependencies come from Debian (python3-numba,
    python3-scipy, python3-sklearn, python3-joblib, python3-soundfile, python3-audioread,
    python3-pooch, python3-lazy-loader, python3-msgpack, python3-decorator). The only stub is
    `soxr` (not packaged in Debian), imported at load time but used only by librosa.resample, which
    this script never calls; the stub raises if it ever is.
  * torchaudio 0.13.1       Debian python3-torchaudio: compliance.kaldi.mfcc/fbank (dither 0) and
    transforms.MFCC / MelSpectrogram / AmplitudeToDB.

Inputs: the first 4 s (64000 samples) of the bundled LRS3 clip data/lrs3_C8zY0oAdQrs_00018/audio_16k.wav
(a float32 WAV holding exact int16/32768 values,
read with scipy.io.wavfile and turned back into the int16 array SyncNet's ffmpeg step produces) and a 1 s synthetic int16 signal (silence with
exact zeros, a tone, a chirp, low noise) saved as synth_int16.npy. Float references get int16/32768,
psf gets the int16 array (as SyncNet), Kaldi gets int16 values as float. References run in float64
where the package allows it (librosa, psf, torchaudio kaldi on a float64 tensor).

Usage (from the repository root):
  mkdir -p /tmp/ref/stubs && printf 'def resample(*a, **k):\n    raise RuntimeError("soxr stub")\n' > /tmp/ref/stubs/soxr.py
  /usr/bin/python3 scripts/golden/gen_audio.py --psf /tmp/ref/psf --librosa /tmp/ref/librosa --stubs /tmp/ref/stubs
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--psf", required=True)
ap.add_argument("--librosa", required=True)
ap.add_argument("--stubs", required=True, help="directory with the soxr stub module")
ap.add_argument("--out", default="tests/golden/audio")
args = ap.parse_args()
sys.path[:0] = [args.stubs, args.librosa, args.psf]

import scipy  # noqa: E402
import scipy.io.wavfile  # noqa: E402
import torch  # noqa: E402
import torchaudio  # noqa: E402
import torchaudio.compliance.kaldi as kaldi  # noqa: E402
import librosa  # noqa: E402
import python_speech_features as psf  # noqa: E402
import python_speech_features.base as psf_base  # noqa: E402

torch.set_num_threads(1)
os.makedirs(args.out, exist_ok=True)
SR = 16000


def git_rev(path):
    try:
        return subprocess.check_output(["git", "-C", path, "rev-parse", "HEAD"], text=True).strip()
    except Exception:
        return "unknown"


def save(name, a, dtype=np.float64):
    a = np.ascontiguousarray(np.asarray(a, dtype=dtype))
    np.save(os.path.join(args.out, name + ".npy"), a)
    print(f"{name}: {a.shape} {a.dtype}")


# ---- inputs -------------------------------------------------------------------------------
sr, wav = scipy.io.wavfile.read("data/lrs3_C8zY0oAdQrs_00018/audio_16k.wav")
assert sr == SR
if wav.dtype != np.int16:  # the bundled file is float32 holding exact multiples of 1/32768
    w64 = wav.astype(np.float64) * 32768.0
    assert np.array_equal(w64, np.round(w64)), "expected int16-valued samples"
    wav = w64.astype(np.int16)
speech = wav[:64000].copy()

rng = np.random.default_rng(12345)
n = np.arange(SR)
t = n / SR
synth = np.zeros(SR)
synth[3200:8000] = 0.5 * np.sin(2 * np.pi * 440.0 * t[3200:8000])                       # tone
f0, f1 = 100.0, 7000.0
tc = t[8000:14400] - t[8000]
synth[8000:14400] = 0.3 * np.sin(2 * np.pi * (f0 * tc + 0.5 * (f1 - f0) / tc[-1] * tc ** 2))  # chirp
synth[14400:] = 1e-3 * rng.standard_normal(SR - 14400)                                   # low noise
synth = np.clip(np.round(synth * 32767), -32768, 32767).astype(np.int16)                 # 0..3199 exact zeros
np.save(os.path.join(args.out, "synth_int16.npy"), synth.astype(np.float32))  # int16 values, exact in f32

signals = {"speech": speech, "synth": synth}

for name, x16 in signals.items():
    xf = x16.astype(np.float64) / 32768.0
    xk = torch.from_numpy(x16.astype(np.float64)).unsqueeze(0)

    # python_speech_features, exactly as SyncNet calls it
    save(f"{name}_psf_mfcc", psf.mfcc(x16, SR))
    save(f"{name}_psf_logfbank", psf.logfbank(x16, SR))

    # Kaldi via torchaudio (dither 0 is the torchaudio default; pass it anyway)
    save(f"{name}_kaldi_mfcc", kaldi.mfcc(xk, sample_frequency=SR, dither=0.0).numpy())
    save(f"{name}_kaldi_fbank", kaldi.fbank(xk, sample_frequency=SR, dither=0.0).numpy())

    # librosa defaults (sr passed), and the speech framing 512/400/160 with 40 mels
    save(f"{name}_librosa_mfcc", librosa.feature.mfcc(y=xf, sr=SR).T)
    save(f"{name}_librosa_mfcc_speech",
         librosa.feature.mfcc(y=xf, sr=SR, n_mfcc=13, n_fft=512, hop_length=160, win_length=400, n_mels=40).T)
    save(f"{name}_librosa_mfcc_lifter",
         librosa.feature.mfcc(y=xf, sr=SR, n_mfcc=13, n_fft=512, hop_length=160, win_length=400, n_mels=40,
                              lifter=22).T)
    save(f"{name}_librosa_logmel",
         librosa.power_to_db(librosa.feature.melspectrogram(y=xf, sr=SR, n_fft=512, hop_length=160,
                                                            win_length=400, n_mels=40)).T)
    save(f"{name}_librosa_zcr", librosa.feature.zero_crossing_rate(xf).T)
    save(f"{name}_librosa_zcr_speech", librosa.feature.zero_crossing_rate(xf, frame_length=400, hop_length=160).T)
    save(f"{name}_librosa_rms", librosa.feature.rms(y=xf).T)
    save(f"{name}_librosa_rms_speech", librosa.feature.rms(y=xf, frame_length=400, hop_length=160).T)

    # torchaudio transforms (float32 only in practice): MFCC speech preset, reflect-centred, HTK mels
    xt = torch.from_numpy(xf.astype(np.float32))
    m = torchaudio.transforms.MFCC(sample_rate=SR, n_mfcc=13,
                                   melkwargs=dict(n_fft=512, win_length=400, hop_length=160, n_mels=40))
    save(f"{name}_torchaudio_mfcc_speech", m(xt).numpy().T, np.float32)
    ms = torchaudio.transforms.MelSpectrogram(sample_rate=SR, n_fft=512, win_length=400, hop_length=160, n_mels=40)
    save(f"{name}_torchaudio_melspec_speech", ms(xt).numpy().T, np.float32)

# deltas on the speech psf MFCC: librosa Savitzky-Golay (width 9, mode interp) and psf regression (N=2)
feat = np.load(os.path.join(args.out, "speech_psf_mfcc.npy"))
save("speech_psf_mfcc_delta_librosa1", librosa.feature.delta(feat.T, width=9, order=1).T)
save("speech_psf_mfcc_delta_librosa2", librosa.feature.delta(feat.T, width=9, order=2).T)
save("speech_psf_mfcc_delta_psf", psf.delta(feat, 2))

# filterbanks (n_mels, n_fft/2+1)
save("fb_librosa_slaney_512_40", librosa.filters.mel(sr=SR, n_fft=512, n_mels=40, dtype=np.float64))
save("fb_librosa_htk_512_40_f300_7000", librosa.filters.mel(sr=SR, n_fft=512, n_mels=40, htk=True, norm=None,
                                                            fmin=300, fmax=7000, dtype=np.float64))
save("fb_psf_26_512", psf.get_filterbanks(26, 512, SR))
kb, _ = kaldi.get_mel_banks(23, 512, float(SR), 20.0, 0.0, 100.0, -500.0, 1.0)
save("fb_kaldi_23_512", torch.nn.functional.pad(kb, (0, 1)).double().numpy())
save("fb_torchaudio_htk_512_40",
     torchaudio.functional.melscale_fbanks(257, 0.0, 8000.0, 40, SR, norm=None, mel_scale="htk").T.double().numpy())

versions = {
    "python": sys.version.split()[0],
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "torch": torch.__version__,
    "torchaudio": torchaudio.__version__,
    "librosa": librosa.__version__,
    "librosa_commit": git_rev(args.librosa),
    "python_speech_features_commit": git_rev(args.psf),
    "soxr": "stub (resampling unused)",
}
with open(os.path.join(args.out, "VERSIONS.json"), "w") as f:
    json.dump(versions, f, indent=2, sort_keys=True)
    f.write("\n")
print(versions)
