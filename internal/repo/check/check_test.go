package check

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// canary is a plaintext secret of the fixture: no report may contain it.
const canary = "canary-Zq8vX3pLw"

// fixture is a git repository with one file for every finding.
type fixture struct {
	root     string
	git      string
	eng      *encrypt.Engine
	id1, id2 *age.X25519Identity
}

func gitRun(t testing.TB, git, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(git, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// newFixture builds the repository: .sops.yaml wants secrets/*.yaml
// encrypted for id1 and id2.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	testenv.Isolate(t)
	f := &fixture{git: testenv.Tool(t, "GIT_BIN", "git"), id1: testenv.AgeKey(t), id2: testenv.AgeKey(t)}
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.root = root
	gitRun(t, f.git, root, "init", "-q", ".")
	f.eng = encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{f.id1}, NoEnvironment: true}})
	testenv.WriteFile(t, root, ".sops.yaml", "creation_rules:\n  - path_regex: ^secrets/.*\\.yaml$\n    age: "+
		f.id1.Recipient().String()+","+f.id2.Recipient().String()+"\n  - age: "+f.id1.Recipient().String()+"\n")
	return f
}

// encrypt writes name encrypted for the given recipients (nil: .sops.yaml).
func (f *fixture) encrypt(t testing.TB, name, plain string, recipients ...*age.X25519Identity) []byte {
	t.Helper()
	o := encrypt.EncryptOptions{Path: filepath.Join(f.root, name)}
	if recipients != nil {
		r := &encrypt.Recipients{}
		for _, id := range recipients {
			r.Age = append(r.Age, id.Recipient().String())
		}
		o.Recipients = r
	}
	out, err := f.eng.Encrypt(context.Background(), []byte(plain), o)
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, f.root, name, string(out))
	return out
}

// bad adds one file for every finding type; it returns the expected
// findings as "rule file" strings.
func (f *fixture) bad(t testing.TB) []string {
	t.Helper()
	f.encrypt(t, "secrets/ok.yaml", "password: "+canary+"\n")
	testenv.WriteFile(t, f.root, "secrets/plain.yaml", "password: "+canary+"\n")
	f.encrypt(t, "secrets/drift.yaml", "password: "+canary+"\n", f.id1)
	enc := f.encrypt(t, "secrets/tampered.yaml", "password: "+canary+"\n")
	tampered := regexp.MustCompile(`(password: ENC\[AES256_GCM,data:)(.)`).ReplaceAllStringFunc(string(enc), func(m string) string {
		if strings.HasSuffix(m, "A") {
			return m[:len(m)-1] + "B"
		}
		return m[:len(m)-1] + "A"
	})
	testenv.WriteFile(t, f.root, "secrets/tampered.yaml", tampered)
	testenv.WriteFile(t, f.root, "secrets/malformed.yaml", "password: ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:str]\nsops:\n  version: 3.9.0\n")
	if err := os.Symlink("/etc/passwd", filepath.Join(f.root, "secrets/link.yaml")); err != nil {
		t.Fatal(err)
	}
	var big strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&big, "k%d: v\n", i)
	}
	testenv.WriteFile(t, f.root, "secrets/big.yaml", big.String())
	testenv.WriteFile(t, f.root, "values.yaml", "db:\n  password: "+canary+"\n  passwordSecretName: db-secret\nimage:\n  tag: v1.2.3\n")
	testenv.WriteFile(t, f.root, "chart/values.yaml", "token: ghp_9fQ2mXr7Lk3vB8zT1wYc6Hn4pJd0sE5aUqR\nallowed:\n  apiKey: "+canary+"\n")
	testenv.WriteFile(t, f.root, ".helm-secrets-allowlist", "# test values\nchart/values.yaml:allowed.*\n")
	// Ignored by .gitignore: never listed.
	testenv.WriteFile(t, f.root, ".gitignore", "secrets/ignored.yaml\n")
	testenv.WriteFile(t, f.root, "secrets/ignored.yaml", "password: "+canary+"\n")
	gitRun(t, f.git, f.root, "add", "-A")
	gitRun(t, f.git, f.root, "commit", "-q", "-m", "fixture")
	return []string{
		"too-large secrets/big.yaml",
		"recipient-drift secrets/drift.yaml",
		"not-regular secrets/link.yaml",
		"malformed secrets/malformed.yaml",
		"not-encrypted secrets/plain.yaml",
		"mac-invalid secrets/tampered.yaml",
		"plaintext-secret chart/values.yaml",
		"plaintext-secret values.yaml",
	}
}

