"""syncdsp: measure and fix audio-video offset in videos of people speaking (NumPy in, NumPy out).

The numbers are the C++ library's: the same headers, compiled into ``syncdsp._syncdsp``.

Audio features (float32 or float64 samples in [-1, 1), 1-d; the result has the input's dtype)::

    syncdsp.mfcc(x, sr=16000, preset="psf")      # (frames, 13), python_speech_features / SyncNet
    syncdsp.logmel(x, sr, preset="librosa")      # (frames, n_mels)
    syncdsp.zcr(x, sr, preset="librosa"), syncdsp.rms(x, sr, preset="kaldi")   # (frames, 1)

Vision: ``flow(a, b)`` (Farneback, OpenCV's numbers), ``mar(landmarks)``, ``landmarks(image)``.
Offsets: ``search(video_cues, audio_cues, rate)`` (the engine), ``sync(path)`` (the whole
pipeline, as ``syncdsp sync``), ``syncnet(path_or_arrays, weights=...)`` (LSE-D / LSE-C).

Sign convention: ``offset_ms > 0`` means the audio is late. Errors raise ``syncdsp.Error``
subclasses whose ``.id`` is the library's error id (docs/errors.md).
"""

import json as _json
from dataclasses import dataclass as _dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as _np

from . import _syncdsp
from ._syncdsp import Error, InvalidArgument, IoError, ParseError, Unsupported

__all__ = [
    "mfcc", "logmel", "zcr", "rms", "describe", "flow", "mar", "landmarks", "Face", "search", "SearchResult",
    "Estimate", "sync", "SyncResult", "shift_audio", "Verdict", "syncnet", "SyncnetResult", "Error", "InvalidArgument",
    "ParseError", "IoError", "Unsupported",
]

__version__ = "0.1.0"

Presets = str  # "psf" | "librosa" | "kaldi"


# ---- audio features ---------------------------------------------------------------------------

def mfcc(x, sr: float = 16000, preset: Presets = "psf", **overrides) -> _np.ndarray:
    """MFCC, shape (frames, n_mfcc), in the dtype of ``x`` (float32 or float64).

    preset: "psf" (python_speech_features.mfcc defaults, what SyncNet uses: 13 coefficients,
    lifter 22, c0 = ln frame energy), "librosa" (librosa.feature.mfcc defaults: n_fft 2048,
    hop 512, 128 Slaney mels, 20 coefficients) or "kaldi" (torchaudio.compliance.kaldi.mfcc,
    dither 0). Samples are in [-1, 1); psf and kaldi scale them to int16 range as their
    references do.

    Overrides (named like the C++ option fields): n_mfcc, n_fft, hop_length, win_length, n_mels,
    fmin, fmax, window ("hann", "hamming", "povey", "rectangular"), periodic_window, framing
    ("centered", "snip_edges", "zero_tail"), pad ("constant", "reflect", "edge"), remove_dc,
    preemphasis ("none", "signal", "frame"), preemphasis_coeff, power, scale, input_scale,
    mel_scale ("htk", "slaney"), mel_norm ("none", "slaney"), mel_construction, log ("db", "ln",
    "none"), floor, floor_rule ("clamp", "zero_only"), ref, top_db, dct ("ortho", "none"),
    lifter, lifter_form ("htk", "librosa"), energy_c0.

    ``x`` is read in place when it is a C-contiguous float32/float64 array (else copied once);
    the GIL is released while the features are computed.
    """
    return _syncdsp._mfcc(x, sr, preset, **overrides)


def logmel(x, sr: float = 16000, preset: Presets = "psf", **overrides) -> _np.ndarray:
    """Log-mel spectrogram, shape (frames, n_mels): psf.logfbank, librosa's
    power_to_db(melspectrogram) or Kaldi's fbank. Same overrides as :func:`mfcc` (less the
    cepstral ones)."""
    return _syncdsp._logmel(x, sr, preset, **overrides)


def zcr(x, sr: float = 16000, preset: Presets = "psf", **overrides) -> _np.ndarray:
    """Zero-crossing rate per frame, shape (frames, 1) (librosa.feature.zero_crossing_rate's rule).

    The preset gives the framing: "librosa" 2048/512 centred with edge padding, "psf" 400/160
    with the tail zero-padded (one value per psf MFCC frame at 16 kHz), "kaldi" 400/160 complete
    frames. Overrides: frame_length, hop_length, framing, pad, threshold."""
    return _syncdsp._zcr(x, sr, preset, **overrides)


