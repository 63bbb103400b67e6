#!/usr/bin/env bash
# Audio front-end speed, syncdsp against the references side by side in one run, single thread.
#
#   benchmarks/run_audio.sh [BUILD_DIR] [--quick]
#
# 1. runs BUILD_DIR/benchmarks/bench_audio (default build-audio; configure with
#    -DSYNCDSP_BUILD_BENCHMARKS=ON) - it also writes the 60 s / 1 h test WAVs to $TMPDIR;
# 2. times the same work in torchaudio (Debian python3-torchaudio, torch.set_num_threads(1)) on
#    those same files, and - if REF_PSF / REF_LIBROSA / REF_STUBS point at checkouts (see
#    scripts/golden/gen_audio.py) - python_speech_features and librosa themselves;
# 3. times the whole `syncdsp features mfcc --preset psf WAV -o OUT.npy` process (BUILD_DIR/apps/syncdsp:
#    start-up, mapping the WAV, MFCC, writing the NPY) with --threads 1 and --threads 2, wall and CPU
#    seconds of the child (os.wait4 rusage), in the same run as torchaudio;
# 4. prints seconds (median of 3), the ratios reference / syncdsp, and the machine and its load.
# --quick: 60 s of audio only (the 1 h rows are skipped).
set -euo pipefail
BUILD=${1:-build-audio}
QUICK=0
for a in "$@"; do [[ $a == --quick ]] && QUICK=1; done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=$BUILD/benchmarks/bench_audio
[[ -x $BIN ]] || { echo "run_audio.sh: $BIN not found (cmake -DSYNCDSP_BUILD_BENCHMARKS=ON, build bench_audio)" >&2; exit 1; }
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
FILTER='.'
[[ $QUICK == 1 ]] && FILTER='/60$|/60/'
echo "== syncdsp (bench_audio, 3 repetitions) ==" >&2
"$BIN" --benchmark_filter="$FILTER" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
       --benchmark_format=json --benchmark_out="$OUT/cpp.json" --benchmark_out_format=json >/dev/null
echo "== references (python, single thread) and the whole CLI process ==" >&2
CLI="$BUILD/apps/syncdsp" NPY_OUT="$OUT/features.npy" QUICK=$QUICK CPP_JSON="$OUT/cpp.json" /usr/bin/python3 - <<'PY'
import json, os, platform, statistics, subprocess, sys, tempfile, time
import numpy as np
import scipy.io.wavfile
quick = os.environ["QUICK"] == "1"
stubs, psf_dir, lib_dir = os.environ.get("REF_STUBS"), os.environ.get("REF_PSF"), os.environ.get("REF_LIBROSA")
sys.path[:0] = [p for p in (stubs, lib_dir, psf_dir) if p]
import torch, torchaudio
import torchaudio.compliance.kaldi as kaldi
torch.set_num_threads(1)
try:
    import python_speech_features as psf
except ImportError:
    psf = None
try:
    import librosa
except ImportError:
    librosa = None

cpp = {}
for b in json.load(open(os.environ["CPP_JSON"]))["benchmarks"]:
    if b.get("aggregate_name") == "median":
        name = b["run_name"].replace("/real_time", "")
        cpp[name] = (b["real_time"] if b["run_name"].endswith("/real_time") else b["cpu_time"]) / 1e3  # ms -> s

cli = os.environ["CLI"]
def time_process(args, reps=3):
    """Median wall and CPU (user + sys of the child) seconds of a whole process."""
    walls, cpus = [], []
    for _ in range(reps + 1):  # the first run warms the page cache and is dropped
        t0 = time.perf_counter()
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            sys.exit(f"run_audio.sh: {' '.join(args)} failed: {p.stderr.read().decode()}")
        walls.append(wall); cpus.append(ru.ru_utime + ru.ru_stime)
    return statistics.median(walls[1:]), statistics.median(cpus[1:])

load_before = os.getloadavg()

def timeit(f, reps=3):
    f_warm = f  # one warm-up call happens on the first rep's data below
    ts = []
    for _ in range(reps):
        t0 = time.process_time(); f(); ts.append(time.process_time() - t0)
    return statistics.median(ts)

