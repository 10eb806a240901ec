package e2e

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// valuesServer serves encrypted (and plain) values files on 127.0.0.1;
// /auth/... needs basic auth user:pass.
type valuesServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string]string
	hits  []string
}

const (
	remoteUser = "ci-user"
	remotePass = "Pa55-" + canary // never in any message
)

func newValuesServer(t *testing.T, files map[string]string) *valuesServer {
	t.Helper()
	vs := &valuesServer{files: files}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	vs.Server = &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vs.mu.Lock()
		vs.hits = append(vs.hits, r.URL.Path)
		body, ok := vs.files[strings.TrimPrefix(r.URL.Path, "/auth")]
		vs.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/auth/") {
			if u, p, ok := r.BasicAuth(); !ok || u != remoteUser || p != remotePass {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	})}}
	vs.Start()
	t.Cleanup(vs.Close)
	return vs
}

// recordingHelm is a helm that notes each start in a file, then runs the
// real one: to tell whether helm was started at all.
func recordingHelm(t *testing.T, h *helmEnv) (bin, log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "starts")
	bin = testenv.WriteFile(t, dir, "helm", "#!/bin/sh\necho \"$1\" >> '"+log+"'\nexec '"+h.bin+"' \"$@\"\n")
	if err := chmodX(bin); err != nil {
		t.Fatal(err)
	}
	return bin, log
}

func started(log string) bool {
	b, err := os.ReadFile(log)
	return err == nil && len(b) > 0
}

