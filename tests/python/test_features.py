"""Audio features: the presets against the golden files of the reference packages (the same
inputs and tolerances as tests/audio/test_mfcc_golden.cpp), bit-exact against `syncdsp features`,
and bad input.

Golden data: tests/golden/audio (scripts/golden/gen_audio.py runs python_speech_features,
librosa 0.11.0 and torchaudio 0.13.1; see its docstring to regenerate). Inputs: the first 64000
samples of the bundled LRS3 clip ("speech") and a 1 s synthetic int16 signal ("synth").
"""
import numpy as np
import pytest

import syncdsp
from conftest import GOLDEN, WAV, read_wav_mono, run_cli


def signal(name, dtype=np.float64):
    if name == "speech":
        return read_wav_mono(WAV)[:64000].astype(dtype)
    return (np.load(GOLDEN / "audio" / "synth_int16.npy").astype(np.float64) / 32768.0).astype(dtype)


def golden(name):
    return np.load(GOLDEN / "audio" / f"{name}.npy")


def max_abs_diff(a, b):
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a.astype(np.float64) - b)))


SIGNALS = ["speech", "synth"]
LIBROSA_SPEECH = dict(n_mfcc=13, n_fft=512, hop_length=160, n_mels=40, win_length=400)


@pytest.mark.parametrize("sig", SIGNALS)
def test_psf_preset_reproduces_python_speech_features(sig):
    x = signal(sig)
    assert max_abs_diff(syncdsp.mfcc(x, 16000, preset="psf"), golden(f"{sig}_psf_mfcc")) < 1e-3
    assert max_abs_diff(syncdsp.logmel(x, 16000, preset="psf"), golden(f"{sig}_psf_logfbank")) < 1e-3
    assert max_abs_diff(syncdsp.mfcc(signal(sig, np.float32), 16000, "psf"), golden(f"{sig}_psf_mfcc")) < 5e-2


@pytest.mark.parametrize("sig", SIGNALS)
def test_kaldi_preset_reproduces_torchaudio_compliance_kaldi(sig):
    x = signal(sig)
    assert max_abs_diff(syncdsp.mfcc(x, 16000, preset="kaldi"), golden(f"{sig}_kaldi_mfcc")) < 1e-3
    assert max_abs_diff(syncdsp.logmel(x, 16000, preset="kaldi"), golden(f"{sig}_kaldi_fbank")) < 1e-3
    # float32: the chirp's power spans > 1e12 between bins, beyond float32's exact ratios (as in C++)
    tol = 5e-2 if sig == "speech" else 0.5
    assert max_abs_diff(syncdsp.mfcc(signal(sig, np.float32), 16000, "kaldi"), golden(f"{sig}_kaldi_mfcc")) < tol


@pytest.mark.parametrize("sig", SIGNALS)
def test_librosa_preset_reproduces_librosa(sig):
    x = signal(sig)
    assert max_abs_diff(syncdsp.mfcc(x, 16000, preset="librosa"), golden(f"{sig}_librosa_mfcc")) < 1e-3
    assert max_abs_diff(syncdsp.mfcc(x, 16000, "librosa", **LIBROSA_SPEECH), golden(f"{sig}_librosa_mfcc_speech")) < 1e-3
    lifted = syncdsp.mfcc(x, 16000, "librosa", lifter=22, **LIBROSA_SPEECH)
    assert max_abs_diff(lifted, golden(f"{sig}_librosa_mfcc_lifter")) < 1e-3
    lm = syncdsp.logmel(x, 16000, "librosa", n_fft=512, hop_length=160, n_mels=40, win_length=400)
    assert max_abs_diff(lm, golden(f"{sig}_librosa_logmel")) < 1e-3
    f32 = syncdsp.mfcc(signal(sig, np.float32), 16000, "librosa", **LIBROSA_SPEECH)
    assert max_abs_diff(f32, golden(f"{sig}_librosa_mfcc_speech")) < 5e-2


@pytest.mark.parametrize("sig", SIGNALS)
def test_zcr_and_rms_reproduce_librosa(sig):
    x = signal(sig)
    assert max_abs_diff(syncdsp.zcr(x, preset="librosa"), golden(f"{sig}_librosa_zcr")) < 1e-12
    assert max_abs_diff(syncdsp.zcr(x, preset="librosa", frame_length=400, hop_length=160),
                        golden(f"{sig}_librosa_zcr_speech")) < 1e-12
    assert max_abs_diff(syncdsp.rms(x, preset="librosa"), golden(f"{sig}_librosa_rms")) < 1e-7
    assert max_abs_diff(syncdsp.rms(x, preset="librosa", frame_length=400, hop_length=160),
                        golden(f"{sig}_librosa_rms_speech")) < 1e-7


