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

// themeNames lists the accepted Options.Theme values.
var themeNames = []string{"default", "mono", "solarized"}

func pickTheme(name string, noColor bool) (theme, error) {
	if noColor {
		name = "mono"
	}
	switch name {
	case "", "default":
		return theme{
			name: "default", bg: tcell.ColorDefault, fg: tcell.ColorDefault, dim: tcell.ColorGray,
			border: tcell.ColorGray, focus: tcell.ColorAqua, title: tcell.ColorAqua, header: tcell.ColorYellow,
			ok: tcell.ColorGreen, warn: tcell.ColorYellow, bad: tcell.ColorRed, ring: tcell.ColorRed,
			barBG: tcell.ColorNavy, barFG: tcell.ColorWhite, selBG: tcell.ColorTeal, selFG: tcell.ColorBlack,
			inputBG: tcell.ColorDefault,
		}, nil
	case "solarized":
		return theme{
			name: "solarized", bg: tcell.NewHexColor(0x002b36), fg: tcell.NewHexColor(0x839496),
			dim: tcell.NewHexColor(0x586e75), border: tcell.NewHexColor(0x586e75),
			focus: tcell.NewHexColor(0x268bd2), title: tcell.NewHexColor(0x268bd2),
			header: tcell.NewHexColor(0xb58900), ok: tcell.NewHexColor(0x859900),
			warn: tcell.NewHexColor(0xcb4b16), bad: tcell.NewHexColor(0xdc322f), ring: tcell.NewHexColor(0xdc322f),
			barBG: tcell.NewHexColor(0x073642), barFG: tcell.NewHexColor(0x93a1a1),
			selBG: tcell.NewHexColor(0x268bd2), selFG: tcell.NewHexColor(0xfdf6e3),
			inputBG: tcell.NewHexColor(0x073642),
		}, nil
	case "mono":
		d := tcell.ColorDefault
		return theme{name: "mono", bg: d, fg: d, dim: d, border: d, focus: d, title: d, header: d,
			ok: d, warn: d, bad: d, ring: d, barBG: d, barFG: d, selBG: d, selFG: d, inputBG: d, mono: true}, nil
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
