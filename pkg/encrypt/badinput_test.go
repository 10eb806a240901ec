package encrypt_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// encryptedSample returns an age-encrypted YAML document holding the canary.
func encryptedSample(t *testing.T) (*encrypt.Engine, []byte) {
	t.Helper()
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	enc, err := eng.Encrypt(context.Background(), []byte("user: admin\npassword: "+canary+"\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if err != nil {
		t.Fatal(err)
	}
	return eng, enc
}

var encValue = regexp.MustCompile(`ENC\[AES256_GCM,data:([^,]+),iv:([^,]+),tag:([^,]+),type:str\]`)

// flipBase64 changes one character of a base64 field, keeping it valid base64.
func flipBase64(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func mutateField(t *testing.T, doc []byte, line string, field int) []byte {
	t.Helper()
	lines := strings.Split(string(doc), "\n")
	for i, l := range lines {
		if !strings.Contains(l, line) {
			continue
		}
		m := encValue.FindStringSubmatchIndex(l)
		if m == nil {
			t.Fatalf("no ENC value on line %q", l)
		}
		start, end := m[2*field], m[2*field+1]
		lines[i] = l[:start] + flipBase64(l[start:end]) + l[end:]
		return []byte(strings.Join(lines, "\n"))
	}
	t.Fatalf("line %q not found", line)
	return nil
}

func TestDecryptFailsClosed(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	eng, enc := encryptedSample(t)

	other := ageEngine(t, testenv.AgeKey(t))
	noKeys := encrypt.New(encrypt.Options{})
	cases := []struct {
		name string
		eng  *encrypt.Engine
		in   []byte
		want error
	}{
		{"tampered value data", eng, mutateField(t, enc, "password:", 1), encrypt.ErrTampered},
		{"tampered value iv", eng, mutateField(t, enc, "password:", 2), encrypt.ErrTampered},
		{"tampered value tag", eng, mutateField(t, enc, "password:", 3), encrypt.ErrTampered},
		{"tampered MAC", eng, mutateField(t, enc, "mac:", 1), encrypt.ErrMACMismatch},
		{"value swapped between keys", eng, swapValues(t, enc), encrypt.ErrTampered},
		{"plain value added", eng, bytes.Replace(enc, []byte("sops:\n"), []byte("extra: added\nsops:\n"), 1), encrypt.ErrTampered},
		{"_unencrypted value added", eng, bytes.Replace(enc, []byte("sops:\n"), []byte("extra_unencrypted: added\nsops:\n"), 1), encrypt.ErrMACMismatch},
		{"value removed", eng, removeLine(enc, "user:"), encrypt.ErrMACMismatch},
		{"wrong key", other, enc, encrypt.ErrNoKey},
		{"no key at all", noKeys, enc, encrypt.ErrNoKey},
		{"truncated before metadata", eng, enc[:bytes.Index(enc, []byte("sops:"))], encrypt.ErrMalformed},
		{"truncated inside metadata", eng, enc[:bytes.Index(enc, []byte("    lastmodified"))], encrypt.ErrMalformed},
		{"not encrypted", eng, []byte("password: " + canary + "\n"), encrypt.ErrNotEncrypted},
		{"binary junk", eng, junk(t, 4096), encrypt.ErrNotEncrypted},
		{"empty", eng, nil, encrypt.ErrNotEncrypted},
		{"metadata with no keys", eng, noKeyGroups(enc), encrypt.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "no key at all" {
				testenv.Isolate(t)
			}
			out, err := c.eng.Decrypt(ctx, c.in, encrypt.FormatYAML)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if out != nil {
				t.Fatalf("output on error: %q", out)
			}
			if strings.Contains(err.Error(), canary) {
				t.Fatalf("error leaks the secret: %v", err)
			}
			// Through a file the error names the file.
			p := testenv.WriteFile(t, t.TempDir(), "secrets.yaml", string(c.in))
			if _, err := c.eng.DecryptFile(ctx, p); !errors.Is(err, c.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("DecryptFile err = %v, want %v naming %s", err, c.want, p)
			}
		})
	}
}

func swapValues(t *testing.T, doc []byte) []byte {
	var u, p string
	for _, l := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(l, "user: ") {
			u = strings.TrimPrefix(l, "user: ")
		}
		if strings.HasPrefix(l, "password: ") {
			p = strings.TrimPrefix(l, "password: ")
		}
	}
	if u == "" || p == "" {
		t.Fatal("values not found")
	}
	s := strings.Replace(string(doc), "user: "+u, "user: "+p, 1)
	return []byte(strings.Replace(s, "password: "+p, "password: "+u, 1))
}

func removeLine(doc []byte, prefix string) []byte {
	var out []string
	for _, l := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n"))
}

func noKeyGroups(doc []byte) []byte {
	var out []string
	skip := false
	for _, l := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(l, "    age:") {
			skip = true
			continue
		}
		if skip && strings.HasPrefix(l, "      ") || skip && strings.HasPrefix(l, "        ") {
			continue
		}
		skip = false
		out = append(out, l)
	}
	return []byte(strings.Join(out, "\n"))
}

func junk(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncryptRefusesEncryptedInput(t *testing.T) {
	testenv.Isolate(t)
	eng, enc := encryptedSample(t)
	id := testenv.AgeKey(t)
	for _, f := range []encrypt.Format{encrypt.FormatYAML, encrypt.FormatAuto} {
		_, err := eng.Encrypt(context.Background(), enc, encrypt.EncryptOptions{Format: f, Path: "x.yaml", Recipients: ageRecipients(id)})
		if !errors.Is(err, encrypt.ErrAlreadyEncrypted) {
			t.Fatalf("format %v: err = %v, want ErrAlreadyEncrypted", f, err)
		}
	}
}

func TestEncryptRefusesInvalidContent(t *testing.T) {
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	_, err := ageEngine(t, id).Encrypt(context.Background(), []byte("a: [1, "+canary+"\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if !errors.Is(err, encrypt.ErrInvalidContent) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), canary) {
		t.Fatalf("error leaks content: %v", err)
	}
}

func TestSizeCap(t *testing.T) {
	testenv.Isolate(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	// 100 MB, sparse: the cap must trigger before reading it.
	if err := f.Truncate(100 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	eng := encrypt.New(encrypt.Options{})
	if _, err := eng.DecryptFile(context.Background(), p); !errors.Is(err, encrypt.ErrTooLarge) || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want ErrTooLarge naming the file", err)
	}
	if _, err := eng.EncryptFile(context.Background(), p, encrypt.EncryptOptions{}); !errors.Is(err, encrypt.ErrTooLarge) {
		t.Fatalf("encrypt err = %v, want ErrTooLarge", err)
	}
	small := encrypt.New(encrypt.Options{MaxInputSize: 10})
	if _, err := small.Decrypt(context.Background(), []byte("0123456789a"), encrypt.FormatYAML); !errors.Is(err, encrypt.ErrTooLarge) {
		t.Fatalf("in-memory err = %v, want ErrTooLarge", err)
	}
}
