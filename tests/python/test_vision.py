"""flow, mar and landmarks: bit-exact against `syncdsp flow|mar|faces` on the same input, flow also
against OpenCV's own numbers (tests/golden/vision, made by scripts/golden/gen_vision.py with
Debian OpenCV 4.6; the same-algorithm limits of tests/vision/test_farneback.cpp: mean end-point
error <= 1e-4 px, 99th percentile <= 1e-3 px), and bad input."""
import csv
import json
import subprocess

import numpy as np
import pytest

import syncdsp
from conftest import GOLDEN, ffmpeg_raw, run_cli, shared_data


def gray_png(name):
    """A gray PNG of tests/golden/vision decoded losslessly by ffmpeg (no imaging package needed)."""
    raw = ffmpeg_raw(GOLDEN / "vision" / name, "-f", "rawvideo", "-pix_fmt", "gray")
    return raw


def mouth_frames():
    a = np.frombuffer(gray_png("mouth_f290.png"), np.uint8).reshape(96, 96)
    b = np.frombuffer(gray_png("mouth_f291.png"), np.uint8).reshape(96, 96)
    return a, b


def epe(f, ref):
    e = np.hypot(f[..., 0] - ref[..., 0], f[..., 1] - ref[..., 1]).ravel()
    return float(e.mean()), float(np.sort(e)[min(e.size - 1, int(0.99 * e.size))])


def test_flow_matches_opencv(ffmpeg):
    a, b = mouth_frames()
    for options, golden in [({}, "flow_mouth_box"), ({"gaussian": True}, "flow_mouth_gauss")]:
        f = syncdsp.flow(a, b, **options)
        assert f.shape == (96, 96, 2) and f.dtype == np.float32
        mean, p99 = epe(f, np.load(GOLDEN / "vision" / f"{golden}.npy"))
        assert mean <= 1e-4 and p99 <= 1e-3, (golden, mean, p99)


def test_flow_bit_exact_against_the_cli(cli, ffmpeg, tmp_path):
    a, b = mouth_frames()
    out = tmp_path / "flow.npy"
    run_cli(cli, "flow", GOLDEN / "vision" / "mouth_f290.png", GOLDEN / "vision" / "mouth_f291.png", "--gaussian",
            "--winsize", 9, "-o", out)
    assert np.array_equal(syncdsp.flow(a, b, gaussian=True, winsize=9), np.load(out))


def test_flow_inputs(ffmpeg):
    a, b = mouth_frames()
    ref = syncdsp.flow(a, b)
    # float32 on the 0..255 scale, (H, W, 1), strided views and RGB give the same flow
    assert np.allclose(syncdsp.flow(a.astype(np.float32), b.astype(np.float32)), ref, atol=1e-4)
    assert np.array_equal(syncdsp.flow(a[..., None], b[..., None]), ref)
    big_a = np.zeros((96, 192), np.uint8)
    big_a[:, ::2] = a
    big_b = np.zeros((96, 192), np.uint8)
    big_b[:, ::2] = b
    assert np.array_equal(syncdsp.flow(big_a[:, ::2], big_b[:, ::2]), ref)
    rgb_a, rgb_b = np.repeat(a[..., None], 3, axis=2), np.repeat(b[..., None], 3, axis=2)
    assert np.array_equal(syncdsp.flow(rgb_a, rgb_b), ref)  # gray = (9798 + 19235 + 3735) v / 2^15 = v


def expect_error(cls, ident, fn, *args, **kwargs):
    with pytest.raises(cls) as info:
        fn(*args, **kwargs)
    assert info.value.id == ident, str(info.value)
    return info.value


def test_flow_bad_input():
    a = np.zeros((40, 50), np.uint8)
    expect_error(syncdsp.InvalidArgument, "invalid_argument.flow", syncdsp.flow, a, np.zeros((40, 51), np.uint8))
    expect_error(syncdsp.InvalidArgument, "invalid_argument.flow", syncdsp.flow, a, a.astype(np.float32))
    expect_error(syncdsp.InvalidArgument, "invalid_argument.flow", syncdsp.flow, a.astype(np.int32), a.astype(np.int32))
    expect_error(syncdsp.InvalidArgument, "invalid_argument.flow", syncdsp.flow, a.ravel(), a.ravel())
    expect_error(syncdsp.InvalidArgument, "invalid_argument.flow", syncdsp.flow, np.zeros((0, 5), np.uint8),
                 np.zeros((0, 5), np.uint8))
    expect_error(syncdsp.InvalidArgument, "invalid_argument.farneback", syncdsp.flow, a, a, pyr_scale=1.5)
    with pytest.raises(TypeError):
        syncdsp.flow(a, a, win_size=5)


