package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/foundation/version"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// releaseFiles is one run of scripts/release.sh for this platform, signed
// with a key made by the test.
type releaseFiles struct {
	dir     string // the release files
	pubring string // the signer's public key, for helm --keyring
	secring string // the signer's secret key, for release.sh
	keyName string
	err     error
}

var (
	releaseOnce sync.Once
	rel         releaseFiles
	releaseTmp  string
)

// sourceDateEpoch makes the test's release builds independent of git.
const sourceDateEpoch = "1700000000"

// removeRelease deletes what release() built (called by TestMain).
func removeRelease() {
	if releaseTmp != "" {
		os.RemoveAll(releaseTmp)
	}
}

// release returns the release files of this checkout for runtime.GOOS/
// GOARCH, built once per test binary by scripts/release.sh.
func release(t *testing.T) *releaseFiles {
	t.Helper()
	releaseOnce.Do(func() {
		helm4 := testenv.Tool(t, "HELM4_BIN", "helm-v4")
		k := newPGPKey(t)
		tmp, err := os.MkdirTemp("", "helm-secrets-e2e-release-")
		if err != nil {
			rel.err = err
			return
		}
		releaseTmp = tmp
		rel.keyName = "e2e-getter@example.com"
		rel.pubring = filepath.Join(tmp, "pubring.gpg")
		rel.secring = filepath.Join(tmp, "secring.gpg")
		for _, x := range [][2]string{{"--export", rel.pubring}, {"--export-secret-keys", rel.secring}} {
			out, err := exec.Command(testenv.Tool(t, "GPG_BIN", "gpg"), "--batch", "--homedir", k.home, x[0], k.fpr).Output()
			if err == nil {
				err = os.WriteFile(x[1], out, 0o600)
			}
			if err != nil {
				rel.err = fmt.Errorf("gpg %s: %v", x[0], err)
				return
			}
		}
		rel.dir = filepath.Join(tmp, "release")
		rel.err = runRelease(helm4, rel.dir, rel.secring, rel.keyName)
	})
	if rel.err != nil {
		t.Fatal(rel.err)
	}
	return &rel
}

// runRelease runs scripts/release.sh for this platform into out.
func runRelease(helm4, out, secring, keyName string) error {
	cmd := exec.Command("bash", "scripts/release.sh", version.String(), out)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(),
		"HELM4_BIN="+helm4,
		"HELM_SECRETS_RELEASE_PLATFORMS="+runtime.GOOS+"/"+runtime.GOARCH,
		"SOURCE_DATE_EPOCH="+sourceDateEpoch,
		"HELM_SECRETS_SIGNING_KEYRING="+secring,
		"HELM_SECRETS_SIGNING_KEY="+keyName,
	)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("scripts/release.sh: %v\n%s", err, b)
	}
	return nil
}

// execOutput runs a command and returns its stdout.
func execOutput(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).Output()
}

// execCombined runs a command and returns its stdout and stderr.
func execCombined(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).CombinedOutput()
}

// platformArchive is the per-platform archive name for this machine.
func platformArchive() string {
	return "helm-secrets-" + runtime.GOOS + "-" + runtime.GOARCH + ".tar.gz"
}

// helmPackages are the Helm 4 package file names of this version.
func helmPackages() []string {
	v := version.String()
	return []string{"secrets-" + v + ".tgz", "secrets-getter-" + v + ".tgz", "secrets-post-renderer-" + v + ".tgz"}
}

// setEnv sets (or with value "" removes) one variable of h's environment.
func (h *helmEnv) setEnv(name, value string) {
	var env []string
	for _, kv := range h.env {
		if !strings.HasPrefix(kv, name+"=") {
			env = append(env, kv)
		}
	}
	if value != "" {
		env = append(env, name+"="+value)
	}
	h.env = env
}

// withoutGo leaves h with no install-hook binary and a PATH without go,
// so that the hook can only download a release.
func (h *helmEnv) withoutGo(t *testing.T) {
	t.Helper()
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			continue
		}
		keep = append(keep, dir)
	}
	for _, dir := range keep {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			t.Fatalf("go still on PATH in %s", dir)
		}
	}
	h.setEnv("PATH", strings.Join(keep, string(os.PathListSeparator)))
	h.setEnv("HELM_SECRETS_BINARY", "")
}

// mustRun runs helm and fails the test unless it exits 0; it returns
// stdout and stderr.
func (h *helmEnv) mustRun(t *testing.T, args ...string) (string, string) {
	t.Helper()
	out, errOut, code := h.run(args...)
	if code != 0 {
		t.Fatalf("helm %s %s: exit %d\n%s\n%s", h.name, strings.Join(args, " "), code, out, errOut)
	}
	return out, errOut
}

// assertDecrypts writes an encrypted secrets.yaml and checks that helm
// renders its plaintext both through `helm secrets template -f` (when cli)
// and through plain `helm template -f secrets://`.
func (h *helmEnv) assertDecrypts(t *testing.T, k *keys, cli bool) {
	t.Helper()
	testenv.WriteFile(t, h.work, "secrets.yaml", k.encrypt(t, "password: "+canary+"-install\n", encrypt.FormatYAML))
	want := `password: "` + canary + `-install"`
	env := []string{"SOPS_AGE_KEY_FILE=" + k.keyFile}
	if cli {
		out, errOut, code := h.runEnv(env, "secrets", "template", "rel", chart(), "-f", "secrets.yaml")
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("helm %s secrets template -f secrets.yaml: exit %d\n%s\n%s", h.name, code, out, errOut)
		}
	}
	out, errOut, code := h.runEnv(env, "template", "rel", chart(), "-f", "secrets://secrets.yaml")
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("helm %s template -f secrets://secrets.yaml: exit %d\n%s\n%s", h.name, code, out, errOut)
	}
}