def rms(x, sr: float = 16000, preset: Presets = "psf", **overrides) -> _np.ndarray:
    """RMS energy per frame, shape (frames, 1) (librosa.feature.rms's rule; "librosa" pads with
    zeros). Overrides: frame_length, hop_length, framing, pad."""
    return _syncdsp._rms(x, sr, preset, **overrides)


def describe(feature: str, sr: float = 16000, preset: Presets = "psf", **overrides) -> str:
    """The complete options a feature call would use, as the C++ ``to_string()`` prints them."""
    return _syncdsp._describe(feature, sr, preset, **overrides)


# ---- vision -----------------------------------------------------------------------------------

def flow(a, b, preset: str = "opencv", **farneback) -> _np.ndarray:
    """Dense optical flow from image ``a`` to ``b`` (Farneback, the numbers of OpenCV 4.6's
    calcOpticalFlowFarneback), float32 (H, W, 2) = (dx, dy) with b(x+dx, y+dy) ~ a(x, y).

    Images: (H, W) or (H, W, 1) uint8 or float32 (0..255 scale), or (H, W, 3|4) RGB(A) converted
    to gray with the BT.601 weights as OpenCV's cvtColor does. preset "opencv" = (0.5, 3, 15, 3,
    5, 1.2); "opencv_poly7" = poly_n 7, poly_sigma 1.5. Overrides: pyr_scale, levels, winsize,
    iterations, poly_n, poly_sigma, gaussian, threads."""
    return _syncdsp._flow(a, b, preset, **farneback)


def mar(landmarks, kind: str = "inner"):
    """Mouth aspect ratio of (68, 2) or (20, 2) landmarks (a float), or of each face of an
    (N, P, 2) array (an (N,) float64 array). kind "inner" (points 60-67) or "outer" (48-59)."""
    return _syncdsp._mar(landmarks, kind)


@_dataclass
class Face:
    """One detected face: box (x, y, width, height) and 68 landmarks (68, 2), input pixels."""
    box: Tuple[float, float, float, float]
    score: float
    landmarks: _np.ndarray

    def to_dict(self) -> dict:
        return {"box": list(self.box), "score": self.score, "landmarks": self.landmarks.tolist()}


def landmarks(image, detector_size: int = 416, min_score: float = 0.5, tiny_landmarks: bool = False,
              models_dir: str = "") -> List[Face]:
    """Faces and their 68 landmarks (iBUG order; 48-67 = mouth) in an RGB(A) uint8 image
    (H, W, 3|4), with face-api's TinyFaceDetector and FaceLandmark68Net; highest score first,
    [] when there is no face. The model files come from scripts/get_models.sh (models_dir, else
    $SYNCDSP_MODELS, else ~/.local/share/syncdsp/models); IoError when they are missing."""
    faces = _syncdsp._landmarks(image, detector_size=detector_size, min_score=min_score,
                                tiny_landmarks=tiny_landmarks, models_dir=models_dir)
    return [Face(tuple(f["box"]), f["score"], f["landmarks"]) for f in faces]


# ---- the offset engine ------------------------------------------------------------------------

@_dataclass
class Estimate:
    """The engine's answer for one span (the whole clip or a window)."""
    valid: bool
    start_s: float
    end_s: float
    offset_ms: float
    raw_offset_ms: float
    confidence: float
    p_value: float
    surrogates: int
    rival_offset_ms: Optional[float]  # another offset the cues fit almost as well (then not reliable)
    reliable: bool
    peak: dict


class SearchResult:
    """What :func:`search` found: ``.offset_ms`` etc. of the whole clip, ``.windows``,
    ``.curve`` = (lags_ms, mean Pearson r, NaN where uninformative), ``.fused`` (Stouffer z)."""

    def __init__(self, d: dict):
        self._d = d
        self.whole = Estimate(**d["whole"])
        self.windows = [Estimate(**w) for w in d["windows"]]
        self.pairs: List[str] = list(d["pairs"])
        self.pair_peaks: List[dict] = list(d["pair_peaks"])
        self.curve: Tuple[_np.ndarray, _np.ndarray] = d["curve"]
        self.fused: Tuple[_np.ndarray, _np.ndarray] = d["fused"]
        self.rate_hz: float = d["rate_hz"]
        self.options: str = d["options"]

    def __getattr__(self, name):  # offset_ms, confidence, reliable... of the whole clip
        if name.startswith("_") or "whole" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.whole, name)

    def to_dict(self) -> dict:
        def curve(c):
            return {"lags_ms": c[0].tolist(), "scores": [None if _np.isnan(v) else float(v) for v in c[1]]}
        return {"whole": dict(self._d["whole"]), "windows": [dict(w) for w in self._d["windows"]],
                "pairs": self.pairs, "pair_peaks": self.pair_peaks, "curve": curve(self.curve),
                "fused": curve(self.fused), "rate_hz": self.rate_hz}

    def __repr__(self):
        w = self.whole
        return (f"SearchResult(offset_ms={w.offset_ms:.2f}, confidence={w.confidence:.2f}, "
                f"p_value={w.p_value:.3g}, reliable={w.reliable}, pairs={self.pairs})")


