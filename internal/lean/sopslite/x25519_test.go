package sopslite

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"

	"filippo.io/age"
)

// decryptWith is age.Decrypt of file with ids, read to the end: the
// plaintext, or the error's text and whether it is a NoIdentityMatchError.
func decryptWith(file []byte, ids []age.Identity) string {
	r, err := age.Decrypt(bytes.NewReader(file), ids...)
	if err == nil {
		var b []byte
		if b, err = io.ReadAll(r); err == nil {
			return "plaintext " + string(b)
		}
	}
	var none *age.NoIdentityMatchError
	return "error " + err.Error() + " nomatch " + map[bool]string{true: "yes", false: "no"}[errors.As(err, &none)]
}

// The cached-key identity decrypts exactly the files age's own X25519
// identity decrypts, with the same errors: files for one or several
// recipients, ours first, last or absent, and headers whose X25519 stanza
// is malformed in each way age's unwrap checks (argument count, encoding,
// share length, a low-order share, the wrapped key's size, a tampered
// wrapped key, another stanza type).
func TestX25519IdentityIsAges(t *testing.T) {
	var ids []*age.X25519Identity
	for range 4 {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	encrypt := func(plain string, to ...*age.X25519Identity) []byte {
		var buf bytes.Buffer
		var rs []age.Recipient
		for _, id := range to {
			rs = append(rs, id.Recipient())
		}
		w, err := age.Encrypt(&buf, rs...)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, plain)
		w.Close()
		return buf.Bytes()
	}
	files := map[string][]byte{
		"ours only":    encrypt("k1", ids[0]),
		"ours first":   encrypt("k2", ids[0], ids[2]),
		"ours last":    encrypt("k3", ids[2], ids[3], ids[1]),
		"not ours":     encrypt("k4", ids[3]),
		"both of ours": encrypt("k5", ids[1], ids[0]),
	}
	// Malformed variants of a file for ids[0], its stanza line rewritten.
	base := encrypt("k6", ids[0])
	lines := strings.SplitN(string(base), "\n", 4)
	stanza, body := lines[1], lines[2]
	share := strings.Fields(stanza)[2]
	rawBody, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil {
		t.Fatal(err)
	}
	variant := func(stanzaLine, bodyLine string) []byte {
		return []byte(lines[0] + "\n" + stanzaLine + "\n" + bodyLine + "\n" + lines[3])
	}
	flipped := append([]byte(nil), rawBody...)
	flipped[0] ^= 1
	zeros := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	files["two args"] = variant(stanza+" extra", body)
	files["no args"] = variant("-> X25519", body)
	files["bad share encoding"] = variant("-> X25519 "+share[:len(share)-1]+"*", body)
	files["short share"] = variant("-> X25519 "+share[:40], body)
	files["low-order share"] = variant("-> X25519 "+zeros, body)
	files["short wrapped key"] = variant(stanza, base64.RawStdEncoding.EncodeToString(rawBody[:20]))
	files["tampered wrapped key"] = variant(stanza, base64.RawStdEncoding.EncodeToString(flipped))
	files["other type"] = variant("-> Other "+share, body)
	sets := [][]*age.X25519Identity{{ids[0]}, {ids[1], ids[0]}, {ids[2]}, {ids[0], ids[1], ids[2]}}
	for name, file := range files {
		for _, set := range sets {
			var theirs []age.Identity
			for _, id := range set {
				theirs = append(theirs, id)
			}
			ours := cachedKeys(theirs)
			for _, id := range ours {
				if _, ok := id.(*x25519Identity); !ok {
					t.Fatalf("cachedKeys kept %T", id)
				}
			}
			want, got := decryptWith(file, theirs), decryptWith(file, ours)
			if got != want {
				t.Errorf("%s, %d identities: age gives %q, the cached-key identity %q", name, len(set), want, got)
			}
		}
	}
	if got := decryptWith(files["ours only"], cachedKeys([]age.Identity{ids[0]})); got != "plaintext k1" {
		t.Errorf("ours only: %q", got)
	}
}

// Every X25519 identity age generates and parses gets its cached key, which
// decrypts a file for its recipient. A mix with
// another identity type stays age's, in order.
func TestCachedKeys(t *testing.T) {
	for range 200 {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := age.ParseX25519Identity(id.String())
		if err != nil {
			t.Fatal(err)
		}
		x := newX25519Identity(parsed)
		if x == nil {
			t.Fatal("no cached key")
		}
		var buf bytes.Buffer
		w, err := age.Encrypt(&buf, id.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "k")
		w.Close()
		if got := decryptWith(buf.Bytes(), []age.Identity{x}); got != "plaintext k" {
			t.Fatalf("the cached key decrypts a file for its recipient to %q", got)
		}
	}
	x, _ := age.GenerateX25519Identity()
	h, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	mixed := []age.Identity{x, h}
	if got := cachedKeys(mixed); got[0] != age.Identity(x) || got[1] != age.Identity(h) {
		t.Errorf("a mix was changed: %T %T", got[0], got[1])
	}
	rs, ok := Recipients(cachedKeys([]age.Identity{x}))
	if !ok || !rs.Has(x.Recipient().String()) {
		t.Errorf("Recipients of a cached key: %v %t", rs, ok)
	}
}

// bech32Decode refuses what age's decoder refuses: a flipped character
// (checksum), mixed case, a missing separator.
func TestBech32DecodeRefuses(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	s := id.String()
	last := s[len(s)-1]
	swap := byte('Q')
	if last == 'Q' {
		swap = 'P'
	}
	for _, bad := range []string{s[:len(s)-1] + string(swap), strings.ToLower(s[:20]) + s[20:], strings.ReplaceAll(s, "1", ""), ""} {
		if _, err := age.ParseX25519Identity(bad); err == nil {
			t.Fatalf("age accepts %q", bad)
		}
		if _, _, err := bech32Decode(bad); err == nil {
			t.Errorf("bech32Decode accepts a string age refuses")
		}
	}
}
