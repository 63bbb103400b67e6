#!/usr/bin/env python3
"""Compares syncdsp's MFCC (preset "librosa") with librosa.feature.mfcc on a WAV.

    python3 examples/python/compare_mfcc_librosa.py speech.wav
    python3 examples/python/compare_mfcc_librosa.py speech.wav --samples 64000 \\
        --reference tests/golden/audio/speech_librosa_mfcc.npy

With librosa importable, it is run on the same samples (librosa.feature.mfcc(y=x, sr=sr), its
defaults). librosa is not packaged for Debian bookworm, so without it pass --reference: an NPY of
librosa's output (frames, 20) saved elsewhere, e.g. the golden file scripts/golden/gen_audio.py
made from the first 64000 samples of the bundled clip. Exit status 1 when the largest difference
exceeds --tolerance (default 1e-3, the library's aim for double precision).
"""
import argparse
import sys

import numpy as np
from scipy.io import wavfile

import syncdsp


def read_mono(path):
    sr, data = wavfile.read(path)
    if data.dtype == np.int16:
        data = data.astype(np.float64) / 32768.0
    elif data.dtype.kind == "f":
        data = data.astype(np.float64)
    else:
        sys.exit(f"compare_mfcc_librosa: {path}: 16-bit PCM or float WAV expected, got {data.dtype}")
    return sr, (data if data.ndim == 1 else data.mean(axis=1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wav")
    ap.add_argument("--samples", type=int, default=0, help="use only the first N samples (0 = all)")
    ap.add_argument("--reference", help="librosa's MFCC as NPY (frames, n_mfcc), when librosa is not installed")
    ap.add_argument("--tolerance", type=float, default=1e-3)
    args = ap.parse_args()

    sr, x = read_mono(args.wav)
    if args.samples:
        x = x[:args.samples]
    ours = syncdsp.mfcc(x, sr, preset="librosa")
    try:
        import librosa
        ref = librosa.feature.mfcc(y=x, sr=sr).T
        source = f"librosa {librosa.__version__}"
    except ImportError:
        if not args.reference:
            print("compare_mfcc_librosa: librosa is not installed (not packaged for Debian bookworm); pass "
                  "--reference NPY with librosa.feature.mfcc(y=x, sr=sr).T saved where it is", file=sys.stderr)
            return 2
        ref = np.load(args.reference)
        source = args.reference
    if ref.shape != ours.shape:
        print(f"compare_mfcc_librosa: shapes differ: syncdsp {ours.shape}, {source} {ref.shape}", file=sys.stderr)
        return 1
    diff = np.abs(ours - ref)
    print(f"{args.wav}: {len(x)} samples at {sr} Hz, MFCC {ours.shape[0]} frames x {ours.shape[1]}")
    print(f"syncdsp vs {source}: max |difference| {diff.max():.3g}, mean {diff.mean():.3g}")
    print("per coefficient (max):", " ".join(f"{v:.1e}" for v in diff.max(axis=0)))
    if diff.max() > args.tolerance:
        print(f"larger than the tolerance {args.tolerance}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
