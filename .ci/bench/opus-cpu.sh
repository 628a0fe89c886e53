#!/usr/bin/env bash
# Opus media CPU, sipterm against baresip (issue 9: at most half of baresip's CPU per call-second).
# One auto-answer endpoint (the callee, measured) takes CALLS concurrent Opus calls from one
# headless sipterm caller (not measured) that offers only opus/48000/2 and sends a 440 Hz tone;
# both sides encode and decode Opus for every call. The callee's CPU (utime+stime of all its
# threads, /proc/PID/stat) is read over MEDIA_S seconds while all calls are up.
#   usage: opus-cpu.sh                      ROUNDS rounds of every peer of PEERS, then a table
#          opus-cpu.sh PEER [RUN_TAG]        one measurement of one peer (one line, see below)
#   peers  baresip     .ci/lab/baresip.sh 5420 CODECS=opus AUTOANSWER=1 RECORD=0 (its opus module's
#                      defaults: complexity 10; source ausine 440 Hz, 48 kHz stereo), call_max_calls
#                      raised
#          sipterm     sipterm --headless --auto-answer 0s --audio file --play <440 Hz, 48 kHz WAV>,
#                      codecs = ["opus"], its defaults (loopback loses nothing: CELT 64 kbit/s at
#                      complexity 4)
#          sipterm-cN  the same with opus_complexity = N (sipterm-c10: baresip's complexity);
#                      sipterm-bR, sipterm-cN-bR: with opus_bitrate = R too (an explicit rate:
#                      libopus's own mode choice, SILK/hybrid at voice rates, FEC for 10 % loss)
#   caller sipterm --headless --listen 127.0.0.1:5426 (RTP 22000-22999; callees RTP 21000-21999),
#          opus_complexity = 0 (CELT 64 kbit/s: every callee decodes the same stream)
# One line per measurement, prefixed with "PEER RUN_TAG ":
#   opus calls=N ok=N up=N window_s=F cpu_pct=F cpu_ms_per_call_s=F rss_mb=F caller_cpu_pct=F
#        opus_ok=N callee_tx_pps=F callee_rx_pps=F pacer_ticks=N pacer_late=N pacer_resyncs=N
#        pacer_max_tick_us=N pacer_max_wake_us=N caller_pacer_late=N caller_pacer_resyncs=N
#        ms_per_full_call_s=F
#   (ok = calls the caller saw established; up = calls up for the whole window; opus_ok = calls
#    whose media event at the caller names opus; callee_tx_pps/callee_rx_pps = RTP packets per
#    call-second the callee encoded and sent / received and decoded, from the caller's stats
#    events (packets it received / sent; loopback loses none), the same measure for every peer;
#    50 = every 20 ms frame; '-' when not known. On an overloaded box the endpoints fall behind
#    and send fewer frames than 50/s (more so with fewer threads: CFS shares the box per thread),
#    so ms_per_full_call_s also gives the CPU per call-second scaled to a full 50+50 frames/s:
#    cpu_ms_per_call_s * 100 / (tx_pps + rx_pps); pacer_*: a sipterm callee's shared send clock
#    over the window (ticks, late wake-ups sent as catch-up bursts, resyncs that dropped frames)
#    and since it started (the longest tick's steps, the latest wake-up), caller_pacer_* the
#    caller's: from their SIPTERM_PPROF /debug/pacer; '-' for baresip)
# Whole run: ROUNDS (3; QUICK=1: 1) rounds of PEERS ("baresip sipterm sipterm-c10"), then the
# median of cpu_ms_per_call_s per peer and its ratio to baresip's (target <= 0.50).
# env: CALLS (50), MEDIA_S (20; QUICK=1: 10), DIAL_RATE (25 calls/s), SETTLE_S (2), ROUNDS, PEERS,
#   OUT (whole run: write the lines and the table there too), SIPTERM_BIN (default: built from
#   the module in the current directory), LAB_DIR (state dir, default mktemp), BENCH_MAX_S
#   (bound of one measurement, 180), PPROF=1 (sipterm callee: a 10 s CPU profile from
#   SIPTERM_PPROF during the window, saved as LAB_DIR/cpu-PEER.pprof).
# Run it in a private network namespace on a shared box:  unshare -n bash -c 'ip link set lo up; ...'
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
LAB="$(cd "$HERE/../lab" && pwd)"

