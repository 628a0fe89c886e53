package ui

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
)

// TestThemesFromAssets: the embedded themes load with the colors they name, and a broken theme file
// is refused with a reason (a misspelt color must not quietly become the terminal's default).
func TestThemesFromAssets(t *testing.T) {
	def, err := pickTheme("", false)
	if err != nil || def.focus != tcell.ColorAqua || def.barBG != tcell.ColorNavy || def.bg != tcell.ColorDefault {
		t.Errorf("default theme = %+v, %v; want aqua focus, navy bars, the terminal's background", def, err)
	}
	if sol, err := pickTheme("solarized", false); err != nil || sol.bg != tcell.NewHexColor(0x002b36) {
		t.Errorf("solarized bg = %v, %v", sol.bg, err)
	}
	if m, _ := pickTheme("solarized", true); !m.mono {
		t.Error("no-color did not pick mono")
	}
	if _, err := pickTheme("neon", false); err == nil || !strings.Contains(err.Error(), "solarized") {
		t.Errorf("unknown theme: %v, want an error listing the themes", err)
	}
	tests := []struct{ name, text, want string }{
		{"misspelt color", "[[theme]]\nname = \"x\"\nfocus = \"aquaa\"", "not a color"},
		{"bad hex", "[[theme]]\nname = \"x\"\nbg = \"#12345z\"", "not a color"},
		{"unknown key", "[[theme]]\nname = \"x\"\nglow = \"red\"", "unknown key"},
		{"no name", "[[theme]]\nbg = \"red\"", "empty or repeated"},
		{"mono not a bool", "[[theme]]\nname = \"x\"\nmono = \"yes\"", "true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := loadThemes(tt.text); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadThemes: %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
