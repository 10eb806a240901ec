package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/helm"
	"github.com/helm-secrets/helm-secrets/pkg/helm4"
)

// keyKindSetup is one age key kind as a user sets it up: the key, the
// environment that finds it, and for plugins the plugin on PATH and its
// run log.
type keyKindSetup struct {
	kind   string
	k1, k2 testenv.AgeKeyPair
	extra  []string // PATH and the plugin log, for plugins
	log    string
}

func newKeyKind(t *testing.T, kind string) *keyKindSetup {
	t.Helper()
	dir := t.TempDir()
	s := &keyKindSetup{kind: kind, k1: testenv.AgeKeyOf(t, kind, dir), k2: testenv.AgeKeyOf(t, kind, dir)}
	if kind == "plugin" {
		s.log = filepath.Join(t.TempDir(), "runs")
		s.extra = []string{"PATH=" + testenv.AgePluginDir(t) + string(os.PathListSeparator) + os.Getenv("PATH"), "HELMTEST_PLUGIN_LOG=" + s.log}
	}
	return s
}

// env is the environment of a run with key k (and for plugins the
// allow-list, unless refused).
func (s *keyKindSetup) env(k testenv.AgeKeyPair, allowPlugin bool) []string {
	env := append(append([]string{}, s.extra...), k.EnvList()...)
	if s.kind == "plugin" && allowPlugin {
		env = append(env, "HELM_SECRETS_AGE_PLUGIN_ALLOWLIST=helmtest")
	}
	return env
}

func (s *keyKindSetup) pluginRuns() int {
	b, _ := os.ReadFile(s.log)
	return bytes.Count(b, []byte("ran\n"))
}

