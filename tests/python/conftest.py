"""Shared fixtures of the Python tests (run by ctest's `python` test, see python/CMakeLists.txt).

ctest installs the module with the documented command into a scratch prefix and puts it on
PYTHONPATH; SYNCDSP_CLI names the C++ program the bindings are compared with. Tests that need
something absent (the CLI, ffmpeg, the face models, ../shared/data) skip and say why.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
CLIP = ROOT / "data" / "lrs3_C8zY0oAdQrs_00018" / "facecrop_224.mp4"
WAV = ROOT / "data" / "lrs3_C8zY0oAdQrs_00018" / "audio_16k.wav"
SYNCNET_WEIGHTS = GOLDEN / "nn" / "syncnet_div8.safetensors"


def shared_data() -> Path:
    return Path(os.environ.get("SYNCDSP_SHARED_DATA", ROOT.parent / "shared" / "data"))


def read_wav_mono(path) -> np.ndarray:
    """WAV -> float64 in [-1, 1) as io::read_wav<double> reads it (16-bit PCM / 32768, float
    samples as they are), channels averaged."""
    from scipy.io import wavfile
    _, data = wavfile.read(str(path))
    if data.dtype == np.int16:
        data = data.astype(np.float64) / 32768.0
    elif data.dtype.kind == "f":
        data = data.astype(np.float64)
    else:
        raise AssertionError(f"the test reader takes int16 or float WAV, got {data.dtype}")
    return data if data.ndim == 1 else data.mean(axis=1)


def have_ffmpeg() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def ffmpeg_raw(path, *args) -> bytes:
    """ffmpeg's raw output of `path` (e.g. "-f", "rawvideo", "-pix_fmt", "gray")."""
    r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), *args, "-"], capture_output=True, check=True)
    return r.stdout


@pytest.fixture(scope="session")
def cli():
    """The syncdsp program ctest built (SYNCDSP_CLI), or skip."""
    path = os.environ.get("SYNCDSP_CLI")
    if not path or not Path(path).exists():
        pytest.skip("the syncdsp CLI is not available (SYNCDSP_CLI unset): the C++ comparison needs it")
    return path


@pytest.fixture(scope="session")
def ffmpeg():
    if not have_ffmpeg():
        pytest.skip("ffmpeg/ffprobe not on PATH")


def run_cli(cli_path, *args, check=True) -> subprocess.CompletedProcess:
    r = subprocess.run([cli_path, *map(str, args)], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"syncdsp {' '.join(map(str, args))} failed ({r.returncode}): {r.stderr}")
    return r


def cli_json(cli_path, *args) -> dict:
    return json.loads(run_cli(cli_path, *args).stdout)


def models_dir() -> Path:
    env = os.environ.get("SYNCDSP_MODELS")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "syncdsp" / "models"


@pytest.fixture(scope="session")
def face_models():
    if not (models_dir() / "tiny_face_detector_model.bin").exists():
        pytest.skip(f"face-api models not installed in {models_dir()} (scripts/get_models.sh)")


def example(name) -> Path:
    return ROOT / "examples" / "python" / name


def run_example(name, *args, cwd=None) -> subprocess.CompletedProcess:
    """Runs examples/python/NAME with this interpreter and environment (the installed module)."""
    r = subprocess.run([sys.executable, str(example(name)), *map(str, args)], capture_output=True, text=True,
                       cwd=cwd)
    if r.returncode != 0:
        raise AssertionError(f"{name} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def pytest_terminal_summary(terminalreporter):
    """Skipped cases as scripts/skipped.sh lists them for every test program:
    "SKIPPED [python] case: reason"."""
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        terminalreporter.write_line(f"SKIPPED [python] {report.nodeid}: {reason.removeprefix('Skipped: ')}")
