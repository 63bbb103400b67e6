"""search (the engine) against synthetic truth, sync (the pipeline) equal to `syncdsp sync --json`
on the same file, shift_audio, and bad input."""
import subprocess

import numpy as np
import pytest

import syncdsp
from conftest import CLIP, WAV, cli_json, run_cli


def smooth_noise(n, seed):
    rng = np.random.default_rng(seed)
    return np.convolve(rng.standard_normal(n + 8), np.ones(5) / 5, mode="valid")[:n]


def test_search_finds_a_known_shift():
    # Truth by construction: the audio cue is the video cue k samples later (audio late by k frames
    # = +k * 40 ms at 25 Hz, the DESIGN.md sign). An exact shift gives a symmetric peak, so the
    # refined lag is k to well within a tenth of a frame.
    rate, n = 25.0, 750
    s = smooth_noise(n + 20, seed=7)
    for k in (-6, 0, 5):
        video = s[10:10 + n]
        audio = s[10 - k:10 - k + n]
        r = syncdsp.search({"mouth": video}, {"energy": audio}, rate, surrogates=99)
        assert r.valid and r.reliable, r
        assert abs(r.offset_ms - k * 40.0) < 4.0, (k, r.offset_ms)
        assert r.p_value <= 0.01 and r.whole.surrogates == 99
        lags, scores = r.curve
        assert lags[0] == -2000.0 and lags[-1] == 2000.0 and len(lags) == len(scores) == 101
        assert lags[int(np.nanargmax(scores))] == k * 40.0
        assert r.pairs == ["mouth x energy"]


def test_search_levels_windows_leads_and_missing_values():
    rate, n = 25.0, 750
    s = smooth_noise(n + 10, seed=3)
    video = np.cumsum(s[10:10 + n])            # a level whose rate is the cue
    audio = s[7:7 + n].copy()                  # 3 frames late
    audio[100:140] = np.nan                    # missing data (silence) is left out
    r = syncdsp.search([("mouth level", video, "level")], [("energy rate", audio, "rate")], rate, start_s=1.5,
                       window_s=10, surrogates=0)
    assert abs(r.offset_ms - 120.0) < 6.0, r.offset_ms
    assert r.whole.start_s == 1.5 and r.whole.end_s == pytest.approx(1.5 + n / rate)
    assert len(r.windows) == 5 and all(abs(w.offset_ms - 120.0) < 10.0 for w in r.windows if w.valid)
    # a calibrated lead of 40 ms is removed from the answer; raw_offset_ms keeps the cues' own
    led = syncdsp.search([("mouth level", video, "level")], [("energy rate", audio, "rate")], rate,
                         leads=[("mouth level", "energy rate", 40.0)], surrogates=0)
    assert led.offset_ms == pytest.approx(r.offset_ms - 40.0, abs=0.5)
    assert led.whole.raw_offset_ms == pytest.approx(r.offset_ms, abs=1e-9)
    d = r.to_dict()
    assert d["whole"]["offset_ms"] == r.offset_ms and len(d["windows"]) == 5


def expect_error(cls, ident, fn, *args, **kwargs):
    with pytest.raises(cls) as info:
        fn(*args, **kwargs)
    assert info.value.id == ident, str(info.value)
    return info.value


def test_search_bad_input():
    x = np.arange(100.0)
    E = syncdsp.InvalidArgument
    expect_error(E, "invalid_argument.search", syncdsp.search, {"v": x}, {"a": x[:50]}, 25)       # lengths differ
    expect_error(E, "invalid_argument.search", syncdsp.search, {"v": x}, {"a": x}, 0)             # rate
    expect_error(E, "invalid_argument.search", syncdsp.search, {}, {"a": x}, 25)                  # no video cue
    expect_error(E, "invalid_argument.search", syncdsp.search, {"v": x.reshape(10, 10)}, {"a": x}, 25)
    expect_error(E, "invalid_argument.search", syncdsp.search, {"v": np.array(["a"] * 100)}, {"a": x}, 25)
    expect_error(E, "invalid_argument.search", syncdsp.search, [("v", x, "speed")], {"a": x}, 25)
    expect_error(E, "invalid_argument.search", syncdsp.search, "v", {"a": x}, 25)
    expect_error(E, "invalid_argument.search", syncdsp.search, {"v": x}, {"a": x}, 25, surrogates=10)
    with pytest.raises(TypeError):
        syncdsp.search({"v": x}, {"a": x}, 25, max_lag=3)
    # all-NaN cues: no informative lag -> an answer that says so, never a confident number
    r = syncdsp.search({"v": np.full(100, np.nan)}, {"a": x}, 25, surrogates=0)
    assert not r.valid and not r.reliable


