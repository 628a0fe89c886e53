// Package assets holds the files sipterm embeds in its binary, kept as files in the tree so that
// they read and diff as what they are: the commented config template (config.toml, printed by
// --print-config and parsed for the built-in defaults) and the call-progress tone plans
// (tones.toml, loaded by package audio) and the UI's themes (themes.toml, loaded by package ui). It is a leaf: it imports nothing of sipterm, and every
// layer may use it.
package assets

import _ "embed"

// ConfigTemplate is config.toml: the embedded defaults and the template users copy.
//
//go:embed config.toml
var ConfigTemplate string

// TonePlans is tones.toml: the call-progress tones (dial, ringback, busy, congestion,
// call-waiting, ring) as data.
//
//go:embed tones.toml
var TonePlans string

// Themes is themes.toml: the terminal UI's color themes.
//
//go:embed themes.toml
var Themes string
