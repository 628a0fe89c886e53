#!/usr/bin/env bash
# libopus instructions per 20 ms frame, by encoder configuration (issue 9, docs/opus-cpu.md): a
# count from valgrind's callgrind, not a time, so a loaded box does not blur it. A small C driver
# encodes 2 s of the same voice-like signal as phone/media's voiceLike (mono, 48 kHz) with libopus
# directly; the figures are (run - signal only) / 100 frames, and the decode of what it encoded.
#   usage: opus-instr.sh [CONFIG ...]   CONFIG = APP:COMPLEXITY:BITRATE:LOSS%:FEC
#          APP voip or rld (restricted low-delay: CELT only); BITRATE 0 = libopus's automatic rate
#   default: the old default, the policy's two modes and baresip's (see docs/opus-cpu.md)
# Needs gcc, libopus-dev, valgrind (not in make test or make bench: ~10 s per configuration).
set -euo pipefail
for b in gcc valgrind; do command -v $b >/dev/null || { echo "opus-instr: '$b' missing" >&2; exit 2; }; done
CONFIGS=("$@")
[[ ${#CONFIGS[@]} -gt 0 ]] || CONFIGS=(voip:5:0:10:1 voip:5:0:0:1 rld:4:64000:0:0 rld:5:64000:0:0 rld:10:99000:0:0)
DIR=$(mktemp -d /tmp/opus-instr.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
cat >"$DIR/enc.c" <<'C'
#include <opus/opus.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* enc APP COMPLEXITY BITRATE LOSS FEC DECODE; APP "none": the signal only */
int main(int argc, char **argv) {
  if (argc != 7) return 2;
  int app = strcmp(argv[1], "rld") == 0 ? OPUS_APPLICATION_RESTRICTED_LOWDELAY : OPUS_APPLICATION_VOIP;
  int cx = atoi(argv[2]), br = atoi(argv[3]), loss = atoi(argv[4]), fec = atoi(argv[5]), decode = atoi(argv[6]);
  enum { FRAMES = 100, N = 960 };
  static short pcm[N * FRAMES], out[N];
  double ph = 0;
  unsigned seed = 1;
  for (int i = 0; i < N * FRAMES; i++) { /* a gliding 120-180 Hz voice, harmonics, 4 Hz syllables */
    double t = i / 48000.0, f0 = 150 + 30 * sin(2 * M_PI * 0.7 * t), v = 0;
    ph += 2 * M_PI * f0 / 48000;
    for (int h = 1; h <= 20 && h * f0 < 7000; h++) v += sin(h * ph) / h;
    seed = seed * 1664525 + 1013904223;
    double env = 0.55 + 0.45 * sin(2 * M_PI * 4 * t);
    pcm[i] = (short)(6000 * (env * v + (double)(int)seed / 2147483647.0 * 0.02));
  }
  if (strcmp(argv[1], "none") == 0) return 0;
  int err;
  OpusEncoder *e = opus_encoder_create(48000, 1, app, &err);
  OpusDecoder *d = opus_decoder_create(48000, 1, &err);
  opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(cx));
  if (br) opus_encoder_ctl(e, OPUS_SET_BITRATE(br));
  opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(fec));
  opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(loss));
  unsigned char pkt[1500];
  long bytes = 0;
  for (int k = 0; k < FRAMES; k++) {
    int m = opus_encode(e, pcm + N * k, N, pkt, sizeof pkt);
    if (m < 0) return 1;
    bytes += m;
    if (decode && opus_decode(d, pkt, m, out, N, 0) < 0) return 1;
  }
  fprintf(stderr, "kbps=%.1f\n", bytes * 8 / 2.0 / 1000);
  return 0;
}
C
gcc -O2 -o "$DIR/enc" "$DIR/enc.c" -lopus -lm
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$DIR/enc" "$@" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,; }
base=$(ir none 0 0 0 0 0)
printf '%-22s %7s %14s %14s\n' config kbit/s enc_Minstr dec_Minstr
for c in "${CONFIGS[@]}"; do
  IFS=: read -r app cx br loss fec <<<"$c"
  e=$(ir "$app" "$cx" "$br" "$loss" "$fec" 0) ed=$(ir "$app" "$cx" "$br" "$loss" "$fec" 1)
  kb=$("$DIR/enc" "$app" "$cx" "$br" "$loss" "$fec" 0 2>&1 | sed -n 's/kbps=//p')
  awk -v c="$c" -v kb="$kb" -v b="$base" -v e="$e" -v ed="$ed" \
    'BEGIN { printf "%-22s %7s %14.3f %14.3f\n", c, kb, (e - b) / 100 / 1e6, (ed - e) / 100 / 1e6 }'
done
