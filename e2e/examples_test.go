package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestExamplePrograms builds the example programs of docs/library.md
// (examples/install on Helm 3, examples/install-helm4 on Helm 4) and runs
// each twice against the real API server, as a user would: keys from
// SOPS_AGE_KEY_FILE, the cluster from KUBECONFIG. The first run installs,
// the second upgrades, and the Secret holds the decrypted password.
func TestExamplePrograms(t *testing.T) {
	kc := clusterClient(t)
	bin := t.TempDir()
	for _, c := range []struct{ prog, helmEnv string }{{"install", "HELM3_BIN"}, {"install-helm4", "HELM4_BIN"}} {
		prog := c.prog
		t.Run(prog, func(t *testing.T) {
			helmBin := testenv.Tool(t, c.helmEnv, "helm")
			exe := filepath.Join(bin, prog)
			build := exec.Command("go", "build", "-o", exe, "./examples/"+prog)
			build.Dir = repoRoot
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			k := newKeys(t)
			work := t.TempDir()
			ns, rel := "e2e-example-"+prog, "app" // not deleted: the test cluster has no namespace controller
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			// The release is removed with the same Helm's binary, before (a
			// run that was killed) and after.
			uninstall := func() { _ = exec.Command(helmBin, "uninstall", rel, "-n", ns).Run() }
			uninstall()
			t.Cleanup(uninstall)
			for v := 1; v <= 2; v++ {
				pw := fmt.Sprintf("%s-%s-%d", canary, prog, v)
				secrets := testenv.WriteFile(t, work, "secrets.yaml", k.encrypt(t, "password: "+pw+"\n", encrypt.FormatYAML))
				cmd := exec.CommandContext(ctx, exe, chart(), rel, ns, secrets)
				cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE="+k.keyFile, "HELM_DRIVER=secret")
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("run %d: %v\n%s", v, err, out)
				}
				want := fmt.Sprintf("release %s revision %d in %s: deployed\n", rel, v, ns)
				if string(out) != want {
					t.Errorf("run %d printed %q, want %q", v, out, want)
				}
				if strings.Contains(string(out), pw) {
					t.Errorf("run %d printed the plaintext", v)
				}
				s, err := kc.CoreV1().Secrets(ns).Get(ctx, rel+"-creds", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if got := string(s.Data["password"]); got != pw {
					t.Errorf("run %d: password %q, want %q", v, got, pw)
				}
			}
		})
	}
}
