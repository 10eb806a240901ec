package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestWrapperLeanPath: through real helm v3 and v4 and the plugin
// manifests, `helm secrets template` with an age-keyed YAML file is run by
// the lean wrapper (bin/helm-secrets-wrapper) alone: it works with the full
// binary replaced by one that records its start and fails. Other command
// lines reach the full binary with their arguments unchanged.
func TestWrapperLeanPath(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			bin := filepath.Join(h.pluginsDir(), map[string]string{"v3": "helm-secrets", "v4": "secrets"}[h.name], "bin")
			env := []string{"SOPS_AGE_KEY_FILE=" + k.keyFile}
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-lean\nport: 5432\n", encrypt.FormatYAML))
			testenv.WriteFile(t, h.work, "values.yaml", "replicas: 3\n")
			args := []string{"secrets", "template", "rel", chart(), "-f", "values.yaml", "-f", "secrets.yaml", "--set", "x=1"}
			fullOut, fullErr, fullCode := h.runEnv(env, args...)
			if fullCode != 0 || !strings.Contains(fullOut, canary+"-lean") {
				t.Fatalf("helm secrets template: exit %d\n%s\n%s", fullCode, fullOut, fullErr)
			}

			real := filepath.Join(bin, "helm-secrets")
			saved, err := os.ReadFile(real)
			if err != nil {
				t.Fatal(err)
			}
			marker := filepath.Join(t.TempDir(), "started")
			testenv.WriteFile(t, bin, "helm-secrets", "#!/bin/sh\nprintf '%s\\n' \"$*\" >> "+marker+"\nexit 1\n")
			if err := chmodX(real); err != nil {
				t.Fatal(err)
			}
			defer os.WriteFile(real, saved, 0o755)
			out, errOut, code := h.runEnv(env, args...)
			if code != 0 || out != fullOut || errOut != fullErr {
				t.Fatalf("without the full binary: exit %d\n%s\n%s\nwant\n%s\n%s", code, out, errOut, fullOut, fullErr)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("the lean wrapper started the full binary for an age-keyed YAML file")
			}
			if !strings.Contains(errOut, "[helm-secrets] Decrypt: secrets.yaml") {
				t.Fatalf("no Decrypt message: %s", errOut)
			}
			if _, _, code := h.runEnv(env, "secrets", "-q", "template", "rel", chart(), "-f", "secrets.yaml"); code == 0 {
				t.Fatal("a global option must go to the full binary (replaced by one that fails)")
			}
			got, err := os.ReadFile(marker)
			if err != nil || !strings.HasSuffix(string(got), "-q template rel "+chart()+" -f secrets.yaml\n") {
				t.Fatalf("hand-off arguments: %q (%v)", got, err)
			}
		})
	}
}
