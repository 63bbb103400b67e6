#!/usr/bin/python3
"""First look at the phone-openness cue against a visual cue on real clips (not the fused estimator).

For each square face-crop clip: `syncdsp lipmotion` opening rate in a fixed lower-centre box
(x 25-75 %, y 55-95 % of the frame; no landmarks), `syncdsp phones` openness per video frame, and
the 1-4 kHz log-energy averaged per video frame. Both audio cues are differenced (backward
difference) and cross-correlated with the opening rate over lags -1000..+1000 ms (positive = audio
late: the audio cue at t + lag matches the picture at t). Prints the peak lag and Pearson r of each.
Nothing is written to the repository.
    scripts/golden/gen_phones_visual_probe.py path/to/syncdsp clip.mp4 ...
"""
import json, os, subprocess, sys, tempfile
import numpy as np
from scipy.io import wavfile
from scipy.signal import butter, sosfiltfilt

cli, clips = sys.argv[1], sys.argv[2:]
tmp = tempfile.mkdtemp()


def xcorr_peak(v, a, max_lag):
    best = (-2.0, 0)
    for lag in range(-max_lag, max_lag + 1):
        x = v[max(0, -lag):len(v) - max(0, lag)]
        y = a[max(0, lag):len(a) + min(0, lag)]
        n = min(len(x), len(y))
        x, y = x[:n], y[:n]
        m = np.isfinite(x) & np.isfinite(y)
        if m.sum() < 25:
            continue
        r = np.corrcoef(x[m], y[m])[0, 1]
        if r > best[0]:
            best = (r, lag)
    return best


print("| clip | phone cue: peak lag ms (r) | energy cue: peak lag ms (r) |")
print("| --- | --- | --- |")
for clip in clips:
    probe = json.loads(subprocess.check_output(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                                "stream=width,height,avg_frame_rate", "-of", "json", clip]))
    st = probe["streams"][0]
    w, h = st["width"], st["height"]
    num, den = map(float, st["avg_frame_rate"].split("/"))
    fps = num / den
    roi = f"{int(0.25 * w)},{int(0.55 * h)},{int(0.5 * w)},{int(0.4 * h)}"
    npy = os.path.join(tmp, "lm.npy")
    subprocess.check_call([cli, "lipmotion", clip, "--roi", roi, "-o", npy, "--bins", "0"])
    vis = np.load(npy)[:, 3].astype(np.float64)
    vis[0] = np.nan
    ph = json.loads(subprocess.check_output([cli, "phones", clip, "--json"]))
    o = np.array([np.nan if v is None else v for v in ph["openness"]["values"]])
    d_ph = np.concatenate([[np.nan], np.diff(o)])
    wav = os.path.join(tmp, "a.wav")
    subprocess.check_call(["ffmpeg", "-v", "error", "-y", "-i", clip, "-vn", "-ac", "1", "-ar", "16000", wav])
    rate, x = wavfile.read(wav)
    x = sosfiltfilt(butter(4, [1000, 4000], btype="band", fs=rate, output="sos"), x.astype(np.float64) / 32768)
    spf = rate / fps
    n = int(len(x) // spf)
    e = np.array([np.log(np.mean(x[int(i * spf):int((i + 1) * spf)] ** 2) + 1e-10) for i in range(n)])
    d_e = np.concatenate([[np.nan], np.diff(e)])
    m = min(len(vis), len(d_ph), len(d_e))
    max_lag = int(round(fps))
    rp, lp = xcorr_peak(vis[:m], d_ph[:m], max_lag)
    re, le = xcorr_peak(vis[:m], d_e[:m], max_lag)
    print(f"| {os.path.basename(clip)} | {1000 * lp / fps:+.0f} ({rp:.2f}) | {1000 * le / fps:+.0f} ({re:.2f}) |")
