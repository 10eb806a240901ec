package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// helmfile v1.8.0 drives the plugin as its users run it: for each entry of
// a release's `secrets:` it runs `helm secrets decrypt ABS_PATH` (`view`
// when the installed plugin's version is below 4), with the release's helm
// arguments (helmDefaults.args, --args) appended, and hands the output to
// helm as a values file. `helmfile init` checks the installed plugin's
// version against the one it recommends.

// helmfileBin is the helmfile built by scripts/test-deps.sh.
func helmfileBin(t *testing.T) string {
	t.Helper()
	if os.Getenv("HELMFILE_BIN") == "" && !testenv.Required() {
		t.Skip("no helmfile (HELMFILE_BIN); run scripts/test-deps.sh")
	}
	return testenv.Tool(t, "HELMFILE_BIN", "helmfile")
}

// helmfile runs helmfile ARGS in h.work with h's helm and plugins.
func (h *helmEnv) helmfile(t *testing.T, bin string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--helm-binary", h.bin}, args...)...)
	cmd.Dir = h.work
	// No update check (it would ask GitHub), no colours in the output.
	cmd.Env = append(append([]string{}, h.env...), "HELMFILE_UPGRADE_NOTICE_DISABLED=1", "NO_COLOR=1")
	cmd.Stdin = strings.NewReader(stdin)
	return runCmd(t, cmd)
}

// pluginDir is where `helm plugin install` put the plugin called name.
func (h *helmEnv) pluginDir(t *testing.T, name string) string {
	t.Helper()
	out, errOut, code := h.run("env", "HELM_PLUGINS")
	if code != 0 {
		t.Fatalf("helm env: %d %s", code, errOut)
	}
	root := strings.TrimSpace(out)
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, "plugin.yaml"))
		if err == nil && regexp.MustCompile(`(?m)^name: "?`+regexp.QuoteMeta(name)+`"?$`).Match(b) {
			return dir
		}
	}
	t.Fatalf("plugin %s not found in %s", name, root)
	return ""
}

var manifestVersion = regexp.MustCompile(`(?m)^version: "?([0-9][^"\n]*)"?$`)