def without_timings(doc):
    doc = dict(doc)
    doc.pop("timings_ms")
    return doc


@pytest.mark.usefixtures("ffmpeg")
def test_sync_equals_the_cli(cli):
    # The same pipeline on the same file with the default options (face networks and phones when
    # installed, as `syncdsp sync` uses them): the same document, timings aside.
    r = syncdsp.sync(CLIP)
    want = cli_json(cli, "sync", CLIP, "--json")
    assert without_timings(r.to_dict()) == without_timings(want)
    assert abs(r.offset_ms - want["offset_ms"]) <= 0.005 + 1e-9
    assert np.allclose(r.interval_ms, want["interval_ms"], rtol=0, atol=0.005 + 1e-9)
    assert r.verdict.kind == want["verdict"]["kind"] and str(r.verdict) == want["verdict"]["text"]
    assert (r.rival_offset_ms is None) == (want.get("rival_offset_ms") is None)
    lags, scores = r.curve
    # the JSON rounds (lags to 0.01 ms, scores to 1e-5); the arrays hold the unrounded values
    assert np.allclose(lags, want["curve"]["lags_ms"], rtol=0, atol=0.005 + 1e-9)
    assert [np.isnan(v) for v in scores] == [w is None for w in want["curve"]["scores"]]
    assert np.allclose(np.nan_to_num(scores), [w or 0.0 for w in want["curve"]["scores"]], rtol=0, atol=5e-6 + 1e-12)
    assert len(r.tracks) == 1
    track = r.tracks[0]
    assert list(track["mouth_box"]) == want["mouth_box"] and track["mouth_from"] == want["mouth_from"]
    assert track["offset_ms"] == r.offset_ms
    assert "SyncResult(offset_ms=" in repr(r)


@pytest.mark.usefixtures("ffmpeg")
def test_sync_measures_an_injected_offset_and_shift_audio_fixes_it(cli, tmp_path):
    late = tmp_path / "late500.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(CLIP), "-itsoffset", "0.5", "-i", str(CLIP),
                    "-map", "0:v", "-map", "1:a", "-c", "copy", str(late)], check=True)
    r = syncdsp.sync(late, faces="off", phones="off")
    lo, hi = r.interval_ms
    assert lo <= 500 <= hi, r
    assert r.verdict.kind == "audio_late" and r.fix_decision() == "shift"
    assert without_timings(r.to_dict()) == without_timings(
        cli_json(cli, "sync", late, "--json", "--faces", "off", "--phones", "off"))
    fixed = tmp_path / "fixed.mp4"
    syncdsp.shift_audio(late, fixed, -r.offset_ms)
    again = syncdsp.sync(fixed, faces="off", phones="off")
    assert again.verdict.kind == "in_sync", again
    with pytest.raises(syncdsp.Error):
        syncdsp.shift_audio(late, late, 10.0)  # never overwrites its input


def test_sync_bad_input(tmp_path):
    with pytest.raises(syncdsp.IoError) as info:
        syncdsp.sync(tmp_path / "missing.mp4")
    assert info.value.id.startswith("io_error.")
    expect_error(syncdsp.InvalidArgument, "invalid_argument.tolerance", syncdsp.sync, CLIP, tolerance="loose")
    expect_error(syncdsp.InvalidArgument, "invalid_argument.python", syncdsp.sync, CLIP, faces="maybe")
    expect_error(syncdsp.InvalidArgument, "invalid_argument.python", syncdsp.sync, CLIP, preset="slow")
    expect_error(syncdsp.InvalidArgument, "invalid_argument.search", syncdsp.sync, CLIP, max_offset_ms=-5.0)
    with pytest.raises(TypeError):
        syncdsp.sync(CLIP, offset=3)


@pytest.mark.usefixtures("ffmpeg")
def test_sync_of_audio_only_names_the_problem():
    expect_error(syncdsp.InvalidArgument, "invalid_argument.estimate_offset", syncdsp.sync, WAV)
