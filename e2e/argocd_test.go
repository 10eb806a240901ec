package e2e

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/foundation/version"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// repoServer is an Argo CD repo server's file system and environment, laid
// out the way docs/argo-cd.md's init container does it: the release tree
// in /custom-tools/helm-secrets, the two plugins in /helm-plugins (found
// through HELM_PLUGINS, no `helm plugin install`), the shim as
// /custom-tools/helm first in PATH and the real helm elsewhere.
type repoServer struct {
	tools   string // /custom-tools
	plugins string // /helm-plugins
	real    string // the real helm, as HELM_SECRETS_HELM_PATH names it
	repo    string // the Application's checkout (helm's working directory)
	env     []string
}

// copyFile copies src to dst (following links, as cp does), keeping the
// executable bit.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	st, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies the folder src to dst (cp -r: links stay links).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.IsDir():
			return os.MkdirAll(target, 0o755)
		}
		copyFile(t, p, target)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// shimInstalls are the ways the docs (ours and the shell plugin's) put the
// shim first in PATH: the file helm or helm.sh, copied or linked, always
// under the name helm.
var shimInstalls = []struct {
	name, file string
	link       bool
}{
	{"copy-helm", "helm", false},
	{"copy-helm.sh", "helm.sh", false},
	{"link-helm", "helm", true},
	{"link-helm.sh", "helm.sh", true},
}

