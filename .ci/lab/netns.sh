#!/usr/bin/env bash
# Fault injection for the SIP lab: private network namespaces joined by a link whose loss, delay,
# jitter, reordering, duplication and corruption can be changed on demand. Needs root (ip netns).
# (Copied from the shared interop lab's netns.sh. Changed here: NETNS_PREFIX names the namespaces;
# the wire backend's jitter keeps each direction's packet order, as a queue does, where netem's
# reorders: only REORDER reorders.)
#   usage: netns.sh up [N]                 N namespaces A, B, ... (default 2) = 10.200.0.1, .2, ...
#          netns.sh impair [NS...] KEY=VAL ...   impair the packets LEAVING each NS (default: all = both ways)
#                  KEYS: LOSS=10%  DELAY=50ms  JITTER=20ms  REORDER=25%  DUP=5%  CORRUPT=1%   (0 = off)
#                  netns.sh impair clear [NS...]    remove all impairments
#          netns.sh exec NS CMD [ARGS...]  run CMD inside namespace NS (A, B, ...): ip netns exec
#          netns.sh addr NS | name NS      print NS's address (10.200.0.x) | its real netns name
#          netns.sh status                 namespaces, addresses, impairments, per-direction counters
#          netns.sh down                   kill what still runs inside our namespaces (by PID), delete them
# Topology: every namespace has only `lo` and one link `lab0` with 10.200.0.k/24 (k = 1 for A ...);
# there is no default route, so nothing inside can reach any address outside 10.200.0.0/24.
# Backends (NETNS_BACKEND=auto|veth|wire, default auto):
#   veth - a veth pair A<->B (N>2: one veth per namespace into a bridge in a hub namespace);
#          impairments = `tc qdisc replace dev lab0 root netem ...` on the sending side.
#   wire - for kernels without sch_netem (e.g. this lab's container kernel): a TUN device `lab0` in
#          each namespace, joined by a small userspace forwarder (python3 stdlib, pidfile) that
#          applies the same impairments per sending namespace (netem semantics: loss, delay +-
#          uniform jitter (in order), reorder = sent at once, duplicate, corrupt = one bit
#          flipped past the IP header). auto picks veth when `tc ... netem` works in a scratch
#          namespace, else wire.
# State in $LAB_DIR/netns/ (namespace names, impairments, wire.pid/wire.log/wire.stats).
# Namespace names are sipt<hash of LAB_DIR>-A ... (or $NETNS_PREFIX-A ...), so two labs never
# collide. SEED=n makes the wire backend's random choices repeatable.
set -euo pipefail
LAB="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
. "$LAB/common.sh"

