package audio

import (
	"os/exec"
	"testing"
)

// needTool returns the path of an external program a test needs; a missing one fails the test
// (make test installs them all).
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	t.Fatalf("%s not found (install it with .ci/deps.sh test, or make test): %v", name, err)
	return ""
}
