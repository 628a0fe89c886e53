#!/usr/bin/env bash
# Media CPU with and without SRTP: one auto-answer endpoint (the callee, measured) takes CALLS
# concurrent calls from one sipterm caller (not measured), RTP or SDES-SRTP both ways; the
# callee's CPU is read from /proc/PID/stat while all calls are up. SIPp cannot do SRTP, so the
# caller is a headless sipterm (--audio file: a 440 Hz WAV on every call) driven through a FIFO.
#   usage: srtp-load.sh baresip|sipterm none|srtp [RUN_TAG]     (.ci/bench.sh runs it)
#   callee baresip  .ci/lab/baresip.sh 5200 AUTOANSWER=1 RECORD=0 RTP 13000-13999, SRTP=mandatory
#                   for srtp (mediaenc=srtp-mand), restarted with call_max_calls raised (as baselines.sh)
#   callee sipterm  sipterm --headless --listen 127.0.0.1:5220 --auto-answer 0s --audio file --play
#                   (RTP 13000-13999, media_encryption = "srtp" for srtp, "none" for none)
#   caller          sipterm --headless --listen 127.0.0.1:5230 (RTP 14000-14999, the same
#                   media_encryption), dials CALLS calls at DIAL_RATE per second
# Output, one line, prefixed with "PEER RUN_TAG " (key=value, '-' = not available):
#   mediaenc enc=E calls=N ok=N up=N window_s=F cpu_pct=F cpu_ms_per_call_s=F rss_mb=F
#            caller_cpu_pct=F enc_ok=N rx_pkts=N auth_fail=N
#   (ok = calls the caller saw established; up = calls up for the whole window; cpu_ms_per_call_s
#    = callee CPU ms per second of one up call; enc_ok = calls whose media event at the caller
#    says the negotiated encryption is E; rx_pkts/auth_fail = RTP packets the caller received and
#    SRTP authentication failures, summed over the calls' last stats events)
# env: CALLS (50), MEDIA_S (20: measurement window), DIAL_RATE (25 calls/s), SETTLE_S (2),
#   SIPTERM_BIN (default: built from the module in the current directory), LAB_DIR (state dir,
#   default mktemp), BENCH_MAX_S (outer bound, 300).
set -euo pipefail

if [[ -z "${SRTP_LOAD_INNER:-}" ]]; then
  SRTP_LOAD_INNER=1 exec timeout -k 10 "${BENCH_MAX_S:-300}" "$0" "$@"
fi

HERE="$(cd "$(dirname "$0")" && pwd)"
LAB="$(cd "$HERE/../lab" && pwd)"
# shellcheck source=../lab/common.sh
. "$LAB/common.sh"
PEER=${1:?usage: srtp-load.sh baresip|sipterm none|srtp [RUN_TAG]}
ENC=${2:?usage: srtp-load.sh baresip|sipterm none|srtp [RUN_TAG]}
TAG=${3:-run}
CALLS=${CALLS:-50}
MEDIA_S=${MEDIA_S:-20}
DIAL_RATE=${DIAL_RATE:-25}
SETTLE_S=${SETTLE_S:-2}
CALLER_PORT=5230
HZ=$(getconf CLK_TCK)
case $ENC in none | srtp) ;; *) lab_die "encryption must be none or srtp, got '$ENC'" ;; esac
[[ "$CALLS" =~ ^[0-9]+$ && "$CALLS" -gt 0 ]] || lab_die "CALLS must be a positive number"
for b in sox awk ss; do command -v $b >/dev/null || lab_die "'$b' missing (run .ci/deps.sh bench)"; done
lab_init
trap 'exec 3>&- 2>/dev/null; LAB_DIR=$LAB_DIR "$LAB/stop.sh" >/dev/null 2>&1 || true' EXIT

BIN=${SIPTERM_BIN:-}
if [[ -z $BIN ]]; then
  [[ -f go.mod ]] || lab_die "set SIPTERM_BIN or run from the project's root"
  BIN=$LAB_DIR/sipterm
  go build -o "$BIN" ./cmd/sipterm >&2
fi
TONE=$LAB_DIR/tone440.wav
[[ -f $TONE ]] || sox -n -r 8000 -c 1 -b 16 "$TONE" synth 10 sine 440 vol 0.5

# sipterm_config FILE RTP_RANGE: a direct-IP account with the encryption under test
sipterm_config() {
  cat >"$1" <<TOML
rtp_ports = "$2"
max_calls  = 1000   # CALLS calls at DIAL_RATE: no busy limit, no per-source rate limit
rate_limit = 0
call_waiting = false # the calls run side by side: dialing one must not hold the others
[[accounts]]
name = "local"
aor  = "sip:sipterm@127.0.0.1"
media_encryption = "$ENC"
TOML
}