func summary(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, string(f.Rule)+" "+f.File)
	}
	slices.Sort(out)
	return out
}

func TestEveryFinding(t *testing.T) {
	f := newFixture(t)
	want := f.bad(t)
	r, err := Run(context.Background(), Options{Root: f.root, InGit: true, Git: f.git, Engine: f.eng, Heuristics: true,
		Allow: mustAllow(t, f.root), MaxFileSize: 10000})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if got := summary(r); !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	for _, fd := range r.Findings {
		switch fd.Rule {
		case RuleRecipientDrift:
			if !slices.Equal(fd.Added, []string{"age " + f.id2.Recipient().String()}) || len(fd.Removed) != 0 {
				t.Errorf("drift: added %q removed %q", fd.Added, fd.Removed)
			}
		case RulePlaintextSecret:
			if fd.Line == 0 || fd.Key == "" {
				t.Errorf("plaintext finding without line or key: %+v", fd)
			}
		}
	}
	// ok.yaml verified; tampered.yaml was not.
	if r.Verified != 2 { // ok.yaml and drift.yaml
		t.Errorf("verified %d files, want 2", r.Verified)
	}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"table": func(b *bytes.Buffer) error { return WriteTable(b, r) },
		"json":  func(b *bytes.Buffer) error { return WriteJSON(b, r) },
		"sarif": func(b *bytes.Buffer) error { return WriteSARIF(b, r, "test") },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), canary) {
			t.Errorf("%s output holds the canary secret:\n%s", name, b.String())
		}
	}
}

func mustAllow(t testing.TB, root string) *AllowList {
	a, err := LoadAllowList(filepath.Join(root, ".helm-secrets-allowlist"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Without a key only the structure is checked: the tampered file passes,
// the malformed one does not.
func TestWithoutKey(t *testing.T) {
	f := newFixture(t)
	f.bad(t)
	noKey := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{testenv.AgeKey(t)}, NoEnvironment: true}})
	r, err := Run(context.Background(), Options{Root: f.root, InGit: true, Git: f.git, Engine: noKey})
	if err != nil {
		t.Fatal(err)
	}
	got := summary(r)
	if slices.Contains(got, "mac-invalid secrets/tampered.yaml") || !slices.Contains(got, "malformed secrets/malformed.yaml") || r.Verified != 0 {
		t.Errorf("findings without a key: %q (verified %d)", got, r.Verified)
	}
}

func TestCleanAndRotationDue(t *testing.T) {
	f := newFixture(t)
	f.encrypt(t, "secrets/a.yaml", "a: b\n")
	f.encrypt(t, "secrets/sub/b.yaml", "a: b\n")
	testenv.WriteFile(t, f.root, "README.md", "plain\n")
	o := Options{Root: f.root, InGit: true, Git: f.git, Engine: f.eng, MaxAge: 90 * 24 * time.Hour, Heuristics: true}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 0 || r.Matched != 2 || r.Verified != 2 {
		t.Fatalf("clean repository: %+v", r)
	}
	o.Now = time.Now().Add(100 * 24 * time.Hour)
	if r, err = Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if got := summary(r); !slices.Equal(got, []string{"rotation-due secrets/a.yaml", "rotation-due secrets/sub/b.yaml"}) {
		t.Errorf("rotation due: %q", got)
	}
	// A path argument restricts the check.
	o.Paths = []string{filepath.Join(f.root, "secrets", "sub")}
	if r, err = Run(context.Background(), o); err != nil || r.Files != 1 {
		t.Errorf("paths: %v, %+v", err, r)
	}
	// A path outside the root is refused.
	o.Paths = []string{t.TempDir()}
	if _, err = Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "outside the repository") {
		t.Errorf("outside path: %v", err)
	}
}

