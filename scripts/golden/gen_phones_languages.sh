#!/usr/bin/env bash
# Measures how pocketsphinx's English phone recogniser behaves on non-English speech: the same short
# story spoken by espeak-ng in several languages, decoded by `syncdsp phones --json`, summarised as
# mean per-frame acoustic score of non-silence phones, phones per second, and the share of decoded
# time labelled SIL or noise. Also runs the real clips in ../shared/data (English) if present.
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

summarise() {  # $1 label, $2 json file
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
j = json.load(open(path))
segs = j["segments"]
dec = sum(u["end"] - u["start"] for u in j["utterances"])
sil = sum(s["end"] - s["start"] for s in segs if s["phone"] == "SIL" or s["phone"].startswith("+"))
print(f"| {label} | {j['duration_s']:.1f} | {j['mean_speech_score']:.3f} | {j['phone_rate_hz']:.2f} | "
      f"{100 * sil / max(dec, 1e-9):.0f} | {j['x_real_time']:.3f} |")
PY
}

echo "| input | seconds | mean speech score (ln/frame) | phones/s | SIL+noise % of decoded time | x real time |"
echo "| --- | --- | --- | --- | --- | --- |"
for v in en-us en-gb de es fr it; do
  espeak-ng -v "$v" -w "$WORK/$v.wav" "${TEXT[$v]}"
  "$CLI" phones "$WORK/$v.wav" --json > "$WORK/$v.json"
  summarise "espeak-ng $v" "$WORK/$v.json"
done
DATA=${SYNCDSP_SHARED_DATA:-$HERE/../shared/data}
for f in "$DATA"/lrs3_*/audio_16k.wav "$DATA"/dev/*.mp4; do
  [ -e "$f" ] || continue
  "$CLI" phones "$f" --json > "$WORK/real.json"
  summarise "$(basename "$(dirname "$f")")/$(basename "$f")" "$WORK/real.json"
done
