#!/usr/bin/env bash
# Installs the Debian packages sipterm needs, only those missing, and says what it installs.
#   usage: .ci/deps.sh build|test|bench
#     build: what `make run` needs to compile and run the phone (PortAudio and libopus headers, pkg-config)
#     test : build + the real peers and tools the tests start (SIPp, baresip, kamailio, PulseAudio, sox, tmux)
set -euo pipefail
set_name=${1:-build}
pkgs=(portaudio19-dev libopus-dev libopusfile-dev pkg-config gcc) # libopus: the Opus codec (cgo)
case $set_name in
  build) ;;
  test | bench)
    pkgs+=(
      sip-tester          # SIPp: scripted UAC/UAS peers
      baresip-core        # baresip: an independent softphone (g711, ausine, aufile, sndfile, ctrl_tcp)
      linphone-cli        # linphonec: a third softphone (probe and transfer interop tests)
      kamailio            # registrar + proxy with digest auth
      kamailio-tls-modules # kamailio's tls.so: the TLS registrar/proxy tests
      sipvicious          # svmap/svwar/svcrack: the scanner tests
      iptables            # NAT (MASQUERADE) in the network-namespace tests
      stun-server         # stund: the STUN server of the NAT test
      openssl             # the throwaway CA and certificates for the TLS tests
      sox                 # tones, WAV checks, the G.711 reference
      pulseaudio pulseaudio-utils libasound2-plugins   # a private sound server with null sinks
      tmux                # drives the TUI end to end
      tshark              # decodes the per-call capture pcaps (export, capture_dir)
      sngrep              # reads the per-call capture pcaps as SIP dialogs
      iproute2 procps     # ss, ps for the harness
      python3             # the loss tests' impaired link (.ci/lab/netns.sh's TUN forwarder)
    ) ;;
  *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
echo "deps: installing missing Debian packages: ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
# Keep apt from starting kamailio's system service (it would take 0.0.0.0:5060).
guard=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${sudo[@]}" chmod 755 /usr/sbin/policy-rc.d
  guard=1
fi
trap 'if [[ $guard == 1 ]]; then "${sudo[@]}" rm -f /usr/sbin/policy-rc.d; fi' EXIT
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
echo "deps: installed ${missing[*]}" >&2
