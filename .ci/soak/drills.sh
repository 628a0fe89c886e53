#!/usr/bin/env bash
# Long fault drills (issue 10): the e2e drills of cmd/sipterm/drills_e2e_test.go in their long
# form (DRILL_LONG=1): kamailio gone the full 2 minutes with a call up through it, over UDP
# (each REGISTER then times out after 32 s). make test runs the short forms.
#   usage: drills.sh        (make soak; run it alone, or inside `unshare -n` on a shared machine)
# env: DRILLS (go test -run pattern, default '^TestDrillRegistrarGone$')
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v go >/dev/null || { echo "drills: 'go' missing" >&2; exit 2; }
DRILL_LONG=1 go test -count=1 -p 1 -timeout 15m -v -run "${DRILLS:-^TestDrillRegistrarGone\$}" ./cmd/sipterm/
