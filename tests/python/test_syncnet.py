"""syncnet: a file equals `syncdsp syncnet --json` (the same code path, so the same float32
values), the arrays form equals the file form on the frames and samples ffmpeg decodes, and both
match the torch statement of the protocol (tests/golden/nn/syncnet_div8_clip_protocol.json, by
scripts/golden/gen_nn_syncnet.py on the same weights and clip; tolerance 1e-4 relative to the
min dist, as tests/cli/test_cli_syncnet.cpp). The weights are the test network (channels / 8,
random): the real SyncNet v2 weights are not redistributable, see docs/python.md."""
import json

import numpy as np
import pytest

import syncdsp
from conftest import CLIP, GOLDEN, SYNCNET_WEIGHTS, cli_json, ffmpeg_raw

PROTOCOL = json.loads((GOLDEN / "nn" / "syncnet_div8_clip_protocol.json").read_text())
FRAMES = PROTOCOL["frames"]

pytestmark = pytest.mark.usefixtures("ffmpeg")


def decoded(order="bgr"):
    frames = np.frombuffer(ffmpeg_raw(CLIP, "-map", "0:v:0", "-an", "-frames:v", str(FRAMES), "-f", "rawvideo",
                                      "-pix_fmt", order + "24"), np.uint8).reshape(-1, 224, 224, 3)
    audio = np.frombuffer(ffmpeg_raw(CLIP, "-map", "0:a:0", "-vn", "-ac", "1", "-ar", "16000", "-f", "s16le",
                                     "-acodec", "pcm_s16le"), "<i2")
    return frames, audio


@pytest.fixture(scope="module")
def from_file():
    return syncdsp.syncnet(CLIP, weights=SYNCNET_WEIGHTS, max_frames=FRAMES, batch=7)


def test_file_equals_the_cli(cli, from_file):
    want = cli_json(cli, "syncnet", "--weights", SYNCNET_WEIGHTS, CLIP, "--max-frames", FRAMES, "--json", "--batch", 7)
    r = from_file
    assert r.av_offset_frames == want["av_offset_frames"] and r.offset_ms == want["offset_ms"]
    assert r.windows == want["windows"] and r.frames == want["frames"]
    assert np.float32(r.min_dist) == np.float32(want["min_dist"])
    assert np.float32(r.confidence) == np.float32(want["confidence"])
    assert r.lse_d == r.min_dist and r.lse_c == r.confidence
    assert np.array_equal(r.dists, np.array(want["dists"], np.float32))
    assert np.array_equal(r.window_confidence, np.array(want["window_confidence"], np.float32))


def test_file_matches_the_torch_protocol(from_file):
    r, md = from_file, PROTOCOL["min_dist"]
    assert r.av_offset_frames == PROTOCOL["av_offset_frames"]
    assert r.windows == PROTOCOL["windows"]
    assert abs(r.min_dist - md) <= 1e-4 * md
    assert abs(r.confidence - PROTOCOL["confidence"]) <= 1e-4 * md
    assert np.all(np.abs(r.dists - np.array(PROTOCOL["mean_dists"])) <= 1e-4 * np.array(PROTOCOL["mean_dists"]))
    assert len(r.tracks) == 1 and r.tracks[0]["lse_d"] == r.min_dist


def test_arrays_equal_the_file(from_file):
    frames, audio = decoded("bgr")
    r = syncdsp.syncnet((frames, audio), weights=SYNCNET_WEIGHTS, order="bgr", batch=7)
    assert r.to_dict() == from_file.to_dict()
    # RGB frames and float samples (the batch size changes the GEMM sizes, hence rounding: keep 7) in [-1, 1) are the same input
    rgb = np.ascontiguousarray(frames[..., ::-1])
    r2 = syncdsp.syncnet((rgb, audio.astype(np.float32) / 32768), weights=SYNCNET_WEIGHTS, batch=7)
    assert r2.to_dict() == from_file.to_dict()
    # a non-contiguous view of the frames is read correctly
    r3 = syncdsp.syncnet((frames[..., ::-1], audio), weights=SYNCNET_WEIGHTS, batch=7)
    assert r3.to_dict() == from_file.to_dict()


def expect_error(cls, ident, fn, *args, **kwargs):
    with pytest.raises(cls) as info:
        fn(*args, **kwargs)
    assert info.value.id == ident, str(info.value)
    return info.value


def test_bad_input(tmp_path):
    frames = np.zeros((10, 224, 224, 3), np.uint8)
    audio = np.zeros(6400, np.int16)
    w = SYNCNET_WEIGHTS
    E = syncdsp.InvalidArgument
    expect_error(E, "invalid_argument.syncnet", syncdsp.syncnet, (frames[:, :100], audio), weights=w)
    expect_error(E, "invalid_argument.syncnet", syncdsp.syncnet, (frames.astype(np.float32), audio), weights=w)
    expect_error(E, "invalid_argument.syncnet", syncdsp.syncnet, (frames, audio.astype(np.int32)), weights=w)
    expect_error(E, "invalid_argument.syncnet", syncdsp.syncnet, (frames, audio.reshape(2, -1)), weights=w)
    bad = audio.astype(np.float64)
    bad[7] = np.nan
    expect_error(E, "invalid_argument.syncnet", syncdsp.syncnet, (frames, bad), weights=w)
    expect_error(E, "invalid_argument.syncnet_protocol", syncdsp.syncnet, (frames[:5], audio), weights=w)
    expect_error(E, "invalid_argument.syncnet", syncdsp.syncnet, (frames, audio), weights=w, order="yuv")
    expect_error(E, "invalid_argument.syncnet", syncdsp.syncnet, (frames,), weights=w)
    with pytest.raises(syncdsp.Error) as info:
        syncdsp.syncnet((frames, audio), weights=GOLDEN / "nn" / "st_mixed.safetensors")
    assert info.value.id.split(".")[0] in ("invalid_argument", "parse_error")
    with pytest.raises(syncdsp.IoError):
        syncdsp.syncnet((frames, audio), weights=tmp_path / "none.safetensors")
    with pytest.raises(TypeError):
        syncdsp.syncnet((frames, audio), weights=w, shift=3)
