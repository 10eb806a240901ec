package encrypt_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestTamperEveryByte flips each byte of an encrypted document in turn. No
// mutation may decrypt to different plaintext: each is rejected, or (for
// bytes sops does not authenticate, such as the version field or an age
// recipient label) yields exactly the original plaintext.
func TestTamperEveryByte(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	plain := "db:\n    user: admin\n    password: " + canary + "\nlist:\n    - one\n    - two\n---\nsecond: doc\n"
	enc, err := eng.Encrypt(ctx, []byte(plain), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if err != nil {
		t.Fatal(err)
	}
	rejected, same := 0, 0
	for i := range enc {
		for _, flip := range []byte{0x01, 0x20} {
			m := bytes.Clone(enc)
			m[i] ^= flip
			out, err := eng.Decrypt(ctx, m, encrypt.FormatYAML)
			switch {
			case err != nil:
				rejected++
				if strings.Contains(err.Error(), canary) {
					t.Fatalf("byte %d: error leaks plaintext", i)
				}
			case string(out) == plain:
				same++
			default:
				t.Fatalf("byte %d flipped with %#x: accepted with different plaintext:\n%s", i, flip, out)
			}
		}
	}
	t.Logf("%d mutations: %d rejected, %d decrypted to the identical plaintext, 0 accepted with other plaintext", rejected+same, rejected, same)
}

// TestTamperTargeted applies the structural mutations an attacker with
// write access to the repository would try; all must be rejected.
func TestTamperTargeted(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	plain := "a: one\nb: two\nc: three\n---\nd: four\n"
	enc, err := eng.Encrypt(ctx, []byte(plain), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(enc), "\n")
	find := func(prefix string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return i
			}
		}
		t.Fatalf("no line %q", prefix)
		return -1
	}
	with := func(f func(ls []string) []string) []byte {
		ls := append([]string(nil), lines...)
		return []byte(strings.Join(f(ls), "\n"))
	}
	mutations := map[string][]byte{
		"reorder keys": with(func(ls []string) []string {
			i, j := find("a:"), find("b:")
			ls[i], ls[j] = ls[j], ls[i]
			return ls
		}),
		"swap values between keys": with(func(ls []string) []string {
			i, j := find("a:"), find("b:")
			ls[i], ls[j] = "a:"+strings.TrimPrefix(ls[j], "b:"), "b:"+strings.TrimPrefix(ls[i], "a:")
			return ls
		}),
		"drop a key": with(func(ls []string) []string {
			i := find("c:")
			return append(ls[:i], ls[i+1:]...)
		}),
		"drop the second document": []byte(strings.SplitN(string(enc), "\n---\n", 2)[0] + "\n"),
		"change lastmodified": with(func(ls []string) []string {
			i := find("    lastmodified:")
			ls[i] = "    lastmodified: \"2001-01-01T00:00:00Z\""
			return ls
		}),
		"drop the MAC": with(func(ls []string) []string {
			i := find("    mac:")
			return append(ls[:i], ls[i+1:]...)
		}),
		"mac_only_encrypted added": with(func(ls []string) []string {
			i := find("    version:")
			return append(ls[:i], append([]string{"    mac_only_encrypted: true"}, ls[i:]...)...)
		}),
		"value made unencrypted": with(func(ls []string) []string {
			ls[find("a:")] = "a: attacker-chosen"
			return ls
		}),
		"key renamed to _unencrypted": with(func(ls []string) []string {
			ls[find("a:")] = "a_unencrypted: attacker-chosen"
			return ls
		}),
	}
	for name, m := range mutations {
		if _, err := eng.Decrypt(ctx, m, encrypt.FormatYAML); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