// Outside git the tree is walked; symbolic links (also to directories)
// are never followed.
func TestWalkOutsideGit(t *testing.T) {
	testenv.Isolate(t)
	root, _ := filepath.EvalSymlinks(t.TempDir())
	outside := t.TempDir()
	testenv.WriteFile(t, outside, "secrets/x.yaml", "password: "+canary+"\n")
	testenv.WriteFile(t, root, ".sops.yaml", "creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: "+testenv.AgeKey(t).Recipient().String()+"\n")
	testenv.WriteFile(t, root, "secrets/plain.yaml", "a: b\n")
	if err := os.Symlink(filepath.Join(outside, "secrets"), filepath.Join(root, "linked")); err != nil {
		t.Fatal(err)
	}
	r, err := Run(context.Background(), Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(r); !slices.Equal(got, []string{"not-encrypted secrets/plain.yaml"}) {
		t.Errorf("walk: %q", got)
	}
	if _, err := Run(context.Background(), Options{Root: root, Paths: []string{filepath.Join(root, "linked", "x.yaml")}}); err == nil {
		t.Error("a path through a symbolic link out of the root was accepted")
	}
}

func TestKeyWords(t *testing.T) {
	for k, want := range map[string]bool{
		"password": true, "dbPassword": true, "API_KEY": true, "apiKey": true, "client-secret": true, "token": true,
		"secretName": false, "existingSecret": false, "keyFile": false, "publicKey": false, "monkey": false, "tag": false,
	} {
		if got := secretKeyName(k); got != want {
			t.Errorf("secretKeyName(%q) = %t, want %t", k, got, want)
		}
	}
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "36h": 36 * time.Hour, "0d": 0} {
		if got, err := ParseAge(in); err != nil || got != want {
			t.Errorf("ParseAge(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "d", "-1d", "x", "1.5d"} {
		if _, err := ParseAge(in); err == nil {
			t.Errorf("ParseAge(%q) accepted", in)
		}
	}
}

// The JSON report is one object with the documented fields.
func TestJSONShape(t *testing.T) {
	f := newFixture(t)
	f.bad(t)
	r, err := Run(context.Background(), Options{Root: f.root, InGit: true, Git: f.git, MaxFileSize: 10000})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	var back Report
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	if back.Files != r.Files || len(back.Findings) != len(r.Findings) {
		t.Errorf("round trip: %+v", back)
	}
}

// TestLongPathRegexBounded: a .sops.yaml creation rule with a 900 KB
// path_regex (anyone can write one) costs nothing per file: it is
// refused at once, naming the file and the rule.
func TestLongPathRegexBounded(t *testing.T) {
	testenv.Isolate(t)
	root, _ := filepath.EvalSymlinks(t.TempDir())
	testenv.WriteFile(t, root, ".sops.yaml", "creation_rules:\n  - path_regex: '"+strings.Repeat("(a|b)*", 150000)+"'\n    age: "+testenv.AgeKey(t).Recipient().String()+"\n")
	for i := range 20 {
		testenv.WriteFile(t, root, fmt.Sprintf("v%d.yaml", i), "a: b\n")
	}
	start := time.Now()
	r, err := Run(context.Background(), Options{Root: root})
	d := time.Since(start)
	if d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if err == nil {
		b, _ := json.Marshal(r)
		if !strings.Contains(string(b), "path_regex is 900000 bytes") {
			t.Errorf("not reported: %v %s", err, b)
		}
	} else if !strings.Contains(err.Error(), "path_regex is 900000 bytes") {
		t.Errorf("%v", err)
	}
}
