package encrypt_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// TestTamperEveryByte flips each byte of an encrypted document in turn. No
// mutation may decrypt to different plaintext: each is rejected, or yields
// exactly the original plaintext, and the latter only at offsets proven
// to lie in bytes sops does not authenticate (unauthenticatedRegion). The
// counts are those docs/security.md quotes.
func TestTamperEveryByte(t *testing.T) {
	testenv.Isolate(t)
	ctx := context.Background()
	id, err := age.ParseX25519Identity(fuzzKey) // a fixed recipient label: fixed counts
	if err != nil {
		t.Fatal(err)
	}
	eng := ageEngine(t, id)
	plain := "db:\n    user: admin\n    password: " + canary + "\nlist:\n    - one\n    - two\n---\nsecond: doc\n"
	enc, err := eng.Encrypt(ctx, []byte(plain), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if err != nil {
		t.Fatal(err)
	}
	rejected, same := 0, map[string]int{}
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
				region := unauthenticatedRegion(enc, i, flip)
				if region == "" {
					t.Fatalf("byte %d (%q in line %q) flipped with %#x: accepted, in a field that should be authenticated", i, enc[i], lineAt(enc, i), flip)
				}
				same[region]++
			default:
				t.Fatalf("byte %d flipped with %#x: accepted with different plaintext:\n%s", i, flip, out)
			}
		}
	}
	total := 0
	for _, n := range same {
		total += n
	}
	t.Logf("%d mutations: %d rejected, %d decrypted to the identical plaintext (%v), 0 accepted with other plaintext", rejected+total, rejected, total, same)
	// The figures docs/security.md quotes. The document's length and its
	// fixed text are the same every run (same plaintext, key and version);
	// the ciphertext is random, so counts that depend on it are bounded.
	if 2*len(enc) != 5172 {
		t.Errorf("%d mutations, docs/security.md says 5,172", 2*len(enc))
	}
	for region, n := range map[string]int{"version": 20, "unencrypted_suffix": 58, "metadata key case": 30, "recipient label case": 48} {
		if same[region] != n {
			t.Errorf("%s: %d identical, docs/security.md says %d", region, same[region], n)
		}
	}
	if n := same["second document's metadata"]; n < 1400 || n > 1500 {
		t.Errorf("second document's metadata: %d identical, docs/security.md says 1,400-1,500", n)
	}
	if n := same["base64 padding bits"]; n > 20 {
		t.Errorf("base64 padding bits: %d identical, docs/security.md says at most 20", n)
	}
}

// unauthenticatedRegion names the field of enc holding byte i when a flip
// there cannot change the plaintext because sops does not authenticate
// it, or "" when it lies in an authenticated field.
func unauthenticatedRegion(enc []byte, i int, flip byte) string {
	docStart := bytes.Index(enc, []byte("\n---\n"))
	second := docStart >= 0 && i > docStart
	line := lineAt(enc, i)
	inSops := bytes.LastIndex(enc[:i+1], []byte("\nsops:\n")) > bytes.LastIndex(enc[:i+1], []byte("\n---\n"))
	col := i - (bytes.LastIndexByte(enc[:i], '\n') + 1)
	key, _, _ := strings.Cut(strings.TrimSpace(line), ":")
	keyStart := strings.Index(line, key)
	switch {
	case second && inSops:
		return "second document's metadata" // sops reads the first document's only
	case !inSops:
		if isPaddingBitFlip(line, col) {
			return "base64 padding bits"
		}
		return ""
	case strings.HasPrefix(strings.TrimSpace(line), "version:"):
		return "version" // key or value: not read for decryption
	case strings.HasPrefix(strings.TrimSpace(line), "unencrypted_suffix:"):
		// Key or value: with the rule renamed away or changed, every key
		// is still encrypted, as none ends in the suffix.
		return "unencrypted_suffix"
	case flip == 0x20 && col >= keyStart && col < keyStart+len(key) && isLetter(enc[i]) && key != "sops":
		return "metadata key case" // sops' metadata decoder ignores case
	case flip == 0x20 && strings.HasPrefix(strings.TrimSpace(line), "recipient: age1") && col >= strings.Index(line, "age1") && isLetter(enc[i]):
		return "recipient label case" // bech32 is case-insensitive; the label is checked as such
	}
	if isPaddingBitFlip(line, col) {
		return "base64 padding bits"
	}
	return ""
}

// isPaddingBitFlip: the last base64 character before '=' padding carries
// unused low bits, which Go's decoder ignores.
func isPaddingBitFlip(line string, col int) bool {
	return col+1 < len(line) && line[col+1] == '=' && (col == 0 || line[col-1] != '=')
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// lineAt returns the line holding byte i.
func lineAt(b []byte, i int) string {
	start := bytes.LastIndexByte(b[:i], '\n') + 1
	end := bytes.IndexByte(b[i:], '\n')
	if end < 0 {
		return string(b[start:])
	}
	return string(b[start : i+end])
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
