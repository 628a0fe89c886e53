#!/usr/bin/env bash
# Soak: CALLS SIPp calls (uac-nortp: INVITE, 200, ACK, HOLD_S, BYE; no RTP from SIPp) at RATE/s
# against a headless auto-answer phone (non-race build), then its memory over time.
#   usage: soak.sh            (make soak; run it alone, or inside `unshare -n` on a shared machine)
# Prints key=value lines:
#   idle    rss_mb hwm_mb goroutines fds heap_inuse_kb
#   load    calls ok failed seconds cpu_s (the phone's CPU during the load) setup_ms_mean setup_ms_p95 (a histogram bucket) retransmissions
#   after   calls(registry) goroutines fds heap_inuse_kb rss_mb refused_overload (503s sent;
#           SIPp's uac-nortp counts each as a failed call)          (right after the load)
#   settled ... the same AFTER_S (40) s later; peak_rss_mb = VmHWM over the whole run
#   verdict peak_ok (peak <= 64 MB) settled_ok (rss after AFTER_S <= 1.5 x idle)
# docs/memory.md: what the peak is made of, and the figures of each change.
# env: CALLS (10000) RATE (400) HOLD_S (1) LIMIT (2000) AFTER_S (40) PORT (5292; SIPp PORT+1)
#   SOAK_DIR (work dir, default mktemp) PPROF (e.g. 127.0.0.1:6060: SIPTERM_PPROF for heap profiles,
#   saved as heap-{idle,peak,after,settled}.pb.gz and goroutine-peak.txt in SOAK_DIR when curl is
#   present; "peak" and "late" are taken at 1/2 and 9/10 of the load, with memstats-*.txt and
#   status-*.txt: the runtime's and the kernel's view; status-idle/-settled always) GCTRACE=1
#   (GODEBUG=gctrace=1 into sipterm.stderr). rss.log in SOAK_DIR samples VmRSS every 0.5 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
CALLS=${CALLS:-10000} RATE=${RATE:-400} HOLD_S=${HOLD_S:-1} LIMIT=${LIMIT:-2000}
AFTER_S=${AFTER_S:-40} PORT=${PORT:-5292}
SOAK_DIR=${SOAK_DIR:-$(mktemp -d -t sipterm-soak.XXXXXX)}
mkdir -p "$SOAK_DIR"
echo "soak: SOAK_DIR=$SOAK_DIR" >&2
for b in sipp go; do command -v $b >/dev/null || { echo "soak: '$b' missing (.ci/deps.sh test)" >&2; exit 2; }; done

bin=$SOAK_DIR/sipterm
go build -o "$bin" ./cmd/sipterm
cat >"$SOAK_DIR/sipterm.toml" <<CFG
max_calls = 1000
rate_limit = 0
CFG
export XDG_RUNTIME_DIR=$SOAK_DIR/run XDG_CONFIG_HOME=$SOAK_DIR/xdg
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME"
# stdin: a FIFO this shell holds open (EOF would not stop a headless phone, but keep it quiet)
mkfifo "$SOAK_DIR/stdin"; exec 3<>"$SOAK_DIR/stdin"
env ${PPROF:+SIPTERM_PPROF=$PPROF} GODEBUG="${GCTRACE:+gctrace=1,}${GODEBUG:-}" "$bin" --headless --config "$SOAK_DIR/sipterm.toml" \
  --listen "127.0.0.1:$PORT" --auto-answer 0s --audio null --log-level warn \
  <"$SOAK_DIR/stdin" >"$SOAK_DIR/events.jsonl" 2>"$SOAK_DIR/sipterm.stderr" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT

ctl() { "$bin" ctl --timeout 10s "$@"; }
for _ in $(seq 50); do ctl debug >/dev/null 2>&1 && break; sleep 0.2; done
status() { awk -v k="$2" '$1 == k":" {printf "%.1f", $2/1024}' "/proc/$1/status"; }
num() { grep -o "\"$1\":[0-9]*" <<<"$2" | head -1 | cut -d: -f2; }
# figures: "goroutines=N fds=N heap_inuse_kb=N calls=N rss_mb=F"
figures() {
  local d
  d=$(ctl debug)
  printf 'calls=%s goroutines=%s fds=%s heap_inuse_kb=%s rss_mb=%s refused_overload=%s' \
    "$(num calls "$d")" "$(num goroutines "$d")" "$(ls /proc/$pid/fd | wc -l)" \
    "$(num heap_inuse_kb "$d")" "$(status $pid VmRSS)" "$(num overload "$d")"
}
profile() { [[ -n "${PPROF:-}" ]] && command -v curl >/dev/null && curl -s -o "$SOAK_DIR/heap-$1.pb.gz" "http://$PPROF/debug/pprof/heap" || true; }
goroutines() { [[ -n "${PPROF:-}" ]] && command -v curl >/dev/null && curl -s -o "$SOAK_DIR/goroutine-$1.txt" "http://$PPROF/debug/pprof/goroutine?debug=1" || true; }
# sampler: "seconds rss_mb" every 0.5 s while the phone runs (where the peak falls in the run)
( t0=$(date +%s.%N); while kill -0 $pid 2>/dev/null; do
    printf '%s %s\n' "$(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')" "$(status $pid VmRSS)"
    sleep 0.5; done >"$SOAK_DIR/rss.log" 2>/dev/null ) &