// setPluginVersion rewrites the version in the installed plugin's
// manifest (helmfile reads nothing else to pick its command).
func setPluginVersion(t *testing.T, dir, v string) {
	t.Helper()
	p := filepath.Join(dir, "plugin.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, manifestVersion.ReplaceAll(b, []byte(`version: "`+v+`"`)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHelmfileSecrets runs helmfile template and lint with `secrets:`
// entries on helm v3 and v4, with and without appended helm args, with the
// plugin's own version (and the other major, so that both of helmfile's
// commands, view and decrypt, are driven), and checks the decrypted values
// in the output.
func TestHelmfileSecrets(t *testing.T) {
	hf := helmfileBin(t)
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			h.env = append(h.env, "SOPS_AGE_KEY_FILE="+k.keyFile)
			plugin := h.pluginDir(t, "secrets")
			b, _ := os.ReadFile(filepath.Join(plugin, "plugin.yaml"))
			own := string(manifestVersion.FindSubmatch(b)[1])
			other := "4.7.4"
			if !strings.HasPrefix(own, "0.") && !strings.HasPrefix(own, "1.") && !strings.HasPrefix(own, "2.") && !strings.HasPrefix(own, "3.") {
				other = "3.15.0"
			}

			testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-helmfile\n", encrypt.FormatYAML))
			testenv.WriteFile(t, h.work, "token.json", k.encrypt(t, `{"token": "`+canary+`-token"}`, encrypt.FormatJSON))
			testenv.WriteFile(t, h.work, "values.yaml", "port: 8081\n")
			release := "releases:\n  - name: app\n    namespace: ns\n    chart: " + chart() + "\n" +
				"    values: [values.yaml]\n    secrets: [secrets.yaml, token.json]\n"
			plainFile := testenv.WriteFile(t, h.work, "plain.yaml", release)
			withArgs := testenv.WriteFile(t, h.work, "with-args.yaml",
				"helmDefaults:\n  args:\n    - --kube-version=1.29.0\n    - --set=extra=from-helm-defaults\n"+release)

			want := []string{`password: "` + canary + `-helmfile"`, `token: "` + canary + `-token"`, `port: "8081"`}
			for _, version := range []string{own, other} {
				setPluginVersion(t, plugin, version)
				command := "decrypt"
				if version[0] <= '3' {
					command = "view"
				}
				for _, tc := range []struct {
					name     string
					args     []string
					appended string // what helmfile appends after the file
				}{
					{"no args", []string{"-f", plainFile, "template", "--skip-deps"}, ""},
					{"helmDefaults.args", []string{"-f", withArgs, "template", "--skip-deps"}, " --kube-version=1.29.0 --set=extra=from-helm-defaults"},
					{"--args", []string{"-f", plainFile, "template", "--skip-deps", "--args", "--skip-tests --kube-version=1.29.0"}, " --skip-tests --kube-version=1.29.0"},
					{"both", []string{"-f", withArgs, "template", "--skip-deps", "--args", "--skip-tests"}, " --skip-tests --kube-version=1.29.0 --set=extra=from-helm-defaults"},
				} {
					args := append([]string{"--log-level", "debug"}, tc.args...)
					out, errOut, code := h.helmfile(t, hf, "", args...)
					if code != 0 {
						t.Fatalf("plugin %s, %s: helmfile exit %d\n%s\n%s", version, tc.name, code, out, errOut)
					}
					for _, w := range want {
						if !strings.Contains(out, w) {
							t.Fatalf("plugin %s, %s: %q missing from\n%s\n%s", version, tc.name, w, out, errOut)
						}
					}
					// helmfile really ran our command with its args after the file.
					call := "secrets " + command + " " + filepath.Join(h.work, "secrets.yaml") + tc.appended
					if !strings.Contains(errOut, call+"\n") {
						t.Fatalf("plugin %s, %s: no %q in helmfile's log\n%s", version, tc.name, call, errOut)
					}
					if strings.Contains(out, "ENC[") {
						t.Fatalf("plugin %s, %s: ciphertext in the output\n%s", version, tc.name, out)
					}
				}
				out, errOut, code := h.helmfile(t, hf, "", "-f", withArgs, "lint", "--skip-deps", "--args", "--set=lint=1")
				if code != 0 || !strings.Contains(out+errOut, "1 chart(s) linted, 0 chart(s) failed") {
					t.Fatalf("plugin %s: helmfile lint: exit %d\n%s\n%s", version, code, out, errOut)
				}
			}
			setPluginVersion(t, plugin, own)

			// A file the plugin cannot decrypt stops helmfile.
			testenv.WriteFile(t, h.work, "other.yaml", newKeys(t).encrypt(t, "password: "+canary+"-nokey\n", encrypt.FormatYAML))
			bad := testenv.WriteFile(t, h.work, "bad.yaml", strings.Replace(release, "secrets: [secrets.yaml, token.json]", "secrets: [other.yaml]", 1))
			out, errOut, code := h.helmfile(t, hf, "", "-f", bad, "template", "--skip-deps")
			if code == 0 || strings.Contains(out+errOut, canary+"-nokey") || strings.Contains(out, "kind: Secret") {
				t.Fatalf("undecryptable secret: exit %d\n%s\n%s", code, out, errOut)
			}
		})
	}
}

// TestHelmfileInit: `helmfile init` accepts the installed plugin as
// current (it asks to update plugins older than the version it
// recommends; with no answer on stdin it gives up). The other plugins it
// checks are not ours: their manifests are laid out at the versions it
// recommends.
func TestHelmfileInit(t *testing.T) {
	hf := helmfileBin(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setup(t)
			out, _, _ := h.run("env", "HELM_PLUGINS")
			root := strings.TrimSpace(out)
			for name, version := range map[string]string{"diff": "3.15.13", "s3": "0.16.3", "helm-git": "1.3.0", "unittest": "1.0.3"} {
				testenv.WriteFile(t, filepath.Join(root, "helmfile-init-"+name), "plugin.yaml",
					"name: \""+name+"\"\nversion: \""+version+"\"\nusage: \"stand-in for helmfile init\"\ndescription: \"stand-in\"\ncommand: \"/bin/true\"\n")
			}
			plugin := h.pluginDir(t, "secrets")
			b, _ := os.ReadFile(filepath.Join(plugin, "plugin.yaml"))
			own := string(manifestVersion.FindSubmatch(b)[1])
			// The layout itself is right: at helmfile's recommended version
			// init is content...
			setPluginVersion(t, plugin, "4.7.4")
			out, errOut, code := h.helmfile(t, hf, "", "init")
			if code != 0 || !strings.Contains(out+errOut, "helmfile initialization completed!") {
				t.Fatalf("helmfile init (plugin at 4.7.4): exit %d\n%s\n%s", code, out, errOut)
			}
			// ... and with our own version it must be too.
			setPluginVersion(t, plugin, own)
			out, errOut, code = h.helmfile(t, hf, "", "init")
			if code != 0 || !strings.Contains(out+errOut, "helmfile initialization completed!") || strings.Contains(out+errOut, `"secrets"`) {
				t.Fatalf("helmfile init does not accept plugin version %s (it recommends v4.7.4): exit %d\n%s\n%s", own, code, out, errOut)
			}
		})
	}
}
