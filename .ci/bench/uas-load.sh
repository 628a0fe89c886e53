#!/usr/bin/env bash
# Load benchmark of an auto-answer SIP endpoint (UAS) that is already running on 127.0.0.1.
# (The project's copy of the shared bench/uas-load.sh: scenarios from .ci/lab/sipp and .ci/bench/sipp.)
#   usage: uas-load.sh TARGET_HOST:PORT TARGET_PID [SERVICE_USER]
#     TARGET_HOST:PORT  where the endpoint listens (UDP), e.g. 127.0.0.1:5200
#     TARGET_PID        the endpoint's PID: its CPU and memory are read from /proc/PID/stat
#                       (utime+stime, all threads) and /proc/PID/status (VmRSS, VmHWM)
#     SERVICE_USER      request-URI user (default: service; baresip needs its SIP_USER, 'baresip')
# SIPp (sip-tester) drives it, UDP, from 127.0.0.1:$SIPP_PORT. Two measurements, media first
# (the setup ramp ends by overloading the endpoint, which may leave orphaned calls behind):
#   (a) setup rate: calls of SETUP_HOLD_MS (1 s) without any RTP from SIPp, at each rate of RATES,
#       each step bounded to min(rate*STEP_S, STEP_MAX_CALLS) calls and -l 2*rate+10 concurrent;
#       the ramp stops after a step whose failed calls exceed STOP_FAIL_PCT %.
#   (b) media load: for each N of MEDIA_CALLS, N concurrent calls, each streaming G.711 u-law
#       (lab sipp/uac-rtp.xml, rtp_stream) for MEDIA_S seconds; CPU/RSS sampled while all are up.
# Prints one line per measurement on stdout (key=value, fixed keys, '-' = not available):
#   endpoint target=H:P pid=N comm=X rss_mb=F hwm_mb=F idle_cpu_pct=F
#   setup rate=R calls=N ok=N failed=N retrans=N achieved_cps=F cpu_ms_per_call=F
#         cpu_ms_per_call_net=F rtd_ms_p50=N rtd_ms_p95=N rss_mb=F sipp_cpu_ms_per_call=F fail=CODES
#   setup_max rate=R            (highest rate with ok>0 and failed=0; 0 if none)
#   media calls=N ok=N failed=N up=N window_s=F cpu_pct=F rss_mb=F hwm_mb=F cpu_ms_per_call_s=F
#         sipp_cpu_pct=F fail=CODES
#   health options=200|fail alive=1|0 idle_cpu_pct=F rss_mb_start=F rss_mb_end=F hwm_mb=F
#   (cpu_pct = % of one core; cpu_ms_per_call_s = endpoint CPU ms per second of one up call;
#    _net = minus the endpoint's idle CPU; up = calls SIPp had open during the media window;
#    fail = 'CODE:count,...' of unexpected responses (retransmissions included) and receive
#    timeouts, counted as events in SIPp's error log; rtd has SIPp's 1 ms resolution)
# env: SIPP_PORT (5250; its control port -cp SIPP_PORT+1), MEDIA_PORT (12000; SIPp's RTP uses it
#   and MEDIA_PORT+2), RATES ("10 25 50 100 200 400"), STEP_S (5), STEP_MAX_CALLS (1500),
#   SETUP_HOLD_MS (1000), SETUP_LIMIT (per step: 2*rate+10), STOP_FAIL_PCT (20),
#   MEDIA_CALLS ("10 25 50"), MEDIA_S (20), MEDIA_RATE (50 calls/s ramp), SETTLE_S (2),
#   IDLE_S (3), HEALTH_WAIT_S (5), SKIP_SETUP / SKIP_MEDIA (1 = skip), BENCH_DIR (work dir: SIPp logs, stat.csv,
#   rtt files; default a new mktemp dir, printed on stderr), BENCH_MAX_S (outer bound, 1200).
# Bounded: every SIPp run has -m, -timeout, -recv_timeout and a watchdog; the whole script runs
# under 'timeout BENCH_MAX_S'. It only ever signals the SIPp PIDs it started itself.
set -euo pipefail

