package sopslite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// rules are the encryption rules exercised, as sops flags.
var rules = [][]string{nil, {"--encrypted-regex", "^(data|stringData|password)"}, {"--unencrypted-regex", "^name"}, {"--encrypted-suffix", "_enc0"}, {"--unencrypted-suffix", "1"}}

func corpusSize(t testing.TB, def int) int {
	return testenv.IntSetting(t, "HELM_SECRETS_SOPSAGE_CORPUS", def, 1)
}

// TestDecryptYAMLMatchesSopsCLI encrypts a corpus of generated and
// testenv.HandwrittenYAML YAML files with the real sops CLI and checks that
// DecryptYAML prints exactly what `sops --decrypt` prints, byte for byte,
// for every file (HELM_SECRETS_SOPSAGE_CORPUS sets the corpus size).
func TestDecryptYAMLMatchesSopsCLI(t *testing.T) {
	sopsBin := testenv.Tool(t, "SOPS_BIN", "sops")
	n := corpusSize(t, 40)
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	dir := t.TempDir()
	keyFile := testenv.WriteFile(t, dir, "keys.txt", id.String()+"\n")
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)

	r := rand.New(rand.NewSource(int64(n)))
	docs := make([][]byte, 0, n+len(testenv.HandwrittenYAML))
	for _, h := range testenv.HandwrittenYAML {
		docs = append(docs, []byte(h))
	}
	for len(docs) < n+len(testenv.HandwrittenYAML) {
		docs = append(docs, testenv.YAMLDocument(r))
	}
	type result struct {
		handled bool
		err     error
	}
	results := make([]result, len(docs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0)+1)
	for i, doc := range docs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			plainPath := filepath.Join(dir, fmt.Sprintf("doc%d.yaml", i))
			if err := os.WriteFile(plainPath, doc, 0o600); err != nil {
				results[i].err = err
				return
			}
			args := append([]string{"--encrypt", "--age", id.Recipient().String()}, rules[i%len(rules)]...)
			enc, err := exec.Command(sopsBin, append(args, plainPath)...).Output()
			if err != nil {
				results[i].err = fmt.Errorf("sops --encrypt doc %d: %v\n%s", i, err, doc)
				return
			}
			encPath := filepath.Join(dir, fmt.Sprintf("doc%d.enc.yaml", i))
			if err := os.WriteFile(encPath, enc, 0o600); err != nil {
				results[i].err = err
				return
			}
			want, err := exec.Command(sopsBin, "--decrypt", encPath).Output()
			if err != nil {
				results[i].err = fmt.Errorf("sops --decrypt doc %d: %v", i, err)
				return
			}
			got, err := sopslite.DecryptYAML(enc, []age.Identity{id})
			if err != nil {
				results[i].err = fmt.Errorf("doc %d not handled: %v\n%s", i, err, doc)
				return
			}
			if !bytes.Equal(got, want) {
				results[i].err = fmt.Errorf("doc %d differs from sops --decrypt:\n got %q\nwant %q", i, got, want)
				return
			}
			results[i].handled = true
		}()
	}
	wg.Wait()
	handled := 0
	for _, res := range results {
		if res.err != nil {
			t.Error(res.err)
		}
		if res.handled {
			handled++
		}
	}
	t.Logf("%d of %d files byte-identical to sops --decrypt", handled, len(docs))
}

// engineFor is the engine on the sops library alone (SopsOnly: the
// engine's own fast path is this package).
func engineFor(id age.Identity) *encrypt.Engine {
	return encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}, SopsOnly: true})
}

// TestDecryptYAMLMatchesEngine does the same against the full engine (the
// sops library) on a larger corpus, with files encrypted by the engine.
func TestDecryptYAMLMatchesEngine(t *testing.T) {
	id := testenv.AgeKey(t)
	eng := engineFor(id)
	n := corpusSize(t, 400)
	r := rand.New(rand.NewSource(7))
	for i := 0; i < n; i++ {
		doc := testenv.YAMLDocument(r)
		enc := encryptWith(t, eng, id, doc)
		want, err := eng.Decrypt(context.Background(), enc, encrypt.FormatYAML)
		if err != nil {
			t.Fatalf("engine: %v", err)
		}
		got, err := sopslite.DecryptYAML(enc, []age.Identity{id})
		if err != nil {
			t.Fatalf("doc %d not handled: %v\n%s", i, err, doc)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("doc %d differs from the engine:\n got %q\nwant %q", i, got, want)
		}
	}
}

