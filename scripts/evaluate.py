#!/usr/bin/env python3
"""Accuracy evaluation of `syncdsp sync` on real clips with injected offsets.

For each clip and each injected offset (default -1000..+1000 ms in 40 ms steps) a desynchronised
copy is made with ffmpeg at run time in a scratch folder (audio delayed with `adelay` for positive
offsets = audio late, cut with `atrim` for negative ones; video stream-copied; audio re-encoded
as PCM in Matroska so no codec delay blurs the injected shift), then `syncdsp sync --json
--track 5s` is run on it. Reports, per clip and overall, for the whole clip and for 5 s windows:

  abs<=40/80   |estimate - injected| <= 40 / 80 ms (the source clip taken as in sync)
  rel<=40      shift recovery: |estimate - injected - c| <= 40 ms, c = the clip's own constant
               (median of estimate - injected over its cases, whole clip)
  gross        |estimate - injected - c| > 200 ms, and how many of those were called reliable
  coverage     share of cases called reliable, and abs/gross among them

The answer a user acts on (calibrated offset, 90 % interval, verdict; the source clip taken as in
sync, so these count the clip's own real offset as error too):

  interval     share of valid answers whose interval holds the injected offset
  median@0     median calibrated offset of the clips at offset 0
  fix no-harm  at offset 0: fix (acts only on reliable, certain out-of-tolerance verdicts) either
               declines or leaves the result within tolerance - simulated from the verdict: the
               result of acting is injected - estimate
  fix brings   at +-300..+-1000 ms: fix acts and leaves the result within tolerance

With --calibration-folds DIR (from scripts/fit_calibration.py) every clip listed in --manifest is
measured with the calibration fitted without its source (leave-one-source-out); other clips use
the shipped calibration.

Needs only the Python standard library, ffmpeg and a built syncdsp.
  /usr/bin/python3 scripts/evaluate.py --clips data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4 \
      ../shared/data/dev/*.mp4 --out docs/accuracy-results.md
  /usr/bin/python3 scripts/evaluate.py --clips ../shared/data/calib/*.mp4 --step 100 \
      --manifest ../shared/data/calib/MANIFEST.tsv --calibration-folds build/calibration-folds
"""
import argparse
import concurrent.futures as cf
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def make_case(clip, offset_ms, path):
    if offset_ms > 0:
        af = ["-af", f"adelay={offset_ms}:all=1"]
    elif offset_ms < 0:
        af = ["-af", f"atrim=start={-offset_ms / 1000.0:.3f},asetpts=PTS-STARTPTS"]
    else:
        af = []
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", clip, "-map", "0:v:0", "-map", "0:a:0",
           "-c:v", "copy"] + af + ["-c:a", "pcm_s16le", path]
    r = run(cmd)
    if r.returncode != 0:
        raise RuntimeError(f"ffmpeg failed for {clip} at {offset_ms} ms: {r.stderr.strip()}")


def measure(syncdsp, path, extra):
    r = run([syncdsp, "sync", path, "--json", "--quiet", "--track", "5s"] + extra)
    if r.returncode not in (0, 1) or not r.stdout.strip():
        return {"error": r.stderr.strip()}
    return json.loads(r.stdout)


def landmarks_for(syncdsp, clip, work, extra):
    """The video stream is the same in every case of a clip (only the audio moves), so the face
    networks run once per clip and their landmarks are re-used (--landmarks) for all offsets."""
    lm = os.path.join(work, os.path.splitext(os.path.basename(clip))[0] + "_landmarks.csv")
    r = run([syncdsp, "sync", clip, "--quiet", "--json", "--save-landmarks", lm] + extra)
    return lm if r.returncode in (0, 1) and os.path.exists(lm) else None


def one(args):
    syncdsp, clip, offset, work, extra = args
    path = os.path.join(work, f"{os.path.splitext(os.path.basename(clip))[0]}_{offset:+d}.mkv")
    make_case(clip, offset, path)
    t = time.time()
    res = measure(syncdsp, path, extra)
    res["wall_s"] = time.time() - t
    os.remove(path)
    return clip, offset, res


def pct(k, n):
    return f"{100.0 * k / n:.1f}" if n else "—"


def within(tol, offset):
    return -tol["early_ms"] <= offset <= tol["late_ms"]


