#!/usr/bin/env bash
# Loss campaign: SIP and RTP through a lossy, delayed, jittery link between two network
# namespaces (.ci/lab/netns.sh; its wire backend works without netem). For every loss level
# (applied to the packets leaving A and those leaving B, SIP and RTP alike):
#   in   SIPp uac-rtp in A calls a headless, auto-answering sipterm in B (the phone as UAS)
#   out  a headless sipterm in A dials an auto-answering baresip in B (the phone as UAC: its
#        INVITE, ACK and BYE retransmissions) and hangs up DURATION after the answer
# and prints a markdown table: calls set up / failed, SIP retransmissions (SIPp's count; ours
# from the phone's SIP trace), and per-call medians of the phone's own media figures from the
# `stats` of each terminated call (packets received / lost / late, frames concealed by the
# jitter buffer, of about DURATION*50 frames).
#   usage: loss.sh [LEVEL% ...]     (make loss; default levels 0 10 30; needs root: ip netns)
# Exit status: 1 if any call failed at a level <= 10 %, 2 on a set-up error.
# env: COUNT (20 calls per direction and level) DURATION (3 s of media) DELAY (40ms) JITTER (10ms)
#      SEED (the forwarder's random choices; default 1) LOSS_DIR (work dir; default mktemp)
#      PORT (5350: the phone in B; SIPp 5351, the phone in A 5352, baresip 5354)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD LAB=$PWD/.ci/lab
LEVELS=("$@"); [[ ${#LEVELS[@]} -gt 0 ]] || LEVELS=(0 10 30)
COUNT=${COUNT:-20} DURATION=${DURATION:-3} DELAY=${DELAY:-40ms} JITTER=${JITTER:-10ms}
PORT=${PORT:-5350}
export SEED=${SEED:-1}
LOSS_DIR=${LOSS_DIR:-$(mktemp -d -t sipterm-loss.XXXXXX)}
mkdir -p "$LOSS_DIR"
echo "loss: LOSS_DIR=$LOSS_DIR" >&2
[[ $(id -u) == 0 ]] || { echo "loss: needs root (ip netns)" >&2; exit 2; }
for b in sipp baresip python3 go ip ss; do command -v $b >/dev/null || { echo "loss: '$b' missing (.ci/deps.sh test)" >&2; exit 2; }; done

bin=$LOSS_DIR/sipterm
go build -o "$bin" ./cmd/sipterm
export LAB_DIR=$LOSS_DIR NETNS_PREFIX=${NETNS_PREFIX:-loss$$}
NS=$LAB/netns.sh
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  [[ -f "$LAB_DIR/baresip-loss.pid" ]] && "$LAB/stop.sh" baresip-loss >/dev/null
  "$NS" down >/dev/null
}
trap cleanup EXIT
"$NS" up 2 >&2
A=$("$NS" addr A) B=$("$NS" addr B)
NSA=$("$NS" name A) NSB=$("$NS" name B)

# phone: NAME NETNS ADDR:PORT extra flags... (headless, null audio, SIP trace, own control socket)
phone() {
  local name=$1 ns=$2 listen=$3; shift 3
  mkdir -p "$LOSS_DIR/$name"
  printf 'rtp_ports = "16000-16999"\nmax_calls = 100\n' >"$LOSS_DIR/$name/sipterm.toml"
  XDG_CONFIG_HOME=$LOSS_DIR/$name XDG_STATE_HOME=$LOSS_DIR/$name ip netns exec "$ns" "$bin" --headless \
    --config "$LOSS_DIR/$name/sipterm.toml" --listen "$listen" --audio null --log-level info \
    --sip-trace "$LOSS_DIR/$name/trace.log" --control "$LOSS_DIR/$name/ctl" "$@" \
    </dev/null >"$LOSS_DIR/$name/events.jsonl" 2>"$LOSS_DIR/$name/stderr.log" &
  pids+=($!)
  for _ in $(seq 50); do "$bin" ctl --socket "$LOSS_DIR/$name/ctl" --timeout 2s debug >/dev/null 2>&1 && return; sleep 0.2; done
  echo "loss: phone $name did not come up:" >&2; tail "$LOSS_DIR/$name/stderr.log" >&2; exit 2
}
phone uas "$NSB" "$B:$PORT" --auto-answer 0s
phone uac "$NSA" "$A:$((PORT + 2))"
ip netns exec "$NSB" env LAB_DIR="$LAB_DIR" NAME=baresip-loss AUTOANSWER=1 RECORD=0 BARESIP_IP="$B" \
  RTP_PORTS=11000-11039 CTRL_PORT=35354 "$LAB/baresip.sh" $((PORT + 4)) >&2
ctl() { "$bin" ctl --socket "$LOSS_DIR/uac/ctl" --timeout 5s "$@"; }

# wire counters: "lostA sentA lostB sentB" (packets leaving A, B)
wire() {
  kill -USR1 "$(cat "$LAB_DIR/netns-wire.pid")"; sleep 0.3
  awk '{for (i = 2; i <= NF; i++) {split($i, kv, "="); v[$1, kv[1]] = kv[2]}}
    END {printf "%d %d %d %d\n", v["A", "lost"], v["A", "sent"] + v["A", "lost"], v["B", "lost"], v["B", "sent"] + v["B", "lost"]}' "$LAB_DIR/netns/wire.stats"
}
lines() { wc -l <"$1"; }

results=$LOSS_DIR/results.jsonl
: >"$results"
for lvl in "${LEVELS[@]}"; do
  lvl=${lvl%\%}
  "$NS" impair clear >/dev/null
  "$NS" impair LOSS="$lvl%" DELAY="$DELAY" JITTER="$JITTER" >/dev/null
  echo "loss: level $lvl% ..." >&2

  # in: SIPp (A) -> the phone (B)
  w0=$(wire) e0=$(lines "$LOSS_DIR/uas/events.jsonl") t0=$(lines "$LOSS_DIR/uas/trace.log")
  out=$(ip netns exec "$NSA" env LAB_DIR="$LAB_DIR" NAME="sipp-$lvl" SIPP_PORT=$((PORT + 1)) MEDIA_PORT=11900 \
    COUNT="$COUNT" RATE=2 LIMIT=4 DURATION="$DURATION" "$LAB/sipp.sh" uac-rtp "$B:$PORT" -i "$A" -mi "$A" 2>&1 |
    grep '^done' || true)
  sleep 1 # the last terminated events
  w1=$(wire)
  retr=$(awk -F';' 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "Retransmissions(C)") c = i} END {print (c ? $c : "?")}' \
    "$LAB_DIR/sipp-$lvl/stat.csv" 2>/dev/null || echo "?")
  python3 "$ROOT/.ci/soak/loss_calls.py" --dir in --level "$lvl" --count "$COUNT" --sipp "$out" --sipp-retrans "$retr" \
    --events "$LOSS_DIR/uas/events.jsonl" --from-line "$e0" --trace "$LOSS_DIR/uas/trace.log" --trace-from "$t0" \
    --wire "$w0" --wire-after "$w1" >>"$results"

  # out: the phone (A) -> baresip (B), a call every 1.5 s, each hung up DURATION after its answer
  # (a call not answered within 30 s is hung up then: CANCEL, counted as failed)
  w0=$(wire) e0=$(lines "$LOSS_DIR/uac/events.jsonl") t0=$(lines "$LOSS_DIR/uac/trace.log")
  hang=()
  for ((i = 0; i < COUNT; i++)); do
    id=$(ctl dial "sip:baresip@$B:$((PORT + 4))" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
    if [[ -n "$id" ]]; then
      (
        for _ in $(seq 300); do
          grep -q "\"id\":\"$id\",.*\"state\":\"\(established\|terminated\)\"" "$LOSS_DIR/uac/events.jsonl" && break
          sleep 0.1
        done
        sleep "$DURATION"
        ctl hangup "$id" >/dev/null 2>&1 || true
      ) &
      hang+=($!)
    fi
    sleep 1.5
  done
  wait "${hang[@]}" 2>/dev/null || true
  # every call of this level terminated (BYE retransmissions last up to 32 s)
  for _ in $(seq 80); do
    n=$(tail -n +$((e0 + 1)) "$LOSS_DIR/uac/events.jsonl" | grep -c '"state":"terminated"' || true)
    [[ $n -ge $COUNT ]] && break
    sleep 0.5
  done
  w1=$(wire)
  python3 "$ROOT/.ci/soak/loss_calls.py" --dir out --level "$lvl" --count "$COUNT" \
    --events "$LOSS_DIR/uac/events.jsonl" --from-line "$e0" --trace "$LOSS_DIR/uac/trace.log" --trace-from "$t0" \
    --wire "$w0" --wire-after "$w1" >>"$results"
done
"$NS" impair clear >/dev/null
python3 "$ROOT/.ci/soak/loss_calls.py" --table "$results" --delay "$DELAY" --jitter "$JITTER" --duration "$DURATION"