def synthetic_landmarks(n=5, seed=1):
    """n faces of 68 points: a mouth whose opening varies, the rest of the face arbitrary."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 200, size=(n, 68, 2))
    for i in range(n):
        open_px = 2.0 + 3.0 * i
        pts[i, 48] = pts[i, 60] = (100, 150)   # left corners
        pts[i, 54] = pts[i, 64] = (140, 150)   # right corners
        for top, bottom in [(50, 58), (51, 57), (52, 56), (61, 67), (62, 66), (63, 65)]:
            x = 110 + (top - 50) * 10 if top < 60 else 110 + (top - 61) * 10
            pts[i, top] = (x, 150 - open_px)
            pts[i, bottom] = (x, 150 + open_px)
    return pts


def test_mar_closed_form_and_bit_exact_against_the_cli(cli, tmp_path):
    pts = synthetic_landmarks().astype(np.float32)
    got = syncdsp.mar(pts)
    # closed form: three openings of 2 * open_px over 3 * width 40
    assert np.allclose(got, [2 * (2.0 + 3.0 * i) / 40 for i in range(5)], rtol=1e-6)
    assert syncdsp.mar(pts[2]) == got[2]
    path = tmp_path / "lm.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        for i, p in enumerate(pts):
            w.writerow([i] + [repr(float(v)) for v in p.ravel()])
    for kind in ("inner", "outer"):
        out = tmp_path / f"mar_{kind}.npy"
        run_cli(cli, "mar", path, f"--{kind}", "-o", out)
        assert np.array_equal(syncdsp.mar(pts, kind=kind).astype(np.float32), np.load(out))


def test_mar_bad_input():
    pts = synthetic_landmarks(2)
    expect_error(syncdsp.InvalidArgument, "invalid_argument.mar", syncdsp.mar, pts[:, :30])   # 30 points
    expect_error(syncdsp.InvalidArgument, "invalid_argument.mar", syncdsp.mar, pts[..., :1])  # not (.., 2)
    expect_error(syncdsp.InvalidArgument, "invalid_argument.mar", syncdsp.mar, pts.astype(np.int32))
    bad = pts.copy()
    bad[1, 62, 0] = np.nan
    assert "row 1" in str(expect_error(syncdsp.InvalidArgument, "invalid_argument.mar", syncdsp.mar, bad))
    flat = pts.copy()
    flat[0, 60] = flat[0, 64]
    expect_error(syncdsp.InvalidArgument, "invalid_argument.mar", syncdsp.mar, flat)
    expect_error(syncdsp.InvalidArgument, "invalid_argument.mar", syncdsp.mar, pts, kind="middle")
    # 20 mouth points (48..67) give the same value as the 68
    assert syncdsp.mar(pts[:, 48:]).tolist() == syncdsp.mar(pts).tolist()
    # non-contiguous input is read correctly
    assert syncdsp.mar(pts[::-1]).tolist() == syncdsp.mar(pts).tolist()[::-1]


def test_landmarks_bit_exact_against_the_cli(cli, ffmpeg, face_models, tmp_path):
    # The bundled clip is too blurry for the detector; the first frame of a dev clip has a face.
    video = shared_data() / "dev" / "deep_avsr_00001.mp4"
    if not video.exists():
        pytest.skip(f"{video} is absent (../shared/data)")
    png = tmp_path / "frame.png"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(video), "-frames:v", "1", str(png)], check=True)
    size = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", str(png)],
                          capture_output=True, text=True, check=True).stdout.strip().split(",")
    w, h = int(size[0]), int(size[1])
    image = np.frombuffer(ffmpeg_raw(png, "-f", "rawvideo", "-pix_fmt", "rgb24"), np.uint8).reshape(h, w, 3)
    doc = json.loads(run_cli(cli, "faces", png, "--json").stdout)
    want = doc["frames"][0]["faces"]
    faces = syncdsp.landmarks(image)
    assert len(faces) == len(want) >= 1
    for f, w in zip(faces, want):
        assert list(f.box) == w["box"]
        assert f.score == w["score"]
        assert f.landmarks.shape == (68, 2)
        assert f.landmarks.tolist() == w["landmarks"]
    # the mouth is in the lower half of the face box
    x, y, w, h = faces[0].box
    assert np.all(faces[0].landmarks[48:68, 1] > y + h / 2)


def test_landmarks_no_face_and_bad_input(face_models):
    assert syncdsp.landmarks(np.zeros((120, 160, 3), np.uint8)) == []
    expect_error(syncdsp.InvalidArgument, "invalid_argument.landmarks", syncdsp.landmarks, np.zeros((120, 160), np.uint8))
    expect_error(syncdsp.InvalidArgument, "invalid_argument.landmarks", syncdsp.landmarks,
                 np.zeros((120, 160, 3), np.float32))


def test_landmarks_missing_models_is_an_io_error(tmp_path):
    with pytest.raises(syncdsp.IoError) as info:
        syncdsp.landmarks(np.zeros((64, 64, 3), np.uint8), models_dir=str(tmp_path / "nowhere"))
    assert info.value.id.startswith("io_error.")
    assert isinstance(info.value, OSError)
