package sopslite

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// openDataKey gives what age.Decrypt gives, read to the end, for armored
// files of 0 to 70,000 bytes (one chunk, a full chunk, two chunks) and for
// each of them truncated, extended, with a byte flipped in the header,
// the payload nonce or the chunk, or armored wrongly: the same plaintext
// whenever it gives one, an error whenever age gives one, and a plaintext
// for every file of one short chunk age decrypts.
func TestOpenDataKeyIsAges(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := age.GenerateX25519Identity()
	ids := cachedKeys([]age.Identity{id})
	binary := func(plain []byte) []byte {
		var buf bytes.Buffer
		w, err := age.Encrypt(&buf, other.Recipient(), id.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(plain)
		w.Close()
		return buf.Bytes()
	}
	arm := func(bin []byte) string {
		var buf bytes.Buffer
		a := armor.NewWriter(&buf)
		a.Write(bin)
		a.Close()
		return buf.String()
	}
	ageDecrypt := func(armored string) ([]byte, error) {
		rd, err := age.Decrypt(armor.NewReader(strings.NewReader(armored)), ids...)
		if err != nil {
			return nil, err
		}
		return io.ReadAll(rd)
	}
	checked, decrypted := 0, 0
	check := func(what string, armored string, oneChunk bool) {
		t.Helper()
		checked++
		want, wantErr := ageDecrypt(armored)
		got, gotErr := openDataKey(armored, ids)
		switch {
		case gotErr == nil && wantErr != nil:
			t.Fatalf("%s: openDataKey decrypts what age refuses (%v)", what, wantErr)
		case gotErr == nil && !bytes.Equal(got, want):
			t.Fatalf("%s: openDataKey gives other bytes than age", what)
		case gotErr != nil && wantErr == nil && oneChunk:
			t.Fatalf("%s: openDataKey refuses a one-chunk file age decrypts: %v", what, gotErr)
		case gotErr == nil:
			decrypted++
		}
	}
	for _, size := range []int{0, 1, 16, 32, 33, 1000, 64<<10 - 1, 64 << 10, 64<<10 + 1, 70000} {
		plain := make([]byte, size)
		for i := range plain {
			plain[i] = byte(r.IntN(256))
		}
		bin := binary(plain)
		oneChunk := size < 64<<10
		check("intact", arm(bin), oneChunk)
		check("intact, not armored", string(bin), false)
		hdrEnd := bytes.Index(bin, []byte("\n---")) + 1
		hdrEnd += bytes.IndexByte(bin[hdrEnd:], '\n') + 1
		for range 40 {
			at := r.IntN(len(bin))
			flipped := bytes.Clone(bin)
			flipped[at] ^= byte(1 + r.IntN(255))
			check("flipped", arm(flipped), false)
			check("truncated", arm(bin[:at]), false)
		}
		for _, at := range []int{hdrEnd, hdrEnd + 8, hdrEnd + 15, hdrEnd + 16, len(bin) - 1} {
			flipped := bytes.Clone(bin)
			flipped[at] ^= 0x80
			check("payload flipped", arm(flipped), false)
		}
		check("one byte more", arm(append(bytes.Clone(bin), 0)), false)
		check("16 bytes more", arm(append(bytes.Clone(bin), make([]byte, 16)...)), false)
		a := arm(bin)
		check("armor with trailing text", a+"x", false)
		check("armor without its end", strings.Replace(a, "-----END AGE ENCRYPTED FILE-----", "", 1), false)
	}
	if decrypted < 7 || checked < 900 {
		t.Fatalf("decrypted %d of %d", decrypted, checked)
	}
	t.Logf("%d files, %d decrypted", checked, decrypted)
}