SUBNET_PFX=10.200.0
usage() { sed -n '2,28p' "$0" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
CMD=$1; shift
lab_init
ST="$LAB_DIR/netns"
PFX="${NETNS_PREFIX:-sipt$(printf '%s' "$LAB_DIR" | cksum | awk '{printf "%06x", $1 % 16777216}')}"

need_root() { [[ $(id -u) == 0 ]] || lab_die "netns.sh needs root (ip netns add, tc)"; lab_need ip tc; }
ns_of() { # NS letter -> real netns name (must be one of ours)
  local n=$1
  [[ -f "$ST/names" ]] || lab_die "no namespaces in $LAB_DIR (run: netns.sh up)"
  grep -qx "$n" "$ST/names" || lab_die "unknown namespace '$n' (have: $(tr '\n' ' ' <"$ST/names"))"
  echo "$PFX-$n"
}
idx_of() { local n=$1 i=0 x; while read -r x; do i=$((i + 1)); [[ "$x" == "$n" ]] && { echo $i; return; }; done <"$ST/names"; }
addr_of() { echo "$SUBNET_PFX.$(idx_of "$1")"; }

netem_works() { # probe sch_netem in a scratch namespace
  local p="$PFX-probe" ok=1
  ip netns add "$p" 2>/dev/null || return 1
  ip -n "$p" link set lo up
  ip netns exec "$p" tc qdisc add dev lo root netem delay 1ms >/dev/null 2>&1 && ok=0
  ip netns del "$p" 2>/dev/null || true
  return $ok
}

write_wire_py() {
  cat >"$ST/wire.py" <<'PY'
# netns.sh wire backend: forwards IPv4 packets between TUN devices in several network namespaces,
# applying per-source impairments read from impair.conf (reloaded on SIGHUP).
import ctypes, fcntl, heapq, os, random, select, signal, struct, sys, time
TUNSETIFF, IFF_TUN, IFF_NO_PI, CLONE_NEWNET = 0x400454ca, 0x0001, 0x1000, 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
state = sys.argv[1]
ports = {}   # name -> fd
addr = {}    # ip bytes -> name
for spec in sys.argv[2:]:          # NAME=NSPATH,IFNAME,IP
    name, rest = spec.split("=", 1)
    nspath, ifname, ip = rest.split(",")
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(nspath, os.O_RDONLY)
    if libc.setns(target, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns " + nspath)
    try:
        fd = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TUN | IFF_NO_PI))
    finally:
        libc.setns(home, CLONE_NEWNET); os.close(home); os.close(target)
    os.set_blocking(fd, False)
    ports[name] = fd
    addr[bytes(int(x) for x in ip.split("."))] = name
byfd = {fd: n for n, fd in ports.items()}
seed = os.environ.get("SEED")
rng = random.Random(int(seed) if seed else None)
conf = {}
keys = ("loss", "delay", "jitter", "reorder", "dup", "corrupt")
def load(*_):
    global conf
    c = {}
    try:
        for line in open(os.path.join(state, "impair.conf")):
            f = line.split()
            if not f or f[0].startswith("#"):
                continue
            d = dict.fromkeys(keys, 0.0)
            for kv in f[1:]:
                k, v = kv.split("=", 1)
                d[k] = float(v)
            c[f[0]] = d
    except FileNotFoundError:
        pass
    conf = c
    log("impairments: " + (", ".join(f"{n}: " + " ".join(f"{k}={v:g}" for k, v in d.items() if v)
                                     for n, d in sorted(c.items())) or "none"))
def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)
stats = {n: dict(rx=0, sent=0, lost=0, dup=0, reordered=0, corrupted=0, noroute=0) for n in ports}
def dump(*_):
    tmp = os.path.join(state, "wire.stats.tmp")
    with open(tmp, "w") as f:
        for n in sorted(stats):
            f.write(n + " " + " ".join(f"{k}={v}" for k, v in stats[n].items()) + "\n")
    os.replace(tmp, os.path.join(state, "wire.stats"))
running = True
def stop(*_):
    global running
    running = False
