#!/usr/bin/env bash
# A real NAT in network namespaces, for the NAT traversal tests (needs root, iproute2, iptables).
#   usage: nat.sh up PREFIX     -> ready nat PREFIX lan=PREFIX-lan rtr=PREFIX-rtr wan=PREFIX-wan ...
#          nat.sh down PREFIX   deletes the three namespaces (their veths go with them)
#
#   PREFIX-lan  192.168.77.2/24 (private side; default route via the router)
#   PREFIX-rtr  192.168.77.1 | 203.0.113.2 (the NAT's public address), forwarding, MASQUERADE:
#               UDP from port NAT_SIP_PORT (default 5130, the phone's SIP port) gets a new source
#               port in 40000-40100 (so rport differs from our Via port); everything else keeps its
#               port when it can (as most home routers do; STUN then finds the port RTP uses).
#               UDP bindings expire after NAT_UDP_TIMEOUT seconds idle (default 5).
#   PREFIX-wan  203.0.113.1/24 and 203.0.113.3/24 (public side: registrar, STUN server, peers);
#               it has no route to 192.168.77.0/24, so the private side is reached only via the NAT.
#   Counters: iptables -L FORWARD -v -x in PREFIX-rtr has one rule per direction for UDP that is
#   not SIP (RTP, STUN): lan->wan and wan->lan.
# env: NAT_SIP_PORT, NAT_UDP_TIMEOUT
set -euo pipefail
cmd=${1:-}; P=${2:-}
[[ "$P" =~ ^[a-z0-9]{2,8}$ ]] || { echo "usage: $0 up|down PREFIX (2-8 chars a-z0-9)" >&2; exit 2; }
SIP_PORT=${NAT_SIP_PORT:-5130}
TIMEOUT=${NAT_UDP_TIMEOUT:-5}

down() {
  local ns
  for ns in "$P-lan" "$P-rtr" "$P-wan"; do
    ip netns del "$ns" 2>/dev/null || true
  done
}

case $cmd in
  down) down; echo "done nat $P"; exit 0 ;;
  up) ;;
  *) echo "usage: $0 up|down PREFIX" >&2; exit 2 ;;
esac
command -v iptables >/dev/null || { echo "error: iptables not found (.ci/deps.sh test installs it)" >&2; exit 1; }
trap 'down; echo "error: nat.sh up failed" >&2' ERR

ip netns add "$P-lan"; ip netns add "$P-rtr"; ip netns add "$P-wan"
ip link add "$P-a" type veth peer name "$P-b"
ip link set "$P-a" netns "$P-lan"; ip link set "$P-b" netns "$P-rtr"
ip link add "$P-c" type veth peer name "$P-d"
ip link set "$P-c" netns "$P-rtr"; ip link set "$P-d" netns "$P-wan"

ip -n "$P-lan" link set lo up
ip -n "$P-lan" addr add 192.168.77.2/24 dev "$P-a"; ip -n "$P-lan" link set "$P-a" up
ip -n "$P-lan" route add default via 192.168.77.1

ip -n "$P-rtr" link set lo up
ip -n "$P-rtr" addr add 192.168.77.1/24 dev "$P-b"; ip -n "$P-rtr" link set "$P-b" up
ip -n "$P-rtr" addr add 203.0.113.2/24 dev "$P-c"; ip -n "$P-rtr" link set "$P-c" up

ip -n "$P-wan" link set lo up
ip -n "$P-wan" addr add 203.0.113.1/24 dev "$P-d"
ip -n "$P-wan" addr add 203.0.113.3/24 dev "$P-d"
ip -n "$P-wan" link set "$P-d" up

rtr() { ip netns exec "$P-rtr" "$@"; }
rtr sysctl -qw net.ipv4.ip_forward=1
rtr iptables -t nat -A POSTROUTING -o "$P-c" -p udp --sport "$SIP_PORT" -j MASQUERADE --to-ports 40000-40100
rtr iptables -t nat -A POSTROUTING -o "$P-c" -j MASQUERADE
rtr iptables -A FORWARD -i "$P-b" -o "$P-c" -p udp ! --sport "$SIP_PORT" -m comment --comment lan2wan
rtr iptables -A FORWARD -i "$P-c" -o "$P-b" -p udp ! --dport "$SIP_PORT" -m comment --comment wan2lan
# conntrack timeouts are per network namespace (the module is loaded by the rules above)
rtr sysctl -qw net.netfilter.nf_conntrack_udp_timeout="$TIMEOUT"
rtr sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream="$TIMEOUT"
trap - ERR
echo "ready nat $P lan=$P-lan rtr=$P-rtr wan=$P-wan private=192.168.77.2 public=203.0.113.2 server=203.0.113.1 server2=203.0.113.3 udp_timeout=$TIMEOUT"
