package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// installScriptPlugin installs a tiny Helm-3-format CLI plugin whose
// command is a shell script.
func (h *helmEnv) installScriptPlugin(t *testing.T, name, script string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	testenv.WriteFile(t, dir, "plugin.yaml", "name: "+name+"\nversion: 0.1.0\nusage: test plugin\ndescription: test plugin\nplatformCommand:\n  - command: \"$HELM_PLUGIN_DIR/run.sh\"\n")
	testenv.WriteFile(t, dir, "run.sh", "#!/bin/sh\n"+script)
	if err := chmodX(filepath.Join(dir, "run.sh")); err != nil {
		t.Fatal(err)
	}
	args := []string{"plugin", "install", dir}
	if h.name == "v4" {
		args = append(args, "--verify=false")
	}
	if out, errOut, code := h.run(args...); code != 0 {
		t.Fatalf("install %s: %d\n%s\n%s", name, code, out, errOut)
	}
}

// TestOtherPluginsKeepWorking installs another plugin before ours and checks
// it still runs afterwards, on both helm versions.
func TestOtherPluginsKeepWorking(t *testing.T) {
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t) // ours
			h.installScriptPlugin(t, "hello", "echo hello-from-plugin\n")
			out, errOut, code := h.run("hello")
			if code != 0 || !strings.Contains(out, "hello-from-plugin") {
				t.Fatalf("other plugin broken: %d %q %s", code, out, errOut)
			}
			if out, _, code := h.run("secrets", "--version"); code != 0 || out == "" {
				t.Fatalf("ours broken next to another plugin: %d %q", code, out)
			}
		})
	}
}

// TestHelmPluginChildReadsValues wraps a helm plugin (as `helm secrets diff
// upgrade ...` does): helm starts the plugin as a child process, which must
// be able to open the values paths it receives, twice.
func TestHelmPluginChildReadsValues(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			h.installScriptPlugin(t, "diff", `
while [ $# -gt 0 ]; do
  if [ "$1" = "-f" ]; then cat "$2"; cat "$2"; shift; fi
  shift
done
`)
			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"\n", encrypt.FormatYAML))
			// --redact=false: diff masks values by default (redact_test.go).
			out, errOut, code := h.runEnv([]string{"SOPS_AGE_KEY_FILE=" + k.keyFile}, "secrets", "--redact=false", "diff", "upgrade", "rel", chart(), "-f", "secrets.yaml")
			if code != 0 || strings.Count(out, "password: "+canary) != 2 {
				t.Fatalf("plugin child could not read the values twice: %d\nstdout %q\nstderr %s", code, out, errOut)
			}
		})
	}
}
