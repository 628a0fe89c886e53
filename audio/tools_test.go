package audio

import (
	"os"
	"os/exec"
	"testing"
)

// needTool returns the path of an external program a test needs. Missing, the test is skipped,
// except under CI=true, where a missing tool is a failure.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found (CI=true: install it with .ci/deps.sh test): %v", name, err)
	}
	t.Skipf("%s not found: %v (install with .ci/deps.sh test)", name, err)
	return ""
}