def answer_summary(cases):
    """cases: list of (injected, result) for valid results. The figures a user acts on."""
    n = len(cases)
    inside = sum(1 for i, r in cases if r["interval_ms"][0] <= i <= r["interval_ms"][1])
    rel = [(i, r) for i, r in cases if r["reliable"]]
    rel_inside = sum(1 for i, r in rel if r["interval_ms"][0] <= i <= r["interval_ms"][1])

    def acts(r):
        return r["reliable"] and r["verdict"]["kind"] in ("audio_late", "audio_early") and r["verdict"]["certain"]

    zero = [(i, r) for i, r in cases if i == 0]
    harm = sum(1 for i, r in zero if acts(r) and not within(r["tolerance"], i - r["offset_ms"]))
    shifted = [(i, r) for i, r in cases if 300 <= abs(i) <= 1000]
    brought = sum(1 for i, r in shifted if acts(r) and within(r["tolerance"], i - r["offset_ms"]))
    verdicts = {}
    for i, r in zero:
        verdicts[r["verdict"]["kind"]] = verdicts.get(r["verdict"]["kind"], 0) + 1
    return {"interval": pct(inside, n), "interval_reliable": pct(rel_inside, len(rel)),
            "no_harm": pct(len(zero) - harm, len(zero)), "harm": f"{harm}/{len(zero)}",
            "brings": pct(brought, len(shifted)), "verdicts_at_0": verdicts}