if [[ -z "${UAS_LOAD_INNER:-}" ]]; then
  UAS_LOAD_INNER=1 exec timeout -k 10 "${BENCH_MAX_S:-1200}" "$0" "$@"
fi

HERE="$(cd "$(dirname "$0")" && pwd)"
LAB="$(cd "$HERE/../lab" && pwd)"
die() { echo "uas-load: error: $*" >&2; exit 2; }

[[ $# -ge 2 ]] || { sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2; }
TARGET=$1 TPID=$2 SERVICE=${3:-service}
[[ "$TARGET" =~ ^127\.0\.0\.1:[0-9]+$ ]] || die "target must be 127.0.0.1:PORT (loopback only), got '$TARGET'"
[[ "$TPID" =~ ^[0-9]+$ && -r /proc/$TPID/stat ]] || die "no process $TPID"
for b in sipp sox awk; do command -v $b >/dev/null || die "'$b' missing (run .ci/deps.sh bench)"; done

SIPP_PORT=${SIPP_PORT:-5250}
CTRL_PORT=${SIPP_CTRL_PORT:-$((SIPP_PORT + 1))}
MEDIA_PORT=${MEDIA_PORT:-12000}
RATES=${RATES:-10 25 50 100 200 400}
STEP_S=${STEP_S:-5}
STEP_MAX_CALLS=${STEP_MAX_CALLS:-1500}
SETUP_HOLD_MS=${SETUP_HOLD_MS:-1000}
STOP_FAIL_PCT=${STOP_FAIL_PCT:-20}
MEDIA_CALLS=${MEDIA_CALLS:-10 25 50}
MEDIA_S=${MEDIA_S:-20}
MEDIA_RATE=${MEDIA_RATE:-50}
SETTLE_S=${SETTLE_S:-2}
IDLE_S=${IDLE_S:-3}
HZ=$(getconf CLK_TCK)
if [[ -z "${BENCH_DIR:-}" ]]; then
  BENCH_DIR=$(mktemp -d -t uas-load.XXXXXX)
  echo "uas-load: BENCH_DIR=$BENCH_DIR" >&2
fi
mkdir -p "$BENCH_DIR"
BENCH_DIR="$(cd "$BENCH_DIR" && pwd)"

# --- process accounting -------------------------------------------------------------------
# ticks PID [self|children]: utime+stime (or cutime+cstime) of PID in clock ticks
ticks() {
  local s mode=${2:-self}
  s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo -1; return; }
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  if [[ "$mode" == children ]]; then echo $((${14} + ${15})); else echo $((${12} + ${13})); fi
}
# kb PID FIELD: VmRSS / VmHWM in kB
kb() { awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print -1 }' "/proc/$1/status" 2>/dev/null || echo -1; }
mb() { awk -v k="$1" 'BEGIN { if (k < 0) print "-"; else printf "%.1f", k / 1024 }'; }
now() { echo "$EPOCHREALTIME"; }
calc() { awk "BEGIN { $1 }"; }   # calc 'printf "%.2f", X'
alive() { [[ -r /proc/$TPID/stat ]] && [[ "$(cat "/proc/$TPID/comm" 2>/dev/null)" == "$TCOMM" ]]; }
TCOMM=$(cat "/proc/$TPID/comm")

# --- SIPp runs ----------------------------------------------------------------------------
SIPP_PID=""
cleanup() {
  local p=$SIPP_PID
  if [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null && [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == sipp ]]; then
    kill -TERM "$p" 2>/dev/null || true
    sleep 1
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# sipp_start DIR MAXWALL_S ARGS... : run SIPp in DIR in the background (subshell that records
# SIPp's pid and, after reaping it, SIPp's total CPU ticks in DIR/sipp.cpu and its rc in DIR/rc).
sipp_start() {
  local dir=$1 maxwall=$2; shift 2
  mkdir -p "$dir"
  rm -f "$dir/sipp.pid" "$dir/sipp.cpu" "$dir/rc"
  (
    cd "$dir"
    sipp "$@" </dev/null >sipp.out 2>&1 &
    p=$!
    echo "$p" >sipp.pid
    set +e; wait "$p"; rc=$?; set -e
    ticks "$BASHPID" children >sipp.cpu
    echo "$rc" >rc
  ) &
  SUB_PID=$!
  for ((i = 0; i < 50; i++)); do [[ -s "$dir/sipp.pid" ]] && break; sleep 0.02; done
  SIPP_PID=$(cat "$dir/sipp.pid")
  SIPP_DEADLINE=$(calc "printf \"%d\", $(now) + $maxwall")
}
# sipp_wait: wait for the current SIPp run, killing it (by its PID) past its deadline
sipp_wait() {
  while kill -0 "$SUB_PID" 2>/dev/null; do
    if (($(calc "print ($(now) > $SIPP_DEADLINE)"))); then
      echo "uas-load: SIPp pid $SIPP_PID past its deadline, stopping it" >&2
      cleanup
    fi
    sleep 0.2
  done
  wait "$SUB_PID" 2>/dev/null || true
  SIPP_PID=""
}
common_args() {
  echo -i 127.0.0.1 -p "$SIPP_PORT" -cp "$CTRL_PORT" -mi 127.0.0.1 -mp "$MEDIA_PORT" -t u1 \
    -s "$SERVICE" -nostdin -aa -trace_err -error_file err.log -trace_stat -stf stat.csv -fd 1 \
    -trace_screen -screen_file screen.log
}
# sstat DIR COLUMN: last value of a stat.csv column
sstat() { awk -F';' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } k { v = $k } END { print (v == "" ? "-" : v) }' "$1/stat.csv" 2>/dev/null || echo -; }
# fails DIR: "486:12,timeout:3" from SIPp's error log
fails() {
  local f=$1/err.log
  [[ -s "$f" ]] || { echo -; return; }
  { grep -oE "received 'SIP/2.0 [0-9]{3}" "$f" | awk '{ print $NF }'
    grep -oE 'receive timeout|Max retrans|Call Timeout|UDP retrans' "$f" | tr ' ' '_'
  } | sort | uniq -c | awk '{ printf "%s%s:%s", (n++ ? "," : ""), $2, $1 } END { if (!n) print "-"; else print "" }'
}
pct() { # pct FILE P: P-th percentile (nearest rank) of column 2 of SIPp's rtt csv
  awk -F';' 'NR > 1 && $2 != "" { print $2 }' "$1" 2>/dev/null | sort -n |
    awk -v p="$2" '{ v[NR] = $1 } END { if (!NR) { print "-"; exit } i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print v[i] }'
}
options_ping() { # -> 200 or fail
  local dir=$BENCH_DIR/options-$1
  sipp_start "$dir" 30 -sf "$LAB/sipp/options.xml" $(common_args) -key from_user bench -m 1 -r 1 -l 1 \
    -timeout 15s -timeout_error -recv_timeout 5000 "$TARGET"
  sipp_wait
  if [[ "$(cat "$dir/rc" 2>/dev/null)" == 0 ]]; then echo 200; else echo fail; fi
}

# --- idle baseline --------------------------------------------------------------------------
RSS0=$(kb "$TPID" VmRSS)
c0=$(ticks "$TPID"); t0=$(now); sleep "$IDLE_S"; c1=$(ticks "$TPID"); t1=$(now)
IDLE_TPS=$(calc "printf \"%.4f\", ($c1 - $c0) / ($t1 - $t0)")   # ticks per second when idle
echo "endpoint target=$TARGET pid=$TPID comm=$TCOMM rss_mb=$(mb "$RSS0") hwm_mb=$(mb "$(kb "$TPID" VmHWM)") idle_cpu_pct=$(calc "printf \"%.2f\", $IDLE_TPS * 100 / $HZ")"

# --- (b) media load ---------------------------------------------------------------------------
if [[ "${SKIP_MEDIA:-0}" != 1 ]]; then
  for n in $MEDIA_CALLS; do
    alive || { echo "media calls=$n endpoint_died=1"; break; }
    dir=$BENCH_DIR/media-$n
    mkdir -p "$dir"
    # lab scenario, From user made unique per call (liblinphone answers 486 to a second call
    # whose From equals one still in setup)
    sed 's/\[from_user\]/sipp-[call_number]/g' "$LAB/sipp/uac-rtp.xml" >"$dir/uac-media.xml"
    sox -n -t raw -r 8000 -c 1 -e u-law "$dir/audio.pcmu" synth 10 sine 440 vol 0.5
    r=$MEDIA_RATE; ((r > n)) && r=$n
    ramp=$(((n + r - 1) / r))
    maxwall=$((MEDIA_S + ramp + 40))
    ts=$(now)
    sipp_start "$dir" "$((maxwall + 15))" -sf "$dir/uac-media.xml" $(common_args) -m "$n" -r "$r" -l "$n" \
      -d "$((MEDIA_S * 1000))" -timeout "${maxwall}s" -timeout_error -recv_timeout 5000 "$TARGET"
    # window: after the ramp (+2 s) until 1 s before the first call's BYE
    sleep "$(calc "w = $ts + $ramp + 2 - $(now); printf \"%.2f\", (w > 0 ? w : 0)")"
    c0=$(ticks "$TPID"); s0=$(ticks "$SIPP_PID"); t0=$(now); up=$(sstat "$dir" CurrentCall)
    rssmax=$(kb "$TPID" VmRSS)
    end=$(calc "printf \"%.3f\", $ts + $MEDIA_S - 1")
    while (($(calc "print ($(now) + 1 < $end)"))); do
      sleep 1
      r1=$(kb "$TPID" VmRSS); ((r1 > rssmax)) && rssmax=$r1
    done
    sleep "$(calc "w = $end - $(now); printf \"%.2f\", (w > 0 ? w : 0)")"
    c1=$(ticks "$TPID"); s1=$(ticks "$SIPP_PID"); t1=$(now)
    up2=$(sstat "$dir" CurrentCall)
    sipp_wait
    ok=$(sstat "$dir" 'SuccessfulCall(C)'); ko=$(sstat "$dir" 'FailedCall(C)')
    [[ "$ok" =~ ^[0-9]+$ ]] || ok=0
    [[ "$ko" =~ ^[0-9]+$ ]] || ko=$n
    [[ "$up" =~ ^[0-9]+$ ]] || up=0
    [[ "$up2" =~ ^[0-9]+$ ]] && ((up2 < up)) && up=$up2
    win=$(calc "printf \"%.1f\", $t1 - $t0")
    echo "media calls=$n ok=$ok failed=$ko up=$up window_s=$win" \
      "cpu_pct=$(calc "printf \"%.1f\", ($c1 - $c0) * 100 / $HZ / ($t1 - $t0)")" \
      "rss_mb=$(mb "$rssmax") hwm_mb=$(mb "$(kb "$TPID" VmHWM)")" \
      "cpu_ms_per_call_s=$(calc "printf \"%.3f\", $ok ? ($c1 - $c0) * 1000 / $HZ / ($t1 - $t0) / $ok : 0")" \
      "sipp_cpu_pct=$(calc "printf \"%.1f\", ($s0 >= 0 && $s1 >= 0) ? ($s1 - $s0) * 100 / $HZ / ($t1 - $t0) : -1")" \
      "fail=$(fails "$dir")"
    sleep "$SETTLE_S"
  done
