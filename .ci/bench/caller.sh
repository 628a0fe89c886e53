# Shared by the bench scripts that drive a headless sipterm caller and measure a callee's CPU
# (srtp-load.sh, opus-cpu.sh). Needs BIN, LAB_DIR, CALLER_PORT, TONE and lab/common.sh.

# start_caller NAME: a headless sipterm caller on CALLER_PORT playing TONE, taking commands
# through a FIFO this shell keeps open on fd 3; sets FIFO, EVENTS (its JSON events) and CPID.
start_caller() {
  FIFO=$LAB_DIR/caller.in EVENTS=$LAB_DIR/caller.jsonl
  rm -f "$FIFO"; mkfifo "$FIFO"; : >"$EVENTS"
  setsid "$BIN" --headless --config "$LAB_DIR/caller.toml" --listen 127.0.0.1:$CALLER_PORT \
    --audio file --play "$TONE" <"$FIFO" >"$EVENTS" 2>"$LAB_DIR/caller.log" &
  CPID=$!
  echo "$CPID" >"$LAB_DIR/$1.pid"
  exec 3>"$FIFO"
  lab_wait_listen "$CPID" udp $CALLER_PORT 15 || lab_fail "$1" "$LAB_DIR/caller.log"
}

ticks() { # utime+stime of PID in clock ticks (-1 if gone)
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo -1; return; }
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo $((${12} + ${13}))
}
now() { echo "$EPOCHREALTIME"; }
calc() { awk "BEGIN { $1 }"; }
# count STATE: calls of the caller whose latest call event is STATE
count() {
  awk -v want="$1" '/"event":"call"/ {
      id = $0; sub(/.*"id":"/, "", id); sub(/".*/, "", id)
      st = $0; sub(/.*"state":"/, "", st); sub(/".*/, "", st); last[id] = st
    } END { for (i in last) if (last[i] == want) n++; print n + 0 }' "$EVENTS"
}

# dial_calls: the caller dials CALLS calls to USER_PART@127.0.0.1:PORT at DIAL_RATE a second, then
# waits (bounded) until every call is established or nothing changed for 10 s; sets ok.
dial_calls() {
  local i prev=-1 stable=0
  sleep 1
  for ((i = 0; i < CALLS; i++)); do
    echo "dial sip:$USER_PART@127.0.0.1:$PORT" >&3
    sleep "$(calc "printf \"%.3f\", 1 / $DIAL_RATE")"
  done
  ok=0
  for ((i = 0; i < 300 && ok < CALLS && stable < 100; i++)); do
    sleep 0.1
    ok=$(count established)
    if ((ok == prev)); then stable=$((stable + 1)); else stable=0 prev=$ok; fi
  done
}
