#!/usr/bin/env bash
# Start one lab peer as an auto-answer endpoint, run uas-load.sh against it, stop it.
# (The project's copy of the shared bench/baselines.sh: uses the project's .ci/lab; .ci/bench.sh runs it.)
#   usage: baselines.sh baresip|baresip-stock|linphone|sipterm [RUN_TAG]   (env is passed on to uas-load.sh)
#   baresip       .ci/lab/baresip.sh 5200, AUTOANSWER=1 RECORD=0 RTP 13000-13999, then restarted
#                 with call_max_calls raised 4 -> ${BARESIP_MAX_CALLS:-1000} (the lab's 4 answers
#                 '486 Max Calls' to the 5th concurrent call)
#   baresip-stock the same without the restart (lab config as is: call_max_calls 4)
#   linphone      lab/linphone.sh 5210 (auto-answer by default), RTP 13000-13999 -- NB: the project's
#                 .ci/lab has no linphone.sh (copy it from the shared lab to use this peer)
#   sipterm       the project's binary ($SIPTERM_BIN, or built from the Go module in the current
#                 directory), headless, auto-answer at once, sending a 440 Hz WAV like the others send
#                 a tone: sipterm --headless --listen 127.0.0.1:5220 --auto-answer 0s --audio file --play
#                 (with a config that sets rtp_ports 13000-13999, max_calls 1000, rate_limit 0 and a
#                 direct-IP account)
# Output: the uas-load.sh lines, each prefixed with "PEER RUN_TAG ". State in $LAB_DIR (default mktemp).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
LAB="$(cd "$HERE/../lab" && pwd)"
# shellcheck source=../lab/common.sh
. "$LAB/common.sh"
PEER=${1:?usage: baselines.sh baresip|baresip-stock|linphone|sipterm [RUN_TAG]}
TAG=${2:-run}
lab_init
trap 'LAB_DIR=$LAB_DIR "$LAB/stop.sh" >/dev/null 2>&1 || true' EXIT
case $PEER in
  baresip | baresip-stock)
    PORT=5200 NAME=bench-baresip USER_PART=baresip
    LAB_DIR=$LAB_DIR NAME=$NAME AUTOANSWER=1 RECORD=0 RTP_PORTS=13000-13999 "$LAB/baresip.sh" $PORT >&2
    if [[ $PEER == baresip ]]; then
      LAB_DIR=$LAB_DIR "$LAB/stop.sh" $NAME >&2
      sed -i "s/^call_max_calls.*/call_max_calls\t\t${BARESIP_MAX_CALLS:-1000}/" "$LAB_DIR/$NAME/config"
      lab_start $NAME "$LAB_DIR/$NAME.log" baresip -f "$LAB_DIR/$NAME"
      lab_wait_listen "$LAB_PID" udp $PORT 10 || lab_fail $NAME "$LAB_DIR/$NAME.log"
    fi ;;
  linphone)
    PORT=5210 NAME=bench-linphone USER_PART=linphone
    LAB_DIR=$LAB_DIR NAME=$NAME RTP_PORTS=13000-13999 "$LAB/linphone.sh" $PORT >&2 ;;
  sipterm)
    PORT=5220 NAME=bench-sipterm USER_PART=sipterm
    BIN=${SIPTERM_BIN:-}
    if [[ -z $BIN ]]; then
      [[ -f go.mod ]] || lab_die "set SIPTERM_BIN or run from the project's root"
      BIN=$LAB_DIR/sipterm; go build -o "$BIN" ./cmd/sipterm >&2
    fi
    sox -n -r 8000 -c 1 -b 16 "$LAB_DIR/tone440.wav" synth 10 sine 440 vol 0.5
    # RTP in 13000-13999 like baresip: sipterm's default range (10000-20000, random ports) can
    # take SIPp's media ports (uas-load.sh binds 12000-12003 at every run: "errno 98" -> fail)
    cat >"$LAB_DIR/sipterm.toml" <<TOML
rtp_ports = "13000-13999"
max_calls  = 1000   # the bench measures call handling: no busy limit, no per-source rate limit
rate_limit = 0
[[accounts]]
name = "local"
aor  = "sip:sipterm@127.0.0.1"
TOML
    lab_start $NAME "$LAB_DIR/$NAME.log" "$BIN" --headless --config "$LAB_DIR/sipterm.toml" \
      --listen 127.0.0.1:$PORT --auto-answer 0s --audio file --play "$LAB_DIR/tone440.wav"
    lab_wait_listen "$LAB_PID" udp $PORT 15 || lab_fail $NAME "$LAB_DIR/$NAME.log" ;;
  *) lab_die "unknown peer $PEER" ;;
esac
PID=$(cat "$LAB_DIR/$NAME.pid")
sleep 1
BENCH_DIR=${BENCH_DIR:-$LAB_DIR/bench-$TAG} "$HERE/uas-load.sh" 127.0.0.1:$PORT "$PID" $USER_PART | sed -u "s/^/$PEER $TAG /"