tmp = tempfile.gettempdir()
rows = []
for secs in ([60] if quick else [60, 3600]):
    path = os.path.join(tmp, f"syncdsp_bench_{secs}s.wav")
    sr, i16 = scipy.io.wavfile.read(path)
    f32 = i16.astype(np.float32) / 32768.0
    t = torch.from_numpy(f32)
    tk = torch.from_numpy(i16.astype(np.float32)).unsqueeze(0)
    m_speech = torchaudio.transforms.MFCC(sample_rate=16000, n_mfcc=13,
                                          melkwargs=dict(n_fft=512, win_length=400, hop_length=160, n_mels=40))
    m_lib = torchaudio.transforms.MFCC(sample_rate=16000, n_mfcc=20, melkwargs=dict(n_fft=2048, hop_length=512, n_mels=128))
    # warm-up on 1 s
    m_speech(t[:16000]); m_lib(t[:16000]); kaldi.mfcc(tk[:, :16000], sample_frequency=16000)
    ta_kaldi = timeit(lambda: kaldi.mfcc(tk, sample_frequency=16000, dither=0.0))
    ta_speech = timeit(lambda: m_speech(t))
    ta_lib = timeit(lambda: m_lib(t))
    s_psf = cpp.get(f"BM_mfcc_f/psf/{secs}")
    s_psf_file = cpp.get(f"BM_mfcc_psf_from_file/{secs}")
    s_read = cpp.get(f"BM_read_wav_only/{secs}")
    s_psf_meas = cpp.get(f"BM_mfcc_f_measure/psf_measure/{secs}")
    fft512m = cpp.get(f"BM_fft_only_measure/{secs}/512/160")
    s_kaldi = cpp.get(f"BM_mfcc_f/kaldi/{secs}")
    s_lib = cpp.get(f"BM_mfcc_f/librosa/{secs}")
    s_lsp = cpp.get(f"BM_mfcc_f/librosa_speech/{secs}")
    fft512 = cpp.get(f"BM_fft_only/{secs}/512/160")
    fft2048 = cpp.get(f"BM_fft_only/{secs}/2048/512")
    whole = {}
    if os.access(cli, os.X_OK):
        for th in (1, 2):
            whole[th] = time_process([cli, "features", "mfcc", "--preset", "psf", path, "-o", os.environ["NPY_OUT"],
                                      "--threads", str(th)])
    s_mapped = cpp.get(f"BM_mfcc_psf_mapped/{secs}/1/process_time")
    fft_pairs = cpp.get(f"BM_fft_pairs_only/{secs}/512/160")
    rows += [(secs, f"whole process, {th} thread{'s' if th > 1 else ''} ({kind})", whole[th][i],
              "torchaudio kaldi.mfcc", ta_kaldi) for th in whole for i, kind in ((0, "wall"), (1, "CPU"))]
    rows += [
        (secs, "psf, mapped WAV, 1 thread", s_mapped, "torchaudio kaldi.mfcc", ta_kaldi),
        (secs, "psf preset (float)", s_psf, "torchaudio kaldi.mfcc", ta_kaldi),
        (secs, "psf preset, WAV read included", s_psf_file, "torchaudio kaldi.mfcc", ta_kaldi),
        (secs, "psf preset, FFTW_MEASURE plans", s_psf_meas, "torchaudio kaldi.mfcc", ta_kaldi),
        (secs, "psf preset (float)", s_psf, "torchaudio MFCC 512/400/160, 40 mels", ta_speech),
        (secs, "kaldi preset (float)", s_kaldi, "torchaudio kaldi.mfcc", ta_kaldi),
        (secs, "librosa speech 512/400/160/40", s_lsp, "torchaudio MFCC 512/400/160, 40 mels", ta_speech),
        (secs, "librosa preset (2048/512/128)", s_lib, "torchaudio MFCC 2048/512/128", ta_lib),
    ]
    if secs == 60 and psf is not None:
        rows.append((secs, "psf preset (float)", s_psf, "python_speech_features.mfcc", timeit(lambda: psf.mfcc(i16, 16000))))
    if secs == 60 and librosa is not None:
        librosa.feature.mfcc(y=f32[:16000], sr=16000)
        rows.append((secs, "librosa preset (2048/512/128)", s_lib, "librosa.feature.mfcc",
                     timeit(lambda: librosa.feature.mfcc(y=f32, sr=16000))))
    print(f"\n-- {secs} s of audio: FFT-only bound 512-pt x {secs*100}: {fft512:.4f} s; 2048-pt x {secs*16000//512}: {fft2048:.4f} s")
    print(f"   psf / bound = {s_psf/fft512:.2f}x, kaldi / bound = {s_kaldi/fft512:.2f}x, "
          f"librosa speech / bound = {s_lsp/fft512:.2f}x, librosa / bound = {s_lib/fft2048:.2f}x; "
          f"psf = {secs/s_psf:.0f}x real time ({secs/s_psf_file:.0f}x with the WAV read: {s_psf_file:.3f} s, "
          f"of which reading {s_read:.3f} s)")
    print(f"   with FFTW_MEASURE: bound {fft512m:.4f} s, psf {s_psf_meas:.4f} s = {s_psf_meas/fft512m:.2f}x the bound, "
          f"{secs/s_psf_meas:.0f}x real time")
    print(f"   two frames per complex FFT: bound {fft_pairs:.4f} s ({secs*50} 512-point c2c)")
    for th, (wall, cpu) in whole.items():
        print(f"   whole `syncdsp features` process, --threads {th}: wall {wall:.4f} s, CPU {cpu:.4f} s; "
              f"torchaudio kaldi.mfcc / wall = {ta_kaldi/wall:.1f}x, / CPU = {ta_kaldi/cpu:.1f}x; "
              f"wall / r2c bound = {wall/fft512:.2f}x, wall / pair bound = {wall/fft_pairs:.2f}x")

print(f"\n{'audio':>6} | {'syncdsp':<36} {'s':>8} | {'reference (CPU s)':<38} {'CPU s':>8} | ratio")
for secs, a, ta, b, tb in rows:
    if ta is None:
        continue
    print(f"{secs:>5}s | {a:<36} {ta:8.4f} | {b:<38} {tb:8.4f} | {tb/ta:6.1f}x")
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"\nmachine: {platform.node()}, {os.cpu_count()} CPUs ({cpu_model}); load average (1/5/15 min) "
      f"before the python part {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
      f"after {os.getloadavg()[0]:.2f}/{os.getloadavg()[1]:.2f}/{os.getloadavg()[2]:.2f}")
print(f"versions: torch {torch.__version__}, torchaudio {torchaudio.__version__}, numpy {np.__version__}"
      + (f", librosa {librosa.__version__}" if librosa else "") + (", python_speech_features (REF_PSF)" if psf else ""))
PY
