//go:build linux

package wrapper_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestWrapSIGKILL kills the wrapper process while helm holds the values:
// helm must be told to stop (parent-death signal) and no plaintext may be
// left anywhere.
func TestWrapSIGKILL(t *testing.T) {
	f := newFixture(t)
	t.Chdir(f.dir)
	f.encrypted("secrets.yaml", "password: "+canary+"\n", encrypt.FormatYAML)
	// From the environment the test started with (newFixture ran
	// Isolate); a bad value fails instead of meaning 0 iterations.
	iterations := testenv.IntSetting(t, "HELM_SECRETS_KILL_ITERATIONS", 5, 1)
	for i := 0; i < iterations; i++ {
		ready := filepath.Join(f.control, fmt.Sprintf("ready%d", i))
		cmd := exec.Command(os.Args[0], "template", "chart", "-f", "secrets.yaml")
		cmd.Env = append(os.Environ(), "HELM_SECRETS_TEST_MODE=wrapper", "SOPS_AGE_KEY="+f.id.String(), "FAKE_HELM_READY="+ready)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		helmPid := waitReady(t, ready)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		// helm must go away on its own (SIGTERM from the parent-death signal).
		deadline := time.Now().Add(10 * time.Second)
		for alive(helmPid) {
			if time.Now().After(deadline) {
				_ = syscall.Kill(helmPid, syscall.SIGKILL)
				t.Fatalf("iteration %d: helm %d still running after its wrapper was killed", i, helmPid)
			}
			time.Sleep(20 * time.Millisecond)
		}
		scanForCanary(t, f.dir, f.tmp, os.Getenv("HOME"))
	}
}
