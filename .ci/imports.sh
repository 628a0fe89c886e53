#!/usr/bin/env bash
# Checks that imports run one way: cmd -> ui -> phone -> audio.
set -euo pipefail
cd "$(dirname "$0")/.."
mod=github.com/sipterm/sipterm
fail=0
check() { # package-pattern forbidden-import-regex why [direct]
  local pkg=$1 bad=$2 why=$3 direct=${4:-} out
  for p in $(go list "$pkg" 2>/dev/null); do
    if [[ -n $direct ]]; then
      # what the package itself imports (the core it uses may import sipgo, of course)
      out=$(go list -f '{{join .Imports "\n"}}' "$p" | grep -E "$bad" || true)
    else
      out=$(go list -deps "$p" | grep -E "$bad" || true)
    fi
    if [[ -n $out ]]; then
      echo "imports: $p must not import $(echo $out) ($why)" >&2
      fail=1
    fi
  done
}
check "./audio/..." "^$mod/(phone|ui|cmd)|emiago/sipgo|rivo/tview|gdamore/tcell" "audio knows nothing of SIP or the UI"
check "./phone/..." "^$mod/(ui|cmd)|rivo/tview|gdamore/tcell" "the core never imports the UI"
check "./phone/media/..." "^$mod/phone$|emiago/sipgo" "media never imports the phone core"
check "./ui/..." "emiago/sipgo|pion/|gordonklaus/portaudio" "the UI never touches sipgo, pion or PortAudio" direct
check "./assets/..." "^$mod/" "assets is a leaf: every layer may embed from it" direct
check "./docs/..." "^$mod/" "docs is a leaf: the embedded protocol reference" direct
exit $fail
