#!/usr/bin/env bash
# Runs every Fuzz* target in the module for a short, bounded time (default 10s each).
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-10s}
for dir in $(go list -f '{{.Dir}}' ./...); do
  for f in $(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)' "$dir"/*_test.go 2>/dev/null | awk '{print $2}'); do
    echo "fuzz: $f in ${dir#$PWD/} for $t"
    (cd "$dir" && go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" .)
  done
done
