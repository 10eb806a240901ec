package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/foundation/version"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// installPackages installs the three Helm 4 packages from base (a
// directory or an http URL) with signature verification on, the hook
// downloading the binaries from releaseURL.
func (h *helmEnv) installPackages(t *testing.T, r *releaseFiles, base, releaseURL string) {
	t.Helper()
	h.setEnv("HELM_SECRETS_RELEASE_URL", releaseURL)
	for _, p := range helmPackages() {
		out, errOut := h.mustRun(t, "plugin", "install", base+"/"+p, "--keyring", r.pubring)
		if !strings.Contains(out, "Plugin Hash Verified") || !strings.Contains(errOut, "SHA-256 verified against") {
			t.Fatalf("install %s: not verified?\n%s\n%s", p, out, errOut)
		}
	}
}

// assertPluginList checks `helm plugin list` shows what the shell plugin
// shows: on Helm 3 one plugin "secrets"; on Helm 4 the three plugins with
// their types (and provenance when installed from signed packages).
func (h *helmEnv) assertPluginList(t *testing.T, provenance string) {
	t.Helper()
	out, _ := h.mustRun(t, "plugin", "list")
	v := regexp.QuoteMeta(version.String())
	var want []string
	if h.name == "v3" {
		want = []string{`(?m)^secrets\s+` + v + `\s+helm-secrets decrypts SOPS-encrypted values`}
	} else {
		for _, p := range [][2]string{{"secrets", "cli/v1"}, {"secrets-getter", "getter/v1"}, {"secrets-post-renderer", "postrenderer/v1"}} {
			want = append(want, `(?m)^`+p[0]+`\s+`+v+`\s+`+regexp.QuoteMeta(p[1])+`\s+v1\s+`+provenance+`\s`)
		}
	}
	for _, re := range want {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Fatalf("helm %s plugin list does not match %s:\n%s", h.name, re, out)
		}
	}
}

// assertPostRenderer checks the Helm 4 post-renderer plugin passes the
// manifests through unchanged.
func (h *helmEnv) assertPostRenderer(t *testing.T) {
	t.Helper()
	plain, _ := h.mustRun(t, "template", "rel", chart())
	post, _ := h.mustRun(t, "template", "rel", chart(), "--post-renderer", "secrets-post-renderer")
	if post != plain || !strings.Contains(plain, "kind:") {
		t.Fatalf("post-renderer changed the manifests:\n%s\nwant\n%s", post, plain)
	}
}

// TestInstallFromCheckout: (a) helm plugin install from a source tree
// (the checkout's layout, symlinks included): on Helm 3 the root plugin;
// on Helm 4 the three plugin directories under plugins/. The hook takes
// HELM_SECRETS_BINARY, and on Helm 3 once more without it: go build.
func TestInstallFromCheckout(t *testing.T) {
	k := newKeys(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.newHome(t)
			src := filepath.Join(h.home(), "src", "helm-secrets")
			copyCheckout(t, src)
			if h.name == "v3" {
				h.mustRun(t, "plugin", "install", src)
			} else {
				for _, p := range []string{"helm-secrets-cli", "helm-secrets-getter", "helm-secrets-post-renderer"} {
					h.mustRun(t, "plugin", "install", filepath.Join(src, "plugins", p), "--verify=false")
				}
				h.assertPostRenderer(t)
			}
			h.assertPluginList(t, "unknown|unsigned")
			h.assertDecrypts(t, k, true)
			if out, _ := h.mustRun(t, "secrets", "--version"); strings.TrimSpace(out) != version.String() {
				t.Fatalf("helm secrets --version: %q", out)
			}
		})
	}
	t.Run("v3-go-build", func(t *testing.T) {
		hs := helms(t)
		h := hs[0]
		if h.name != "v3" {
			t.Fatal("no helm v3")
		}
		h.newHome(t)
		src := filepath.Join(h.home(), "src", "helm-secrets")
		copyCheckout(t, src)
		h.setEnv("HELM_SECRETS_BINARY", "")
		h.setEnv("HELM_SECRETS_RELEASE_URL", "off")
		// The hook's go build uses this machine's module and build caches
		// (h's HOME is empty) and never the network.
		for _, v := range []string{"GOCACHE", "GOMODCACHE"} {
			out, err := execOutput("go", "env", v)
			if err != nil {
				t.Fatal(err)
			}
			h.setEnv(v, strings.TrimSpace(string(out)))
		}
		h.setEnv("GOPROXY", "off")
		h.setEnv("GOTOOLCHAIN", "local")
		h.setEnv("GOFLAGS", "-mod=readonly")
		_, errOut := h.mustRun(t, "plugin", "install", src)
		if !strings.Contains(errOut, "building from source") {
			t.Fatalf("hook did not build: %s", errOut)
		}
		h.assertDecrypts(t, k, true)
	})
}