signal.signal(signal.SIGHUP, load)
signal.signal(signal.SIGUSR1, dump)
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
load()
open(os.path.join(state, "wire.ready"), "w").write(str(os.getpid()) + "\n")
log(f"forwarding between {sorted(ports)} pid={os.getpid()}")
heap, seq, last_dump, lastdue = [], 0, 0.0, {}
while running:
    now = time.monotonic()
    tmo = max(0.0, min(0.5, heap[0][0] - now)) if heap else 0.5
    try:
        r, _, _ = select.select(list(byfd), [], [], tmo)
    except InterruptedError:
        r = []
    now = time.monotonic()
    for fd in r:
        src = byfd[fd]
        while True:
            try:
                pkt = os.read(fd, 65535)
            except BlockingIOError:
                break
            st = stats[src]; st["rx"] += 1
            if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[16:20] not in addr:
                st["noroute"] += 1; continue
            dst = addr[pkt[16:20]]
            c = conf.get(src) or conf.get("*") or {}
            if c.get("loss", 0) and rng.random() * 100 < c["loss"]:
                st["lost"] += 1; continue
            copies = 1
            if c.get("dup", 0) and rng.random() * 100 < c["dup"]:
                copies = 2; st["dup"] += 1
            for _ in range(copies):
                p = pkt
                if c.get("corrupt", 0) and rng.random() * 100 < c["corrupt"]:
                    ihl = (p[0] & 15) * 4
                    if len(p) > ihl:
                        b = bytearray(p); i = rng.randrange(ihl, len(p)); b[i] ^= 1 << rng.randrange(8)
                        p = bytes(b); st["corrupted"] += 1
                d = c.get("delay", 0) + (rng.uniform(-c["jitter"], c["jitter"]) if c.get("jitter", 0) else 0)
                reordered = c.get("reorder", 0) and c.get("delay", 0) and rng.random() * 100 < c["reorder"]
                if reordered:
                    d = 0; st["reordered"] += 1
                due = now + max(0.0, d) / 1000.0
                if not reordered:  # jitter keeps each direction's order (queueing delay does)
                    due = max(due, lastdue.get((src, dst), 0.0))
                    lastdue[(src, dst)] = due
                seq += 1
                heapq.heappush(heap, (due, seq, dst, p, src))
    while heap and heap[0][0] <= now:
        _, _, dst, p, src = heapq.heappop(heap)
        try:
            os.write(ports[dst], p); stats[src]["sent"] += 1
        except OSError as e:
            log(f"write to {dst}: {e}")
    if now - last_dump >= 1.0:
        dump(); last_dump = now
dump()
log("stopped")
PY
}

cmd_up() {
  local n=${1:-2} backend=${NETNS_BACKEND:-auto} i name ns
  need_root
  [[ "$n" =~ ^[0-9]+$ && $n -ge 2 && $n -le 8 ]] || lab_die "N must be 2..8"
  [[ -f "$ST/names" ]] && lab_die "namespaces already up in $LAB_DIR (netns.sh down first)"
  mkdir -p "$ST"
  : >"$ST/impair.conf"
  if [[ "$backend" == auto ]]; then
    if netem_works; then backend=veth; else backend=wire; fi
  fi
  case $backend in veth | wire) ;; *) lab_die "NETNS_BACKEND must be auto, veth or wire" ;; esac
  echo "$backend" >"$ST/backend"
  local names=()
  for ((i = 0; i < n; i++)); do names+=("$(printf "\\$(printf '%03o' $((65 + i)))")"); done
  printf '%s\n' "${names[@]}" >"$ST/names"
  for name in "${names[@]}"; do
    ns="$PFX-$name"
    ip netns list | awk '{print $1}' | grep -qx "$ns" && lab_die "netns $ns already exists (stale? ip netns del $ns)"
    ip netns add "$ns"
    echo "$ns" >>"$ST/created"
    ip -n "$ns" link set lo up
  done
  if [[ $backend == veth ]]; then
    if [[ $n == 2 ]]; then
      ip link add lab0 netns "$PFX-A" type veth peer name lab0 netns "$PFX-B"
    else
      ip netns add "$PFX-hub"; echo "$PFX-hub" >>"$ST/created"
      ip -n "$PFX-hub" link add br0 type bridge
      ip -n "$PFX-hub" link set br0 up
      for name in "${names[@]}"; do
        ip link add lab0 netns "$PFX-$name" type veth peer name "p$name" netns "$PFX-hub"
        ip -n "$PFX-hub" link set "p$name" master br0 up
      done
    fi
  else
    lab_need python3
    write_wire_py
    local specs=()
    for name in "${names[@]}"; do specs+=("$name=/run/netns/$PFX-$name,lab0,$(addr_of "$name")"); done
    rm -f "$ST/wire.ready"
    lab_start netns-wire "$ST/wire.log" python3 -u "$ST/wire.py" "$ST" "${specs[@]}"
    for ((i = 0; i < 50; i++)); do [[ -f "$ST/wire.ready" ]] && break; kill -0 "$LAB_PID" 2>/dev/null || break; sleep 0.1; done
    [[ -f "$ST/wire.ready" ]] || { tail -n 20 "$ST/wire.log" >&2; cmd_down >/dev/null 2>&1 || true; lab_die "wire forwarder did not start"; }
  fi
  for name in "${names[@]}"; do
    ns="$PFX-$name"
    ip -n "$ns" addr add "$(addr_of "$name")/24" dev lab0
    ip -n "$ns" link set lab0 up
  done
  local list=""
  for name in "${names[@]}"; do list+=" $name=$(addr_of "$name")"; done
  local extra=""
  [[ $backend == wire ]] && extra=" pid=$(cat "$LAB_DIR/netns-wire.pid") log=$ST/wire.log"
  echo "ready netns backend=$backend$list ns=$PFX-{$(IFS=,; echo "${names[*]}")}$extra"
}

