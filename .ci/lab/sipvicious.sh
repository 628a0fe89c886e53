#!/usr/bin/env bash
# Scan a SIP endpoint on loopback with sipvicious (svmap / svwar), bounded in time.
#   usage: sipvicious.sh svmap|svwar HOST PORT [extra scanner args...]
#     HOST must be a loopback address (127.x.x.x or ::1): this lab never scans anything else.
#   svwar: extension range / method via extra args, e.g.  svwar 127.0.0.1 5100 -e 100-130 -m INVITE
#   Prints the scanner's output, then:
#     done <tool> rc=<exit code> found=<what it found, comma separated, or - for nothing>
#   (svwar: the extensions it lists; svmap: the SIP devices it lists)
# env: LAB_DIR (default: new mktemp dir), SCAN_PORT local source port -P (default 5109),
#      TIMEOUT seconds before the scanner is killed (default 60)
set -euo pipefail
LAB="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
. "$LAB/common.sh"
[[ $# -ge 3 ]] || { sed -n '2,11p' "$0" >&2; exit 2; }
TOOL=$1 HOST=$2 PORT=$3; shift 3
case "$TOOL" in svmap | svwar) ;; *) lab_die "unknown scanner '$TOOL' (svmap or svwar)" ;; esac
case "$HOST" in 127.* | ::1) ;; *) lab_die "refusing to scan $HOST: loopback only" ;; esac
lab_need "$TOOL" timeout
SCAN_PORT="${SCAN_PORT:-5109}"
TIMEOUT="${TIMEOUT:-60}"
lab_init
LOG="$LAB_DIR/$TOOL-$PORT-$$.log"

bind=(-b 127.0.0.1)
[[ "$HOST" == ::1 ]] && bind=(-6 -b ::1)
set +e
if [[ "$TOOL" == svmap ]]; then
  timeout -k 5 "$TIMEOUT" svmap "${bind[@]}" -P "$SCAN_PORT" -p "$PORT" "$@" "$HOST" >"$LOG" 2>&1
else
  timeout -k 5 "$TIMEOUT" svwar "${bind[@]}" -P "$SCAN_PORT" -p "$PORT" "$@" "$HOST" >"$LOG" 2>&1
fi
rc=$?
set -e
cat "$LOG"
# the result table: "| 100 | reqauth |" (svwar) or "| 127.0.0.1:5100 | agent |" (svmap)
found=$(awk -F'|' 'NF > 2 { gsub(/ /, "", $2); if ($2 != "Extension" && $2 != "SIPDevice") print $2 }' "$LOG" | paste -sd, -)
echo "done $TOOL rc=$rc found=${found:--}"
