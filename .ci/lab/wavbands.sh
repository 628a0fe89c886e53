#!/usr/bin/env bash
# How much of each frequency a WAV holds, for recordings with several tones mixed (wavcheck.sh's
# rough frequency sees only the loudest): the RMS amplitude of a narrow band (HZ +-BAND Hz, a
# sinc band-pass) around each frequency, over the whole file.
#   usage: wavbands.sh FILE.wav HZ [HZ...]
#   prints one line per HZ: "band HZ rms=R"
# env: BAND half width in Hz (default 60)
# exit 0 = measured, 2 = usage/unreadable.
set -euo pipefail
[[ $# -ge 2 ]] || { sed -n '2,8p' "$0" >&2; exit 2; }
command -v sox >/dev/null || { echo "sox missing" >&2; exit 2; }
F=$1; shift
BAND=${BAND:-60}
for hz in "$@"; do
  [[ "$hz" =~ ^[0-9]+$ ]] || { echo "bad frequency '$hz'" >&2; exit 2; }
  lo=$((hz - BAND)); hi=$((hz + BAND))
  st=$(sox "$F" -n sinc "$lo-$hi" stat 2>&1) || { echo "$st" >&2; exit 2; }
  rms=$(awk -F: '/^RMS +amplitude/ {gsub(/ /,"",$2); print $2}' <<<"$st")
  echo "band $hz rms=$rms"
done