// TestInstallFromReleaseArchive: (b) the local release files. Helm 3
// installs the extracted per-platform and multi-platform archives; Helm 4
// installs the signed packages from local files with verification on (the
// hook fetching the binaries from the release directory, go not on PATH).
// Then the Argo CD layout: no install at all, HELM_PLUGINS pointing at an
// extracted archive (Helm 3: its parent; Helm 4: its plugins/ directory).
func TestInstallFromReleaseArchive(t *testing.T) {
	k := newKeys(t)
	r := release(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			if h.name == "v3" {
				for _, a := range []string{platformArchive(), "helm-secrets.tar.gz"} {
					h.newHome(t)
					h.withoutGo(t)
					dir := filepath.Join(h.home(), "src", "helm-secrets")
					if a == "helm-secrets.tar.gz" {
						// Its files are in a helm-secrets/ folder.
						extract(t, filepath.Join(r.dir, a), filepath.Dir(dir))
					} else {
						extract(t, filepath.Join(r.dir, a), dir)
					}
					_, errOut := h.mustRun(t, "plugin", "install", dir)
					if !strings.Contains(errOut, "using the bundled binar") {
						t.Fatalf("%s: hook output %q", a, errOut)
					}
					h.assertPluginList(t, "")
					h.assertDecrypts(t, k, true)
					h.assertBackendLibrary(t, true)
				}
			} else {
				h.newHome(t)
				h.withoutGo(t)
				h.installPackages(t, r, r.dir, r.dir)
				h.assertPluginList(t, "signed")
				h.assertDecrypts(t, k, true)
				h.assertBackendLibrary(t, true)
				h.assertPostRenderer(t)
			}
		})
		t.Run(h.name+"-argocd-layout", func(t *testing.T) {
			h.newHome(t)
			h.withoutGo(t)
			dir := filepath.Join(h.home(), "custom-tools", "helm-secrets")
			extract(t, filepath.Join(r.dir, "helm-secrets.tar.gz"), filepath.Dir(dir))
			plugins := filepath.Dir(dir)
			if h.name == "v4" {
				plugins = filepath.Join(dir, "plugins")
			}
			h.setEnv("HELM_PLUGINS", plugins)
			h.assertDecrypts(t, k, true)
			if h.name == "v4" {
				h.assertPluginList(t, "unknown|unsigned")
				h.assertPostRenderer(t)
			}
		})
	}
}

// TestInstallFromHTTP: (c) from 127.0.0.1, go removed from PATH and no
// HELM_SECRETS_BINARY, so the install hook must download the archive and
// verify it. Helm 3: a source tree (as from a git URL) with
// HELM_SECRETS_RELEASE_URL, and the archive URL itself; Helm 4: the signed
// packages by URL (their .prov fetched beside them).
func TestInstallFromHTTP(t *testing.T) {
	k := newKeys(t)
	r := release(t)
	url := serve(t, r.dir)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.newHome(t)
			h.withoutGo(t)
			if h.name == "v3" {
				src := filepath.Join(h.home(), "src", "helm-secrets")
				copyCheckout(t, src)
				h.setEnv("HELM_SECRETS_RELEASE_URL", url)
				// Plain http: the operator pins SHA256SUMS.
				h.setEnv("HELM_SECRETS_RELEASE_SHA256", sha256File(t, filepath.Join(r.dir, "SHA256SUMS")))
				_, errOut := h.mustRun(t, "plugin", "install", src)
				if !strings.Contains(errOut, "SHA-256 verified against "+url+"/SHA256SUMS") {
					t.Fatalf("hook output: %s", errOut)
				}
				h.assertDecrypts(t, k, true)

				h.newHome(t)
				h.withoutGo(t)
				h.mustRun(t, "plugin", "install", url+"/"+platformArchive())
				h.assertDecrypts(t, k, true)
			} else {
				h.installPackages(t, r, url, url)
				h.assertPluginList(t, "signed")
				h.assertDecrypts(t, k, true)
			}
			assertNoInstallTemp(t, h)
		})
	}
}

// assertNoInstallTemp: the hook's download directory is gone.
func assertNoInstallTemp(t *testing.T, h *helmEnv) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(h.home(), "tmp", "helm-secrets-install.*"))
	if len(left) > 0 {
		t.Fatalf("install hook left %v", left)
	}
}