Cues = Union[Dict[str, Sequence[float]], Sequence[Tuple]]


def search(video_cues: Cues, audio_cues: Cues, rate: float, start_s: float = 0.0, **options) -> SearchResult:
    """The offset engine (C++ ``sync::search``): video cues against audio cues, all sampled on one
    grid of ``rate`` Hz starting at ``start_s``.

    Cues: ``{name: values}`` (kind "rate") or a list of ``(name, values, kind)`` with kind "rate"
    (already a rate of change) or "level" (differenced first); NaN marks missing values.
    Options (as SearchOptions): max_offset_ms (2000), min_overlap_s (2), window_min_overlap_s (1),
    guard_lags (2), surrogates (99), reliable_p (0.01), window_s (0 = no windows), hop_s,
    leads [(video, audio, lead_ms)], threads (0 = all cores). The GIL is released."""
    return SearchResult(_syncdsp._search(video_cues, audio_cues, rate, start_s, **options))


# ---- sync: the whole pipeline on a file -------------------------------------------------------

@_dataclass
class Verdict:
    """Against the tolerance profile: kind "in_sync", "audio_late", "audio_early" or "cant_tell";
    certain = the whole interval is on the same side of the limits; text = the CLI's headline."""
    kind: str
    certain: bool
    reason: str
    text: str

    def __str__(self):
        return self.text


class SyncResult:
    """The answer of :func:`sync`, as ``syncdsp sync --json`` reports it.

    offset_ms (> 0: audio late), interval_ms (lo, hi), verdict (:class:`Verdict`), tracks (one
    dict per face/mouth followed; one today), curve (lags_ms, scores), confidence, p_value,
    reliable, rival_offset_ms (another offset the cues fit almost as well, or None), windows,
    segments, notes; to_dict() is the CLI's JSON document."""

    def __init__(self, d: dict):
        self._json = d["json"]
        self.valid: bool = d["valid"]
        self.offset_ms: float = d["offset_ms"]
        self.raw_offset_ms: float = d["raw_offset_ms"]
        self.interval_ms: Tuple[float, float] = tuple(d["interval_ms"])
        self.verdict = Verdict(d["verdict"], d["verdict_certain"], d["verdict_reason"], d["headline"])
        self.confidence: float = d["confidence"]
        self.p_value: float = d["p_value"]
        self.reliable: bool = d["reliable"]
        self.rival_offset_ms: Optional[float] = d["rival_offset_ms"]
        self.fps: float = d["fps"]
        self.curve: Tuple[_np.ndarray, _np.ndarray] = d["curve"]
        self.tracks: List[dict] = list(d["tracks"])
        self.windows: List[dict] = list(d["windows"])
        self.notes: List[str] = list(d["notes"])
        self.segments: List[dict] = list(d["segments"])

    def fix_decision(self) -> str:
        """What ``syncdsp fix`` would do with this answer (do no harm): "shift" only when it is
        reliable, out of tolerance and its whole interval is too; else "in_sync", "cant_tell"
        (not reliable), "uncertain" (the interval reaches into tolerance) or "changes" (the
        offset changes within the clip)."""
        if len(self.segments) > 1:
            return "changes"
        if not self.valid or not self.reliable:
            return "cant_tell"
        if self.verdict.kind == "in_sync":
            return "in_sync"
        return "shift" if self.verdict.certain else "uncertain"

    def to_dict(self) -> dict:
        """The same document as ``syncdsp sync --json`` (rounded as the CLI rounds)."""
        return _json.loads(self._json)

    def __repr__(self):
        lo, hi = self.interval_ms
        return (f"SyncResult(offset_ms={self.offset_ms:.1f}, interval_ms=({lo:.1f}, {hi:.1f}), "
                f"verdict={self.verdict.kind!r}, confidence={self.confidence:.2f}, reliable={self.reliable})")


