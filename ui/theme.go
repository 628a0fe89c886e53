package ui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// theme is the palette of the front end. Colors are applied to each primitive; the tview.Styles
// global is never touched, so several UIs (tests) can coexist.
type theme struct {
	name    string
	bg      tcell.Color
	fg      tcell.Color
	dim     tcell.Color
	border  tcell.Color
	focus   tcell.Color // border of the focused pane
	title   tcell.Color
	header  tcell.Color
	ok      tcell.Color
	warn    tcell.Color
	bad     tcell.Color
	ring    tcell.Color // incoming-call highlight background
	barBG   tcell.Color // status and hint bars
	barFG   tcell.Color
	selBG   tcell.Color
	selFG   tcell.Color
	mono    bool
	inputBG tcell.Color
}

// pickTheme is the named theme of assets/themes.toml ("" = default); noColor picks mono.
func pickTheme(name string, noColor bool) (theme, error) {
	if noColor {
		name = "mono"
	}
	if name == "" {
		name = "default"
	}
	if th, ok := builtinThemes[name]; ok {
		return th, nil
	}
	return theme{}, fmt.Errorf("unknown theme %q (want one of %v)", name, themeNames)
}

// style is the plain text style of the theme.
func (t theme) style() tcell.Style { return tcell.StyleDefault.Foreground(t.fg).Background(t.bg) }

// selected is the style of a selected table row.
func (t theme) selected() tcell.Style {
	if t.mono {
		return tcell.StyleDefault.Reverse(true)
	}
	return tcell.StyleDefault.Foreground(t.selFG).Background(t.selBG)
}

// bar is the style of the status and hint bars.
func (t theme) bar() tcell.Style {
	if t.mono {
		return tcell.StyleDefault.Reverse(true)
	}
	return tcell.StyleDefault.Foreground(t.barFG).Background(t.barBG)
}

// ringing is the style that makes an incoming call impossible to miss.
func (t theme) ringing(on bool) tcell.Style {
	if t.mono {
		return tcell.StyleDefault.Reverse(on).Bold(true)
	}
	if on {
		return tcell.StyleDefault.Foreground(tcell.ColorWhite).Background(t.ring).Bold(true)
	}
	return tcell.StyleDefault.Foreground(t.ring).Background(t.barBG).Bold(true)
}

// tag is a tview color tag for a color, or "" in mono (no color at all).
func (t theme) tag(c tcell.Color) string {
	if t.mono || c == tcell.ColorDefault {
		return ""
	}
	return "[" + c.String() + "]"
}

// reset closes a tag opened by tag.
func (t theme) reset() string {
	if t.mono {
		return ""
	}
	return "[-]"
}

// box applies the theme to a bordered pane.
func (t theme) box(b *tview.Box, title string) {
	b.SetBorder(true).SetTitle(" " + title + " ").SetTitleAlign(tview.AlignLeft)
	b.SetBackgroundColor(t.bg)
	b.SetBorderStyle(tcell.StyleDefault.Foreground(t.border).Background(t.bg))
	b.SetTitleColor(t.title)
}

// bgOf is a style's background color.
func bgOf(s tcell.Style) tcell.Color {
	_, bg, _ := s.Decompose()
	return bg
}

// clean makes text from the network or a log safe to draw: control characters (which would reach
// the terminal raw) become spaces or are dropped, and tview's style tags are escaped.
func clean(s string) string { return tview.Escape(plain(s)) }

// plain drops control characters (tabs become spaces).
func plain(s string) string {
	if strings.IndexFunc(s, isControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			switch {
			case r == '\t':
				return ' '
			case isControl(r):
				return -1
			}
			return r
		}, s)
	}
	return s
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
