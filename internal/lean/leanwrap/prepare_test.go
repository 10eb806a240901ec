package leanwrap_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/internal/lean/leanwrap"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// corpus is a working directory of values files: encrypted ones the fast
// path must decrypt, and everything it must leave to the full wrapper.
type corpus struct {
	t   *testing.T
	id  *age.X25519Identity
	eng *encrypt.Engine
	dir string
}

func newCorpus(t *testing.T) *corpus {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	c := &corpus{t: t, id: id, dir: t.TempDir(),
		eng: encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})}
	t.Setenv("SOPS_AGE_KEY", id.String())
	t.Chdir(c.dir)
	return c
}

func (c *corpus) encrypt(plain string, f encrypt.Format, recipients ...string) string {
	c.t.Helper()
	if len(recipients) == 0 {
		recipients = []string{c.id.Recipient().String()}
	}
	enc, err := c.eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: f, Recipients: &encrypt.Recipients{Age: recipients}})
	if err != nil {
		c.t.Fatal(err)
	}
	return string(enc)
}

func (c *corpus) write(name, content string) string {
	c.t.Helper()
	testenv.WriteFile(c.t, c.dir, name, content)
	return name
}

// full prepares args with the full wrapper, as cmd/helm-secrets does for
// the default sops backend.
func (c *corpus) full(args []string) (norm []string, decrypted []string, err error) {
	r, err := wrapper.Prepare(context.Background(), wrapper.Options{
		Args: args, Backends: backend.Selector{Engine: c.eng}, DefaultBackend: "sops", Paths: pathpolicy.FromEnv(),
	})
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	return c.normalize(r.Args()), r.Decrypted(), nil
}

// normalize replaces every served path in args (a link into a private
// directory) with the content it serves.
func (c *corpus) normalize(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		for _, field := range strings.Split(a, ",") {
			field = strings.TrimPrefix(strings.TrimPrefix(field, "--values="), "-f")
			field = strings.TrimPrefix(field, "=")
			if !strings.Contains(field, "helm-secrets") || !filepath.IsAbs(field) {
				continue
			}
			b, err := os.ReadFile(field)
			if err != nil {
				c.t.Fatalf("served path %s: %v", field, err)
			}
			out[i] = strings.Replace(out[i], field, fmt.Sprintf("SERVED(%q)", b), 1)
		}
	}
	return out
}

// check runs both wrappers on args; when the fast path takes it, the
// result must be the full wrapper's. It reports whether the fast path
// took it.
func (c *corpus) check(args []string) bool {
	c.t.Helper()
	r, ok := leanwrap.Prepare(args)
	if !ok {
		return false
	}
	defer r.Close()
	got := c.normalize(r.Args)
	want, wantDec, err := c.full(args)
	if err != nil {
		c.t.Errorf("%q: the fast path took it, the full wrapper fails: %v", args, err)
		return true
	}
	if !reflect.DeepEqual(got, want) {
		c.t.Errorf("%q: helm args\n fast %q\n full %q", args, got, want)
	}
	if !reflect.DeepEqual(r.Decrypted, wantDec) && (len(r.Decrypted) > 0 || len(wantDec) > 0) {
		c.t.Errorf("%q: decrypted fast %q, full %q", args, r.Decrypted, wantDec)
	}
	return true
}

