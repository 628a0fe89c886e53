#!/usr/bin/env bash
# Runs every Fuzz* target in the module for a short, bounded time (default 10s each).
# A run that ends in the fuzzer's own "context deadline exceeded" with no failing input (a worker
# that stalled on a loaded machine when the time ran out: the go command's coordinator, not our
# code) is run once more; a real failure writes its input to testdata/fuzz and always fails.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-10s}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for dir in $(go list -f '{{.Dir}}' ./...); do
  for f in $(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)' "$dir"/*_test.go 2>/dev/null | awk '{print $2}'); do
    for attempt in 1 2; do
      echo "fuzz: $f in ${dir#$PWD/} for $t"
      if (cd "$dir" && go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" .) 2>&1 | tee "$out"; [[ ${PIPESTATUS[0]} == 0 ]]; then
        break
      fi
      if [[ $attempt == 1 ]] && grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input written' "$out"; then
        echo "fuzz: $f: the fuzzer's coordinator timed out with no failing input; running it once more"
        continue
      fi
      exit 1
    done
  done
done
