#!/usr/bin/env bash
# `make bench`: the Go benchmarks, then the load baselines of .ci/bench (SIPp against an
# auto-answer endpoint: media load, call set-up rate, health), baresip and sipterm alternately for
# ROUNDS rounds on the same box, then a summary: the median of each figure per peer over the rounds
# and the sipterm/baresip ratio. Compare only figures from the same run (the box is shared).
#   usage: .ci/bench.sh            (from anywhere; works in the module root)
# env (all optional; the uas-load.sh ones are passed through, see .ci/bench/uas-load.sh):
#   ROUNDS        rounds of baresip + sipterm (default 3)
#   RATES         set-up rates, calls/s (uas-load default "10 25 50 100 200 400")
#   MEDIA_CALLS   concurrent media calls (default "10 25 50"); MEDIA_S seconds of media (20)
#   STEP_S, SETUP_HOLD_MS, SKIP_SETUP, SKIP_MEDIA, ...   see uas-load.sh
#   GO_BENCH      -bench pattern (default .); GO_BENCHTIME (e.g. 100ms or 1x; default go's 1s)
#   SKIP_GO=1     skip the Go benchmarks;  SKIP_BASELINES=1  skip the SIPp baselines
#   PEERS         peers to compare (default "baresip sipterm")
#   BENCH_RESULTS result dir (default ./bench-results, which ignores itself in git)
#   SIPTERM_BIN   a prebuilt binary (default: built here from ./cmd/sipterm, without -race)
#   SUMMARIZE=FILE  only print the summary of an earlier baselines-*.txt
#   SRTP media (.ci/bench/srtp-load.sh, after each peer's baselines in every round): a headless
#   sipterm caller holds SRTP_CALLS calls with the peer for SRTP_MEDIA_S s, plain RTP and SDES-SRTP;
#   only the peer's CPU is measured. SRTP_CALLS (50), SRTP_MEDIA_S (20), SRTP_ENCS ("none srtp"),
#   SKIP_SRTP=1 to skip it.
#   SKIP_DELAY=1  skip the acoustic mouth-to-ear delay benchmark (.ci/bench/delay.sh, ~5 min;
#                 DELAY_ROUNDS, DELAY_CLICKS, DELAY_PAIRS passed through)
#   Opus media CPU (.ci/bench/opus-cpu.sh, after the baselines): OPUS_CALLS (50) Opus calls from a
#   sipterm caller into baresip and into sipterm (default and complexity 10), OPUS_MEDIA_S (20; QUICK:
#   10) s each, ROUNDS rounds, a table of the medians and the sipterm/baresip ratio; OPUS_PEERS
#   (default "baresip sipterm sipterm-c10"), SKIP_OPUS=1 to skip it.
#   QUICK=1       a quick run (~10 min): the defaults become ROUNDS=1 RATES="10 50" MEDIA_CALLS=50
#                 MEDIA_S=20 GO_BENCHTIME=100ms SRTP_MEDIA_S=20 (each still overridable)
# Quick run:  QUICK=1 make bench   (or pick: ROUNDS=1 RATES="10 50" MEDIA_CALLS=10 MEDIA_S=8 ...)
# Output: bench-results/{go-bench,baselines,summary}-<UTC stamp>.txt and per-run lab state in
# bench-results/runs-<stamp>/<peer>-r<N>/ (peer logs, SIPp logs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [[ "${QUICK:-0}" == 1 ]]; then
  : "${ROUNDS:=1}" "${RATES:=10 50}" "${MEDIA_CALLS:=50}" "${MEDIA_S:=20}" "${GO_BENCHTIME:=100ms}" "${SRTP_MEDIA_S:=20}"
  : "${DELAY_ROUNDS:=1}"
  export RATES MEDIA_CALLS MEDIA_S DELAY_ROUNDS
fi
ROUNDS=${ROUNDS:-3}
PEERS=${PEERS:-baresip sipterm}
OUT=${BENCH_RESULTS:-$ROOT/bench-results}
mkdir -p "$OUT"
[[ -f "$OUT/.gitignore" ]] || echo '*' >"$OUT/.gitignore"
OUT="$(cd "$OUT" && pwd)"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
GOFILE=$OUT/go-bench-$STAMP.txt
BFILE=$OUT/baselines-$STAMP.txt
SUMMARY=$OUT/summary-$STAMP.txt
RUNS=$OUT/runs-$STAMP
[[ "$ROUNDS" =~ ^[0-9]+$ ]] || { echo "bench: ROUNDS must be a number" >&2; exit 2; }
echo "bench: results in $OUT (stamp $STAMP)" >&2

