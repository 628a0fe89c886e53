#!/usr/bin/env bash
# delay.sh: the acoustic mouth-to-ear delay benchmark (docs/audio-delay.md). Runs the
# delaybench-tagged TestMouthToEar in ./cmd/sipterm: sipterm<->baresip, baresip<->baresip and
# sipterm<->sipterm calls through a private PulseAudio lab, each direction measured by
# cross-correlation of clicks; prints "delay ..." lines (per round) and "delay summary ..."
# lines (median over the rounds), with PulseAudio underruns and sipterm's PortAudio xruns.
#   usage: .ci/bench/delay.sh [OUTFILE]
# env: DELAY_ROUNDS (3), DELAY_CLICKS per direction and call (6), DELAY_PAIRS (all three)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-$(mktemp -t delay.XXXXXX)}
set +e
go test -tags delaybench -count=1 -p 1 -timeout 30m -run '^TestMouthToEar$' -v ./cmd/sipterm/ >"$out.log" 2>&1
rc=$?
set -e
grep -E '^delay ' "$out.log" | tee "$out"
((rc == 0)) || { echo "delay: the benchmark failed (rc $rc); see $out.log" >&2; tail -n 40 "$out.log" >&2; }
exit $rc