# --- whole run: rounds of every peer, then the table ---------------------------------------------
if [[ $# -eq 0 ]]; then
  if [[ "${QUICK:-0}" == 1 ]]; then : "${ROUNDS:=1}" "${MEDIA_S:=10}"; fi
  ROUNDS=${ROUNDS:-3}
  PEERS=${PEERS:-baresip sipterm sipterm-c10}
  export MEDIA_S CALLS DIAL_RATE SETTLE_S PPROF
  [[ "$ROUNDS" =~ ^[0-9]+$ ]] || { echo "opus-cpu: ROUNDS must be a number" >&2; exit 2; }
  BASE=${LAB_DIR:-$(mktemp -d /tmp/opus-cpu.XXXXXX)}
  mkdir -p "$BASE"
  if [[ -z "${SIPTERM_BIN:-}" ]]; then
    [[ -f go.mod ]] || { echo "opus-cpu: set SIPTERM_BIN or run from the project's root" >&2; exit 2; }
    SIPTERM_BIN=$BASE/sipterm
    go build -o "$SIPTERM_BIN" ./cmd/sipterm
  fi
  export SIPTERM_BIN
  LINES=$BASE/lines.txt
  : >"$LINES"
  for ((r = 1; r <= ROUNDS; r++)); do
    for peer in $PEERS; do
      echo "opus-cpu: round $r/$ROUNDS: $peer (state in $BASE/$peer-r$r)" >&2
      set +e
      LAB_DIR=$BASE/$peer-r$r "$0" "$peer" "r$r" | tee -a "$LINES"
      rc=${PIPESTATUS[0]}
      set -e
      ((rc == 0)) || echo "$peer r$r error opus_cpu_rc=$rc" | tee -a "$LINES"
    done
  done
  table() {
    awk -v peers="$PEERS" '
      function median(list,   n, a, i, j, t) {
        n = split(list, a, " ")
        for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
        if (n == 0) return ""
        return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
      }
      $3 == "opus" {
        for (i = 4; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        if (f["up"] + 0 > 0) { ms[$1] = ms[$1] " " f["cpu_ms_per_call_s"]; pct[$1] = pct[$1] " " f["cpu_pct"]; n[$1]++; if (f["ms_per_full_call_s"] + 0 > 0) full[$1] = full[$1] " " f["ms_per_full_call_s"] }
        up[$1] = up[$1] " " f["up"]; if (f["callee_rx_pps"] != "-") rx[$1] = rx[$1] " " f["callee_rx_pps"]; if (f["callee_tx_pps"] != "-") tx[$1] = tx[$1] " " f["callee_tx_pps"]
      }
      END {
        np = split(peers, P, " ")
        printf "%-12s %4s %9s %7s %6s %6s %6s %10s %6s  %s\n", "callee", "runs", "ms/call-s", "cpu_pct", "ratio", "tx_pps", "rx_pps", "ms/full-cs", "ratio", "per run (ms/call-s; ms/full-cs; calls up)"
        b = median(ms["baresip"]); bf = median(full["baresip"])
        for (i = 1; i <= np; i++) {
          p = P[i]; m = median(ms[p]); c = median(pct[p]); fm = median(full[p])
          r = (m != "" && b + 0 > 0) ? sprintf("%.2f", m / b) : "-"
          rf = (fm != "" && bf + 0 > 0) ? sprintf("%.2f", fm / bf) : "-"
          printf "%-12s %4d %9s %7s %6s %6s %6s %10s %6s  ms:%s; full:%s; up:%s\n", p, n[p], (m == "" ? "-" : m), (c == "" ? "-" : c), r, median(tx[p]), median(rx[p]), (fm == "" ? "-" : fm), rf, ms[p], full[p], up[p]
        }
        for (i = 1; i <= np; i++) {
          p = P[i]; m = median(ms[p]); fm = median(full[p])
          if (p != "baresip" && m != "" && b + 0 > 0)
            printf "target %s/baresip <= 0.50: per call-second %.2f (%s), per full call-second %s\n", p, m / b, (m / b <= 0.5 ? "met" : "not met"), (fm != "" && bf + 0 > 0) ? sprintf("%.2f (%s)", fm / bf, (fm / bf <= 0.5 ? "met" : "not met")) : "-"
        }
        print "(ratio: to baresip; tx_pps/rx_pps: RTP packets per call-second the callee encoded/decoded,"
        print " median, 50 = all; ms/full-cs: CPU per call-second scaled to 50+50 packets/s, the fair"
        print " figure when an overloaded box made the endpoints fall behind)"
      }' "$LINES"
  }
  echo
  echo "Opus CPU per media call-second (${CALLS:-50} calls, median of $ROUNDS rounds; state in $BASE):"
  table | tee "$BASE/table.txt"
  if [[ -n "${OUT:-}" ]]; then cat "$LINES" >>"$OUT"; { echo; table; } >>"$OUT"; fi
  grep -q ' error opus_cpu_rc=' "$LINES" && exit 1
  exit 0
fi

# --- one measurement ------------------------------------------------------------------------------
if [[ -z "${OPUS_CPU_INNER:-}" ]]; then
  OPUS_CPU_INNER=1 exec timeout -k 10 "${BENCH_MAX_S:-180}" "$0" "$@"
fi
# shellcheck source=../lab/common.sh
. "$LAB/common.sh"
PEER=$1
TAG=${2:-run}
CALLS=${CALLS:-50}
MEDIA_S=${MEDIA_S:-20}
DIAL_RATE=${DIAL_RATE:-25}
SETTLE_S=${SETTLE_S:-2}
CALLER_PORT=5426
HZ=$(getconf CLK_TCK)
[[ "$CALLS" =~ ^[0-9]+$ && "$CALLS" -gt 0 ]] || lab_die "CALLS must be a positive number"
for b in sox awk ss; do command -v $b >/dev/null || lab_die "'$b' missing (run .ci/deps.sh test)"; done
lab_init
trap 'exec 3>&- 2>/dev/null; LAB_DIR=$LAB_DIR "$LAB/stop.sh" >/dev/null 2>&1 || true' EXIT

BIN=${SIPTERM_BIN:-}
if [[ -z $BIN ]]; then
  [[ -f go.mod ]] || lab_die "set SIPTERM_BIN or run from the project's root"
  BIN=$LAB_DIR/sipterm
  go build -o "$BIN" ./cmd/sipterm >&2
fi
TONE=$LAB_DIR/tone440-48k.wav
[[ -f $TONE ]] || sox -n -r 48000 -c 1 -b 16 "$TONE" synth 10 sine 440 vol 0.5

# sipterm_config FILE RTP_RANGE [COMPLEXITY [BITRATE]]: a direct-IP account that speaks only Opus
sipterm_config() {
  cat >"$1" <<TOML
rtp_ports = "$2"
max_calls  = 1000   # CALLS calls at DIAL_RATE: no busy limit, no per-source rate limit
rate_limit = 0
call_waiting = false # the calls run side by side: dialing one must not hold the others
$([[ -n "${3:-}" ]] && echo "opus_complexity = $3")
$([[ -n "${4:-}" ]] && echo "opus_bitrate = $4")
[[accounts]]
name = "local"
aor  = "sip:sipterm@127.0.0.1"
codecs = ["opus"]
TOML
}

# --- the callee (measured) --------------------------------------------------------------------
PPROF_ADDR="" CURL_PID=""
case $PEER in
  baresip)
    PORT=5420 NAME=opus-baresip USER_PART=baresip
    LAB_DIR=$LAB_DIR NAME=$NAME AUTOANSWER=1 RECORD=0 CODECS=opus RTP_PORTS=21000-21999 "$LAB/baresip.sh" $PORT >&2
    # the lab's call_max_calls 4 answers '486 Max Calls' to the 5th call
    LAB_DIR=$LAB_DIR "$LAB/stop.sh" $NAME >&2
    sed -i "s/^call_max_calls.*/call_max_calls\t\t${BARESIP_MAX_CALLS:-1000}/" "$LAB_DIR/$NAME/config"
    lab_start $NAME "$LAB_DIR/$NAME.log" baresip -f "$LAB_DIR/$NAME"
    lab_wait_listen "$LAB_PID" udp $PORT 10 || lab_fail $NAME "$LAB_DIR/$NAME.log" ;;
  sipterm | sipterm-c* | sipterm-b*)
    PORT=5424 NAME=opus-sipterm USER_PART=sipterm
    cx="" br=""
    [[ $PEER =~ -c([0-9]+) ]] && cx=${BASH_REMATCH[1]}
    [[ $PEER =~ -b([0-9]+) ]] && br=${BASH_REMATCH[1]}
    sipterm_config "$LAB_DIR/callee.toml" 21000-21999 "$cx" "$br"
    PPROF_ADDR=127.0.0.1:6426 # its /debug/pacer always; a CPU profile with PPROF=1
    SIPTERM_PPROF=$PPROF_ADDR lab_start $NAME "$LAB_DIR/$NAME.log" "$BIN" --headless --config "$LAB_DIR/callee.toml" \
      --listen 127.0.0.1:$PORT --auto-answer 0s --audio file --play "$TONE"
    lab_wait_listen "$LAB_PID" udp $PORT 15 || lab_fail $NAME "$LAB_DIR/$NAME.log" ;;
  *) lab_die "unknown peer $PEER (baresip, sipterm or sipterm-cN)" ;;
