package audio

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// toneFile is the shape of assets/tones.toml.
type toneFile struct {
	Tone []struct {
		Name     string  `toml:"name"`
		Level    float64 `toml:"level"`
		Repeat   bool    `toml:"repeat"`
		Segments []struct {
			Freqs []float64 `toml:"freqs"`
			Ms    int       `toml:"ms"`
		} `toml:"segments"`
	} `toml:"tone"`
}

// loadTones parses tone plans written as tones.toml and validates each one.
func loadTones(text string) (map[string]TonePlan, error) {
	var f toneFile
	dec := toml.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) { // say which key, not only that there is one
			return nil, fmt.Errorf("reading tone plans: unknown key: %s", strict.String())
		}
		return nil, fmt.Errorf("reading tone plans: %w", err)
	}
	plans := make(map[string]TonePlan, len(f.Tone))
	for _, t := range f.Tone {
		p := TonePlan{Name: t.Name, Level: t.Level, Repeat: t.Repeat}
		for _, s := range t.Segments {
			p.Segments = append(p.Segments, ToneSegment{Freqs: s.Freqs, Duration: time.Duration(s.Ms) * time.Millisecond})
		}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		if _, dup := plans[p.Name]; dup || p.Name == "" {
			return nil, fmt.Errorf("tone plans: name %q is empty or repeated", p.Name)
		}
		plans[p.Name] = p
	}
	return plans, nil
}

// mustLoadTones loads the embedded plans; they are part of the binary and tested, so an error
// is a build defect.
func mustLoadTones(text string) map[string]TonePlan {
	plans, err := loadTones(text)
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"dial", "ringback", "busy", "congestion", "call-waiting", "ring"} {
		if _, ok := plans[name]; !ok {
			panic(fmt.Sprintf("tone plans: %q is missing", name))
		}
	}
	return plans
}