sampler=$!
trap 'kill $pid $sampler 2>/dev/null || true' EXIT

sleep 2
# the kernel's view (RssAnon, RssFile: what of the binary and libraries is resident) at a point
kstatus() { grep -E '^(Vm|Rss|Threads)' /proc/$pid/status >"$SOAK_DIR/status-$1.txt" 2>/dev/null || true; }
idle=$(figures); idle_rss=$(status $pid VmRSS)
echo "idle $idle"
profile idle; kstatus idle
# the phone's CPU seconds (utime + stime of all its threads)
cpu() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / hz}' "/proc/$pid/stat"; }
cpu0=$(cpu)
start=$(date +%s.%N)
# mid-load snapshots at 1/2 and 9/10 of the planned load time (the peak is in between): heap
# profile, goroutines, the runtime's MemStats (heap?debug=1) and the kernel's view of the RSS
snap() {
  profile "$1"; goroutines "$1"
  [[ -n "${PPROF:-}" ]] && curl -s "http://$PPROF/debug/pprof/heap?debug=1" | grep '^# ' >"$SOAK_DIR/memstats-$1.txt" || true
  kstatus "$1"
  echo "mid $1 $(figures)"
}
( sleep $((CALLS / RATE / 2)); snap peak ) &
( sleep $((CALLS * 9 / RATE / 10)); snap late ) &
out=$(SIPP_PORT=$((PORT + 1)) NAME=soak LAB_DIR=$SOAK_DIR COUNT=$CALLS RATE=$RATE LIMIT=$LIMIT DURATION=$HOLD_S \
  TIMEOUT=$((CALLS / RATE + 120)) RECV_TIMEOUT=10000 bash .ci/lab/sipp.sh uac-nortp "127.0.0.1:$PORT" || true)
secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
ok=$(sed -n 's/.*successful=\([0-9-]*\).*/\1/p' <<<"$out"); failed=$(sed -n 's/.*failed=\([0-9-]*\).*/\1/p' <<<"$out")
# set-up time (SIPp's rtd 1: INVITE sent -> 200 received): mean, and p95 as the upper bound of
# the histogram bucket where 95 % of the answered calls are reached; INVITE retransmissions
setup=$(awk -F';' 'NR == 1 {for (i = 1; i <= NF; i++) h[i] = $i; next} {for (i = 1; i <= NF; i++) v[i] = $i}
  END {
    for (i = 1; i <= NF; i++) {
      if (h[i] == "ResponseTime1(C)") { split(v[i], t, ":"); mean = (t[1] * 3600 + t[2] * 60 + t[3]) * 1000 + t[4] / 1000 }
      if (h[i] == "Retransmissions(C)") re = v[i]
      if (h[i] ~ /^ResponseTimeRepartition1_/) { b = h[i]; sub(/^ResponseTimeRepartition1_/, "", b); nb++; bk[nb] = b; cnt[nb] = v[i]; tot += v[i] }
    }
    for (j = 1; j <= nb && acc < 0.95 * tot; j++) { acc += cnt[j]; p95 = bk[j] }
    printf "setup_ms_mean=%.0f setup_ms_p95%s retransmissions=%s", mean, (p95 ~ /^>/ ? p95 : "<" substr(p95, 2)), re
  }' "$SOAK_DIR/soak/stat.csv" 2>/dev/null || true)
cpu_s=$(awk -v a="$cpu0" -v b="$(cpu)" 'BEGIN {printf "%.1f", b - a}')
echo "load calls=$CALLS rate=$RATE ok=${ok:--} failed=${failed:--} seconds=$secs cpu_s=$cpu_s $setup"
echo "after $(figures)"
profile after
sleep "$AFTER_S"
settled=$(figures); settled_rss=$(status $pid VmRSS); peak=$(status $pid VmHWM)
echo "settled after_s=$AFTER_S $settled peak_rss_mb=$peak"
profile settled; kstatus settled
awk -v p="$peak" -v i="$idle_rss" -v s="$settled_rss" 'BEGIN {
  printf "verdict peak_ok=%d (peak %.1f MB <= 64) settled_ok=%d (%.1f MB <= 1.5 x idle %.1f MB)\n", p <= 64, p, s <= 1.5 * i, s, i }'
