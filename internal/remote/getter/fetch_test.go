package getter_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/helm-secrets/helm-secrets/internal/lean/delivery/boundary"
	"github.com/helm-secrets/helm-secrets/internal/remote/getter"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

const getterCanary = "CANARY-getter-3f1a"

func TestParseGetterURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want getter.URL
		err  string
	}{
		{in: "secrets://secrets.yaml", want: getter.URL{Scheme: "secrets", Source: "secrets.yaml"}},
		{in: "secrets://?not-exists.yaml", want: getter.URL{Scheme: "secrets", IgnoreMissing: true, Source: "not-exists.yaml"}},
		{in: "secrets://sops!/abs/secrets.yaml", want: getter.URL{Scheme: "secrets", Backend: "sops", Source: "/abs/secrets.yaml"}},
		{in: "secrets://?noop!a.yaml", want: getter.URL{Scheme: "secrets", IgnoreMissing: true, Backend: "noop", Source: "a.yaml"}},
		{in: "secrets://https://example.com/s.yaml?foo=b4r&test=true", want: getter.URL{Scheme: "secrets", Source: "https://example.com/s.yaml?foo=b4r&test=true"}},
		{in: "secrets://rel/dir/x.yaml", want: getter.URL{Scheme: "secrets", Source: "rel/dir/x.yaml"}},
		{in: "secrets+age-import://key.txt?secrets.yaml", want: getter.URL{Scheme: "secrets+age-import", Key: "key.txt", Source: "secrets.yaml"}},
		{in: "secrets+age-import://?/abs/key.txt?/abs/not-found.age.yaml", want: getter.URL{Scheme: "secrets+age-import", IgnoreMissing: true, Key: "/abs/key.txt", Source: "/abs/not-found.age.yaml"}},
		{in: "secrets+gpg-import://sops!/abs/key.gpg?/abs/file.yaml", want: getter.URL{Scheme: "secrets+gpg-import", Backend: "sops", Key: "/abs/key.gpg", Source: "/abs/file.yaml"}},
		// The key ends at the first "?"; the source keeps its query.
		{in: "secrets+gpg-import://k.asc?https://h/s.yaml?a=1", want: getter.URL{Scheme: "secrets+gpg-import", Key: "k.asc", Source: "https://h/s.yaml?a=1"}},
		{in: "secrets+age-import-kubernetes://ns/sec#key.txt?s.yaml", want: getter.URL{Scheme: "secrets+age-import-kubernetes", Key: "ns/sec#key.txt", Source: "s.yaml"}},
		{in: "secrets+gpg-import-kubernetes://?sec#k?s.yaml", want: getter.URL{Scheme: "secrets+gpg-import-kubernetes", IgnoreMissing: true, Key: "sec#k", Source: "s.yaml"}},
		{in: "secrets+literal://vals!ref+echo://87", want: getter.URL{Scheme: "secrets+literal", Backend: "vals", Source: "ref+echo://87"}},
		// No "?" support for literals.
		{in: "secrets+literal://?x", want: getter.URL{Scheme: "secrets+literal", Source: "?x"}},
		{in: "secrets+age-import://key.txt", err: "Invalid syntax: secrets+age-import://[path to key]?[path secrets.yaml]"},
		{in: "secrets+gpg-import://key.txt", err: "Invalid syntax: secrets+gpg-import://[path to key]?[path secrets.yaml]"},
		{in: "secrets+age-import-kubernetes://s#k", err: "Invalid syntax: secrets+age-import-kubernetes://[path to key]?[path secrets.yaml]"},
		{in: "secrets+gpg-import-kubernetes://s#k", err: "Invalid syntax: secrets+gpg-import-kubernetes://[path to key]?[path secrets.yaml]"},
		{in: "secrets+gpg-import://a?a", err: "Invalid syntax: secrets+gpg-import://[path to key]?[path secrets.yaml]"},
		{in: "sops://x.yaml", err: "Unknown protocol 'sops://x.yaml'!"},
		{in: "Secrets://x.yaml", err: "Unknown protocol 'Secrets://x.yaml'!"},
	} {
		got, err := getter.ParseURL(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseKubeSecretRef(t *testing.T) {
	for in, want := range map[string]getter.KubeSecretRef{
		"sec#key.txt":        {Name: "sec", Key: "key.txt"},
		"ns/sec#key.txt":     {Namespace: "ns", Name: "sec", Key: "key.txt"},
		"sec#a#b":            {Name: "sec#a", Key: "a#b"},
		"sec":                {Name: "sec", Key: "sec"},
		"default/gpg-key#k":  {Namespace: "default", Name: "gpg-key", Key: "k"},
		"ns/sec#sub/key.txt": {Namespace: "ns", Name: "sec", Key: "sub/key.txt"},
	} {
		if got := getter.ParseKubeSecretRef(in); got != want {
			t.Errorf("%s: got %+v, want %+v", in, got, want)
		}
	}
}

// getterFixture is an age key, files encrypted to it, and a clean
// environment with the working directory at dir.
type getterFixture struct {
	dir     string
	keyFile string
	eng     *encrypt.Engine
	rcpt    string
}

func newGetterFixture(t *testing.T) *getterFixture {
	t.Helper()
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	dir := t.TempDir()
	t.Chdir(dir)
	f := &getterFixture{dir: dir, rcpt: id.Recipient().String()}
	f.keyFile = testenv.WriteFile(t, t.TempDir(), "key.txt", "# created: now\n"+id.String()+"\n")
	f.eng = encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	return f
}

func (f *getterFixture) write(t *testing.T, name, plain string, format encrypt.Format) string {
	t.Helper()
	out, err := f.eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: format, Recipients: &encrypt.Recipients{Age: []string{f.rcpt}}})
	if err != nil {
		t.Fatal(err)
	}
	return testenv.WriteFile(t, f.dir, name, string(out))
}

