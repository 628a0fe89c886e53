package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SavePolicies rewrites the [[policy]] tables of the config file at path with rules and keeps
// every other line (comments and keys) as it is. The new rules go where the first old one was,
// else at the end. The file is replaced atomically (a temporary file renamed over it); a missing
// file is created.
func SavePolicies(path string, rules []Policy) error {
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("saving the policy: %w", err)
	}
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	out := ReplacePolicies(string(data), rules)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("saving the policy: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("saving the policy: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.WriteString(out); err != nil {
		tmp.Close()
		return fmt.Errorf("saving the policy: %w", err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("saving the policy: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("saving the policy: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving the policy: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving the policy: %w", err)
	}
	return nil
}

// ReplacePolicies is the file text with its [[policy]] tables replaced by rules. A table runs
// from its header to its last key line before the next header; comment lines just before the
// next header stay (they belong to what follows).
func ReplacePolicies(text string, rules []Policy) string {
	lines := strings.Split(text, "\n")
	var kept []string
	insertAt := -1
	for i := 0; i < len(lines); {
		m := tableRe.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil || m[1] != "[[" || m[2] != "policy" {
			kept = append(kept, lines[i])
			i++
			continue
		}
		if insertAt < 0 {
			insertAt = len(kept)
		}
		// the end: the next header, then back over blank and comment lines
		j := i + 1
		for j < len(lines) && tableRe.FindStringSubmatch(strings.TrimSpace(lines[j])) == nil {
			j++
		}
		end := j
		for end > i+1 {
			s := strings.TrimSpace(lines[end-1])
			if s != "" && !strings.HasPrefix(s, "#") {
				break
			}
			end--
		}
		// blank lines after the table stay as they were, unless another rule follows
		k := end
		for k < len(lines) && strings.TrimSpace(lines[k]) == "" {
			k++
		}
		if m := tableRe.FindStringSubmatch(strings.TrimSpace(lineAt(lines, k))); m != nil && m[1] == "[[" && m[2] == "policy" {
			end = k
		}
		i = end
	}
	rendered := renderPolicies(rules)
	if insertAt < 0 {
		for len(kept) > 0 && strings.TrimSpace(kept[len(kept)-1]) == "" {
			kept = kept[:len(kept)-1]
		}
		if len(rendered) == 0 {
			return strings.Join(kept, "\n") + "\n"
		}
		if len(kept) > 0 {
			kept = append(kept, "")
		}
		return strings.Join(append(kept, rendered[:len(rendered)-1]...), "\n") + "\n"
	}
	if len(rendered) > 0 {
		rendered = rendered[:len(rendered)-1] // the blank after the last table: the file's own follows
	}
	out := append(append(append([]string(nil), kept[:insertAt]...), rendered...), kept[insertAt:]...)
	return strings.Join(out, "\n")
}

// renderPolicies is the rules as [[policy]] tables, each followed by a blank line.
func renderPolicies(rules []Policy) []string {
	var out []string
	for _, r := range rules {
		out = append(out, "[[policy]]")
		for _, w := range r.Words() {
			k, v, _ := strings.Cut(w, "=")
			if k == "code" {
				out = append(out, k+" = "+v)
			} else {
				out = append(out, k+" = "+strconv.Quote(v))
			}
		}
		out = append(out, "")
	}
	return out
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}