// assertBackendLibrary checks that the installed plugin ships the helper
// library custom backends source from $SCRIPT_DIR: `helm secrets -b
// ./kv.sh` with a script that sources scripts/lib/backends/_custom.sh, as
// the shell plugin's example backends do (cli), and the same script for
// secrets:// through HELM_SECRETS_BACKEND.
func (h *helmEnv) assertBackendLibrary(t *testing.T, cli bool) {
	t.Helper()
	testenv.WriteFile(t, h.work, "kv.sh", `_BACKEND_REGEX='!kv [A-Za-z0-9_-]*'
. "${SCRIPT_DIR}/lib/backends/_custom.sh"
_custom_backend_get_secret() { printf 'kv-%s' "$2"; }
`)
	testenv.WriteFile(t, h.work, "kv.yaml", "password: !kv "+canary+"\n")
	want := "kv-" + canary
	if cli {
		out, errOut, code := h.run("secrets", "-b", "./kv.sh", "template", "rel", chart(), "-f", "kv.yaml")
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("helm %s secrets -b ./kv.sh template -f kv.yaml: exit %d\n%s\n%s", h.name, code, out, errOut)
		}
	}
	out, errOut, code := h.runEnv([]string{"HELM_SECRETS_BACKEND=" + filepath.Join(h.work, "kv.sh")}, "template", "rel", chart(), "-f", "secrets://kv.yaml")
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("helm %s template -f secrets://kv.yaml with a custom backend: exit %d\n%s\n%s", h.name, code, out, errOut)
	}
}

// pluginsDir is h's plugin directory.
func (h *helmEnv) pluginsDir() string { return filepath.Join(h.home(), "data", "plugins") }

// copyCheckout copies the source tree (no .git, no build output) to dst,
// keeping symlinks, as a git clone of the repository has it.
func copyCheckout(t *testing.T, dst string) {
	t.Helper()
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, p)
		if rel == ".git" || rel == "bin" || rel == "dist" || rel == ".cache" || (strings.HasPrefix(rel, "plugins"+string(filepath.Separator)) && filepath.Base(rel) == "bin") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil // a worktree's .git file
		}
		target := filepath.Join(dst, rel)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, info.Mode().Perm())
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// extract unpacks a .tar.gz into a new directory with the system tar.
func extract(t *testing.T, archive, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tar", "-xzf", archive, "-C", dst).CombinedOutput(); err != nil {
		t.Fatalf("tar -xzf %s: %v\n%s", archive, err, out)
	}
}

// serve serves dir on 127.0.0.1 for the rest of the test.
func serve(t *testing.T, dir string) string {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// copyDir copies the regular files of a flat directory.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			testenv.WriteFile(t, dst, e.Name(), string(b))
		}
	}
}

// TestReleaseReproducible builds the release a second time and compares:
// every file but the .prov signatures is byte-identical, SHA256SUMS lists
// every other file with its real checksum, and the archives have the
// names docs/argo-cd.md and helmfile use.
func TestReleaseReproducible(t *testing.T) {
	r := release(t)
	second := filepath.Join(t.TempDir(), "release")
	if err := runRelease(testenv.Tool(t, "HELM4_BIN", "helm-v4"), second, r.secring, r.keyName); err != nil {
		t.Fatal(err)
	}
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		sort.Strings(out)
		return out
	}
	first := names(r.dir)
	want := append([]string{"SHA256SUMS", "helm-secrets.tar.gz", platformArchive()}, helmPackages()...)
	for _, p := range helmPackages() {
		want = append(want, p+".prov")
	}
	sort.Strings(want)
	if strings.Join(first, " ") != strings.Join(want, " ") {
		t.Fatalf("release files:\n%v\nwant\n%v", first, want)
	}
	if got := names(second); strings.Join(got, " ") != strings.Join(first, " ") {
		t.Fatalf("second build has other files: %v", got)
	}
	sums, err := os.ReadFile(filepath.Join(r.dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for _, name := range first {
		a, err := os.ReadFile(filepath.Join(r.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".prov") {
			if !bytes.Contains(a, []byte("-----BEGIN PGP SIGNATURE-----")) {
				t.Errorf("%s is not a signature", name)
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(second, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds (%d and %d bytes)", name, len(a), len(b))
		}
		if name == "SHA256SUMS" {
			continue
		}
		sum := sha256.Sum256(a)
		if !bytes.Contains(sums, []byte(hex.EncodeToString(sum[:])+"  "+name+"\n")) {
			t.Errorf("SHA256SUMS has no line for %s with its checksum", name)
		}
		listed++
	}
	if listed != 5 || bytes.Count(sums, []byte("\n")) != 5 {
		t.Errorf("SHA256SUMS lists %d lines, want the 5 archives and packages:\n%s", bytes.Count(sums, []byte("\n")), sums)
	}
	// Each package verifies against the signer's key (helm plugin verify).
	h4 := &helmEnv{t: t, bin: testenv.Tool(t, "HELM4_BIN", "helm-v4"), name: "v4"}
	h4.newHome(t)
	for _, p := range helmPackages() {
		out, errOut, code := h4.run("plugin", "verify", filepath.Join(r.dir, p), "--keyring", r.pubring)
		if code != 0 {
			t.Errorf("helm plugin verify %s: exit %d\n%s\n%s", p, code, out, errOut)
		}
	}
}