// TestWrapperRemoteValues: -f http(s)://… and --set-file k=http(s)://…
// are fetched, decrypted in memory and delivered like local files; s3://
// through a helm getter plugin, run the way helm runs it; secrets:// is
// left to helm. A 404, a refused login or a tampered file stops the run
// before helm starts, and the URL's password never appears in a message.
func TestWrapperRemoteValues(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.setupGetter(t)
			secrets := k.encrypt(t, "password: "+canary+"-remote\n", encrypt.FormatYAML)
			tampered := strings.Replace(secrets, "password: ENC[AES256_GCM,data:", "password: ENC[AES256_GCM,data:AA", 1)
			vs := newValuesServer(t, map[string]string{
				"/secrets.yaml":  secrets,
				"/token.txt":     k.encrypt(t, canary+"-token", encrypt.FormatBinary),
				"/plain.yaml":    "port: 9090\n",
				"/tampered.yaml": tampered,
			})
			base := vs.URL
			auth := "http://" + remoteUser + ":" + remotePass + "@" + strings.TrimPrefix(vs.URL, "http://") + "/auth"
			helmBin, starts := recordingHelm(t, h)
			env := []string{"SOPS_AGE_KEY_FILE=" + k.keyFile, "HELM_SECRETS_HELM_PATH=" + helmBin}

			// A getter plugin for s3:// (helm-s3's protocol), serving
			// from its own folder: helm runs <dir>/<command> CERT KEY CA URL.
			out, _, _ := h.run("env", "HELM_PLUGINS")
			s3 := filepath.Join(strings.TrimSpace(out), "test-s3-getter")
			testenv.WriteFile(t, s3, "plugin.yaml", "name: \"test-s3-getter\"\nversion: \"0.1.0\"\nusage: \"s3:// from a folder\"\ndescription: \"test\"\ndownloaders:\n  - command: \"bin/get.sh --from-plugin\"\n    protocols: [\"s3\"]\n")
			get := testenv.WriteFile(t, s3, "bin/get.sh", "#!/bin/sh\n[ \"$1\" = --from-plugin ] && [ $# -eq 5 ] || exit 9\nexec cat \"$HELM_PLUGIN_DIR/objects/${5#s3://}\"\n")
			if err := chmodX(get); err != nil {
				t.Fatal(err)
			}
			testenv.WriteFile(t, s3, "objects/bucket/secrets.yaml", k.encrypt(t, "password: "+canary+"-s3\n", encrypt.FormatYAML))
			testenv.WriteFile(t, h.work, "local.yaml", k.encrypt(t, "port: 7070\n", encrypt.FormatYAML))

			type remoteCase struct {
				name string
				args []string
				want []string
			}
			var extra []remoteCase
			if h.name == "v4" {
				// A Helm 4 getter/v1 plugin for gs://: Helm 4 runs
				// <dir>/<platform command> <args> CERT KEY CA URL.
				gs := filepath.Join(strings.TrimSpace(out), "test-gs-getter")
				testenv.WriteFile(t, gs, "plugin.yaml", "apiVersion: v1\ntype: getter/v1\nname: test-gs-getter\nversion: 0.1.0\nruntime: subprocess\nconfig:\n  protocols: [\"gs\"]\nruntimeConfig:\n  protocolCommands:\n    - protocols: [\"gs\"]\n      platformCommand:\n        - command: \"bin/get.sh\"\n          args: [\"--v1\"]\n")
				getGS := testenv.WriteFile(t, gs, "bin/get.sh", "#!/bin/sh\n[ \"$1\" = --v1 ] && [ $# -eq 5 ] || exit 9\nexec cat \"$HELM_PLUGIN_DIR/objects/${5#gs://}\"\n")
				if err := chmodX(getGS); err != nil {
					t.Fatal(err)
				}
				testenv.WriteFile(t, gs, "objects/bucket/secrets.yaml", k.encrypt(t, "password: "+canary+"-gs\n", encrypt.FormatYAML))
				testenv.WriteFile(t, gs, "objects/bucket/plain.yaml", "port: 6060\n")
				// Plain helm 4 runs the plugin the same way.
				if o, e, code := h.run("template", "rel", chart(), "-f", "gs://bucket/plain.yaml"); code != 0 || !strings.Contains(o, `port: "6060"`) {
					t.Fatalf("helm 4 itself with the v1 getter: exit %d\n%s\n%s", code, o, e)
				}
				extra = append(extra, remoteCase{"gs:// through a Helm 4 getter/v1 plugin", []string{"-f", "gs://bucket/secrets.yaml", "-f", "gs://bucket/plain.yaml"},
					[]string{`password: "` + canary + `-gs"`, `port: "6060"`}})
			}

			for _, tc := range append([]remoteCase{
				{"-f http and --set-file http", []string{"-f", base + "/secrets.yaml", "--set-file", "token=" + base + "/token.txt", "-f", base + "/plain.yaml"},
					[]string{`password: "` + canary + `-remote"`, `token: "` + canary + `-token"`, `port: "9090"`}},
				{"--values= with basic auth", []string{"--values=" + auth + "/secrets.yaml", "--set-file=token=" + auth + "/token.txt"},
					[]string{`password: "` + canary + `-remote"`, `token: "` + canary + `-token"`}},
				{"s3:// through a getter plugin", []string{"-f", "s3://bucket/secrets.yaml", "-f", "local.yaml"},
					[]string{`password: "` + canary + `-s3"`, `port: "7070"`}},
				{"secrets:// left to helm", []string{"-f", "secrets://" + base + "/secrets.yaml"},
					[]string{`password: "` + canary + `-remote"`}},
			}, extra...) {
				os.Remove(starts)
				args := append([]string{"secrets", "template", "rel", chart()}, tc.args...)
				out, errOut, code := h.runEnv(env, args...)
				if code != 0 {
					t.Fatalf("%s: exit %d\n%s\n%s", tc.name, code, out, errOut)
				}
				for _, w := range tc.want {
					if !strings.Contains(out, w) {
						t.Fatalf("%s: %q missing from\n%s\n%s", tc.name, w, out, errOut)
					}
				}
				if strings.Contains(out, "ENC[") || strings.Contains(errOut, remotePass) {
					t.Fatalf("%s: ciphertext in the output or password in a message\n%s\n%s", tc.name, out, errOut)
				}
			}
			// The Decrypt: line names the URL without its password.
			_, errOut, _ := h.runEnv(env, "secrets", "template", "rel", chart(), "-f", auth+"/secrets.yaml")
			if !strings.Contains(errOut, "[helm-secrets] Decrypt: http://"+remoteUser+":xxxxx@") || strings.Contains(errOut, remotePass) {
				t.Fatalf("Decrypt line:\n%s", errOut)
			}

			for _, tc := range []struct{ name, url, msg string }{
				{"404", base + "/missing.yaml", "404"},
				{"404 with credentials", auth + "/missing.yaml", "404"},
				{"wrong password", strings.Replace(auth, remotePass, "wrong-"+remotePass, 1) + "/secrets.yaml", "401"},
				{"tampered", base + "/tampered.yaml", "tampered.yaml"},
				{"connection refused", "http://127.0.0.1:1/secrets.yaml", "127.0.0.1:1"},
				{"getter plugin fails", "s3://bucket/missing.yaml", "s3://bucket/missing.yaml"},
			} {
				os.Remove(starts)
				for _, flag := range []string{"-f", "--set-file"} {
					v := tc.url
					if flag == "--set-file" {
						v = "token=" + v
					}
					out, errOut, code := h.runEnv(env, "secrets", "template", "rel", chart(), flag, v)
					if code == 0 || started(starts) {
						t.Fatalf("%s %s: exit %d, helm started %t\n%s\n%s", tc.name, flag, code, started(starts), out, errOut)
					}
					if !strings.Contains(errOut, tc.msg) || strings.Contains(out+errOut, remotePass) || strings.Contains(out+errOut, canary) {
						t.Fatalf("%s %s: message\n%s\n%s", tc.name, flag, out, errOut)
					}
				}
			}
		})
	}
}