// TestInstallRefusesTampering: (d) with verification on, a changed package
// is refused by Helm 4; a changed archive (Helm 4: against the SHA256SUMS
// inside the signed package; Helm 3: against the release's SHA256SUMS)
// or a changed SHA256SUMS is refused by the hook before anything is
// installed, with a message naming the file.
func TestInstallRefusesTampering(t *testing.T) {
	r := release(t)
	tamper := func(t *testing.T, name string, change func([]byte) []byte) string {
		dir := t.TempDir()
		copyDir(t, r.dir, dir)
		p := filepath.Join(dir, name)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, change(b), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	flip := func(b []byte) []byte { b[len(b)/2] ^= 0x01; return b }
	assertNothingInstalled := func(t *testing.T, h *helmEnv) {
		t.Helper()
		var bins []string
		found, _ := filepath.Glob(filepath.Join(h.pluginsDir(), "*", "bin", "helm-secrets*"))
		for _, p := range found {
			// The Helm 4 packages' fail-closed stubs (which only say that
			// the binaries are missing) may stay behind; a binary may not.
			if b, err := os.ReadFile(p); err == nil && bytes.HasPrefix(b, []byte("#!")) && bytes.Contains(b, []byte("has no helm-secrets binaries")) {
				continue
			}
			bins = append(bins, p)
		}
		if len(bins) > 0 {
			t.Fatalf("binaries installed despite the refusal: %v", bins)
		}
		assertNoInstallTemp(t, h)
	}
	for _, h := range helms(t) {
		if h.name == "v4" {
			t.Run("v4-package", func(t *testing.T) {
				h.newHome(t)
				h.withoutGo(t)
				dir := tamper(t, helmPackages()[0], flip)
				h.setEnv("HELM_SECRETS_RELEASE_URL", r.dir)
				out, errOut, code := h.run("plugin", "install", filepath.Join(dir, helmPackages()[0]), "--keyring", r.pubring)
				if code == 0 || !strings.Contains(errOut, "sha256 sum does not match") {
					t.Fatalf("tampered package: exit %d\n%s\n%s", code, out, errOut)
				}
				if _, err := os.Stat(filepath.Join(h.pluginsDir(), "secrets")); err == nil {
					t.Fatal("tampered package installed")
				}
				// Signed by a key the keyring does not hold.
				other := newPGPKey(t)
				ring := testenv.WriteFile(t, t.TempDir(), "other.gpg", "")
				exportPub(t, other, ring)
				_, errOut, code = h.run("plugin", "install", filepath.Join(r.dir, helmPackages()[0]), "--keyring", ring)
				if code == 0 || !strings.Contains(errOut, "signed by unknown key") && !strings.Contains(errOut, "openpgp: signature made by unknown entity") {
					t.Fatalf("unknown signer: exit %d\n%s", code, errOut)
				}
				assertNothingInstalled(t, h)
			})
			t.Run("v4-archive", func(t *testing.T) {
				h.newHome(t)
				h.withoutGo(t)
				dir := tamper(t, platformArchive(), flip)
				h.setEnv("HELM_SECRETS_RELEASE_URL", serve(t, dir))
				_, errOut, code := h.run("plugin", "install", filepath.Join(r.dir, helmPackages()[0]), "--keyring", r.pubring)
				if code == 0 || !strings.Contains(errOut, "checksum mismatch for "+platformArchive()) || !strings.Contains(errOut, "(inside the plugin)") {
					t.Fatalf("tampered archive: exit %d\n%s", code, errOut)
				}
				assertNothingInstalled(t, h)
			})
			continue
		}
		for _, c := range []struct {
			name, file, message string
			change              func([]byte) []byte
		}{
			{"v3-archive", platformArchive(), "checksum mismatch for " + platformArchive(), flip},
			{"v3-sums", "SHA256SUMS", "checksum mismatch for " + platformArchive(), func(b []byte) []byte {
				return []byte(strings.Replace(string(b), "  "+platformArchive(), "  x", 1) + strings.Repeat("0", 64) + "  " + platformArchive() + "\n")
			}},
			{"v3-sums-missing", "SHA256SUMS", "has no checksum for " + platformArchive(), func(b []byte) []byte {
				return []byte(strings.Replace(string(b), "  "+platformArchive(), "  x", 1))
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				h.newHome(t)
				h.withoutGo(t)
				url := serve(t, tamper(t, c.file, c.change))
				src := filepath.Join(h.home(), "src", "helm-secrets")
				copyCheckout(t, src)
				h.setEnv("HELM_SECRETS_RELEASE_URL", url)
				// The pin of the genuine SHA256SUMS, so that the checks
				// against SHA256SUMS are what refuses.
				h.setEnv("HELM_SECRETS_RELEASE_SHA256", sha256File(t, filepath.Join(r.dir, "SHA256SUMS")))
				_, errOut, code := h.run("plugin", "install", src)
				if code == 0 || !strings.Contains(errOut, c.message) || !strings.Contains(errOut, "refusing to install it") {
					t.Fatalf("exit %d\n%s", code, errOut)
				}
				if _, err := os.Stat(filepath.Join(src, "bin")); err == nil {
					t.Fatal("the hook wrote bin/ despite the refusal")
				}
				assertNothingInstalled(t, h)
			})
		}
	}
}

// exportPub writes k's public key to file.
func exportPub(t *testing.T, k *pgpKey, file string) {
	t.Helper()
	out, err := execOutput(testenv.Tool(t, "GPG_BIN", "gpg"), "--batch", "--homedir", k.home, "--export", k.fpr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestInstallUpdateUninstall: (f) helm plugin update (a git install:
// Helm 3 the root plugin, Helm 4 the same repository, which Helm 4 loads
// as the getter) reruns the hook and keeps working; helm plugin uninstall
// leaves nothing of ours in the plugins directory or TMPDIR. On Helm 4
// also the three signed packages, installed and uninstalled.
func TestInstallUpdateUninstall(t *testing.T) {
	k := newKeys(t)
	r := release(t)
	url := serve(t, r.dir)
	git := func(t *testing.T, dir string, args ...string) {
		t.Helper()
		out, err := execCombined("git", append([]string{"-C", dir, "-c", "user.email=e2e@example.com", "-c", "user.name=e2e"}, args...)...)
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.newHome(t)
			h.withoutGo(t)
			h.setEnv("HELM_SECRETS_RELEASE_URL", url)
			h.setEnv("HELM_SECRETS_RELEASE_SHA256", sha256File(t, filepath.Join(r.dir, "SHA256SUMS")))
			repo := filepath.Join(h.home(), "src", "helm-secrets.git")
			copyCheckout(t, repo)
			git(t, repo, "init", "-q")
			git(t, repo, "add", "-A")
			git(t, repo, "commit", "-qm", "v1")
			args := []string{"plugin", "install", "file://" + repo}
			if h.name == "v4" {
				args = append(args, "--verify=false")
			}
			h.mustRun(t, args...)
			h.assertDecrypts(t, k, h.name == "v3")
			testenv.WriteFile(t, repo, "NEWS", "an update\n")
			git(t, repo, "add", "-A")
			git(t, repo, "commit", "-qm", "v2")
			_, errOut := h.mustRun(t, "plugin", "update", "secrets")
			if !strings.Contains(errOut, "SHA-256 verified") {
				t.Fatalf("update hook: %s", errOut)
			}
			if _, err := os.Stat(filepath.Join(h.pluginsDir(), "helm-secrets.git", "NEWS")); err != nil {
				t.Fatalf("not updated: %v", err)
			}
			h.assertDecrypts(t, k, h.name == "v3")
			h.mustRun(t, "plugin", "uninstall", "secrets")
			assertNoTrace(t, h)

			if h.name == "v4" {
				// The signed packages carry their own SHA256SUMS: no pin
				// (the one above is of the release's SHA256SUMS, another
				// file, and a set pin is checked whatever the source).
				h.setEnv("HELM_SECRETS_RELEASE_SHA256", "")
				h.installPackages(t, r, url, url)
				h.assertDecrypts(t, k, true)
				for _, p := range []string{"secrets", "secrets-getter", "secrets-post-renderer"} {
					h.mustRun(t, "plugin", "uninstall", p)
				}
				assertNoTrace(t, h)
			}
		})
	}
}

// assertNoTrace: no plugin directory, package or hook download of ours is
// left, and helm no longer knows the command or the protocols.
func assertNoTrace(t *testing.T, h *helmEnv) {
	t.Helper()
	entries, _ := os.ReadDir(h.pluginsDir())
	for _, e := range entries {
		if strings.Contains(e.Name(), "secrets") {
			t.Errorf("left in the plugins directory: %s", e.Name())
		}
	}
	assertNoInstallTemp(t, h)
	if out, _, _ := h.run("plugin", "list"); strings.Contains(out, "secrets") {
		t.Errorf("plugin list after uninstall:\n%s", out)
	}
	if _, _, code := h.run("template", "rel", chart(), "-f", "secrets://secrets.yaml"); code == 0 {
		t.Error("secrets:// still works after uninstall")
	}
}

// TestInstallNextToOtherPlugins installs another getter plugin and another
// CLI plugin first, then ours (Helm 3: the root plugin; Helm 4: the three
// packages), and checks all of them work.
func TestInstallNextToOtherPlugins(t *testing.T) {
	k := newKeys(t)
	r := release(t)
	for _, h := range helms(t) {
		t.Run(h.name, func(t *testing.T) {
			h.newHome(t)
			h.installScriptPlugin(t, "hello", "echo hello-from-plugin\n")
			dir := filepath.Join(t.TempDir(), "other-getter")
			testenv.WriteFile(t, dir, "plugin.yaml", "name: other-getter\nversion: 1.0.0\nusage: test getter\ndescription: test getter\ndownloaders:\n  - command: \"get.sh\"\n    protocols:\n      - \"other\"\n")
			testenv.WriteFile(t, dir, "get.sh", "#!/bin/sh\necho 'replicas: 7'\n")
			if err := chmodX(filepath.Join(dir, "get.sh")); err != nil {
				t.Fatal(err)
			}
			args := []string{"plugin", "install", dir}
			if h.name == "v4" {
				args = append(args, "--verify=false")
			}
			h.mustRun(t, args...)
			if h.name == "v3" {
				h.installPluginCopy(t, "helm-secrets", "plugin.yaml")
			} else {
				h.withoutGo(t)
				h.installPackages(t, r, r.dir, r.dir)
			}
			h.assertDecrypts(t, k, true)
			if out, _ := h.mustRun(t, "hello"); !strings.Contains(out, "hello-from-plugin") {
				t.Fatalf("other CLI plugin: %q", out)
			}
			out, errOut, code := h.runEnv([]string{"SOPS_AGE_KEY_FILE=" + k.keyFile}, "template", "rel", chart(), "-f", "other://x", "-f", "secrets://secrets.yaml")
			if code != 0 || !strings.Contains(out, canary) {
				t.Fatalf("both getters in one helm run: exit %d\n%s\n%s", code, out, errOut)
			}
			out, _ = h.mustRun(t, "plugin", "list")
			for _, p := range []string{"hello", "other-getter", "secrets"} {
				if !strings.Contains(out, p) {
					t.Fatalf("plugin list lacks %s:\n%s", p, out)
				}
			}
		})
	}
}

// TestInstallFromOCI: (e) Helm 4 installs the three signed packages from a
// real OCI registry on 127.0.0.1 (scripts/registry.sh start), pushed there
// by the project's push step (scripts/registry.sh push), verification on.
func TestInstallFromOCI(t *testing.T) {
	k := newKeys(t)
	r := release(t)
	for _, h := range helms(t) {
		if h.name != "v4" {
			continue // Helm 3 has no oci:// plugin installs
		}
		t.Run(h.name, func(t *testing.T) {
			dir := t.TempDir()
			script := filepath.Join(repoRoot, "scripts", "registry.sh")
			out, err := execOutput(script, "start", dir)
			t.Cleanup(func() { _, _ = execCombined(script, "stop", dir) })
			if err != nil {
				t.Fatalf("registry.sh start: %v\n%s", err, out)
			}
			addr := strings.TrimPrefix(strings.TrimSpace(string(out)), "export HELM_SECRETS_OCI_REGISTRY=")
			if !strings.HasPrefix(addr, "127.0.0.1:") {
				t.Fatalf("registry address %q", addr)
			}
			if out, err := execCombined(script, "push", r.dir, addr+"/helm-secrets", "--plain-http"); err != nil {
				t.Fatalf("registry.sh push: %v\n%s", err, out)
			}
			h.newHome(t)
			h.withoutGo(t)
			h.setEnv("HELM_SECRETS_RELEASE_URL", r.dir)
			for _, p := range []string{"secrets", "secrets-getter", "secrets-post-renderer"} {
				out, errOut := h.mustRun(t, "plugin", "install", "oci://"+addr+"/helm-secrets/"+p+":"+version.String(), "--plain-http", "--keyring", r.pubring)
				if !strings.Contains(out, "Plugin Hash Verified") || !strings.Contains(errOut, "SHA-256 verified against") {
					t.Fatalf("oci install %s: not verified?\n%s\n%s", p, out, errOut)
				}
			}
			h.assertPluginList(t, "signed")
			h.assertDecrypts(t, k, true)
			h.assertPostRenderer(t)
			// A tag that is not there fails (and installs nothing).
			if _, _, code := h.run("plugin", "install", "oci://"+addr+"/helm-secrets/secrets:0.0.1", "--plain-http", "--keyring", r.pubring); code == 0 {
				t.Fatal("a missing tag installed")
			}
		})
	}
}