func fetch(t *testing.T, url string) (string, error) {
	t.Helper()
	out, err := getter.Fetch(context.Background(), url, pluginenv.Getter())
	return string(out), err
}

func TestFetchProtocols(t *testing.T) {
	f := newGetterFixture(t)
	f.write(t, "secrets.yaml", "password: "+getterCanary+"\n", encrypt.FormatYAML)
	testenv.WriteFile(t, f.dir, "plain.yaml", "port: 81\n")
	testenv.WriteFile(t, f.dir, "empty.yaml", "")

	t.Setenv("HELM_SECRETS_KEY_LOCATION_PREFIX", filepath.Dir(f.keyFile))
	for url, want := range map[string]string{
		"secrets+age-import://" + f.keyFile + "?secrets.yaml":      "password: " + getterCanary + "\n",
		"secrets+age-import://sops!" + f.keyFile + "?secrets.yaml": "password: " + getterCanary + "\n",
		"secrets+age-import://?" + f.keyFile + "?missing.yaml":     "",
		"secrets://plain.yaml":                                     "port: 81\n", // not encrypted: as is
		"secrets://empty.yaml":                                     "",
		"secrets://?missing.yaml":                                  "",
		"secrets+literal://plain-value":                            "plain-value",
	} {
		got, err := fetch(t, url)
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", url, got, err, want)
		}
	}

	// secrets:// uses the environment's keys.
	t.Setenv("SOPS_AGE_KEY_FILE", f.keyFile)
	if got, err := fetch(t, "secrets://secrets.yaml"); err != nil || got != "password: "+getterCanary+"\n" {
		t.Errorf("secrets:// with SOPS_AGE_KEY_FILE: %q, %v", got, err)
	}
	// An encrypted literal (binary format) decrypts to its raw value.
	lit, err := f.eng.Encrypt(context.Background(), []byte("87"), encrypt.EncryptOptions{Format: encrypt.FormatBinary, Recipients: &encrypt.Recipients{Age: []string{f.rcpt}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := fetch(t, "secrets+literal://"+strings.TrimSpace(string(lit))); err != nil || got != "87" {
		t.Errorf("literal: %q, %v", got, err)
	}
	// HELM_SECRETS_IGNORE_MISSING_VALUES=true is the same as "?".
	t.Setenv("HELM_SECRETS_IGNORE_MISSING_VALUES", "true")
	if got, err := fetch(t, "secrets://missing.yaml"); err != nil || got != "" {
		t.Errorf("ignore missing: %q, %v", got, err)
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFetchRefusals checks every refusal and its exact wording
// (docs/compatibility.md, protocols).
func TestFetchRefusals(t *testing.T) {
	f := newGetterFixture(t)
	abs := f.write(t, "secrets.yaml", "password: x\n", encrypt.FormatYAML)
	if err := os.Symlink("secrets.yaml", filepath.Join(f.dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	kf := f.keyFile

	for _, tc := range []struct {
		env  map[string]string
		url  string
		want string
	}{
		{url: "foo://x.yaml", want: "Unknown protocol 'foo://x.yaml'!"},
		{env: map[string]string{"HELM_SECRETS_ALLOW_GPG_IMPORT": "false"}, url: "secrets+gpg-import://k?secrets.yaml", want: "secrets+gpg-import:// is not allowed in this context!"},
		{env: map[string]string{"HELM_SECRETS_ALLOW_GPG_IMPORT_KUBERNETES": "1"}, url: "secrets+gpg-import-kubernetes://s#k?secrets.yaml", want: "secrets+gpg-import-kubernetes:// is not allowed in this context!"},
		{env: map[string]string{"HELM_SECRETS_ALLOW_AGE_IMPORT": "TRUE"}, url: "secrets+age-import://" + kf + "?secrets.yaml", want: "secrets+age-import:// is not allowed in this context!"},
		{env: map[string]string{"HELM_SECRETS_ALLOW_AGE_IMPORT_KUBERNETES": "false"}, url: "secrets+age-import-kubernetes://s#k?secrets.yaml", want: "secrets+age-import-kubernetes:// is not allowed in this context!"},
		// The allow check comes before the syntax check.
		{env: map[string]string{"HELM_SECRETS_ALLOW_AGE_IMPORT": "false"}, url: "secrets+age-import://nokey", want: "secrets+age-import:// is not allowed in this context!"},
		{url: "secrets+age-import://" + kf, want: "Invalid syntax: secrets+age-import://[path to key]?[path secrets.yaml]"},
		{url: "secrets+gpg-import-kubernetes://s#k", want: "Invalid syntax: secrets+gpg-import-kubernetes://[path to key]?[path secrets.yaml]"},
		{env: map[string]string{"HELM_SECRETS_KEY_LOCATION_PREFIX": "/etc/keys/"}, url: "secrets+age-import://" + kf + "?secrets.yaml", want: "Key location '" + kf + "' is not allowed"},
		{env: map[string]string{"HELM_SECRETS_KEY_LOCATION_PREFIX": "/etc/keys/"}, url: "secrets+gpg-import://../k.asc?secrets.yaml", want: "Key location '../k.asc' is not allowed"},
		{url: "secrets://missing.yaml", want: "File does not exist: missing.yaml"},
		{url: "secrets+age-import://" + kf + "?missing.yaml", want: "File does not exist: missing.yaml"},
		{url: "secrets://nonexists!secrets.yaml", want: "Can't find secret backend: nonexists"},
		{env: map[string]string{"HELM_SECRETS_ALLOWED_BACKENDS": "noop"}, url: "secrets://noop!secrets.yaml", want: "secret backend 'sops' not allowed"},
		{env: map[string]string{"HELM_SECRETS_ALLOWED_BACKENDS": "sops"}, url: "secrets://noop!secrets.yaml", want: "secret backend 'noop' not allowed"},
		{url: "secrets://" + srv.URL + "/404.yaml", want: "Error while download url " + srv.URL + "/404.yaml\nFile does not exist: " + srv.URL + "/404.yaml"},
		{env: map[string]string{"HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH": "false"}, url: "secrets://" + abs, want: "Values filepath '" + abs + "' is an absolute path. Absolute paths are not allowed."},
		{env: map[string]string{"HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL": "false"}, url: "secrets://../x/secrets.yaml", want: "Values filepath '../x/secrets.yaml' contains '..'. Path traversal is not allowed."},
		{env: map[string]string{"HELM_SECRETS_VALUES_ALLOW_SYMLINKS": "false"}, url: "secrets://link.yaml", want: "Values file 'link.yaml' is a symlink. Symlinks are not allowed."},
		// Hardening applies to the source of key protocols too, and not to the key path.
		{env: map[string]string{"HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH": "false"}, url: "secrets+age-import://" + kf + "?" + abs, want: "Values filepath '" + abs + "' is an absolute path. Absolute paths are not allowed."},
	} {
		t.Run(tc.url, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			out, err := fetch(t, tc.url)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %q, %v\nwant error %q", out, err, tc.want)
			}
		})
	}

	// Allowed with the exact value "true" or unset, and a symlink when allowed.
	t.Setenv("HELM_SECRETS_ALLOW_AGE_IMPORT", "true")
	if _, err := fetch(t, "secrets+age-import://"+kf+"?link.yaml"); err != nil {
		t.Fatal(err)
	}
	// A missing http source with "?" is empty.
	if got, err := fetch(t, "secrets://?"+srv.URL+"/404.yaml"); err != nil || got != "" {
		t.Fatalf("ignored 404: %q, %v", got, err)
	}
	// A wrong key fails and names the file, not the plaintext.
	other := testenv.WriteFile(t, t.TempDir(), "other.txt", testenv.AgeKey(t).String()+"\n")
	_, err := fetch(t, "secrets+age-import://"+other+"?secrets.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "Error while decrypting file: secrets.yaml\n") {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestFetchHTTP(t *testing.T) {
	f := newGetterFixture(t)
	enc := mustRead(t, f.write(t, "s.yaml", "password: "+getterCanary+"\n", encrypt.FormatYAML))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "pa ss" {
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("foo") != "b4r" || r.URL.Path != "/dir/s.yaml" {
			http.Error(w, "query", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, enc)
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://user:pa%20ss@", 1) + "/dir/s.yaml?foo=b4r"
	got, err := fetch(t, "secrets+age-import://"+f.keyFile+"?"+u)
	if err != nil || got != "password: "+getterCanary+"\n" {
		t.Fatalf("%q, %v", got, err)
	}
	// The password never appears in messages.
	bad := strings.Replace(u, "/dir/", "/other?", 1)
	_, err = fetch(t, "secrets+age-import://"+f.keyFile+"?"+strings.Replace(bad, "user:", "nobody:", 1))
	if err == nil || strings.Contains(err.Error(), "pa%20ss") || !strings.Contains(err.Error(), "Error while download url") {
		t.Fatalf("bad auth: %v", err)
	}
	// ${VAR} expansion only when enabled.
	t.Setenv("GETTER_PATH", "dir")
	withVar := strings.Replace(u, "/dir/", "/${GETTER_PATH}/", 1)
	if _, err := fetch(t, "secrets+age-import://"+f.keyFile+"?"+withVar); err == nil {
		t.Fatal("expansion off: want failure")
	}
	t.Setenv("HELM_SECRETS_URL_VARIABLE_EXPANSION", "true")
	t.Setenv("HELM_SECRETS_URL_VARIABLE_EXPANSION_ALLOWLIST", "GETTER_PATH")
	if got, err := fetch(t, "secrets+age-import://"+f.keyFile+"?"+withVar); err != nil || !strings.Contains(got, getterCanary) {
		t.Fatalf("expansion on: %q, %v", got, err)
	}
	// A body over the cap is refused.
	o := pluginenv.Getter()
	o.MaxSize = 10
	if _, err := getter.Fetch(context.Background(), "secrets+age-import://"+f.keyFile+"?"+u, o); err == nil {
		t.Fatal("over the size cap: want failure")
	}
}

// TestFetchByteIdenticalToSops compares Fetch with `sops --decrypt` on
// files the real sops encrypted: trailing newlines, CRLF, multi-line values.
func TestFetchByteIdenticalToSops(t *testing.T) {
	sops := testenv.Tool(t, "SOPS_BIN", "sops")
	f := newGetterFixture(t)
	cases := map[string]string{
		"multi.yaml":            "a: |\n  line1\n  line2\n\nb: >-\n  folded\n  text\nc: \"x\\ny\"\nlist:\n  - 1\n  - two\n",
		"crlf.yaml":             "a: 1\r\nb: two\r\n",
		"trailing.raw":          "value\n\n\n",
		"nonewline.txt":         "no newline at the end",
		"crlf.txt":              "line1\r\nline2\r\n\r\n",
		"data.json":             "{\"a\": \"multi\\nline\\n\", \"b\": [1, 2]}\n",
		"app.env":               "A=1\nB=two words\n",
		"config.ini":            "[s]\nk = v\n",
		"files/file.properties": "hello=fromextrafile\n",
	}
	for name, plain := range cases {
		p := testenv.WriteFile(t, f.dir, name, plain)
		cmd := exec.Command(sops, "encrypt", "--age", f.rcpt, p)
		cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE="+f.keyFile)
		enc, err := cmd.Output()
		if err != nil {
			t.Fatalf("sops encrypt %s: %v", name, err)
		}
		testenv.WriteFile(t, f.dir, name, string(enc))
	}
	for name := range cases {
		cmd := exec.Command(sops, "--decrypt", name)
		cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE="+f.keyFile)
		cmd.Dir = f.dir
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("sops --decrypt %s: %v", name, err)
		}
		got, err := fetch(t, "secrets+age-import://"+f.keyFile+"?"+name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != string(want) {
			t.Errorf("%s: not byte-identical to sops --decrypt\n got %q\nwant %q", name, got, want)
		}
	}
}

// TestFetchConcurrent runs 100 fetches at once on the same and on
// different files and checks each result, then that nothing decrypted was
// written anywhere under TMPDIR or the working directory.
func TestFetchConcurrent(t *testing.T) {
	f := newGetterFixture(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	const files = 10
	for i := 0; i < files; i++ {
		f.write(t, fmt.Sprintf("s%d.yaml", i), fmt.Sprintf("password: %s-%d\n", getterCanary, i), encrypt.FormatYAML)
	}
	t.Setenv("SOPS_AGE_KEY_FILE", f.keyFile)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			n := 0 // half the runs share one file
			if i%2 == 1 {
				n = i % files
			}
			url := fmt.Sprintf("secrets://s%d.yaml", n)
			if i%3 == 0 {
				url = fmt.Sprintf("secrets+age-import://%s?s%d.yaml", f.keyFile, n)
			}
			out, err := getter.Fetch(context.Background(), url, pluginenv.Getter())
			want := fmt.Sprintf("password: %s-%d\n", getterCanary, n)
			if err != nil || string(out) != want {
				errs <- fmt.Errorf("%s: got %q, %v; want %q", url, out, err, want)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, dir := range []string{tmp, f.dir} {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(getterCanary)) {
				t.Errorf("plaintext on disk: %s", p)
			}
			return nil
		})
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("TMPDIR not empty after the fetches: %v", entries)
	}
}

// TestFetchGPGImport imports a PGP key into a private GNUPGHOME, decrypts,
// and leaves no home directory and no gpg-agent behind.
// gpgTMPDIR points TMPDIR at a fresh directory with a short path (gpg-agent
// socket paths are limited) and SOPS_GPG_EXEC at gpg; it returns TMPDIR.
func gpgTMPDIR(t *testing.T, gpg string) string {
	t.Helper()
	tmp, err := os.MkdirTemp("/tmp", "hsg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	t.Setenv("TMPDIR", tmp)
	t.Setenv("SOPS_GPG_EXEC", gpg)
	return tmp
}

func TestFetchGPGImport(t *testing.T) {
	gpg := testenv.Tool(t, "GPG_BIN", "gpg")
	sops := testenv.Tool(t, "SOPS_BIN", "sops")
	f := newGetterFixture(t)
	keyHome, fpr, keyFile := gpgKey(t, gpg)
	p := testenv.WriteFile(t, f.dir, "secrets.yaml", "password: "+getterCanary+"\n")
	cmd := exec.Command(sops, "encrypt", "--pgp", fpr, p)
	cmd.Env = append(os.Environ(), "GNUPGHOME="+keyHome, "SOPS_GPG_EXEC="+gpg)
	enc, err := cmd.Output()
	if err != nil {
		t.Fatalf("sops encrypt --pgp: %v", err)
	}
	testenv.WriteFile(t, f.dir, "secrets.yaml", string(enc))

	tmp := gpgTMPDIR(t, gpg)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := fetch(t, "secrets+gpg-import://"+keyFile+"?secrets.yaml")
			if err != nil || got != "password: "+getterCanary+"\n" {
				t.Errorf("gpg-import: %q, %v", got, err)
			}
		}()
	}
	wg.Wait()
	// HELM_SECRETS_LOAD_GPG_KEYS (a file, or a directory of key files)
	// serves secrets:// the same way.
	for _, keys := range []string{keyFile, filepath.Dir(keyFile)} {
		t.Setenv("HELM_SECRETS_LOAD_GPG_KEYS", keys)
		if got, err := fetch(t, "secrets://secrets.yaml"); err != nil || got != "password: "+getterCanary+"\n" {
			t.Errorf("HELM_SECRETS_LOAD_GPG_KEYS=%s: %q, %v", keys, got, err)
		}
	}
	t.Setenv("HELM_SECRETS_LOAD_GPG_KEYS", "false")
	if _, err := fetch(t, "secrets://secrets.yaml"); err == nil {
		t.Error("HELM_SECRETS_LOAD_GPG_KEYS=false still imported keys")
	}
	t.Setenv("HELM_SECRETS_LOAD_GPG_KEYS", "")
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("GNUPGHOME left behind in TMPDIR: %v", entries)
	}
	// gpgconf --kill returns before the agent has exited: give it time to.
	pids := processesMentioning(tmp)
	for deadline := time.Now().Add(5 * time.Second); len(pids) > 0 && time.Now().Before(deadline); pids = processesMentioning(tmp) {
		time.Sleep(50 * time.Millisecond)
	}
	if len(pids) > 0 {
		t.Errorf("gpg-agent left running for the private home: %v", pids)
	}
	// A key file that is not a key fails cleanly.
	bad := testenv.WriteFile(t, t.TempDir(), "bad.asc", "not a key\n")
	if _, err := fetch(t, "secrets+gpg-import://"+bad+"?secrets.yaml"); err == nil {
		t.Error("bad key: want failure")
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("GNUPGHOME left behind after a failed import: %v", entries)
	}
}

// gpgKey generates a PGP key in its own home (stopped at cleanup) and
// returns the home, the fingerprint and the exported secret key file.
func gpgKey(t *testing.T, gpg string) (home, fpr, keyFile string) {
	t.Helper()
	home, err := os.MkdirTemp("/tmp", "hsk-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
		os.RemoveAll(home)
	})
	run := func(args ...string) []byte {
		cmd := exec.Command(gpg, append([]string{"--batch", "--homedir", home}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gpg %v: %v", args, err)
		}
		return out
	}
	run("--passphrase", "", "--quick-gen-key", "getter-test@example.com", "rsa2048", "encrypt,sign", "never")
	for _, line := range strings.Split(string(run("--with-colons", "--list-secret-keys")), "\n") {
		if strings.HasPrefix(line, "fpr:") {
			fpr = strings.Split(line, ":")[9]
			break
		}
	}
	keyFile = testenv.WriteFile(t, t.TempDir(), "private.asc", string(run("--armor", "--export-secret-keys", fpr)))
	return home, fpr, keyFile
}

// processesMentioning lists the processes whose command line contains s.
func processesMentioning(s string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(s)) {
			pids = append(pids, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return pids
}

// TestFetchKubernetesSecret serves the Secrets API from a test server and
// checks the -kubernetes protocols and their errors.
func TestFetchKubernetesSecret(t *testing.T) {
	f := newGetterFixture(t)
	f.write(t, "secrets.yaml", "password: "+getterCanary+"\n", encrypt.FormatYAML)
	key := mustRead(t, f.keyFile)
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/api/v1/namespaces/keys/secrets/age", "/api/v1/namespaces/helmns/secrets/age":
			_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Secret", "data": map[string]string{"key.txt": base64.StdEncoding.EncodeToString([]byte(key))}})
		default:
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "message": `secrets "x" not found`})
		}
	}))
	defer srv.Close()
	kc := testenv.WriteFile(t, t.TempDir(), "kubeconfig", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, certificate-authority-data: %q}}]