def sync(path: str, preset: str = "standard", **options) -> SyncResult:
    """Measures the audio-video offset of a media file, exactly as ``syncdsp sync`` does.

    preset: "standard" (what ``syncdsp sync`` runs), "fast" (no face networks, no phones) or
    "raw" (no calibrated lead removed). Options: tolerance ("itu", "ebu", "atsc" or
    "EARLY,LATE"), max_offset_ms, calibration ("speech-lead", "none"), faces / phones ("auto",
    "on", "off"), source ("auto", "face_crop", "box"), mouth_box (x, y, w, h), landmarks_path,
    save_landmarks_path, models_dir, detect_every, window_s, hop_s, surrogates, reliable_p,
    threads. Needs ffmpeg on PATH. The GIL is released while it runs."""
    return SyncResult(_syncdsp._sync(str(path), preset, **options))


def shift_audio(input: str, output: str, audio_shift_ms: float) -> None:
    """Writes ``output`` = ``input`` with its audio moved by ``audio_shift_ms`` (> 0: later),
    without re-encoding (ffmpeg stream copy), as ``syncdsp fix`` does: to fix a measured offset
    pass ``-result.offset_ms``. Written to a temporary sibling and renamed only on success; the
    output must not be the input."""
    _syncdsp._shift_audio(str(input), str(output), float(audio_shift_ms))


# ---- SyncNet ----------------------------------------------------------------------------------

class SyncnetResult:
    """SyncNet's protocol (syncnet_python's evaluation): av_offset_frames (the reference's sign),
    offset_ms (> 0: audio late), min_dist = LSE-D, confidence = LSE-C, dists (per offset),
    window_confidence; tracks: one entry per face track scored (one: the face-crop video)."""

    def __init__(self, d: dict):
        self.av_offset_frames: int = d["av_offset_frames"]
        self.offset_ms: float = d["offset_ms"]
        self.min_dist: float = d["min_dist"]
        self.confidence: float = d["confidence"]
        self.vshift: int = d["vshift"]
        self.frames: int = d["frames"]
        self.windows: int = d["windows"]
        self.dists: _np.ndarray = d["dists"]
        self.window_confidence: _np.ndarray = d["window_confidence"]
        self.window_confidence_raw: _np.ndarray = d["window_confidence_raw"]
        self.tracks: List[dict] = [{"id": 0, "offset_ms": self.offset_ms, "av_offset_frames": self.av_offset_frames,
                                    "lse_d": self.min_dist, "lse_c": self.confidence, "windows": self.windows}]

    @property
    def lse_d(self) -> float:
        return self.min_dist

    @property
    def lse_c(self) -> float:
        return self.confidence

    def to_dict(self) -> dict:
        return {"av_offset_frames": self.av_offset_frames, "offset_ms": self.offset_ms, "min_dist": self.min_dist,
                "confidence": self.confidence, "lse_d": self.min_dist, "lse_c": self.confidence,
                "vshift": self.vshift, "frames": self.frames, "windows": self.windows,
                "dists": self.dists.tolist(), "window_confidence": self.window_confidence.tolist(),
                "tracks": self.tracks}

    def __repr__(self):
        return (f"SyncnetResult(av_offset_frames={self.av_offset_frames}, lse_d={self.min_dist:.4f}, "
                f"lse_c={self.confidence:.4f}, windows={self.windows})")


def syncnet(path_or_arrays, weights: str, order: str = "rgb", **options) -> SyncnetResult:
    """SyncNet v2's AV offset, min dist (LSE-D) and confidence (LSE-C), as syncnet_python computes
    them (the same code as ``syncdsp syncnet``).

    path_or_arrays: a 25 fps 224x224 face-crop video file, or a tuple (frames, audio) with frames
    uint8 (T, 224, 224, 3) in ``order`` ("rgb" or "bgr") at 25 fps and audio 16 kHz mono, int16 or
    float in [-1, 1). weights: SyncNet safetensors (scripts/export_syncnet.py). Options: vshift
    (15), batch (20), threads (1; 0 = all cores), max_frames (files only). GIL released."""
    if isinstance(path_or_arrays, (tuple, list)):
        if len(path_or_arrays) != 2:
            err = InvalidArgument("[syncdsp.invalid_argument.syncnet] expected a path or (frames, audio)")
            err.id = "invalid_argument.syncnet"
            raise err
        frames, audio = path_or_arrays
        return SyncnetResult(_syncdsp._syncnet_arrays(frames, audio, str(weights), order, **options))
    return SyncnetResult(_syncdsp._syncnet_video(str(path_or_arrays), str(weights), **options))