func TestSameAsFullWrapper(t *testing.T) {
	c := newCorpus(t)
	other := testenv.AgeKey(t)
	enc := c.write("secrets.yaml", c.encrypt("password: hunter2\nnested:\n  token: abc\n", encrypt.FormatYAML))
	enc2 := c.write("b.yml", c.encrypt("b: 2\nlist: [1, two]\n", encrypt.FormatYAML))
	both := c.write("both.yaml", c.encrypt("k: v\n", encrypt.FormatYAML, c.id.Recipient().String(), other.Recipient().String()))
	plain := c.write("values.yaml", "replicas: 2\nimage: {tag: '1.2'}\n")
	plainJSON := c.write("values.json", `{"replicas": 2}`)
	c.write("sub/deep/v.yaml", "a: 1\n")
	take := [][]string{
		{"template", "app", "./chart", "-f", enc},
		{"template", "app", "./chart", "-f", plain},
		{"template", "app", "./chart", "-f", plainJSON},
		{"template", "app", "./chart", "-f", plain, "-f", enc, "--values", enc2, "--values=" + both, "-f" + enc, "-f=" + enc2},
		{"upgrade", "--install", "app", "./chart", "-f", enc + "," + plain, "-n", "ns"},
		{"install", "app", "./chart", "-f", enc, "--set", "a=1,b.c=x", "--set-string", "s=2", "--set-json", `j={"a":[1,2]}`},
		{"template", "app", "./chart", "-f", enc, "-f", enc},
		{"template", "app", "./chart", "-f", "sub/deep/v.yaml", "-f", enc},
		{"template", "app", "./chart", "-f", enc, "--", "-f", "positional.yaml"},
		{"template", "app", "./chart"},
		// Turned off: the full wrapper does not redact these by default.
		{"install", "app", "./chart", "-f", enc, "--dry-run=false", "--debug=false"},
	}
	for _, args := range take {
		if !c.check(args) {
			t.Errorf("%q: the fast path declined it", args)
		}
	}

	// Declined: each is the full wrapper's (or helm's) business.
	wrongKey := c.write("wrong.yaml", c.encrypt("x: 1\n", encrypt.FormatYAML, other.Recipient().String()))
	tampered := c.write("tampered.yaml", strings.Replace(c.encrypt("x: 1\ny: 2\n", encrypt.FormatYAML), "mac: ENC[", "mac: ENC[AES256_GCM,data:AAAA", 1))
	encJSON := c.write("enc.json", c.encrypt(`{"a": "b"}`, encrypt.FormatJSON))
	jsonInYAML := c.write("json.yaml", c.encrypt(`{"a": "b"}`, encrypt.FormatJSON))
	mentions := c.write("mentions.yaml", "# decrypted with sops\na: 1\n")
	escaped := c.write("escaped.yaml", "\"\\x73ops\": {}\na: 1\n")
	truncated := c.write("truncated.yaml", "a: ENC[AES256_GCM,data:abc,iv:x,tag:y,type:str]\n")
	c.write("stores/.sops.yaml", "stores:\n  yaml:\n    indent: 4\n")
	stores := c.write("stores/s.yaml", c.encrypt("a: 1\n", encrypt.FormatYAML))
	c.write("dir/x", "")
	decline := [][]string{
		{"template", "app", "./chart", "-f", wrongKey},
		{"template", "app", "./chart", "-f", tampered},
		{"template", "app", "./chart", "-f", encJSON},
		{"template", "app", "./chart", "-f", jsonInYAML},
		{"template", "app", "./chart", "-f", mentions},
		{"template", "app", "./chart", "-f", escaped},
		{"template", "app", "./chart", "-f", truncated},
		{"template", "app", "./chart", "-f", stores},
		{"template", "app", "./chart", "-f", "missing.yaml"},
		{"template", "app", "./chart", "-f", "?" + enc},
		{"template", "app", "./chart", "-f", "sops!" + enc},
		{"template", "app", "./chart", "-f", "dir"},
		{"template", "app", "./chart", "-f", "https://example.com/v.yaml"},
		{"template", "app", "./chart", "-f", "secrets://" + enc},
		{"template", "app", "./chart", "-f", "-"},
		{"template", "app", "./chart", "-f", "notes.txt"},
		{"template", "app", "./chart", "--set-file", "k=" + enc},
		{"template", "app", "./chart", "--set", "k=" + c.encrypt("x", encrypt.FormatAuto)},
		{"template", "app", "./chart", "--set", `k=a\,b`},
		{"template", "app", "./chart", "--set", "k=ref+echo://x"},
		{"template", "app", "./chart", "--set", "k=vals!x"},
		{"template", "app", "./chart", "-f", enc, "--debug"},
		// --debug=true is --debug: the full wrapper redacts it by default.
		{"template", "app", "./chart", "-f", enc, "--debug=true"},
		{"template", "app", "./chart", "-f", enc, "--dry-run=server"},
		{"install", "app", "./chart", "--dry-run"},
		{"lint", "./chart", "-f", enc},
		{"diff", "upgrade", "app", "./chart", "-f", enc},
		{"encrypt", enc},
		{"-q", "template", "app", "./chart", "-f", enc},
		{"template"},
		{"template", "--help"},
	}
	for _, args := range decline {
		if r, ok := leanwrap.Prepare(args); ok {
			r.Close()
			t.Errorf("%q: the fast path took it", args)
		}
	}
}