users: [{name: u, user: {token: tok}}]
contexts: [{name: ctx, context: {cluster: c, user: u, namespace: ctxns}}]
current-context: ctx
`, srv.URL, base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))))
	t.Setenv("KUBECONFIG", kc)

	if got, err := fetch(t, "secrets+age-import-kubernetes://keys/age#key.txt?secrets.yaml"); err != nil || !strings.Contains(got, getterCanary) {
		t.Fatalf("with namespace: %q, %v", got, err)
	}
	// Without NS/ the kube context's namespace is used, as the shell
	// plugin's `kubectl get secret NAME` does, whatever helm's
	// --namespace (HELM_NAMESPACE, which Argo CD always sets) says.
	t.Setenv("HELM_NAMESPACE", "helmns")
	_, err := fetch(t, "secrets+age-import-kubernetes://age#key.txt?secrets.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "Couldn't get kubernetes secret age\n") {
		t.Fatalf("context namespace: %v", err)
	}
	if last := paths[len(paths)-1]; last != "/api/v1/namespaces/ctxns/secrets/age" {
		t.Fatalf("without NS/ the context's namespace is used, not HELM_NAMESPACE; got %s", last)
	}
	t.Setenv("HELM_NAMESPACE", "")
	_, err = fetch(t, "secrets+gpg-import-kubernetes://other/gpg#k?secrets.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "Couldn't get kubernetes secret other/gpg\n") {
		t.Fatalf("missing secret: %v", err)
	}
	_, err = fetch(t, "secrets+age-import-kubernetes://keys/age#nokey?secrets.yaml")
	if err == nil || err.Error() != "Couldn't find key nokey in kubernetes secret age" {
		t.Fatalf("missing key (age): %v", err)
	}
	_, err = fetch(t, "secrets+gpg-import-kubernetes://keys/age#nokey?secrets.yaml")
	if err == nil || err.Error() != "Couldn't find key nokey in secret age" {
		t.Fatalf("missing key (gpg): %v", err)
	}
	// A missing source with "?" needs no key at all.
	if got, err := fetch(t, "secrets+age-import-kubernetes://?nowhere/none#k?missing.yaml"); err != nil || got != "" {
		t.Fatalf("ignored missing: %q, %v", got, err)
	}
}

// BenchmarkFetch is the in-process cost of one secrets+age-import:// fetch
// (the getter's work after process start-up); see docs/performance.md.
func BenchmarkFetch(b *testing.B) {
	testenv.Isolate(b)
	id := testenv.AgeKey(b)
	dir := b.TempDir()
	b.Chdir(dir)
	keyFile := testenv.WriteFile(b, dir, "key.txt", id.String()+"\n")
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	out, err := eng.Encrypt(context.Background(), []byte("password: x\nnested:\n  a: 1\n  b: |\n    multi\n    line\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
	if err != nil {
		b.Fatal(err)
	}
	testenv.WriteFile(b, dir, "s.yaml", string(out))
	o := pluginenv.Getter()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := getter.Fetch(context.Background(), "secrets+age-import://"+keyFile+"?s.yaml", o); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFetchNeverPrintsCiphertext: what the getter prints for helm never
// holds sops ciphertext or metadata: an encrypted file through the noop
// backend (which the shell plugin printed as it is), local or remote, is
// refused, naming the source.
func TestFetchNeverPrintsCiphertext(t *testing.T) {
	f := newGetterFixture(t)
	f.write(t, "secrets.yaml", "password: "+getterCanary+"\n", encrypt.FormatYAML)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, mustRead(t, "secrets.yaml"))
	}))
	defer srv.Close()
	for url, name := range map[string]string{"secrets://noop!secrets.yaml": "secrets.yaml", "secrets://noop!" + srv.URL + "/v.yaml": srv.URL + "/v.yaml"} {
		out, err := fetch(t, url)
		if !errors.Is(err, boundary.ErrCiphertext) || !strings.HasPrefix(err.Error(), name+": ") || out != "" {
			t.Errorf("%s: %q, %v", url, out, err)
		}
	}
}
