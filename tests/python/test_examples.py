"""The three examples of examples/python, run as a user runs them (same interpreter, the
installed module), so they cannot rot."""
import csv
import shutil
import subprocess
import sys

import pytest

import syncdsp
from conftest import CLIP, GOLDEN, SYNCNET_WEIGHTS, WAV, example, run_example


@pytest.mark.usefixtures("ffmpeg")
def test_score_folder_writes_a_csv_row_per_video(tmp_path):
    videos = tmp_path / "generated"
    videos.mkdir()
    shutil.copy(CLIP, videos / "a_talking_head.mp4")
    (videos / "b_broken.mp4").write_bytes(b"not a video")
    (videos / "notes.txt").write_text("ignored")
    out = tmp_path / "scores.csv"
    r = run_example("score_folder.py", videos, "--weights", SYNCNET_WEIGHTS, "-o", out, "--max-frames", 40)
    rows = list(csv.DictReader(open(out)))
    assert [row["file"] for row in rows] == ["a_talking_head.mp4", "b_broken.mp4"]
    want = syncdsp.syncnet(CLIP, weights=SYNCNET_WEIGHTS, max_frames=40)
    ok, broken = rows
    assert ok["status"] == "ok" and float(ok["lse_d"]) == pytest.approx(want.lse_d, abs=1e-6)
    assert float(ok["lse_c"]) == pytest.approx(want.lse_c, abs=1e-6)
    assert broken["status"].startswith("io_error.") and broken["lse_d"] == ""
    assert "1 of 2 scored" in r.stdout
    assert not list(tmp_path.glob(".scores-*"))  # no temporary file left


def test_compare_mfcc_with_librosa(tmp_path):
    r = run_example("compare_mfcc_librosa.py", WAV, "--samples", 64000, "--reference",
                    GOLDEN / "audio" / "speech_librosa_mfcc.npy")
    assert "max |difference|" in r.stdout
    # the comparison can fail: a reference of other audio is refused
    bad = subprocess.run([sys.executable, str(example("compare_mfcc_librosa.py")), str(WAV), "--samples", "64000",
                          "--reference", str(GOLDEN / "audio" / "synth_librosa_mfcc.npy")], capture_output=True,
                         text=True)
    assert bad.returncode == 1


@pytest.mark.usefixtures("ffmpeg")
def test_fix_offset_fixes_a_late_file_and_leaves_an_in_sync_one(tmp_path):
    late = tmp_path / "late400.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(CLIP), "-itsoffset", "0.4", "-i", str(CLIP),
                    "-map", "0:v", "-map", "1:a", "-c", "copy", str(late)], check=True)
    fixed = tmp_path / "fixed.mp4"
    r = run_example("fix_offset.py", late, "-o", fixed, "--faces", "off", "--phones", "off")
    assert fixed.exists() and "re-measured: in sync" in r.stdout, r.stdout
    untouched = tmp_path / "untouched.mp4"
    r = run_example("fix_offset.py", CLIP, "-o", untouched, "--faces", "off", "--phones", "off")
    assert "nothing to fix" in r.stdout and not untouched.exists()
