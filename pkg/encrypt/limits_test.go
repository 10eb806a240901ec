package encrypt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// nestedJSON is n objects deep with a string value at every level: the
// shape whose cost grows with size × depth in sops (every value's
// additional data is its whole key path; every level is indented).
func nestedJSON(n int) []byte {
	return []byte(strings.Repeat(`{"v":"x","a":`, n) + `"end"` + strings.Repeat("}", n))
}

// nestedYAML is n mappings deep, block style.
func nestedYAML(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "%sa%d:\n", strings.Repeat("  ", i), i)
	}
	fmt.Fprintf(&b, "%sv: x\n", strings.Repeat("  ", n))
	return b.Bytes()
}

// TestDepthIsBounded: documents nested deeper than encrypt.MaxDepth are
// refused by a linear scan before sops parses them. Before the bound, the
// 10,000-deep JSON below (130 KB) took 14.8 s to encrypt and gave 151 MB
// of output; now it is refused in about a millisecond.
func TestDepthIsBounded(t *testing.T) {
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		doc    []byte
		format encrypt.Format
	}{
		{"json", nestedJSON(10000), encrypt.FormatJSON},
		{"json in yaml", nestedJSON(10000), encrypt.FormatYAML},
		{"yaml block", nestedYAML(encrypt.MaxDepth + 1), encrypt.FormatYAML},
		{"yaml flow", []byte("a: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n"), encrypt.FormatYAML},
		{"yaml sequences", []byte(strings.Repeat("- ", encrypt.MaxDepth+1) + "x\n"), encrypt.FormatYAML},
	} {
		start := time.Now()
		_, err := eng.Encrypt(ctx, c.doc, encrypt.EncryptOptions{Format: c.format, Recipients: ageRecipients(id)})
		if !errors.Is(err, encrypt.ErrTooDeep) {
			t.Fatalf("%s: encrypt: %v, want ErrTooDeep", c.name, err)
		}
		took := time.Since(start)
		// The same shape with sops metadata: refused before decryption.
		enc := append(bytes.TrimSuffix(c.doc, []byte("}")), []byte(`,"sops":{"mac":"x"}}`)...)
		if c.format == encrypt.FormatYAML {
			enc = append(bytes.Clone(c.doc), "\nsops:\n    mac: x\n"...)
		}
		if _, err := eng.Decrypt(ctx, enc, c.format); !errors.Is(err, encrypt.ErrTooDeep) {
			t.Fatalf("%s: decrypt: %v, want ErrTooDeep", c.name, err)
		}
		t.Logf("%s (%d bytes): refused in %v", c.name, len(c.doc), took)
	}
	// At the bound, everything works.
	for _, c := range []struct {
		doc    []byte
		format encrypt.Format
	}{{nestedJSON(encrypt.MaxDepth - 1), encrypt.FormatJSON}, {nestedYAML(encrypt.MaxDepth - 1), encrypt.FormatYAML}} {
		enc, err := eng.Encrypt(ctx, c.doc, encrypt.EncryptOptions{Format: c.format, Recipients: ageRecipients(id)})
		if err != nil {
			t.Fatalf("depth %d %v: %v", encrypt.MaxDepth, c.format, err)
		}
		if _, err := eng.Decrypt(ctx, enc, c.format); err != nil {
			t.Fatalf("depth %d %v: decrypt: %v", encrypt.MaxDepth, c.format, err)
		}
	}
}

