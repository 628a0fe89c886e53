// Package docs embeds the protocol reference (protocol.md: the headless and control-socket
// protocol, every command and event), so that `sipterm --help-protocol` prints the very text that
// is in the repository.
package docs

import _ "embed"

// Protocol is protocol.md.
//
//go:embed protocol.md
var Protocol string
