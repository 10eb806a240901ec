package encrypt_test

import (
	"bytes"
	"context"
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

	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlcheck/yamlchecktest"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// cliCase is one input of TestLinearStoresMatchSopsCLI.
type cliCase struct {
	name, ext string
	plain     []byte
}

// cliCorpus: the hard YAML cases, generated documents with equal keys at
// every depth, values files with a duplicate at the top, nested and in
// a list, and JSON documents.
func cliCorpus(generated int) []cliCase {
	var cases []cliCase
	for i, c := range yamlchecktest.HandCases {
		if c == "" {
			continue // sops refuses to encrypt an empty file, the engine does not: not a matter of the stores
		}
		cases = append(cases, cliCase{fmt.Sprintf("hand%d", i), ".yaml", []byte(c)})
	}
	r := rand.New(rand.NewSource(18))
	for i := range generated {
		cases = append(cases, cliCase{fmt.Sprintf("gen%d", i), ".yaml", []byte(yamlchecktest.Generate(r))})
	}
	var base strings.Builder
	for i := range 40 {
		fmt.Fprintf(&base, "k%d: v%d\n", i, i)
	}
	b := base.String()
	for i, extra := range []string{"k3: dup\n", "nested:\n  a: 1\n  b: 2\n  a: 3\n", "list:\n  - {x: 1, x: 2}\n",
		"'k5': quoted\n", "anchor: &a {p: 1}\nmerged:\n  <<: *a\n  p: 2\n", "flow: {a: 1, b: 2, a: 3}\n", "~: 1\nnull: 2\n"} {
		cases = append(cases, cliCase{fmt.Sprintf("values%d", i), ".yaml", []byte(b + extra)})
	}
	for i, j := range []string{`{"a": 1, "b": {"c": [1, 2.5, "x", true, null]}}`, `{"a": 1, "a": 2}`, `{"s": "line\nbreak \u00e9", "n": 12345678901234567}`, `[1, 2]`} {
		cases = append(cases, cliCase{fmt.Sprintf("json%d", i), ".json", []byte(j)})
	}
	return cases
}

// TestLinearStoresMatchSopsCLI runs the real sops CLI and the engine (its
// linear-time stores, with and without the age fast path) on the same
// corpus: encrypting, both accept or both refuse; decrypting sops' own
// output, both print the same bytes; and with a duplicate key inserted
// into an encrypted file (at the top, inside the sops metadata), both
// refuse it.
func TestLinearStoresMatchSopsCLI(t *testing.T) {
	sopsBin := testenv.Tool(t, "SOPS_BIN", "sops")
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	dir := t.TempDir()
	t.Setenv("SOPS_AGE_KEY_FILE", testenv.WriteFile(t, dir, "keys.txt", id.String()+"\n"))
	recipients := &encrypt.Recipients{Age: []string{id.Recipient().String()}}
	engines := map[string]*encrypt.Engine{
		"engine":    encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}}),
		"sops only": encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}, SopsOnly: true}),
	}
	cases := cliCorpus(150)
	errs := make([]error, len(cases))
	var accepted, refused sync.Map
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0)+1)
	for i, c := range cases {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = compareWithCLI(sopsBin, dir, id, recipients, engines, c, &accepted, &refused)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	count := func(m *sync.Map) (n int) { m.Range(func(any, any) bool { n++; return true }); return n }
	na, nr := count(&accepted), count(&refused)
	t.Logf("%d inputs encrypted and decrypted identically, %d refused by both", na, nr)
	if na < 20 || nr < 50 {
		t.Fatalf("%d accepted, %d refused: the corpus no longer covers both outcomes", na, nr)
	}
}

func compareWithCLI(sopsBin, dir string, id *age.X25519Identity, rcpt *encrypt.Recipients, engines map[string]*encrypt.Engine, c cliCase, accepted, refused *sync.Map) error {
	ctx := context.Background()
	plainPath := filepath.Join(dir, c.name+c.ext)
	if err := os.WriteFile(plainPath, c.plain, 0o600); err != nil {
		return err
	}
	format := encrypt.FormatFromPath(plainPath)
	enc, cliErr := exec.Command(sopsBin, "encrypt", "--age", id.Recipient().String(), plainPath).Output()
	for name, eng := range engines {
		_, err := eng.Encrypt(ctx, c.plain, encrypt.EncryptOptions{Format: format, Recipients: rcpt})
		if (err == nil) != (cliErr == nil) {
			return fmt.Errorf("%s: encrypt: sops: %v, %s: %v\n%s", c.name, cliErr, name, err, c.plain)
		}
	}
	if cliErr != nil {
		refused.Store(c.name, true)
		return nil
	}
	encPath := filepath.Join(dir, c.name+".enc"+c.ext)
	if err := os.WriteFile(encPath, enc, 0o600); err != nil {
		return err
	}
	want, err := exec.Command(sopsBin, "decrypt", encPath).Output()
	if err != nil {
		return fmt.Errorf("%s: sops decrypt of its own output: %v", c.name, err)
	}
	for name, eng := range engines {
		got, err := eng.Decrypt(ctx, enc, format)
		if err != nil || !bytes.Equal(got, want) {
			return fmt.Errorf("%s: %s decrypt: %v\n got %q\nwant %q", c.name, name, err, got, want)
		}
	}
	accepted.Store(c.name, true)
	if c.ext != ".yaml" || !bytes.HasPrefix(c.plain, []byte("k0: ")) {
		return nil
	}
	// A duplicate key inserted into the encrypted file: at the top, and
	// inside the sops metadata.
	for i, tampered := range [][]byte{
		append([]byte("k0: again\n"), enc...),
		bytes.Replace(enc, []byte("\n    lastmodified:"), []byte("\n    version: x\n    lastmodified:"), 1),
	} {
		p := filepath.Join(dir, fmt.Sprintf("%s.dup%d.yaml", c.name, i))
		if err := os.WriteFile(p, tampered, 0o600); err != nil {
			return err
		}
		out, cliErr := exec.Command(sopsBin, "decrypt", p).CombinedOutput()
		if cliErr == nil || !bytes.Contains(out, []byte("already defined")) {
			return fmt.Errorf("%s: sops decrypt with a duplicate key %d: %v %s", c.name, i, cliErr, out)
		}
		for name, eng := range engines {
			if _, err := eng.Decrypt(ctx, tampered, encrypt.FormatYAML); err == nil || !strings.Contains(err.Error(), "already defined") {
				return fmt.Errorf("%s: %s decrypt with a duplicate key %d: %v", c.name, name, i, err)
			}
		}
	}
	return nil
}