// TestAgeKeyKindsEndToEnd: for each age key kind besides X25519
// (post-quantum hybrid, ssh-ed25519, ssh-rsa, an age plugin speaking the
// real plugin protocol), set up as users set up sops (.sops.yaml rule,
// SOPS_AGE_KEY_FILE / SOPS_AGE_SSH_PRIVATE_KEY_FILE), through real helm v3
// and v4 and the installed plugin: `helm secrets encrypt -i` follows the
// rule and the sops CLI decrypts the result; `helm secrets decrypt` of
// sops' own encryption prints what `sops -d` prints; `helm secrets
// template` (the lean wrapper, which serves hybrid keys alone, as a
// replaced full binary shows, and hands SSH and plugin keys to the full
// one) renders exactly what the full binary
// renders (`-q` goes to it) and what plain helm renders with secrets://;
// the lean getter prints byte for byte what the full downloader prints;
// rotate and updatekeys give files sops decrypts (updatekeys: with the
// added key alone); a plugin that is not in
// HELM_SECRETS_AGE_PLUGIN_ALLOWLIST is refused by encrypt, rotate and
// updatekeys without starting it. Then the SDKs (pkg/helm, pkg/helm4)
// render the file with keys from the environment.
func TestAgeKeyKindsEndToEnd(t *testing.T) {
	sops := testenv.Tool(t, "SOPS_BIN", "sops")
	hs := helms(t)
	for _, kind := range testenv.AgeKeyKinds {
		t.Run(kind, func(t *testing.T) {
			s := newKeyKind(t, kind)
			plain := "password: " + canary + "-" + kind + "\nport: 5432\n"
			var lastEnc []byte
			for _, h := range hs {
				t.Run(h.name, func(t *testing.T) {
					h.setupGetter(t)
					env := s.env(s.k1, true)
					run := func(env []string, args ...string) (string, string) {
						t.Helper()
						out, errOut, code := h.runEnv(env, args...)
						if code != 0 {
							t.Fatalf("helm %v: exit %d\n%s\n%s", args, code, out, errOut)
						}
						if strings.Contains(errOut, canary) {
							t.Fatalf("helm %v: the secret on stderr:\n%s", args, errOut)
						}
						return out, errOut
					}
					sopsD := func(env []string, file string) string {
						t.Helper()
						cmd := exec.Command(sops, "-d", file)
						cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), env...)
						out, errOut, code := runCmd(t, cmd)
						if code != 0 {
							t.Fatalf("sops -d %s: exit %d\n%s", file, code, errOut)
						}
						return out
					}
					testenv.WriteFile(t, h.work, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    age: \""+s.k1.Recipient+"\"\n")
					testenv.WriteFile(t, h.work, "secrets.yaml", plain)

					if kind == "plugin" {
						before := s.pluginRuns()
						out, errOut, code := h.runEnv(s.env(s.k1, false), "secrets", "encrypt", "-i", "secrets.yaml")
						if code == 0 || !strings.Contains(errOut, "HELM_SECRETS_AGE_PLUGIN_ALLOWLIST=helmtest") || s.pluginRuns() != before {
							t.Fatalf("encrypt for a plugin that is not allowed: exit %d, %d plugin runs\n%s\n%s", code, s.pluginRuns(), out, errOut)
						}
					}
					run(env, "secrets", "encrypt", "-i", "secrets.yaml")
					enc, err := os.ReadFile(filepath.Join(h.work, "secrets.yaml"))
					if err != nil || !bytes.Contains(enc, []byte("recipient: "+s.k1.Recipient)) || bytes.Contains(enc, []byte(canary)) {
						t.Fatalf("encrypt -i did not follow the rule: %v\n%s", err, enc)
					}
					if got := sopsD(env, "secrets.yaml"); got != plain {
						t.Fatalf("sops -d of helm secrets encrypt's file: %q", got)
					}
					if got, _ := run(env, "secrets", "decrypt", "secrets.yaml"); got != plain {
						t.Fatalf("helm secrets decrypt: %q", got)
					}

					// sops encrypts, we decrypt.
					testenv.WriteFile(t, h.work, "secrets-sops.yaml", plain)
					cmd := exec.Command(sops, "-e", "-i", "secrets-sops.yaml")
					cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), env...)
					if _, errOut, code := runCmd(t, cmd); code != 0 {
						t.Fatalf("sops -e: %s", errOut)
					}
					if got, _ := run(env, "secrets", "decrypt", "secrets-sops.yaml"); got != sopsD(env, "secrets-sops.yaml") {
						t.Fatalf("helm secrets decrypt of sops' file: %q", got)
					}

					// The wrapper (lean, or handed to the full binary) and
					// the full binary (-q) render the same; so does plain
					// helm through the downloader.
					tmpl := []string{"template", "rel", chart(), "-f", "secrets.yaml", "-f", "secrets-sops.yaml"}
					wrapped, _ := run(env, append([]string{"secrets"}, tmpl...)...)
					full, _ := run(env, append([]string{"secrets", "-q"}, tmpl...)...)
					if wrapped != full || !strings.Contains(wrapped, canary+"-"+kind) {
						t.Fatalf("helm secrets template:\n%s\nfull binary:\n%s", wrapped, full)
					}
					got, _ := run(env, "template", "rel", chart(), "-f", "secrets://secrets.yaml", "-f", "secrets://secrets-sops.yaml")
					if got != wrapped {
						t.Fatalf("plain helm with secrets://:\n%s\nwant\n%s", got, wrapped)
					}
					// Which binary served it: with the full binary replaced by
					// one that records its start and fails, the lean wrapper
					// serves hybrid keys alone and hands the others over.
					pluginBinDir := filepath.Join(h.pluginsDir(), map[string]string{"v3": "helm-secrets", "v4": "secrets"}[h.name], "bin")
					realBin := filepath.Join(pluginBinDir, "helm-secrets")
					saved, err := os.ReadFile(realBin)
					if err != nil {
						t.Fatal(err)
					}
					marker := filepath.Join(t.TempDir(), "started")
					testenv.WriteFile(t, pluginBinDir, "helm-secrets", "#!/bin/sh\necho started >> "+marker+"\nexit 1\n")
					if err := chmodX(realBin); err != nil {
						t.Fatal(err)
					}
					leanOut, leanErr, leanCode := h.runEnv(env, append([]string{"secrets"}, tmpl...)...)
					_, startErr := os.Stat(marker)
					if err := os.WriteFile(realBin, saved, 0o755); err != nil {
						t.Fatal(err)
					}
					switch {
					case kind == "pq" && (leanCode != 0 || leanOut != wrapped || startErr == nil):
						t.Fatalf("the lean wrapper did not serve hybrid keys alone: exit %d, full binary started: %t\n%s", leanCode, startErr == nil, leanErr)
					case kind != "pq" && startErr != nil:
						t.Fatalf("the lean wrapper did not hand %s keys to the full binary (exit %d)", kind, leanCode)
					}

					bin := h.getterBin()
					getter := func(name string, args ...string) string {
						t.Helper()
						cmd := exec.Command(filepath.Join(bin, name), args...)
						cmd.Dir, cmd.Env = h.work, append(append([]string{}, h.env...), env...)
						out, errOut, code := runCmd(t, cmd)
						if code != 0 {
							t.Fatalf("%s: exit %d\n%s", name, code, errOut)
						}
						return out
					}
					if lean, full := getter("helm-secrets-getter", "", "", "", "secrets://secrets.yaml"), getter("helm-secrets", "downloader", "", "", "", "secrets://secrets.yaml"); lean != full || lean != plain {
						t.Fatalf("lean getter %q, full downloader %q", lean, full)
					}

					// rotate
					if kind == "plugin" {
						before := s.pluginRuns()
						if _, errOut, code := h.runEnv(s.env(s.k1, false), "secrets", "rotate", "-i", "secrets.yaml"); code == 0 || !strings.Contains(errOut, "HELM_SECRETS_AGE_PLUGIN_ALLOWLIST=helmtest") || s.pluginRuns() != before {
							t.Fatalf("rotate for a plugin that is not allowed: exit %d\n%s", code, errOut)
						}
					}
					run(env, "secrets", "rotate", "-i", "secrets.yaml")
					rotated, _ := os.ReadFile(filepath.Join(h.work, "secrets.yaml"))
					if bytes.Equal(rotated, enc) || sopsD(env, "secrets.yaml") != plain {
						t.Fatal("rotate: unchanged file, or sops does not decrypt it")
					}

					// updatekeys: the second key joins the rule.
					testenv.WriteFile(t, h.work, ".sops.yaml", "creation_rules:\n  - path_regex: secrets[^/]*\\.yaml$\n    age: \""+s.k1.Recipient+","+s.k2.Recipient+"\"\n")
					if kind == "plugin" {
						before := s.pluginRuns()
						if _, errOut, code := h.runEnv(s.env(s.k1, false), "secrets", "updatekeys", "secrets.yaml"); code == 0 || !strings.Contains(errOut, "HELM_SECRETS_AGE_PLUGIN_ALLOWLIST=helmtest") || s.pluginRuns() != before {
							t.Fatalf("updatekeys for a plugin that is not allowed: exit %d\n%s", code, errOut)
						}
					}
					run(env, "secrets", "updatekeys", "secrets.yaml")
					env2 := s.env(s.k2, true)
					if got := sopsD(env2, "secrets.yaml"); got != plain {
						t.Fatalf("sops -d with the added key: %q", got)
					}
					if got, _ := run(env2, "secrets", "decrypt", "secrets.yaml"); got != plain {
						t.Fatalf("helm secrets decrypt with the added key: %q", got)
					}
					if got, _ := run(env2, "secrets", "template", "rel", chart(), "-f", "secrets.yaml"); !strings.Contains(got, canary+"-"+kind) {
						t.Fatalf("helm secrets template with the added key:\n%s", got)
					}
					lastEnc, _ = os.ReadFile(filepath.Join(h.work, "secrets.yaml"))
				})
			}
			if lastEnc == nil {
				return
			}
			// The SDKs, keys from the environment.
			testenv.Isolate(t)
			for _, kv := range s.env(s.k1, true) {
				n, v, _ := strings.Cut(kv, "=")
				t.Setenv(n, v)
			}
			ctx := context.Background()
			file := testenv.WriteFile(t, t.TempDir(), "secrets.yaml", string(lastEnc))
			t3 := helm.NewTemplate()
			t3.Values.ValueFiles = []string{file}
			r3, err := t3.RunPath(ctx, chart())
			if err != nil || !strings.Contains(t3.Output(r3), canary+"-"+kind) {
				t.Fatalf("pkg/helm template: %v", err)
			}
			t4 := helm4.NewTemplate()
			t4.Values.ValueFiles = []string{file}
			r4, err := t4.RunPath(ctx, chart())
			if err != nil || !strings.Contains(t4.Output(r4), canary+"-"+kind) {
				t.Fatalf("pkg/helm4 template: %v", err)
			}
		})
	}
}