def summarise(rows):
    """rows: list of (injected, estimate, reliable, confidence, constant)."""
    n = len(rows)
    a40 = sum(abs(e - i) <= 40 for i, e, *_ in rows)
    a80 = sum(abs(e - i) <= 80 for i, e, *_ in rows)
    r40 = sum(abs(e - i - c) <= 40 for i, e, _, _, c in rows)
    gross = [r for r in rows if abs(r[1] - r[0] - r[4]) > 200]
    gross_rel = sum(1 for r in gross if r[2])
    rel = [r for r in rows if r[2]]
    rel_gross = sum(1 for r in rel if abs(r[1] - r[0] - r[4]) > 200)
    rel_a80 = sum(1 for r in rel if abs(r[1] - r[0]) <= 80)
    return {"n": n, "abs40": pct(a40, n), "abs80": pct(a80, n), "rel40": pct(r40, n),
            "gross": pct(len(gross), n), "gross_called_reliable": f"{gross_rel}/{len(gross)}",
            "coverage": pct(len(rel), n), "reliable_gross": pct(rel_gross, len(rel)),
            "reliable_abs80": pct(rel_a80, len(rel))}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--syncdsp", default="build/apps/syncdsp")
    ap.add_argument("--clips", nargs="+", required=True)
    ap.add_argument("--min", type=int, default=-1000)
    ap.add_argument("--max", type=int, default=1000)
    ap.add_argument("--step", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=None, help="write the Markdown tables here (default: stdout)")
    ap.add_argument("--json-out", default=None, help="also write every raw result as JSON lines")
    ap.add_argument("--no-landmark-cache", action="store_true",
                    help="run the face networks on every case instead of once per clip")
    ap.add_argument("--extra", default="", help="extra arguments for syncdsp sync, e.g. '--max-offset 1500'")
    ap.add_argument("--manifest", default=None, help="MANIFEST.tsv of the clips' corpus (file -> source repo)")
    ap.add_argument("--calibration-folds", default=None,
                    help="folder of <source>.json from scripts/fit_calibration.py: leave-one-source-out")
    a = ap.parse_args()
    offsets = list(range(a.min, a.max + 1, a.step))
    if 0 not in offsets:
        offsets.append(0)
    extra = a.extra.split() if a.extra else []
    fold_of = {}
    if a.manifest and a.calibration_folds:
        with open(a.manifest) as f:
            for row in csv.DictReader(f, delimiter="\t"):
                fold_of[os.path.basename(row["file"])] = os.path.join(a.calibration_folds,
                                                                      row["repo"].replace("/", "+") + ".json")
    started = time.time()
    results = {}
    with tempfile.TemporaryDirectory(prefix="syncdsp-eval-") as work:
        per_clip_extra = {}
        for c in a.clips:
            lm = None if a.no_landmark_cache else landmarks_for(a.syncdsp, c, work, extra)
            per_clip_extra[c] = extra + (["--landmarks", lm] if lm else [])
            if os.path.basename(c) in fold_of:
                per_clip_extra[c] += ["--calibration", fold_of[os.path.basename(c)]]
        tasks = [(a.syncdsp, c, o, work, per_clip_extra[c]) for c in a.clips for o in offsets]
        with cf.ThreadPoolExecutor(max_workers=a.jobs) as ex:
            for clip, off, res in ex.map(one, tasks):
                results.setdefault(clip, {})[off] = res
    if a.json_out:
        with open(a.json_out, "w") as f:
            for clip, per in results.items():
                for off, res in sorted(per.items()):
                    f.write(json.dumps({"clip": clip, "injected_ms": off, "result": res}) + "\n")

    lines = []
    whole_all, win_all, errors = [], [], 0
    per_clip = []
    answers, at_zero, failures = [], [], []
    for clip, per in results.items():
        ok = {o: r for o, r in per.items() if "offset_ms" in r and r.get("valid")}
        errors += len(per) - len(ok)
        failures += [(os.path.basename(clip), o, r.get("error", "no offset found")) for o, r in per.items()
                     if o not in ok]
        answers += [(o, r) for o, r in ok.items() if "interval_ms" in r]
        if 0 in ok:
            at_zero.append(ok[0]["offset_ms"])
        if not ok:
            per_clip.append((clip, None, None, None))
            continue
        const = statistics.median(r["offset_ms"] - o for o, r in ok.items())
        whole = [(o, r["offset_ms"], bool(r["reliable"]), r["confidence"], const) for o, r in ok.items()]
        wins = []
        for o, r in ok.items():
            for w in r.get("windows", []):
                wins.append((o, w["offset_ms"], bool(w["reliable"]), w["confidence"], const))
        whole_all += whole
        win_all += wins
        per_clip.append((clip, const, summarise(whole), summarise(wins) if wins else None))

    def table(title, key):
        lines.append(f"### {title}\n")
        lines.append("| clip | cases | clip constant (ms) | abs ≤40 % | abs ≤80 % | rel ≤40 % | gross % "
                     "| gross called reliable | coverage % | gross among reliable % | abs ≤80 among reliable % |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for clip, const, w, win in per_clip:
            s = w if key == "whole" else win
            name = os.path.basename(clip)
            if s is None:
                lines.append(f"| {name} | 0 | — | — | — | — | — | — | — | — | — |")
                continue
            lines.append(f"| {name} | {s['n']} | {const:+.0f} | {s['abs40']} | {s['abs80']} | {s['rel40']} | "
                         f"{s['gross']} | {s['gross_called_reliable']} | {s['coverage']} | {s['reliable_gross']} | "
                         f"{s['reliable_abs80']} |")
        s = summarise(whole_all if key == "whole" else win_all)
        lines.append(f"| **all** | {s['n']} | | **{s['abs40']}** | **{s['abs80']}** | **{s['rel40']}** | "
                     f"**{s['gross']}** | {s['gross_called_reliable']} | **{s['coverage']}** | "
                     f"**{s['reliable_gross']}** | {s['reliable_abs80']} |\n")

    lines.append(f"Offsets {a.min}…{a.max} ms, step {a.step} ms ({len(offsets)} per clip); "
                 f"{len(a.clips)} clips; failed runs: {errors}; wall time {time.time() - started:.0f} s.\n")
    table("Whole clip", "whole")
    table("5 s windows (hop 2.5 s)", "win")
    if answers:
        s = answer_summary(answers)
        lines.append("### The answer a user acts on (whole clip)\n")
        lines.append("| interval holds the injected offset % | … among reliable % | median calibrated offset at 0 (ms) "
                     "| fix no-harm at 0 % | fix brings ±300…±1000 ms within tolerance % | verdicts at 0 |")
        lines.append("|---|---|---|---|---|---|")
        lines.append(f"| {s['interval']} | {s['interval_reliable']} | "
                     f"{statistics.median(at_zero) if at_zero else float('nan'):+.1f} | {s['no_harm']} ({s['harm']} harmed) "
                     f"| {s['brings']} | {', '.join(f'{k} {v}' for k, v in sorted(s['verdicts_at_0'].items()))} |\n")
    if failures:
        lines.append("Failed runs: " + "; ".join(f"{c} at {o:+d} ms: {e[:120]}" for c, o, e in failures[:20]) + "\n")
    # Confidence thresholds (whole clip).
    lines.append("### Coverage and accuracy over confidence thresholds (whole clip)\n")
    lines.append("| confidence ≥ | coverage % | abs ≤80 % among covered | gross % among covered |")
    lines.append("|---|---|---|---|")
    for thr in [0, 2, 3, 4, 5, 6, 8, 10]:
        cov = [r for r in whole_all if r[3] >= thr]
        g = sum(1 for r in cov if abs(r[1] - r[0] - r[4]) > 200)
        a80 = sum(1 for r in cov if abs(r[1] - r[0]) <= 80)
        lines.append(f"| {thr} | {pct(len(cov), len(whole_all))} | {pct(a80, len(cov))} | {pct(g, len(cov))} |")
    text = "\n".join(lines) + "\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
