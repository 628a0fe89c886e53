package config

import (
	"fmt"
	"regexp"
	"strings"
)

// locator finds the line of a key in TOML text, so that value errors (found after decoding)
// still name a line. It understands top-level keys, [tables] and [[arrays of tables]].
type locator struct {
	lines []string
}

var tableRe = regexp.MustCompile(`^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?`)

func newLocator(data []byte) *locator {
	return &locator{lines: strings.Split(string(data), "\n")}
}

// line returns the 1-based line of key ("listen", "ui.theme", "accounts[2].aor"), or 0.
func (l *locator) line(key string) int {
	table, index, leaf := "", 0, key
	if i := strings.LastIndex(key, "."); i >= 0 {
		table, leaf = key[:i], key[i+1:]
	}
	if open := strings.Index(table, "["); open >= 0 {
		fmt.Sscanf(table[open:], "[%d]", &index)
		table = table[:open]
	}
	cur, seen := "", map[string]int{}
	tableLine := 0
	for n, raw := range l.lines {
		s := strings.TrimSpace(raw)
		if m := tableRe.FindStringSubmatch(s); m != nil {
			cur = m[2]
			seen[cur]++
			if cur == table && (index == 0 || seen[cur] == index) {
				tableLine = n + 1
			}
			continue
		}
		if cur != table || (index > 0 && seen[cur] != index) {
			continue
		}
		k, _, ok := strings.Cut(s, "=")
		if ok && strings.Trim(strings.TrimSpace(k), `"'`) == leaf {
			return n + 1
		}
	}
	return tableLine
}