// TestDepthScanHasNoFalsePositives: shapes real values files have, which
// a line scan could mistake for depth: deep indentation inside block
// scalars, brackets inside quotes and comments, long flow lists.
func TestDepthScanHasNoFalsePositives(t *testing.T) {
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	var script strings.Builder
	script.WriteString("config: |\n")
	for i := range 300 {
		fmt.Fprintf(&script, "  %sline%d\n", strings.Repeat(" ", i), i)
	}
	script.WriteString("folded: >-\n")
	for i := range 300 {
		fmt.Fprintf(&script, "   %s{[(\n", strings.Repeat(" ", i))
	}
	script.WriteString("regex: \"" + strings.Repeat("[", 300) + "\"\n")
	script.WriteString("single: '" + strings.Repeat("{", 300) + "'\n")
	script.WriteString("comment: x # " + strings.Repeat("[", 300) + "\n")
	script.WriteString("list: [" + strings.Repeat("1, ", 5000) + "2]\n")
	script.WriteString("---\n" + string(nestedYAML(encrypt.MaxDepth-1)))
	doc := []byte(script.String())
	enc, err := eng.Encrypt(context.Background(), doc, encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if err != nil {
		t.Fatalf("encrypt: %v", err)
	}
	if _, err := eng.Decrypt(context.Background(), enc, encrypt.FormatYAML); err != nil {
		t.Fatalf("decrypt: %v", err)
	}
}

// writeSopsYAML writes dir/.sops.yaml and returns a path under dir.
func writeSopsYAML(t *testing.T, dir, content string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, ".sops.yaml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "values.json")
}

// TestStoresIndentIsBounded: a committed .sops.yaml setting
// `stores: json: indent: 100000000` made a 1 KB file exhaust memory. Out of
// range settings are refused with an error naming the setting.
func TestStoresIndentIsBounded(t *testing.T) {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	ctx := context.Background()
	dir := t.TempDir()
	rule := "creation_rules:\n  - age: " + id.Recipient().String() + "\n"
	p := writeSopsYAML(t, dir, rule)
	if err := os.WriteFile(p, []byte(`{"password": "x", "n": {"m": 1}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	enc, err := eng.EncryptFile(ctx, p, encrypt.EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, enc, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		stores, want string
	}{
		{"json: {indent: 100000000}", "stores.json.indent is 100000000, outside -1..16"},
		{"json: {indent: -5}", "stores.json.indent is -5, outside -1..16"},
		{"json_binary: {indent: 17}", "stores.json_binary.indent is 17"},
		{"yaml: {indent: 1000000}", "stores.yaml.indent is 1000000, outside 0..16"},
		{"json: {indent: 16}", ""},
		{"json: {indent: -1}", ""},
	} {
		writeSopsYAML(t, dir, rule+"stores:\n  "+c.stores+"\n")
		_, derr := eng.DecryptFile(ctx, p)
		_, rerr := eng.DecryptFilesIfEncrypted(ctx, []string{p})
		_, eerr := eng.Encrypt(ctx, []byte(`{"a": "b"}`), encrypt.EncryptOptions{Path: filepath.Join(dir, "new.json")})
		for what, err := range map[string]error{"decrypt": derr, "read": rerr} {
			if c.want == "" && err != nil {
				t.Errorf("%s, %s: %v", c.stores, what, err)
			}
			if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), ".sops.yaml")) {
				t.Errorf("%s, %s: %v, want %q", c.stores, what, err, c.want)
			}
		}
		if c.want != "" && (eerr == nil || !strings.Contains(eerr.Error(), c.want)) {
			t.Errorf("%s, encrypt: %v", c.stores, eerr)
		}
	}
}

// TestEncryptNeverWritesWhatDecryptRefuses: an encrypted file is larger
// than its plaintext; encrypting a plaintext under the cap used to give a
// file over it, which decrypt then refused. Now encrypt refuses it.
func TestEncryptNeverWritesWhatDecryptRefuses(t *testing.T) {
	id := testenv.AgeKey(t)
	ctx := context.Background()
	const limit = 64 << 10
	var b strings.Builder
	for i := 0; b.Len() < limit-100; i++ {
		fmt.Fprintf(&b, "k%d: v\n", i)
	}
	plain := []byte(b.String())
	small := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}, MaxInputSize: limit})
	enc, err := small.Encrypt(ctx, plain, encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if err == nil {
		_, derr := small.Decrypt(ctx, enc, encrypt.FormatYAML)
		t.Fatalf("encrypt gave %d bytes (plaintext %d, limit %d); decrypt of it: %v", len(enc), len(plain), limit, derr)
	}
	if !errors.Is(err, encrypt.ErrTooLarge) || !strings.Contains(err.Error(), "output") {
		t.Fatalf("encrypt: %v, want ErrTooLarge about the output", err)
	}
	// Under the cap both ways, it works.
	half := plain[:bytes.LastIndexByte(plain[:limit/32], '\n')+1]
	enc, err = small.Encrypt(ctx, half, encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := small.Decrypt(ctx, enc, encrypt.FormatYAML); err != nil {
		t.Fatal(err)
	}
}