func encryptWith(t testing.TB, eng *encrypt.Engine, id *age.X25519Identity, doc []byte) []byte {
	t.Helper()
	enc, err := eng.Encrypt(context.Background(), doc, encrypt.EncryptOptions{
		Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}},
	})
	if err != nil {
		t.Fatalf("encrypt: %v\n%s", err, doc)
	}
	return enc
}

// TestDecryptYAMLNeverAcceptsWhatEngineRejects flips every byte of
// encrypted files (two ways) and checks that whenever DecryptYAML returns
// output, the engine accepts the same input and returns the same bytes;
// everything else must be ErrUnsupported.
func TestDecryptYAMLNeverAcceptsWhatEngineRejects(t *testing.T) {
	id := testenv.AgeKey(t)
	eng := engineFor(id)
	docs := [][]byte{
		[]byte("password: hunter2\nport: 5432\nratio: 0.5\nenabled: true\nlist:\n  - a\n  - 2\ndb_unencrypted: plain\n"),
		[]byte("a: 1\n---\nb: two\n"),
	}
	var mutations, accepted, rejected int
	for _, doc := range docs {
		enc := encryptWith(t, eng, id, doc)
		for i := range enc {
			for _, flip := range []byte{0x01, 0x20} {
				m := bytes.Clone(enc)
				m[i] ^= flip
				mutations++
				got, err := sopslite.DecryptYAML(m, []age.Identity{id})
				if err != nil {
					if !errors.Is(err, sopslite.ErrUnsupported) {
						t.Fatalf("error is not ErrUnsupported: %v", err)
					}
					if strings.Contains(err.Error(), "hunter2") {
						t.Fatalf("error leaks plaintext: %v", err)
					}
					rejected++
					continue
				}
				accepted++
				want, werr := eng.Decrypt(context.Background(), m, encrypt.FormatYAML)
				if werr != nil {
					t.Fatalf("byte %d ^%#x: fast path accepted what the engine rejects (%v)", i, flip, werr)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("byte %d ^%#x: fast path output differs from the engine", i, flip)
				}
			}
		}
	}
	t.Logf("%d mutations: %d handed to the engine, %d accepted with the engine's exact output", mutations, rejected, accepted)
}

// TestDecryptYAMLHandsOffUnsupported checks the inputs the fast path must
// leave to the engine.
func TestDecryptYAMLHandsOffUnsupported(t *testing.T) {
	id := testenv.AgeKey(t)
	other := testenv.AgeKey(t)
	eng := engineFor(id)
	enc := encryptWith(t, eng, id, []byte("a: b\n"))
	withComment := encryptWith(t, eng, id, []byte("# note\na: b\n"))
	cases := map[string]struct {
		doc []byte
		ids []age.Identity
	}{
		"wrong key":          {enc, []age.Identity{other}},
		"no key":             {enc, nil},
		"comment":            {withComment, []age.Identity{id}},
		"pgp key":            {bytes.Replace(enc, []byte("sops:\n"), []byte("sops:\n    pgp:\n        - fp: ABC\n          enc: x\n"), 1), []age.Identity{id}},
		"mac_only_encrypted": {bytes.Replace(enc, []byte("sops:\n"), []byte("sops:\n    mac_only_encrypted: true\n"), 1), []age.Identity{id}},
		"not encrypted":      {[]byte("a: b\n"), []age.Identity{id}},
		"empty":              {nil, []age.Identity{id}},
		"json":               {[]byte(`{"a":"b"}`), []age.Identity{id}},
		"sequence":           {[]byte("- a\n"), []age.Identity{id}},
	}
	for name, c := range cases {
		if out, err := sopslite.DecryptYAML(c.doc, c.ids); !errors.Is(err, sopslite.ErrUnsupported) || out != nil {
			t.Errorf("%s: got (%q, %v), want ErrUnsupported and no output", name, out, err)
		}
	}
}

