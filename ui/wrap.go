package ui

import (
	"strings"
	"unicode/utf8"
)

// wrapWords cuts plain text into lines of at most width runes at spaces (a longer word is cut),
// so that nothing is lost at a pane's edge. The first line has first runes of room, the others
// width-indent (for a hanging indent the caller adds). width <= 0: no wrapping.
func wrapWords(text string, first, rest int) []string {
	if first <= 0 || rest <= 0 {
		return []string{text}
	}
	var lines []string
	room := first
	var cur strings.Builder
	n := 0
	flush := func() {
		lines = append(lines, cur.String())
		cur.Reset()
		n = 0
		room = rest
	}
	for _, w := range strings.Fields(text) {
		wl := utf8.RuneCountInString(w)
		if n > 0 && n+1+wl > room {
			flush()
		}
		for wl > room { // a word longer than a line: cut it
			r := []rune(w)
			if n > 0 {
				flush()
			}
			cur.WriteString(string(r[:room]))
			flush()
			w, wl = string(r[room:]), wl-room
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(w)
		n += wl
	}
	if n > 0 || len(lines) == 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