fi

# --- (a) setup rate ---------------------------------------------------------------------------
SETUP_XML="$HERE/sipp/uac-setup.xml"
best=0
if [[ "${SKIP_SETUP:-0}" != 1 ]]; then
  for rate in $RATES; do
    alive || { echo "setup rate=$rate endpoint_died=1"; break; }
    calls=$((rate * STEP_S)); ((calls > STEP_MAX_CALLS)) && calls=$STEP_MAX_CALLS
    limit=${SETUP_LIMIT:-$((2 * rate + 10))}
    dir=$BENCH_DIR/setup-$rate
    maxwall=$((calls / rate + SETUP_HOLD_MS / 1000 + 40))
    c0=$(ticks "$TPID"); t0=$(now)
    sipp_start "$dir" "$((maxwall + 15))" -sf "$SETUP_XML" $(common_args) -m "$calls" -r "$rate" -l "$limit" \
      -d "$SETUP_HOLD_MS" -timeout "${maxwall}s" -timeout_error -recv_timeout 5000 -trace_rtt -rtt_freq 1 "$TARGET"
    sipp_wait
    te=$(now)
    sleep "$SETTLE_S"
    c1=$(ticks "$TPID"); t1=$(now)
    ok=$(sstat "$dir" 'SuccessfulCall(C)'); ko=$(sstat "$dir" 'FailedCall(C)')
    [[ "$ok" =~ ^[0-9]+$ ]] || ok=0
    [[ "$ko" =~ ^[0-9]+$ ]] || ko=$calls
    rtt=$(ls "$dir"/*_rtt.csv 2>/dev/null | head -1 || true)
    sc=$(cat "$dir/sipp.cpu" 2>/dev/null || echo -1)
    secs=$(calc "print $te - $t0")   # SIPp's wall time (start of first call .. end of last)
    done_calls=$((ok + ko))
    echo "setup rate=$rate calls=$calls ok=$ok failed=$ko retrans=$(sstat "$dir" 'Retransmissions(C)')" \
      "achieved_cps=$(calc "printf \"%.1f\", ($secs > $SETUP_HOLD_MS / 1000) ? $done_calls / ($secs - $SETUP_HOLD_MS / 1000) : 0")" \
      "cpu_ms_per_call=$(calc "printf \"%.3f\", $done_calls ? ($c1 - $c0) * 1000 / $HZ / $done_calls : 0")" \
      "cpu_ms_per_call_net=$(calc "printf \"%.3f\", $done_calls ? (($c1 - $c0) - $IDLE_TPS * ($t1 - $t0)) * 1000 / $HZ / $done_calls : 0")" \
      "rtd_ms_p50=$(pct "$rtt" 50) rtd_ms_p95=$(pct "$rtt" 95) rss_mb=$(mb "$(kb "$TPID" VmRSS)")" \
      "sipp_cpu_ms_per_call=$(calc "printf \"%.3f\", ($done_calls && $sc >= 0) ? $sc * 1000 / $HZ / $done_calls : -1")" \
      "fail=$(fails "$dir")"
    ((ok > 0 && ko == 0)) && best=$rate
    ((ko * 100 > STOP_FAIL_PCT * calls)) && break
  done
  echo "setup_max rate=$best"
fi

# --- health afterwards ------------------------------------------------------------------------
# (after an overloaded step an endpoint may still hold calls whose BYE never came: idle_cpu_pct
#  here, measured over IDLE_S after HEALTH_WAIT_S, shows whether it really went back to idle)
sleep "${HEALTH_WAIT_S:-5}"
if alive; then
  a=1; o=$(options_ping end)
  c0=$(ticks "$TPID"); t0=$(now); sleep "$IDLE_S"; c1=$(ticks "$TPID"); t1=$(now)
  ic=$(calc "printf \"%.2f\", ($c1 - $c0) * 100 / $HZ / ($t1 - $t0)")
else a=0; o=fail; ic=-; fi
echo "health options=$o alive=$a idle_cpu_pct=$ic rss_mb_start=$(mb "$RSS0") rss_mb_end=$(mb "$(kb "$TPID" VmRSS)") hwm_mb=$(mb "$(kb "$TPID" VmHWM)")"