// newRepoServer lays out a repo server for helm h with the shim installed
// from scripts/wrapper/FILE, copied or linked.
func newRepoServer(t *testing.T, h *helmEnv, file string, link bool) *repoServer {
	t.Helper()
	root := t.TempDir()
	rs := &repoServer{
		tools: filepath.Join(root, "custom-tools"),
		real:  filepath.Join(root, "usr", "local", "bin", "helm"),
		repo:  filepath.Join(root, "repo"),
	}
	// The init container of docs/argo-cd.md: the release archive unpacked
	// into /custom-tools/helm-secrets (helm-secrets.tar.gz holds that
	// folder); HELM_PLUGINS is its parent (Helm 3: one plugin, the root
	// plugin.yaml) or its plugins/ folder (Helm 4: the three v1 plugins).
	tree := filepath.Join(rs.tools, "helm-secrets")
	extract(t, filepath.Join(release(t).dir, "helm-secrets.tar.gz"), rs.tools)
	rs.plugins = rs.tools
	if h.name == "v4" {
		rs.plugins = filepath.Join(tree, "plugins")
	}
	shim := filepath.Join(rs.tools, "helm")
	if link {
		if err := os.Symlink(filepath.Join(tree, "scripts", "wrapper", file), shim); err != nil {
			t.Fatal(err)
		}
	} else {
		copyFile(t, filepath.Join(tree, "scripts", "wrapper", file), shim)
	}
	if err := os.MkdirAll(filepath.Dir(rs.real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(h.bin, rs.real); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(rs.repo, 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(root, "home")
	if err := os.MkdirAll(filepath.Join(home, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	rs.env = []string{
		"HOME=" + home,
		"TMPDIR=" + filepath.Join(home, "tmp"),
		"HELM_CONFIG_HOME=" + filepath.Join(home, "config"),
		"HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
		"HELM_DATA_HOME=" + filepath.Join(home, "data"),
		"HELM_PLUGINS=" + rs.plugins,
		"PATH=" + rs.tools + string(os.PathListSeparator) + filepath.Dir(rs.real) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HELM_SECRETS_WRAPPER_ENABLED=true",
		"ARGOCD_APP_NAME=guestbook",
		"ARGOCD_APP_NAMESPACE=guestbook",
	}
	return rs
}

// helm runs `helm ARGS` as the repo server does: the name helm looked up
// in PATH (the shim), in the checkout. A run that does not finish within a
// minute fails the test (a shim calling itself never does).
func (rs *repoServer) helm(t *testing.T, extra []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(rs.tools, "helm"), args...)
	cmd.Args[0] = "helm"
	cmd.Dir = rs.repo
	cmd.Env = append(append([]string{}, rs.env...), extra...)
	cmd.WaitDelay = 5 * time.Second
	out, errOut, code := runCmd(t, cmd)
	if ctx.Err() != nil {
		t.Fatalf("helm %s did not finish in a minute (a loop?)\nstderr: %.2000s", strings.Join(args, " "), errOut)
	}
	return out, errOut, code
}

// TestShimFileNames installs the shim under each of its file names, copied
// and linked, first in PATH, and checks that it finds the real helm (with
// and without HELM_SECRETS_HELM_PATH), never running itself; two copies of
// the shim in PATH do not run each other in a loop either.
func TestShimFileNames(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		for _, si := range shimInstalls {
			t.Run(h.name+"/"+si.name, func(t *testing.T) {
				rs := newRepoServer(t, h, si.file, si.link)
				testenv.WriteFile(t, rs.repo, "secrets.yaml", k.encrypt(t, "password: "+canary+"-names\n", encrypt.FormatYAML))
				key := "SOPS_AGE_KEY_FILE=" + k.keyFile
				for _, env := range [][]string{{key}, {key, "HELM_SECRETS_HELM_PATH=" + rs.real}, {key, "HELM_BIN=" + filepath.Join(rs.tools, "helm")}} {
					out, errOut, code := rs.helm(t, env, "version", "--short")
					if code != 0 || !strings.HasPrefix(out, h.name+".") {
						t.Fatalf("%v helm version: exit %d %q\n%s", env, code, out, errOut)
					}
					out, errOut, code = rs.helm(t, env, "template", "rel", chart(), "--values", "secrets.yaml")
					if code != 0 || !strings.Contains(out, `password: "`+canary+`-names"`) {
						t.Fatalf("%v helm template: exit %d\n%s\n%s", env, code, out, errOut)
					}
				}
				// A second copy of the shim later in PATH.
				second := t.TempDir()
				copyFile(t, filepath.Join(repoRoot, "scripts", "wrapper", "helm"), filepath.Join(second, "helm"))
				path := "PATH=" + rs.tools + string(os.PathListSeparator) + second + string(os.PathListSeparator) +
					filepath.Dir(rs.real) + string(os.PathListSeparator) + os.Getenv("PATH")
				out, errOut, code := rs.helm(t, []string{key, path}, "template", "rel", chart(), "--values", "secrets.yaml")
				if code != 0 || !strings.Contains(out, `password: "`+canary+`-names"`) {
					t.Fatalf("two shims in PATH: exit %d\n%s\n%s", code, out, errOut)
				}
				// No real helm at all: a clear error, not a loop.
				path = "PATH=" + rs.tools + string(os.PathListSeparator) + second + string(os.PathListSeparator) + "/nonexistent"
				_, errOut, code = rs.helm(t, []string{path}, "version")
				if code == 0 || !strings.Contains(errOut, "[helm-secrets] helm shim: no real helm found") {
					t.Fatalf("no real helm: exit %d\n%s", code, errOut)
				}
			})
		}
	}
}

// TestArgoCDRepoServer runs `helm template` the way Argo CD's repo server
// does (chart directory, --name-template, --namespace, --kube-version,
// --values, --include-crds), on the layout of docs/argo-cd.md, with
// secrets://, secrets+age-import:// and plain (encrypted and unencrypted)
// values, through the shim under both file names, on helm v3 and v4.
func TestArgoCDRepoServer(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		for _, si := range shimInstalls {
			t.Run(h.name+"/"+si.name, func(t *testing.T) {
				rs := newRepoServer(t, h, si.file, si.link)
				copyTree(t, chart(), filepath.Join(rs.repo, "chart"))
				testenv.WriteFile(t, rs.repo, "chart/secrets.yaml", k.encrypt(t, "password: "+canary+"-argo\n", encrypt.FormatYAML))
				testenv.WriteFile(t, rs.repo, "chart/token.yaml", k.encrypt(t, "token: "+canary+"-token\n", encrypt.FormatYAML))
				testenv.WriteFile(t, rs.repo, "chart/plain.yaml", "port: 8443\n")
				rs.repo = filepath.Join(rs.repo, "chart")
				env := []string{"HELM_SECRETS_HELM_PATH=" + rs.real, "SOPS_AGE_KEY_FILE=" + k.keyFile}
				base := []string{"template", ".", "--name-template", "guestbook", "--namespace", "guestbook",
					"--kube-version", "1.29", "--include-crds"}
				want := []string{`password: "` + canary + `-argo"`, `token: "` + canary + `-token"`, `port: "8443"`}
				for _, tc := range []struct {
					name   string
					env    []string
					values []string
				}{
					{"secrets://", env, []string{"secrets://secrets.yaml", "secrets://token.yaml", "plain.yaml"}},
					{"secrets+age-import://", []string{"HELM_SECRETS_HELM_PATH=" + rs.real},
						[]string{"secrets+age-import://" + k.keyFile + "?secrets.yaml", "secrets+age-import://" + k.keyFile + "?token.yaml", "plain.yaml"}},
					{"plain paths", env, []string{"secrets.yaml", "token.yaml", "plain.yaml"}},
					{"absolute $values paths", env, []string{filepath.Join(rs.repo, "secrets.yaml"), "secrets://" + filepath.Join(rs.repo, "token.yaml"), filepath.Join(rs.repo, "plain.yaml")}},
				} {
					args := append([]string{}, base...)
					for _, v := range tc.values {
						args = append(args, "--values", v)
					}
					out, errOut, code := rs.helm(t, tc.env, args...)
					if code != 0 {
						t.Fatalf("%s: exit %d\n%s\n%s", tc.name, code, out, errOut)
					}
					for _, w := range want {
						if !strings.Contains(out, w) {
							t.Fatalf("%s: %q missing from\n%s", tc.name, w, out)
						}
					}
					// ARGOCD_APP_NAME makes helm-secrets quiet; Argo CD
					// shows stderr in its UI.
					if errOut != "" {
						t.Fatalf("%s: stderr %q", tc.name, errOut)
					}
				}
				// A file the repo server cannot decrypt stops the render.
				out, errOut, code := rs.helm(t, []string{"HELM_SECRETS_HELM_PATH=" + rs.real}, append(base, "--values", "secrets.yaml")...)
				if code == 0 || strings.Contains(out, "kind: Secret") || strings.Contains(out+errOut, canary) {
					t.Fatalf("no key: exit %d\n%s\n%s", code, out, errOut)
				}
				// Other commands reach the real helm unchanged.
				// Helm 3: one plugin (command and downloaders); Helm 4: the
				// cli, getter and post-renderer plugins.
				out, errOut, code = rs.helm(t, env, "plugin", "list")
				if code != 0 || !strings.Contains(out, "secrets ") || (h.name == "v4") != strings.Contains(out, "secrets-getter") {
					t.Fatalf("plugin list: exit %d\n%s\n%s", code, out, errOut)
				}
			})
		}
	}
}

// shellPluginArgoCD is the shell plugin's Argo CD init container script
// (its docs' "Option 2: Init Container"), changed only in the download
// URL (BASE stands for https://github.com/jkroepke/helm-secrets/releases/download),
// the /custom-tools root (TOOLS) and the sops/kubectl/vals downloads,
// which helm-secrets does not need. Helm 3: helm-secrets.tar.gz; Helm 4:
// the three packages.
var shellPluginArgoCD = map[string]string{
	"v3": `mkdir -p TOOLS/helm-plugins
wget -qO- BASE/v${HELM_SECRETS_VERSION}/helm-secrets.tar.gz | tar -C TOOLS/helm-plugins -xzf-;
cp TOOLS/helm-plugins/helm-secrets/scripts/wrapper/helm.sh TOOLS/helm
chmod +x TOOLS/*
`,
	"v4": `mkdir -p TOOLS/helm-plugins
wget -qO- BASE/v${HELM_SECRETS_VERSION}/secrets-${HELM_SECRETS_VERSION}.tgz | tar -C TOOLS/helm-plugins -xzf-;
wget -qO- BASE/v${HELM_SECRETS_VERSION}/secrets-getter-${HELM_SECRETS_VERSION}.tgz | tar -C TOOLS/helm-plugins -xzf-;
wget -qO- BASE/v${HELM_SECRETS_VERSION}/secrets-post-renderer-${HELM_SECRETS_VERSION}.tgz | tar -C TOOLS/helm-plugins -xzf-;
cp TOOLS/helm-plugins/secrets/scripts/wrapper/helm.sh TOOLS/helm
chmod +x TOOLS/*
`,
}

// TestShellPluginArgoCDRecipe runs the shell plugin's Argo CD init
// container with this release served on 127.0.0.1, then renders as the
// repo server does (its environment: HELM_PLUGINS, the shim first in PATH,
// HELM_SECRETS_HELM_PATH, the wrapper on). Helm 3: helm-secrets.tar.gz
// works as unpacked (plain paths through the shim and secrets://). Helm 4:
// the packages, only unpacked, have no binaries: every render fails with a
// message naming the fix and neither ciphertext nor plaintext on stdout;
// after the fix (their scripts/install.sh, here from a directory mirror)
// they render.
func TestShellPluginArgoCDRecipe(t *testing.T) {
	if _, err := exec.LookPath("wget"); err != nil {
		t.Skip("no wget")
	}
	k := newKeys(t)
	r := release(t)
	// BASE/vVERSION/FILE, as GitHub serves release files.
	site := t.TempDir()
	if err := os.Symlink(r.dir, filepath.Join(site, "v"+version.String())); err != nil {
		t.Fatal(err)
	}
	base := serve(t, site)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			root := t.TempDir()
			tools := filepath.Join(root, "custom-tools")
			script := strings.NewReplacer("TOOLS", tools, "BASE", base).Replace(shellPluginArgoCD[h.name])
			shellRecipe(t, root, []string{"PATH=" + os.Getenv("PATH"), "HELM_SECRETS_VERSION=" + version.String()}, script)
			rs := &repoServer{
				tools:   tools,
				plugins: filepath.Join(tools, "helm-plugins"),
				real:    filepath.Join(root, "usr", "local", "bin", "helm"),
				repo:    filepath.Join(root, "repo"),
			}
			if err := os.MkdirAll(filepath.Dir(rs.real), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(h.bin, rs.real); err != nil {
				t.Fatal(err)
			}
			copyTree(t, chart(), rs.repo)
			testenv.WriteFile(t, rs.repo, "secrets.yaml", k.encrypt(t, "password: "+canary+"-recipe\n", encrypt.FormatYAML))
			home := filepath.Join(root, "home")
			if err := os.MkdirAll(filepath.Join(home, "tmp"), 0o700); err != nil {
				t.Fatal(err)
			}
			rs.env = []string{
				"HOME=" + home,
				"TMPDIR=" + filepath.Join(home, "tmp"),
				"HELM_PLUGINS=" + rs.plugins + "/",
				"HELM_SECRETS_HELM_PATH=" + rs.real,
				"HELM_SECRETS_WRAPPER_ENABLED=true",
				"PATH=" + tools + string(os.PathListSeparator) + filepath.Dir(rs.real) + string(os.PathListSeparator) + os.Getenv("PATH"),
				"ARGOCD_APP_NAME=guestbook",
				"SOPS_AGE_KEY_FILE=" + k.keyFile,
			}
			want := `password: "` + canary + `-recipe"`
			render := func(values string) (string, string, int) {
				return rs.helm(t, nil, "template", ".", "--name-template", "guestbook", "--namespace", "guestbook", "--values", values)
			}
			if h.name == "v4" {
				for _, v := range []string{"secrets.yaml", "secrets://secrets.yaml"} {
					out, errOut, code := render(v)
					if code == 0 || strings.Contains(out, "ENC[") || strings.Contains(out, canary) || strings.Contains(errOut, canary) {
						t.Fatalf("unpacked packages, --values %s: exit %d\n%s\n%s", v, code, out, errOut)
					}
					if !strings.Contains(errOut, "has no helm-secrets binaries") || !strings.Contains(errOut, "/scripts/install.sh once after unpacking") {
						t.Fatalf("unpacked packages, --values %s: the message does not name the fix:\n%s", v, errOut)
					}
				}
				// Plain helm with secrets:// (no shim): the getter stub.
				cmd := exec.Command(rs.real, "template", ".", "--values", "secrets://secrets.yaml")
				cmd.Dir = rs.repo
				cmd.Env = rs.env
				out, errOut, code := runCmd(t, cmd)
				if code == 0 || strings.Contains(out, "ENC[") || strings.Contains(out+errOut, canary) || !strings.Contains(errOut, "has no helm-secrets binaries") {
					t.Fatalf("unpacked getter, plain helm: exit %d\n%s\n%s", code, out, errOut)
				}
				// The fix the message names, run in the init container.
				for _, p := range []string{"secrets", "secrets-getter", "secrets-post-renderer"} {
					dir := filepath.Join(rs.plugins, p)
					shellRecipe(t, root, []string{"PATH=" + os.Getenv("PATH"), "HELM_SECRETS_RELEASE_URL=" + r.dir},
						dir+"/scripts/install.sh")
				}
			}
			for _, v := range []string{"secrets.yaml", "secrets://secrets.yaml"} {
				out, errOut, code := render(v)
				if code != 0 || !strings.Contains(out, want) || errOut != "" {
					t.Fatalf("--values %s: exit %d\n%s\nstderr: %s", v, code, out, errOut)
				}
			}
		})
	}
}
