#!/usr/bin/env python3
"""Scores a folder of generated talking-head videos with SyncNet's LSE-D / LSE-C and writes a CSV.

    python3 examples/python/score_folder.py VIDEOS/ --weights syncnet_v2.safetensors -o scores.csv

Each video must be a 25 fps 224x224 face crop (what syncnet_python's pipeline writes). A video
that cannot be scored (no audio, wrong size, too short, unreadable) gets a row with the error id
instead of stopping the run, so a data-set filter sees every file. LSE-D: lower is better;
LSE-C: higher is better (Wav2Lip's evaluation). The CSV is written to a temporary name and renamed
when complete.
"""
import argparse
import csv
import os
import sys
import tempfile
from pathlib import Path

import syncdsp

VIDEO_EXTENSIONS = {".mp4", ".mov", ".mkv", ".avi", ".webm"}
COLUMNS = ["file", "status", "offset_ms", "av_offset_frames", "lse_d", "lse_c", "windows", "message"]


def score(path: Path, weights: str, max_frames: int) -> dict:
    try:
        r = syncdsp.syncnet(path, weights=weights, max_frames=max_frames)
    except syncdsp.Error as e:  # carries the library's id, e.g. unsupported.syncnet for a 30 fps file
        return {"file": path.name, "status": e.id, "message": str(e)}
    return {"file": path.name, "status": "ok", "offset_ms": r.offset_ms, "av_offset_frames": r.av_offset_frames,
            "lse_d": f"{r.lse_d:.6f}", "lse_c": f"{r.lse_c:.6f}", "windows": r.windows}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--weights", required=True, help="SyncNet weights (.safetensors, scripts/export_syncnet.py)")
    ap.add_argument("-o", "--output", required=True, type=Path, help="the CSV to write")
    ap.add_argument("--max-frames", type=int, default=0, help="score only the first N frames (0 = all)")
    args = ap.parse_args()

    videos = sorted(p for p in args.folder.iterdir() if p.suffix.lower() in VIDEO_EXTENSIONS)
    if not videos:
        print(f"score_folder: no videos in {args.folder}", file=sys.stderr)
        return 1
    rows = []
    for path in videos:
        row = score(path, args.weights, args.max_frames)
        rows.append(row)
        print(f"{row['file']}: " + (f"LSE-D {row['lse_d']}  LSE-C {row['lse_c']}  offset {row['offset_ms']:+.0f} ms"
                                    if row["status"] == "ok" else f"not scored ({row['status']})"))
    fd, tmp = tempfile.mkstemp(prefix=".scores-", suffix=".csv", dir=args.output.parent or ".")
    try:
        with os.fdopen(fd, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS)
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp, args.output)
    except BaseException:
        os.unlink(tmp)
        raise
    ok = [r for r in rows if r["status"] == "ok"]
    if ok:
        mean = lambda key: sum(float(r[key]) for r in ok) / len(ok)  # noqa: E731
        print(f"{len(ok)} of {len(rows)} scored: mean LSE-D {mean('lse_d'):.4f}, mean LSE-C {mean('lse_c'):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