esac
TPID=$(cat "$LAB_DIR/$NAME.pid")

# --- the caller: headless sipterm, commands through a FIFO (kept open on fd 3) ------------------
# (complexity 0: the caller is not measured, and it must keep up with 50 calls on a shared box)
sipterm_config "$LAB_DIR/caller.toml" 22000-22999 0
# shellcheck source=caller.sh
. "$HERE/caller.sh"
SIPTERM_PPROF=127.0.0.1:6427 start_caller opus-caller
# pps FILE FIELD: RTP packets (FIELD: received or sent) per call-second in FILE's events: each
# call's last stats event's count over the time from its established event to that stats event
pps() {
  awk -v field="$2" 'function sec(l,   t) { t = l; sub(/.*"ts":"[0-9-]*T/, "", t); return substr(t, 1, 2) * 3600 + substr(t, 4, 2) * 60 + substr(t, 7, 6) }
    function cid(l,   i) { i = l; sub(/.*"id":"/, "", i); sub(/".*/, "", i); return i }
    /"event":"call"/ && /"state":"established"/ { if (!(cid($0) in t0)) t0[cid($0)] = sec($0) }
    /"event":"stats"/ { id = cid($0); r = $0; sub(".*\"" field "\":", "", r); sub(/[,}].*/, "", r); rx[id] = r; t1[id] = sec($0) }
    END { for (i in rx) if ((i in t0) && t1[i] > t0[i]) { R += rx[i]; S += t1[i] - t0[i] }
          if (S > 0) printf "%.1f", R / S; else print "-" }' "$1"
}