# --- the callee (measured) --------------------------------------------------------------------
case $PEER in
  baresip)
    PORT=5200 NAME=srtp-baresip USER_PART=baresip
    srtp=none; [[ $ENC == srtp ]] && srtp=mandatory
    LAB_DIR=$LAB_DIR NAME=$NAME AUTOANSWER=1 RECORD=0 RTP_PORTS=13000-13999 SRTP=$srtp "$LAB/baresip.sh" $PORT >&2
    # the lab's call_max_calls 4 answers '486 Max Calls' to the 5th call
    LAB_DIR=$LAB_DIR "$LAB/stop.sh" $NAME >&2
    sed -i "s/^call_max_calls.*/call_max_calls\t\t${BARESIP_MAX_CALLS:-1000}/" "$LAB_DIR/$NAME/config"
    lab_start $NAME "$LAB_DIR/$NAME.log" baresip -f "$LAB_DIR/$NAME"
    lab_wait_listen "$LAB_PID" udp $PORT 10 || lab_fail $NAME "$LAB_DIR/$NAME.log" ;;
  sipterm)
    PORT=5220 NAME=srtp-sipterm USER_PART=sipterm
    sipterm_config "$LAB_DIR/callee.toml" 13000-13999
    lab_start $NAME "$LAB_DIR/$NAME.log" "$BIN" --headless --config "$LAB_DIR/callee.toml" \
      --listen 127.0.0.1:$PORT --auto-answer 0s --audio file --play "$TONE"
    lab_wait_listen "$LAB_PID" udp $PORT 15 || lab_fail $NAME "$LAB_DIR/$NAME.log" ;;
  *) lab_die "unknown peer $PEER" ;;
esac
TPID=$(cat "$LAB_DIR/$NAME.pid")

# --- the caller: headless sipterm, commands through a FIFO (kept open on fd 3) ------------------
sipterm_config "$LAB_DIR/caller.toml" 14000-14999
# shellcheck source=caller.sh
. "$HERE/caller.sh"
start_caller srtp-caller

dial_calls
sleep "$SETTLE_S"

c0=$(ticks "$TPID"); k0=$(ticks "$CPID"); t0=$(now); up0=$(count established)
sleep "$MEDIA_S"
c1=$(ticks "$TPID"); k1=$(ticks "$CPID"); t1=$(now); up1=$(count established)
rss=$(awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' "/proc/$TPID/status" 2>/dev/null || echo -)
up=$((up1 < up0 ? up1 : up0))

enc_ok=$(grep '"event":"media"' "$EVENTS" | grep -c "\"encryption\":\"$ENC\"" || true)
# the last stats event of each call: packets received and SRTP auth failures
read -r rx af < <(awk '/"event":"stats"/ {
    id = $0; sub(/.*"id":"/, "", id); sub(/".*/, "", id)
    r = $0; sub(/.*"received":/, "", r); sub(/[,}].*/, "", r); rx[id] = r
    a = $0; sub(/.*"srtp_auth_failures":/, "", a); sub(/[,}].*/, "", a); af[id] = a
  } END { for (i in rx) { R += rx[i]; A += af[i] } print R + 0, A + 0 }' "$EVENTS")

echo "quit" >&3
exec 3>&-
for ((i = 0; i < 100 && $(kill -0 "$CPID" 2>/dev/null && echo 1 || echo 0); i++)); do sleep 0.1; done

if ((c0 < 0 || c1 < 0)); then
  echo "$PEER $TAG mediaenc enc=$ENC calls=$CALLS ok=$ok up=$up endpoint_died=1"
  exit 1
fi
d=$(calc "print $t1 - $t0")
echo "$PEER $TAG mediaenc enc=$ENC calls=$CALLS ok=$ok up=$up window_s=$(calc "printf \"%.1f\", $d")" \
  "cpu_pct=$(calc "printf \"%.1f\", ($c1 - $c0) * 100 / $HZ / $d")" \
  "cpu_ms_per_call_s=$(calc "printf \"%.3f\", $up ? ($c1 - $c0) * 1000 / $HZ / $d / $up : 0")" \
  "rss_mb=$rss caller_cpu_pct=$(calc "printf \"%.1f\", ($k0 >= 0 && $k1 >= 0) ? ($k1 - $k0) * 100 / $HZ / $d : -1")" \
  "enc_ok=$enc_ok rx_pkts=$rx auth_fail=$af"
