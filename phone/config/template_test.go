package config

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/sipterm/sipterm/assets"
)

// TestTemplateDocumentsEveryKey: the template --print-config prints (assets/config.toml) parses as
// the built-in defaults and mentions every key the parser accepts, so a new key cannot ship
// undocumented.
func TestTemplateDocumentsEveryKey(t *testing.T) {
	if _, err := Parse("assets/config.toml", []byte(assets.ConfigTemplate)); err != nil {
		t.Fatalf("the embedded template does not parse: %v", err)
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[Config](), reflect.TypeFor[UIConfig](), reflect.TypeFor[Account](), reflect.TypeFor[Policy]()} {
		for i := range typ.NumField() {
			tag := strings.Split(typ.Field(i).Tag.Get("toml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			// a key is documented when a line (commented or not) assigns it or names its table
			q := regexp.QuoteMeta(tag)
			re := regexp.MustCompile(`(?m)(^|[\s#/])(` + q + `\s*=|\[\[?` + q + `\]\]?)`)
			if !re.MatchString(assets.ConfigTemplate) {
				t.Errorf("%s.%s: key %q is not in assets/config.toml", typ.Name(), typ.Field(i).Name, tag)
			}
		}
	}
}