parse_pct() { local v=${1%\%}; [[ "$v" =~ ^[0-9]+(\.[0-9]+)?$ ]] || lab_die "bad percentage '$1'"; echo "$v"; }
parse_ms() {
  local v=$1
  case $v in *ms) v=${v%ms} ;; *us) v=$(awk -v x="${v%us}" 'BEGIN{print x/1000}') ;; *s) v=$(awk -v x="${v%s}" 'BEGIN{print x*1000}') ;; esac
  [[ "$v" =~ ^[0-9]+(\.[0-9]+)?$ ]] || lab_die "bad time '$1' (e.g. 50ms)"
  echo "$v"
}

cmd_impair() {
  need_root
  [[ -f "$ST/names" ]] || lab_die "no namespaces in $LAB_DIR (run: netns.sh up)"
  local targets=() clear=0 a k v
  local loss=0 delay=0 jitter=0 reorder=0 dup=0 corrupt=0
  for a in "$@"; do
    case $a in
      clear) clear=1 ;;
      *=*)
        k=${a%%=*}; v=${a#*=}
        case ${k^^} in
          LOSS) loss=$(parse_pct "$v") ;;
          DELAY) delay=$(parse_ms "$v") ;;
          JITTER) jitter=$(parse_ms "$v") ;;
          REORDER) reorder=$(parse_pct "$v") ;;
          DUP | DUPLICATE) dup=$(parse_pct "$v") ;;
          CORRUPT) corrupt=$(parse_pct "$v") ;;
          *) lab_die "unknown impairment '$k' (LOSS DELAY JITTER REORDER DUP CORRUPT)" ;;
        esac ;;
      *) ns_of "$a" >/dev/null; targets+=("$a") ;;
    esac
  done
  [[ ${#targets[@]} -gt 0 ]] || mapfile -t targets <"$ST/names"
  if awk -v r="$reorder" -v d="$delay" 'BEGIN{exit !(r > 0 && d == 0)}'; then
    lab_die "REORDER needs a DELAY (reordered packets are the ones sent without it, as in netem)"
  fi
  local backend; backend=$(cat "$ST/backend")
  local t ns desc
  for t in "${targets[@]}"; do
    ns=$(ns_of "$t")
    if [[ $backend == veth ]]; then
      ip netns exec "$ns" tc qdisc del dev lab0 root >/dev/null 2>&1 || true
      if [[ $clear == 0 ]]; then
        local args=(netem limit 10000)
        if awk -v d="$delay" -v j="$jitter" 'BEGIN{exit !(d > 0 || j > 0)}'; then
          args+=(delay "${delay}ms")
          awk -v j="$jitter" 'BEGIN{exit !(j > 0)}' && args+=("${jitter}ms")
        fi
        awk -v r="$reorder" 'BEGIN{exit !(r > 0)}' && args+=(reorder "${reorder}%")
        awk -v l="$loss" 'BEGIN{exit !(l > 0)}' && args+=(loss "${loss}%")
        awk -v p="$dup" 'BEGIN{exit !(p > 0)}' && args+=(duplicate "${dup}%")
        awk -v c="$corrupt" 'BEGIN{exit !(c > 0)}' && args+=(corrupt "${corrupt}%")
        ip netns exec "$ns" tc qdisc replace dev lab0 root "${args[@]}"
      fi
    fi
    # impair.conf: one line per sending namespace (both backends; status shows it; the wire
    # backend reads it on SIGHUP) - written once tc accepted the qdisc
    sed -i "/^$t /d" "$ST/impair.conf"
    if [[ $clear == 0 ]]; then
      echo "$t loss=$loss delay=$delay jitter=$jitter reorder=$reorder dup=$dup corrupt=$corrupt" >>"$ST/impair.conf"
    fi
    if [[ $clear == 1 ]]; then desc="none"; else desc="loss=$loss% delay=${delay}ms jitter=${jitter}ms reorder=$reorder% dup=$dup% corrupt=$corrupt%"; fi
    echo "impair $t->* $desc"
  done
  if [[ $backend == wire ]]; then
    local pid; pid=$(cat "$LAB_DIR/netns-wire.pid")
    kill -HUP "$pid"
  fi
}

cmd_status() {
  [[ -f "$ST/names" ]] || { echo "no namespaces in $LAB_DIR"; return 0; }
  local backend name ns; backend=$(cat "$ST/backend")
  echo "backend=$backend"
  while read -r name; do
    ns="$PFX-$name"
    printf '%s %s %s' "$name" "$ns" "$(addr_of "$name")"
    if ip netns list | awk '{print $1}' | grep -qx "$ns"; then echo " up"; else echo " MISSING"; fi
    [[ $backend == veth ]] && ip netns exec "$ns" tc qdisc show dev lab0 2>/dev/null | sed 's/^/    /'
  done <"$ST/names"
  echo "impairments (per sending namespace):"; sed 's/^/    /' "$ST/impair.conf"
  if [[ $backend == wire && -f "$LAB_DIR/netns-wire.pid" ]]; then
    kill -USR1 "$(cat "$LAB_DIR/netns-wire.pid")" 2>/dev/null && sleep 0.2
    echo "wire counters (per sending namespace):"; sed 's/^/    /' "$ST/wire.stats" 2>/dev/null || true
  fi
}

cmd_down() {
  need_root
  local ns pid pids=() i
  if [[ -f "$ST/created" ]]; then
    # processes still inside our namespaces were started by us (netns.sh exec): stop them by PID
    while read -r ns; do
      ip netns list | awk '{print $1}' | grep -qx "$ns" || continue
      mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null)
    done <"$ST/created"
    if [[ ${#pids[@]} -gt 0 ]]; then
      echo "stopping ${#pids[@]} process(es) left in the namespaces: ${pids[*]}"
      kill -TERM "${pids[@]}" 2>/dev/null || true
      for ((i = 0; i < 30; i++)); do
        local alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [[ $alive == 0 ]] && break; sleep 0.1
      done
      for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    fi
  fi
  [[ -f "$LAB_DIR/netns-wire.pid" ]] && { "$LAB/stop.sh" netns-wire || true; }
  if [[ -f "$ST/created" ]]; then
    while read -r ns; do
      if ip netns list | awk '{print $1}' | grep -qx "$ns"; then ip netns del "$ns" && echo "deleted netns $ns"; fi
    done <"$ST/created"
  fi
  rm -f "$ST/names" "$ST/created" "$ST/backend" "$ST/wire.ready"
  echo "down"
}

case $CMD in
  up) cmd_up "$@" ;;
  impair) cmd_impair "$@" ;;
  exec)
    [[ $# -ge 2 ]] || usage
    ns=$(ns_of "$1"); shift
    exec ip netns exec "$ns" "$@" ;;
  addr) [[ $# == 1 ]] || usage; ns_of "$1" >/dev/null; addr_of "$1" ;;
  name) [[ $# == 1 ]] || usage; ns_of "$1" ;;
  status) cmd_status ;;
  down) cmd_down ;;
  *) usage ;;
esac
