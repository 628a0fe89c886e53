#!/usr/bin/env bash
# Start a STUN server (Debian stun-server's stund, RFC 3489/5389 Binding) for the NAT tests.
#   usage: stund.sh IP IP2 [PORT]    (stund wants two addresses; PORT default 3478, PORT+1 on IP2)
# env: LAB_DIR, NAME (default stund). Prints: ready NAME stun:IP:PORT pid=.. log=..
set -euo pipefail
LAB="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
. "$LAB/common.sh"
lab_need stund ss
[[ $# -ge 2 ]] || lab_die "usage: stund.sh IP IP2 [PORT]"
IP=$1; IP2=$2; PORT=${3:-3478}
NAME="${NAME:-stund}"
lab_init
LOG="$LAB_DIR/$NAME.log"
: >"$LOG"
if lab_port_busy udp "$PORT"; then lab_die "udp port $PORT already in use"; fi
# argv[0] names LAB_DIR so that stop.sh recognises the process as this lab's
lab_start "$NAME" "$LOG" bash -c 'exec -a "$0" stund -v -h "$1" -a "$2" -p "$3" -o "$4"' \
  "$LAB_DIR/$NAME" "$IP" "$IP2" "$PORT" "$((PORT + 1))"
lab_wait_listen "$LAB_PID" udp "$PORT" 10 || lab_fail "$NAME" "$LOG"
echo "ready $NAME stun:$IP:$PORT pid=$LAB_PID log=$LOG"