// FuzzDecryptYAML: on any input, DecryptYAML must not panic, and when it
// returns output, the engine must accept the same input with the same
// output.
func FuzzDecryptYAML(f *testing.F) {
	id, err := age.ParseX25519Identity("AGE-SECRET-KEY-1U3M0ACNQ4UX7ZDRG8VDU0RN2F4AHN9DSPM0PKF0908CGFUDVLC9S89QW0K")
	if err != nil {
		f.Fatal(err)
	}
	eng := engineFor(id)
	for _, doc := range append(testenv.HandwrittenYAML, "password: x\nn: 1\n", "a: 1\n---\nb: [1, 2]\n") {
		enc, err := eng.Encrypt(context.Background(), []byte(doc), encrypt.EncryptOptions{
			Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}},
		})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	strictEng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}, SopsOnly: true, Strict: true})
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, c := range []struct {
			strict bool
			eng    *encrypt.Engine
		}{{false, eng}, {true, strictEng}} {
			got, err := sopslite.Options{Strict: c.strict}.DecryptYAML(doc, []age.Identity{id})
			if errors.Is(err, sopslite.ErrPanic) {
				t.Fatalf("strict %t: DecryptYAML panicked", c.strict)
			}
			want, werr := c.eng.Decrypt(context.Background(), doc, encrypt.FormatYAML)
			if errors.Is(werr, encrypt.ErrInternal) {
				t.Fatalf("strict %t: the engine recovered a panic: %v", c.strict, werr)
			}
			if err != nil {
				continue
			}
			if werr != nil {
				t.Fatalf("strict %t: fast path accepted what the engine rejects: %v", c.strict, werr)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("strict %t: output differs from the engine:\n got %q\nwant %q", c.strict, got, want)
			}
		}
	})
}

// TestStrictSameAsEngine: with Strict, the fast path accepts exactly what
// the strict engine accepts, for every document the fast path handles
// without Strict: generated documents with empty values (null, "", [],
// {}) placed at random depths before encryption, and injected after it.
func TestStrictSameAsEngine(t *testing.T) {
	id := testenv.AgeKey(t)
	eng := engineFor(id)
	strictEng := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}, SopsOnly: true, Strict: true})
	ids := []age.Identity{id}
	empties := []string{"null", `""`, "[]", "{}", "~", "", "[null]", "[{}]", "{a: null}", "[a, '']"}
	r := rand.New(rand.NewSource(14))
	var handled, refused, accepted int
	n := corpusSize(t, 300)
	for i := 0; i < n; i++ {
		doc := testenv.YAMLDocument(r)
		if i%2 == 0 {
			doc = append(doc, fmt.Sprintf("added%d: %s\n", i, empties[r.Intn(len(empties))])...)
		}
		enc := encryptWith(t, eng, id, doc)
		if i%3 == 0 {
			enc = bytes.Replace(enc, []byte("sops:\n"), []byte(fmt.Sprintf("injected: %s\nsops:\n", empties[r.Intn(len(empties))])), 1)
		}
		if _, err := sopslite.DecryptYAML(enc, ids); err != nil {
			continue
		}
		handled++
		got, err := sopslite.Options{Strict: true}.DecryptYAML(enc, ids)
		want, werr := strictEng.Decrypt(context.Background(), enc, encrypt.FormatYAML)
		switch {
		case (err == nil) != (werr == nil):
			t.Fatalf("doc %d: fast path %v, engine %v\n%s", i, err, werr, enc)
		case werr != nil && !errors.Is(werr, encrypt.ErrUnauthenticated):
			t.Fatalf("doc %d: engine %v", i, werr)
		case werr != nil:
			refused++
		case !bytes.Equal(got, want):
			t.Fatalf("doc %d: outputs differ", i)
		default:
			accepted++
		}
	}
	if refused == 0 || accepted == 0 {
		t.Fatalf("corpus exercises one side only: %d refused, %d accepted", refused, accepted)
	}
	t.Logf("%d documents: %d handled by the fast path, strict: %d refused by both, %d accepted by both with identical output", n, handled, refused, accepted)
}
