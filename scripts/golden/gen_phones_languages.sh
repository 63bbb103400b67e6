#!/usr/bin/env bash
# Measures how pocketsphinx's English phone recogniser behaves on non-English speech: the same short
# story spoken by espeak-ng in several languages, decoded by `syncdsp phones --json`, summarised as
# mean per-frame acoustic score of non-silence phones, phones per second, the share of decoded
# time labelled SIL or noise, and how the openness derivative correlates with the derivative of
# 1-4 kHz log-energy (the other audio cue) and at which lag it peaks (a timing bias between the two
# audio cues would bias a fused offset). Also runs the real clips in ../shared/data (English).
# Nothing is written to the repository; the table goes to stdout (see docs/phones.md).
#   scripts/golden/gen_phones_languages.sh path/to/syncdsp
set -euo pipefail
CLI=${1:?usage: $0 path/to/syncdsp}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

declare -A TEXT
TEXT[en-us]="Once upon a time there was a small village by the sea. The people who lived there caught fish every morning and sold them at the market. One day a big storm came from the west, and the boats could not leave the harbour for a whole week."
TEXT[en-gb]="${TEXT[en-us]}"
TEXT[de]="Es war einmal ein kleines Dorf am Meer. Die Menschen, die dort lebten, fingen jeden Morgen Fische und verkauften sie auf dem Markt. Eines Tages kam ein großer Sturm aus dem Westen, und die Boote konnten eine ganze Woche lang den Hafen nicht verlassen."
TEXT[es]="Había una vez un pequeño pueblo junto al mar. La gente que vivía allí pescaba cada mañana y vendía el pescado en el mercado. Un día llegó una gran tormenta del oeste, y los barcos no pudieron salir del puerto durante una semana entera."
TEXT[fr]="Il était une fois un petit village au bord de la mer. Les gens qui y vivaient pêchaient chaque matin et vendaient le poisson au marché. Un jour, une grosse tempête arriva de l'ouest, et les bateaux ne purent pas quitter le port pendant une semaine entière."
TEXT[it]="C'era una volta un piccolo villaggio sul mare. La gente che ci viveva pescava ogni mattina e vendeva il pesce al mercato. Un giorno arrivò una grande tempesta da ovest, e le barche non poterono lasciare il porto per una settimana intera."

summarise() {  # $1 label, $2 json file (openness at 100 Hz), $3 16 kHz wav
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import json, sys
import numpy as np
from scipy.io import wavfile
from scipy.signal import butter, sosfiltfilt
label, path, wav = sys.argv[1:4]
j = json.load(open(path))
segs = j["segments"]
dec = sum(u["end"] - u["start"] for u in j["utterances"])
sil = sum(s["end"] - s["start"] for s in segs if s["phone"] == "SIL" or s["phone"].startswith("+"))
# 1-4 kHz log energy on the decoder's frame grid (frame k = samples [160k, 160k+410)), then
# backward differences of both curves; Pearson r over lags -200..+200 ms (positive lag: the phone
# curve is late relative to the energy curve).
rate, x = wavfile.read(wav)
x = x.astype(np.float64) / 32768.0
x = sosfiltfilt(butter(4, [1000, 4000], btype="band", fs=rate, output="sos"), x)
o = np.array([np.nan if v is None else v for v in j["openness"]["values"]])
n = min(len(o), (len(x) - 410) // 160 + 1)
e = np.array([np.log(np.mean(x[160 * k:160 * k + 410] ** 2) + 1e-10) for k in range(n)])
do, de = np.diff(o[:n]), np.diff(e)
best = (-2.0, 0)
r0 = 0.0
for lag in range(-20, 21):
    a = do[max(0, lag):len(do) + min(0, lag)]
    b = de[max(0, -lag):len(de) - max(0, lag)]
    m = np.isfinite(a) & np.isfinite(b)
    r = np.corrcoef(a[m], b[m])[0, 1]
    if lag == 0: r0 = r
    if r > best[0]: best = (r, lag)
print(f"| {label} | {j['duration_s']:.1f} | {j['mean_speech_score']:.3f} | {j['phone_rate_hz']:.2f} | "
      f"{100 * sil / max(dec, 1e-9):.0f} | {r0:.2f} | {best[0]:.2f} at {10 * best[1]:+d} ms | {j['x_real_time']:.3f} |")
PY
}

echo "| input | seconds | mean speech score (ln/frame) | phones/s | SIL+noise % of decoded time | r(d openness, d 1-4 kHz log-energy) at lag 0 | best r at lag | x real time |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for v in en-us en-gb de es fr it; do
  espeak-ng -v "$v" -w "$WORK/$v-22k.wav" "${TEXT[$v]}"
  ffmpeg -v error -y -i "$WORK/$v-22k.wav" -ar 16000 -ac 1 -c:a pcm_s16le "$WORK/$v.wav"
  "$CLI" phones "$WORK/$v.wav" --json --rate 100 > "$WORK/$v.json"
  summarise "espeak-ng $v" "$WORK/$v.json" "$WORK/$v.wav"
done
DATA=${SYNCDSP_SHARED_DATA:-$HERE/../shared/data}
for f in "$DATA"/lrs3_*/audio_16k.wav "$DATA"/dev/*.mp4; do
  [ -e "$f" ] || continue
  ffmpeg -v error -y -i "$f" -vn -ar 16000 -ac 1 -c:a pcm_s16le "$WORK/real.wav"
  "$CLI" phones "$WORK/real.wav" --json --rate 100 > "$WORK/real.json"
  summarise "$(basename "$(dirname "$f")")/$(basename "$f")" "$WORK/real.json" "$WORK/real.wav"
done
