#!/usr/bin/env python3
"""Side-by-side timing: syncdsp's SyncNet (bench_nn) vs PyTorch on the same work, in one run.

Work: full-width SyncNet v2, a 10 s clip = 245 windows in batches of 20 (12 x 20 + 5), lip stream
(3x5x224x224 per window) and audio stream (1x13x20 per window) timed separately, 1 and 2 threads.
PyTorch runs our own statement of the same architecture (scripts/golden/gen_nn_syncnet.py,
SyncNetV2) in eval/inference mode with torch.set_num_threads(t). The two engines are run
alternately, `--reps` times each, so both see the same machine load; medians are reported, as wall
time and as process CPU time (the fairer number on a shared machine at 1 thread).

    /usr/bin/python3 benchmarks/run_nn.py build-nn/benchmarks/bench_nn [more bench_nn builds...]
                     [--reps 3] [--threads 1,2] [--streams audio,lip]

With several bench_nn binaries (e.g. the default build, a -march=native build, an Eigen-GEMM build),
each repetition runs every binary and PyTorch once, in turn, so all builds are compared with the
same PyTorch timings under the same load; the build column is the binary's build directory.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "scripts", "golden"))
sys.path.insert(0, os.path.join(here, "..", "scripts"))

WINDOWS, BATCH = 245, 20
GEMM_BACKENDS = {}


def run_cpp(binary, name, threads):
    out = subprocess.run([binary, f"--benchmark_filter=^BM_{name}/{threads}/", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    doc = json.loads(out)
    GEMM_BACKENDS[binary] = doc["context"].get("nn_gemm", "?")  # which kernel ran (bench_nn's context)
    b = doc["benchmarks"][0]
    scale = {"ms": 1e-3, "us": 1e-6, "ns": 1e-9, "s": 1.0}[b["time_unit"]]
    return b["real_time"] * scale, b["cpu_time"] * scale, b.get("GFLOP_per_s")


def build_label(binary):
    """The build directory of a bench_nn binary (build-native/benchmarks/bench_nn -> build-native)."""
    parts = os.path.normpath(binary).split(os.sep)
    return parts[-3] if len(parts) >= 3 else binary


def run_torch(model, name, threads, torch):
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(2)
    if name == "syncnet_lip_clip":
        full = torch.randint(0, 256, (BATCH, 3, 5, 224, 224), generator=g).float()
        fwd = model.forward_lip
    else:
        full = torch.randn(BATCH, 1, 13, 20, generator=g) * 10
        fwd = model.forward_aud
    tail = full[: WINDOWS % BATCH].clone()
    with torch.inference_mode():
        fwd(tail)  # warm-up (oneDNN primitive creation)
        w0, c0 = time.perf_counter(), time.process_time()
        for b in range(0, WINDOWS, BATCH):
            fwd(full if WINDOWS - b >= BATCH else tail)
        return time.perf_counter() - w0, time.process_time() - c0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--streams", default="audio,lip", help="which streams to time (audio, lip)")
    ap.add_argument("--json", help="write all measurements here")
    a = ap.parse_args()
    try:
        import torch
        from gen_nn_syncnet import make_model
    except ImportError as e:
        print(f"run_nn: needs PyTorch (apt-get install python3-torch; run with /usr/bin/python3): {e}")
        return 1
    model = make_model(1, 4321)
    macs = {"syncnet_lip_clip": 1558203552, "syncnet_audio_clip": 243984640}  # per window, docs/nn.md
    rows, raw = [], {}
    print(f"torch {torch.__version__}, load average before: {os.getloadavg()}")
    for t in [int(x) for x in a.threads.split(",")]:
        for name in [f"syncnet_{s}_clip" for s in a.streams.split(",")]:
            cpp, tor = {b: [] for b in a.binaries}, []
            for _ in range(a.reps):
                for b in a.binaries:
                    cpp[b].append(run_cpp(b, name, t))
                tor.append(run_torch(model, name, t, torch))
            tw, tc = statistics.median(x[0] for x in tor), statistics.median(x[1] for x in tor)
            gflop = 2 * macs[name] * WINDOWS * 1e-9
            for b in a.binaries:
                cw, cc = statistics.median(x[0] for x in cpp[b]), statistics.median(x[1] for x in cpp[b])
                rows.append((name, t, build_label(b), cw, tw, cw / tw, cc, tc, cc / tc, gflop / cw, gflop / tw,
                             gflop / cc))
            raw[f"{name}/{t}"] = {"syncdsp": cpp, "torch": tor}
    print(f"load average after: {os.getloadavg()}")
    for b in a.binaries:
        print(f"{build_label(b)}: nn GEMM {GEMM_BACKENDS.get(b, '?')}")
    print("| stream | threads | build | syncdsp wall s | torch wall s | ratio (wall) | syncdsp CPU s | torch CPU s | ratio (CPU) "
          "| syncdsp GFLOP/s (wall) | torch GFLOP/s (wall) | syncdsp GFLOP/s (CPU) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.2f} | {r[4]:.2f} | **{r[5]:.2f}** | {r[6]:.2f} | {r[7]:.2f} "
              f"| {r[8]:.2f} | {r[9]:.1f} | {r[10]:.1f} | {r[11]:.1f} |")
    print("ratio = syncdsp time / torch time (< 1: syncdsp faster). CPU time of syncdsp at 2 threads counts only "
          "the benchmark's main thread (Google Benchmark), so use wall time there.")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(raw, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
