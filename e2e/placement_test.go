package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// placementPassword is the canary of the placement chart
// (testdata/charts/placement).
const placementPassword = "CANARY-placement-pw-5d1e"

// TestCheckPlacement: through real helm v3 and v4, `helm secrets
// --check-placement=error template` passes a chart that keeps the
// password in a mounted Secret (exit 0) and fails one that also puts it
// in an annotation, an env literal (JSON-encoded) and a ConfigMap's
// base64 config blob (exit 1), naming each place and the values key, never
// the value; stdout is helm's own either way; warn mode reports and exits
// 0; helm template prints no NOTES.txt. The standalone command reads the
// same output from a pipe.
func TestCheckPlacement(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			keyEnv := []string{"SOPS_AGE_KEY_FILE=" + k.keyFile}
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "db:\n  password: "+placementPassword+"\n", encrypt.FormatYAML))
			chartDir := filepath.Join(repoRoot, "testdata", "charts", "placement")
			base := []string{"template", "r", chartDir, "-f", "secrets.yaml"}

			plain, errOut, code := h.runEnv(keyEnv, append([]string{"secrets", "--check-placement=false"}, base...)...)
			if code != 0 {
				t.Fatalf("template: exit %d\n%s", code, errOut)
			}
			if strings.Contains(plain, "NOTES") {
				t.Errorf("helm template printed the notes:\n%s", plain)
			}
			out, errOut, code := h.runEnv(keyEnv, append([]string{"secrets", "--check-placement=error"}, base...)...)
			if code != 0 || out != plain {
				t.Errorf("clean chart: exit %d, stdout same as helm's: %t\n%s", code, out == plain, errOut)
			}
			if strings.Contains(errOut, "Placement check (") {
				t.Errorf("clean chart: findings reported:\n%s", errOut)
			}

			leak := append(append([]string{}, base...), "--set", "leak=true")
			plainLeak, _, code := h.runEnv(keyEnv, append([]string{"secrets", "--check-placement=false"}, leak...)...)
			if code != 0 {
				t.Fatalf("template leak=true: exit %d", code)
			}
			for _, mode := range []struct {
				args []string
				env  string
				code int
			}{
				{[]string{"--check-placement=error"}, "", 1},
				{[]string{"--check-placement"}, "", 1},
				{nil, "HELM_SECRETS_CHECK_PLACEMENT=error", 1},
				{[]string{"--check-placement=warn"}, "", 0},
			} {
				env := append([]string{}, keyEnv...)
				if mode.env != "" {
					env = append(env, mode.env)
				}
				out, errOut, code := h.runEnv(env, append(append([]string{"secrets"}, mode.args...), leak...)...)
				if code != mode.code {
					t.Errorf("%v %s: exit %d, want %d\n%s", mode.args, mode.env, code, mode.code, errOut)
				}
				if out != plainLeak {
					t.Errorf("%v: stdout differs from helm's", mode.args)
				}
				for _, want := range []string{
					"metadata  Deployment/r-app  metadata.annotations[\"example.com/db\"]  secrets.yaml:db.password",
					"env-literal  Deployment/r-app  spec.template.spec.containers[0].env[1].value  secrets.yaml:db.password",
					"configmap  ConfigMap/r-config  binaryData[\"app.ini\"]  secrets.yaml:db.password",
				} {
					if !strings.Contains(squeeze(errOut), want) {
						t.Errorf("%v: stderr lacks %q:\n%s", mode.args, want, errOut)
					}
				}
				if strings.Contains(errOut, "r-db") {
					t.Errorf("%v: the mounted Secret is reported:\n%s", mode.args, errOut)
				}
				assertNoCanary(t, "stderr", errOut)
			}

			// The standalone command on a pipe.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			for _, o := range []string{"table", "json", "sarif"} {
				cmd := exec.CommandContext(ctx, h.bin, "secrets", "placement", "-f", "secrets.yaml", "-o", o)
				cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), keyEnv...)
				cmd.Stdin = bytes.NewReader([]byte(plainLeak))
				out, errOut, code := runCmd(t, cmd)
				if code != 1 || !strings.Contains(out, "secrets.yaml:db.password") || !strings.Contains(out, "env-literal") {
					t.Errorf("placement -o %s: exit %d\n%s\n%s", o, code, out, errOut)
				}
				assertNoCanary(t, "placement -o "+o, out+errOut)
			}
		})
	}
}

// squeeze collapses runs of spaces (table columns) to two.
func squeeze(s string) string {
	for strings.Contains(s, "   ") {
		s = strings.ReplaceAll(s, "   ", "  ")
	}
	return s
}