// TestEnvironmentDeclines: a setting the fast path does not apply makes
// it decline; one it applies does not.
func TestEnvironmentDeclines(t *testing.T) {
	c := newCorpus(t)
	enc := c.write("secrets.yaml", c.encrypt("password: hunter2\n", encrypt.FormatYAML))
	args := []string{"template", "app", "./chart", "-f", enc}
	for _, kv := range []string{
		"HELM_SECRETS_BACKEND=vals", "HELM_SECRETS_LOAD_GPG_KEYS=/k", "HELM_SECRETS_DEBUG=1", "HELM_DEBUG=true",
		"HELM_SECRETS_EVALUATE_TEMPLATES=true", "HELM_SECRETS_REDACT=true", "HELM_SECRETS_AUDIT_LOG=-",
		"HELM_SECRETS_ALLOWED_BACKENDS=sops", "HELM_SECRETS_BACKEND_ARGS=x",
	} {
		name, v, _ := strings.Cut(kv, "=")
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, v)
			if r, ok := leanwrap.Prepare(args); ok {
				r.Close()
				t.Errorf("%s: the fast path took it", kv)
			}
		})
	}
	for _, kv := range []string{"HELM_SECRETS_QUIET=true", "HELM_SECRETS_REDACT=false", "HELM_SECRETS_BACKEND=sops", "HELM_SECRETS_STRICT=true"} {
		name, v, _ := strings.Cut(kv, "=")
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, v)
			if !c.check(args) {
				t.Errorf("%s: the fast path declined it", kv)
			}
		})
	}
	t.Run("path policy", func(t *testing.T) {
		abs := filepath.Join(c.dir, enc)
		if !c.check([]string{"template", "app", "./chart", "-f", abs}) {
			t.Errorf("an absolute path (allowed by default): declined")
		}
		t.Setenv("HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH", "false")
		if r, ok := leanwrap.Prepare([]string{"template", "app", "./chart", "-f", abs}); ok {
			r.Close()
			t.Errorf("HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH=false: the fast path took an absolute path")
		}
	})
	t.Run("no identity", func(t *testing.T) {
		t.Setenv("SOPS_AGE_KEY", "")
		if r, ok := leanwrap.Prepare(args); ok {
			r.Close()
			t.Errorf("without an age identity: the fast path took it")
		}
	})
}

// TestCorpusSameAsFullWrapper runs the fast path and the full wrapper
// over the generated corpus the lean getter is tested on
// (testenv.YAMLDocument), each file encrypted and given with a plain one.
func TestCorpusSameAsFullWrapper(t *testing.T) {
	c := newCorpus(t)
	r := rand.New(rand.NewSource(18))
	n := testenv.IntSetting(t, "HELM_SECRETS_SOPSAGE_CORPUS", 150, 1)
	docs := append([]string(nil), testenv.HandwrittenYAML...)
	for len(docs) < n {
		docs = append(docs, string(testenv.YAMLDocument(r)))
	}
	taken := 0
	for i, doc := range docs {
		enc := c.write(fmt.Sprintf("enc%d.yaml", i), c.encrypt(doc, encrypt.FormatYAML))
		pl := c.write(fmt.Sprintf("plain%d.yaml", i), doc)
		if c.check([]string{"template", "x", "./chart", "-f", pl + "," + enc, "--set", "a=b"}) {
			taken++
		}
	}
	// The fast path must take most of it, or the test proves little.
	if taken < len(docs)*3/4 {
		t.Fatalf("the fast path took only %d of %d command lines", taken, len(docs))
	}
	t.Logf("the fast path took %d of %d command lines", taken, len(docs))
}