@pytest.mark.parametrize("kind", ["mfcc", "logmel", "zcr", "rms"])
@pytest.mark.parametrize("preset", ["psf", "kaldi", "librosa"])
def test_same_as_the_cli(cli, tmp_path, kind, preset):
    # `syncdsp features` reads the 16 kHz WAV as int16 / 32768. zcr and rms it computes in double,
    # as the binding does on float64 input: the float32 cast is identical. mfcc and logmel it
    # computes in float32 (mapped int16 samples, two frames per FFT; docs/audio.md): against the
    # binding's double result the difference is float rounding, measured at most 4.5e-5 x max(1,
    # |value|) on this clip (2026-12-02); the tolerance is 1e-4 x max(1, |value|).
    out = tmp_path / f"{kind}_{preset}.npy"
    run_cli(cli, "features", kind, WAV, "--preset", preset, "-o", out)
    want = np.load(out)
    fn = getattr(syncdsp, kind)
    got = fn(read_wav_mono(WAV), 16000, preset=preset)
    assert got.dtype == np.float64
    assert got.shape == want.shape
    if kind in ("zcr", "rms"):
        assert np.array_equal(got.astype(np.float32), want)
    else:
        assert np.all(np.abs(got - want) <= 1e-4 * np.maximum(1.0, np.abs(got)))


def test_dtype_in_is_dtype_out_and_layouts_give_the_same_numbers():
    x = signal("speech")
    a64 = syncdsp.mfcc(x)
    a32 = syncdsp.mfcc(x.astype(np.float32))
    assert a64.dtype == np.float64 and a32.dtype == np.float32
    assert a64.flags.c_contiguous and a64.shape == (399, 13)  # psf: ceil((64000 - 400) / 160) + 1
    # non-contiguous (every other sample) = its contiguous copy
    assert np.array_equal(syncdsp.mfcc(x[::2]), syncdsp.mfcc(np.ascontiguousarray(x[::2])))
    # a column of a 2-d array (strided), big-endian data, a Python list: converted, same numbers
    two = np.stack([x, -x], axis=1)
    assert np.array_equal(syncdsp.mfcc(two[:, 0]), a64)
    assert np.array_equal(syncdsp.mfcc(x.astype(">f8")), a64)
    assert np.array_equal(syncdsp.rms(list(x[:4000])), syncdsp.rms(x[:4000]))
    # the input is never modified
    before = x.copy()
    syncdsp.logmel(x, preset="kaldi")
    assert np.array_equal(x, before)


def test_options_are_overridable_and_described():
    x = signal("synth")
    assert syncdsp.mfcc(x, preset="psf", n_mfcc=20, n_mels=40).shape[1] == 20
    text = syncdsp.describe("mfcc", 16000, "kaldi", lifter=0, window="hamming")
    assert "lifter=0" in text and "window=hamming" in text
    assert "n_fft=512" in syncdsp.describe("logmel", 16000, "librosa", n_fft=512, n_mels=40)


def expect_error(cls, ident, fn, *args, **kwargs):
    with pytest.raises(cls) as info:
        fn(*args, **kwargs)
    assert info.value.id == ident, str(info.value)
    assert str(info.value).startswith(f"[syncdsp.{ident}]")
    return info.value


@pytest.mark.parametrize("kind", ["mfcc", "logmel", "zcr", "rms"])
def test_bad_input_raises_with_the_library_error_id(kind):
    fn = getattr(syncdsp, kind)
    ident = "invalid_argument." + ("log_mel" if kind == "logmel" else kind)  # the library's C++ names
    x = signal("synth")
    # wrong dtype: int16 PCM, complex, object
    e = expect_error(syncdsp.InvalidArgument, ident, fn, (x * 32767).astype(np.int16))
    assert "int16" in str(e) and "/ 32768" in str(e)
    expect_error(syncdsp.InvalidArgument, ident, fn, x.astype(np.complex128))
    # wrong shape: stereo and scalar
    expect_error(syncdsp.InvalidArgument, ident, fn, np.stack([x, x], axis=1))
    expect_error(syncdsp.InvalidArgument, ident, fn, np.float64(0.5))
    # NaN and infinity: named with their index
    bad = x.copy()
    bad[1234] = np.nan
    assert "index 1234" in str(expect_error(syncdsp.InvalidArgument, ident, fn, bad))
    bad[1234] = np.inf
    expect_error(syncdsp.InvalidArgument, ident, fn, bad.astype(np.float32))
    # empty
    expect_error(syncdsp.InvalidArgument, ident, fn, np.zeros(0))
    # an InvalidArgument is a ValueError and a syncdsp.Error
    assert issubclass(syncdsp.InvalidArgument, ValueError) and issubclass(syncdsp.InvalidArgument, syncdsp.Error)


def test_bad_options():
    x = signal("synth")
    expect_error(syncdsp.InvalidArgument, "invalid_argument.python", syncdsp.mfcc, x, preset="htk")
    expect_error(syncdsp.InvalidArgument, "invalid_argument.python", syncdsp.mfcc, x, window="blackman")
    expect_error(syncdsp.InvalidArgument, "invalid_argument.python", syncdsp.mfcc, x, sr=float("nan"))
    expect_error(syncdsp.InvalidArgument, "invalid_argument.python", syncdsp.mfcc, x, n_fft="big")
    expect_error(syncdsp.InvalidArgument, "invalid_argument.mfcc", syncdsp.mfcc, x, n_mfcc=0)
    expect_error(syncdsp.InvalidArgument, "invalid_argument.stft", syncdsp.mfcc, x, win_length=4096)
    expect_error(syncdsp.InvalidArgument, "invalid_argument.mel", syncdsp.logmel, x, fmax=9000.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nfft'"):
        syncdsp.mfcc(x, nfft=512)
    with pytest.raises(TypeError, match="unexpected keyword argument 'n_mfcc'"):
        syncdsp.rms(x, n_mfcc=13)