# Summary: for each figure (line kind + its rate/calls qualifier + key), the median over the
# rounds per peer, and the ratio of the second peer to the first (sipterm/baresip by default).
summarize() {
  awk -v peers="$PEERS" '
    function num(v) { return v ~ /^-?[0-9]+(\.[0-9]+)?$/ }
    function median(list,   n, a, i, j, t) {
      n = split(list, a, " ")
      # insertion sort by value, keeping each figure as it was printed
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      if (n == 0) return ""
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    {
      peer = $1; kind = $3; qual = ""
      if (kind == "setup" || kind == "media") qual = "@" $4
      if (kind == "mediaenc") qual = "@" $4 "," $5   # enc=E,calls=N
      for (i = 4; i <= NF; i++) {
        split($i, kv, "="); k = kv[1]; v = substr($i, length(k) + 2)
        if (k == "pid" || k == "target" || k == "comm") continue
        if ((kind == "setup" && (k == "rate" || k == "calls")) || ((kind == "media" || kind == "mediaenc") && k == "calls")) continue
        if (!num(v)) continue
        key = kind qual "." k
        if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
        vals[peer SUBSEP key] = vals[peer SUBSEP key] " " v
      }
    }
    END {
      np = split(peers, P, " ")
      printf "%-44s", "median over rounds"
      for (i = 1; i <= np; i++) printf " %12s", P[i]
      if (np >= 2) printf " %10s", P[2] "/" P[1]
      printf "\n"
      for (j = 1; j <= nk; j++) {
        key = order[j]; printf "%-44s", key
        for (i = 1; i <= np; i++) { m[i] = median(vals[P[i] SUBSEP key]); printf " %12s", (m[i] == "" ? "-" : m[i]) }
        if (np >= 2) {
          if (m[1] != "" && m[2] != "" && m[1] + 0 != 0) printf " %10.2f", m[2] / m[1]; else printf " %10s", "-"
        }
        printf "\n"
      }
      # SRTP: CPU per media call-second, each peer with SRTP against itself with plain RTP, and
      # the second peer against the first (issue 7 target: sipterm at most half of baresip)
      for (j = 1; j <= nk; j++) {
        key = order[j]
        if (key !~ /^mediaenc@enc=srtp,.*\.cpu_ms_per_call_s$/) continue
        plain = key; sub(/enc=srtp/, "enc=none", plain)
        for (i = 1; i <= np; i++) {
          s = median(vals[P[i] SUBSEP key]); n = median(vals[P[i] SUBSEP plain])
          if (s != "" && n != "" && n + 0 != 0) printf "srtp %s: %s srtp/plain CPU per call-second = %.2f\n", substr(key, 10, index(key, ".") - 10), P[i], s / n
        }
        if (np >= 2) {
          a = median(vals[P[1] SUBSEP key]); b = median(vals[P[2] SUBSEP key])
          if (a != "" && b != "" && a + 0 != 0)
            printf "srtp %s: %s/%s CPU per SRTP call-second = %.2f (target <= 0.50: %s)\n", substr(key, 10, index(key, ".") - 10), P[2], P[1], b / a, (b / a <= 0.5 ? "met" : "not met")
        }
      }
    }' "$1"
}

if [[ -n "${SUMMARIZE:-}" ]]; then   # SUMMARIZE=bench-results/baselines-X.txt: only the summary
  summarize "$SUMMARIZE"
  exit 0
fi

# --- Go benchmarks ---------------------------------------------------------------------------
if [[ "${SKIP_GO:-0}" != 1 ]]; then
  args=(test -run '^$' -bench "${GO_BENCH:-.}" -benchmem)
  [[ -n "${GO_BENCHTIME:-}" ]] && args+=(-benchtime "$GO_BENCHTIME")
  echo "bench: go ${args[*]} ./..." >&2
  set +e
  go "${args[@]}" ./... 2>&1 | tee "$GOFILE"
  go_rc=${PIPESTATUS[0]}
  set -e
  ((go_rc == 0)) || echo "bench: go test -bench exited $go_rc (see $GOFILE)" >&2
fi

# --- acoustic mouth-to-ear delay -------------------------------------------------------------
DELAYFILE=$OUT/delay-$STAMP.txt
if [[ "${SKIP_DELAY:-0}" != 1 ]]; then
  echo "bench: acoustic delay (.ci/bench/delay.sh)" >&2
  "$ROOT/.ci/bench/delay.sh" "$DELAYFILE" || echo "bench: the delay benchmark failed (see $DELAYFILE.log)" >&2
fi

# --- SIPp baselines --------------------------------------------------------------------------
if [[ "${SKIP_BASELINES:-0}" != 1 ]]; then
  if [[ -z "${SIPTERM_BIN:-}" ]]; then
    mkdir -p "$RUNS"
    SIPTERM_BIN=$RUNS/sipterm
    echo "bench: go build -o $SIPTERM_BIN ./cmd/sipterm" >&2
    go build -o "$SIPTERM_BIN" ./cmd/sipterm
  fi
  export SIPTERM_BIN
  : >"$BFILE"
  for ((r = 1; r <= ROUNDS; r++)); do
    for peer in $PEERS; do
      dir=$RUNS/$peer-r$r
      mkdir -p "$dir"
      echo "bench: round $r/$ROUNDS: $peer (state in $dir)" >&2
      set +e
      LAB_DIR=$dir "$ROOT/.ci/bench/baselines.sh" "$peer" "r$r" | tee -a "$BFILE"
      rc=${PIPESTATUS[0]}
      set -e
      ((rc == 0)) || echo "$peer r$r error baselines_rc=$rc" | tee -a "$BFILE"
      # SRTP media: the peers srtp-load.sh knows (both sides doing SDES-SRTP)
      [[ "${SKIP_SRTP:-0}" == 1 || ! "$peer" =~ ^(baresip|sipterm)$ ]] && continue
      for enc in ${SRTP_ENCS:-none srtp}; do
        echo "bench: round $r/$ROUNDS: $peer SRTP media, encryption $enc" >&2
        set +e
        LAB_DIR=$dir/srtp-$enc CALLS=${SRTP_CALLS:-50} MEDIA_S=${SRTP_MEDIA_S:-20} \
          "$ROOT/.ci/bench/srtp-load.sh" "$peer" "$enc" "r$r" | tee -a "$BFILE"
        rc=${PIPESTATUS[0]}
        set -e
        ((rc == 0)) || echo "$peer r$r error srtp_load_rc=$rc enc=$enc" | tee -a "$BFILE"
      done
    done
  done
  summarize "$BFILE" | tee "$SUMMARY"
  if grep -qE ' error (baselines|srtp_load)_rc=' "$BFILE"; then
    echo "bench: some baseline runs failed:" >&2
    grep -E ' error (baselines|srtp_load)_rc=' "$BFILE" >&2
  fi
fi
# --- Opus media CPU against baresip ----------------------------------------------------------
OPUSFILE=$OUT/opus-cpu-$STAMP.txt
if [[ "${SKIP_OPUS:-0}" != 1 ]]; then
  opus_s=${OPUS_MEDIA_S:-20}
  [[ "${QUICK:-0}" == 1 ]] && opus_s=${OPUS_MEDIA_S:-10}
  echo "bench: Opus media CPU (.ci/bench/opus-cpu.sh), $ROUNDS round(s)" >&2
  : >"$OPUSFILE"
  ROUNDS=$ROUNDS CALLS=${OPUS_CALLS:-50} MEDIA_S=$opus_s PEERS=${OPUS_PEERS:-baresip sipterm sipterm-c10} \
    OUT=$OPUSFILE LAB_DIR=$RUNS/opus SIPTERM_BIN=${SIPTERM_BIN:-} "$ROOT/.ci/bench/opus-cpu.sh" >/dev/null ||
    echo "bench: the Opus CPU benchmark failed (see $OPUSFILE and $RUNS/opus)" >&2
fi
if [[ -s "${GOFILE}" ]]; then
  echo
  echo "Go benchmarks ($GOFILE):"
  grep -E '^(Benchmark|ok|FAIL|---)' "$GOFILE" || echo "(no benchmarks)"
fi
if [[ -s "$OPUSFILE" ]]; then
  echo
  echo "Opus CPU per media call-second ($OPUSFILE):"
  sed -n '/^callee /,$p' "$OPUSFILE"
fi
if [[ -s "$DELAYFILE" ]]; then
  echo
  echo "Mouth-to-ear delay ($DELAYFILE):"
  grep '^delay summary' "$DELAYFILE" || true
fi
echo "bench: done; results in $OUT/*-$STAMP.txt" >&2
