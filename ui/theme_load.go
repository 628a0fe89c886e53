package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/pelletier/go-toml/v2"

	"github.com/sipterm/sipterm/assets"
)

// themeFile is the shape of assets/themes.toml.
type themeFile struct {
	Theme []map[string]any `toml:"theme"`
}

// themeColors maps the file's color keys to the theme's fields.
var themeColors = map[string]func(*theme) *tcell.Color{
	"bg": func(t *theme) *tcell.Color { return &t.bg }, "fg": func(t *theme) *tcell.Color { return &t.fg },
	"dim": func(t *theme) *tcell.Color { return &t.dim }, "border": func(t *theme) *tcell.Color { return &t.border },
	"focus": func(t *theme) *tcell.Color { return &t.focus }, "title": func(t *theme) *tcell.Color { return &t.title },
	"header": func(t *theme) *tcell.Color { return &t.header }, "ok": func(t *theme) *tcell.Color { return &t.ok },
	"warn": func(t *theme) *tcell.Color { return &t.warn }, "bad": func(t *theme) *tcell.Color { return &t.bad },
	"ring": func(t *theme) *tcell.Color { return &t.ring }, "bar_bg": func(t *theme) *tcell.Color { return &t.barBG },
	"bar_fg": func(t *theme) *tcell.Color { return &t.barFG }, "sel_bg": func(t *theme) *tcell.Color { return &t.selBG },
	"sel_fg": func(t *theme) *tcell.Color { return &t.selFG }, "input_bg": func(t *theme) *tcell.Color { return &t.inputBG },
}

// parseColor reads a color as themes.toml writes it; unlike tcell.GetColor it refuses a name it
// does not know instead of quietly using the terminal's default.
func parseColor(s string) (tcell.Color, error) {
	switch c, ok := tcell.ColorNames[strings.ToLower(s)]; {
	case s == "default":
		return tcell.ColorDefault, nil
	case ok:
		return c, nil
	case len(s) == 7 && s[0] == '#':
		if c := tcell.GetColor(strings.ToLower(s)); c != tcell.ColorDefault {
			return c, nil
		}
	}
	return tcell.ColorDefault, fmt.Errorf("%q is not a color (a tcell color name, #rrggbb or default)", s)
}

// loadThemes parses themes written as themes.toml. Colors a theme does not name are the
// terminal's default.
func loadThemes(text string) (map[string]theme, []string, error) {
	var f themeFile
	if err := toml.Unmarshal([]byte(text), &f); err != nil {
		return nil, nil, fmt.Errorf("reading themes: %w", err)
	}
	themes := map[string]theme{}
	var names []string
	for i, raw := range f.Theme {
		name, _ := raw["name"].(string)
		if name == "" || themes[name].name != "" {
			return nil, nil, fmt.Errorf("theme %d: name %q is empty or repeated", i+1, name)
		}
		th := theme{name: name, bg: tcell.ColorDefault, fg: tcell.ColorDefault, dim: tcell.ColorDefault,
			border: tcell.ColorDefault, focus: tcell.ColorDefault, title: tcell.ColorDefault, header: tcell.ColorDefault,
			ok: tcell.ColorDefault, warn: tcell.ColorDefault, bad: tcell.ColorDefault, ring: tcell.ColorDefault,
			barBG: tcell.ColorDefault, barFG: tcell.ColorDefault, selBG: tcell.ColorDefault, selFG: tcell.ColorDefault,
			inputBG: tcell.ColorDefault}
		var errs []error
		for key, v := range raw {
			switch key {
			case "name":
			case "mono":
				b, ok := v.(bool)
				if !ok {
					errs = append(errs, fmt.Errorf("theme %q: mono must be true or false", name))
				}
				th.mono = b
			default:
				field, known := themeColors[key]
				s, isString := v.(string)
				if !known || !isString {
					errs = append(errs, fmt.Errorf("theme %q: unknown key %q or not a string", name, key))
					continue
				}
				c, err := parseColor(s)
				if err != nil {
					errs = append(errs, fmt.Errorf("theme %q: %s: %w", name, key, err))
				}
				*field(&th) = c
			}
		}
		if err := errors.Join(errs...); err != nil {
			return nil, nil, err
		}
		themes[name] = th
		names = append(names, name)
	}
	return themes, names, nil
}

// builtinThemes are assets/themes.toml's themes; themeNames their names in the file's order.
var builtinThemes, themeNames = mustLoadThemes(assets.Themes)

func mustLoadThemes(text string) (map[string]theme, []string) {
	themes, names, err := loadThemes(text)
	if err != nil {
		panic(err) // the file is part of the binary and tested: a build defect
	}
	for _, need := range []string{"default", "mono"} {
		if _, ok := themes[need]; !ok {
			panic("themes: " + need + " is missing")
		}
	}
	return themes, names
}