dial_calls
sleep "$SETTLE_S"

# pacer ADDR: the shared send clock's counters of the sipterm at ADDR ('' when there is none)
pacer() { [[ -n $1 ]] && curl -s --max-time 2 "http://$1/debug/pacer" || true; }
# field JSON KEY: one number of pacer's answer ('-' when absent)
field() { local v; v=$(sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" <<<"$1"); echo "${v:--}"; }
# delta A B KEY: B's KEY minus A's ('-' when either is absent)
delta() { local a b; a=$(field "$1" "$3") b=$(field "$2" "$3"); [[ $a == - || $b == - ]] && echo - || echo $((b - a)); }
c0=$(ticks "$TPID"); k0=$(ticks "$CPID"); t0=$(now); up0=$(count established)
pc0=$(pacer "$PPROF_ADDR") pk0=$(pacer 127.0.0.1:6427)
if [[ "${PPROF:-0}" == 1 && -n $PPROF_ADDR ]]; then
  curl -s -o "$LAB_DIR/cpu-$PEER.pprof" "http://$PPROF_ADDR/debug/pprof/profile?seconds=$((MEDIA_S < 10 ? MEDIA_S : 10))" &
  CURL_PID=$!
fi
sleep "$MEDIA_S"
c1=$(ticks "$TPID"); k1=$(ticks "$CPID"); t1=$(now); up1=$(count established)
pc1=$(pacer "$PPROF_ADDR") pk1=$(pacer 127.0.0.1:6427)
[[ -n ${CURL_PID:-} ]] && wait "$CURL_PID"
rss=$(awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' "/proc/$TPID/status" 2>/dev/null || echo -)
up=$((up1 < up0 ? up1 : up0))
opus_ok=$(grep '"event":"media"' "$EVENTS" | grep -ci '"codec":"opus' || true)
caller_rx=$(pps "$EVENTS" received)

# hang up, then stop the caller
for id in $(awk '/"event":"call"/ { id = $0; sub(/.*"id":"/, "", id); sub(/".*/, "", id); s[id] = 1 } END { for (i in s) print i }' "$EVENTS"); do
  echo "hangup $id" >&3
done
for ((i = 0; i < 50 && $(count terminated) < ok; i++)); do sleep 0.1; done
sleep 0.5
echo "quit" >&3
exec 3>&-
for ((i = 0; i < 100 && $(kill -0 "$CPID" 2>/dev/null && echo 1 || echo 0); i++)); do sleep 0.1; done

# what the callee sent and was sent, from the caller's stats events: one measure for every peer
# (on loopback nothing is lost between them)
callee_tx=$caller_rx callee_rx=$(pps "$EVENTS" sent)

if ((c0 < 0 || c1 < 0)); then
  echo "$PEER $TAG opus calls=$CALLS ok=$ok up=$up endpoint_died=1"
  exit 1
fi
d=$(calc "print $t1 - $t0")
echo "$PEER $TAG opus calls=$CALLS ok=$ok up=$up window_s=$(calc "printf \"%.1f\", $d")" \
  "cpu_pct=$(calc "printf \"%.1f\", ($c1 - $c0) * 100 / $HZ / $d")" \
  "cpu_ms_per_call_s=$(calc "printf \"%.3f\", $up ? ($c1 - $c0) * 1000 / $HZ / $d / $up : 0")" \
  "rss_mb=$rss caller_cpu_pct=$(calc "printf \"%.1f\", ($k0 >= 0 && $k1 >= 0) ? ($k1 - $k0) * 100 / $HZ / $d : -1")" \
  "opus_ok=$opus_ok callee_tx_pps=$callee_tx callee_rx_pps=$callee_rx" \
  "pacer_ticks=$(delta "$pc0" "$pc1" ticks) pacer_late=$(delta "$pc0" "$pc1" late)" \
  "pacer_resyncs=$(delta "$pc0" "$pc1" resyncs) pacer_max_tick_us=$(field "$pc1" max_tick_us)" \
  "pacer_max_wake_us=$(field "$pc1" max_wake_us) caller_pacer_late=$(delta "$pk0" "$pk1" late)" \
  "caller_pacer_resyncs=$(delta "$pk0" "$pk1" resyncs)" \
  "ms_per_full_call_s=$(calc "t = \"$callee_tx\" + 0; r = \"$callee_rx\" + 0; if ($up && t + r > 0) printf \"%.3f\", ($c1 - $c0) * 1000 / $HZ / $d / $up * 100 / (t + r); else printf \"-\"")"
((up > 0)) || exit 1