// BenchmarkPrepare20 prepares a command line with 20 small age-encrypted
// files (the wrapper's own work per run, without process start-up).
func BenchmarkPrepare20(b *testing.B) {
	testenv.Isolate(b)
	id := testenv.AgeKey(b)
	dir := b.TempDir()
	b.Chdir(dir)
	b.Setenv("SOPS_AGE_KEY", id.String())
	eng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})
	args := []string{"template", "app", "./chart"}
	for i := range 20 {
		enc, err := eng.Encrypt(context.Background(), fmt.Appendf(nil, "password%d: s3cret-%d\ntoken%d: tok-%d\nport: %d\n", i, i, i, i, i),
			encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
		if err != nil {
			b.Fatal(err)
		}
		args = append(args, "-f", testenv.WriteFile(b, dir, fmt.Sprintf("v%d.yaml", i), string(enc)))
	}
	b.ResetTimer()
	for b.Loop() {
		r, ok := leanwrap.Prepare(args)
		if !ok {
			b.Fatal("declined")
		}
		r.Close()
	}
}

// utf16LE is s in UTF-16LE with a byte order mark.
func utf16LE(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return string(b)
}

// TestEncodingsSameAsFullWrapper: an encrypted file re-encoded as UTF-16
// or UTF-32 (which the full wrapper decrypts) is never left to helm as
// plain values: the fast path declines it or gives the full wrapper's
// result.
func TestEncodingsSameAsFullWrapper(t *testing.T) {
	c := newCorpus(t)
	enc := c.encrypt("password: hunter2\n", encrypt.FormatYAML)
	u32 := []byte{0xFF, 0xFE, 0, 0}
	for _, r := range enc {
		u32 = binary.LittleEndian.AppendUint32(u32, uint32(r))
	}
	for name, content := range map[string]string{"u16.yaml": utf16LE(enc), "u32.yaml": string(u32), "u16-nobom.yaml": utf16LE(enc)[2:]} {
		c.write(name, content)
		args := []string{"template", "app", "./chart", "-f", name}
		if r, ok := leanwrap.Prepare(args); ok {
			if slices.Equal(r.Args, args) {
				t.Errorf("%s: left to helm as plain values", name)
			}
			r.Close()
		}
		c.check(args)
	}
}

// TestStrictInjectedEmptyKeys: a key with an empty value (null, "", [],
// {}) injected into an encrypted file is not covered by the sops MAC. With
// HELM_SECRETS_STRICT=true the full wrapper refuses it, so the fast path
// must never take it (it declines, and the full wrapper gives the error);
// without strict both take it alike.
func TestStrictInjectedEmptyKeys(t *testing.T) {
	c := newCorpus(t)
	enc := c.encrypt("db:\n  password: s3cr3t\n", encrypt.FormatYAML)
	for _, inj := range []string{`admin: ""`, "admin: null", "admin: []", "admin: {}", "admin:", `nested: ""`} {
		content := inj + "\n" + enc
		if inj == `nested: ""` { // inside the encrypted mapping
			content = strings.Replace(enc, "    password:", "    nested: \"\"\n    password:", 1)
		}
		name := c.write("secrets.yaml", content)
		args := []string{"template", "app", "./chart", "-f", name}
		t.Run(inj, func(t *testing.T) {
			t.Setenv("HELM_SECRETS_STRICT", "true")
			if r, ok := leanwrap.Prepare(args); ok {
				r.Close()
				t.Errorf("strict: the fast path took a file with %q injected", inj)
			}
			strict := encrypt.New(encrypt.Options{Strict: true, Keys: encrypt.Keys{AgeIdentities: []age.Identity{c.id}, NoEnvironment: true}})
			if _, err := wrapper.Prepare(context.Background(), wrapper.Options{
				Args: args, Backends: backend.Selector{Engine: strict}, DefaultBackend: "sops", Paths: pathpolicy.FromEnv(),
			}); err == nil {
				t.Errorf("strict: the full wrapper took a file with %q injected", inj)
			}
			t.Setenv("HELM_SECRETS_STRICT", "false")
			if !c.check(args) {
				t.Errorf("without strict: the fast path declined a file with %q injected", inj)
			}
		})
	}
}
