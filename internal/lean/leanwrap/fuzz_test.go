package leanwrap_test

import (
	"context"
	"encoding/binary"
	"slices"
	"testing"
	"unicode/utf16"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlcheck/yamlchecktest"
	"github.com/helm-secrets/helm-secrets/internal/lean/delivery/boundary"
	"github.com/helm-secrets/helm-secrets/internal/lean/leanwrap"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// reencode gives data in one of the encodings helm and the engine read:
// 0 as it is, 1 UTF-16LE with a byte order mark, 2 UTF-16BE without,
// 3 UTF-32LE with one (invalid UTF-8 is encoded as U+FFFD).
func reencode(data []byte, enc uint8) []byte {
	switch enc % 4 {
	case 1, 2:
		var out []byte
		u := utf16.Encode([]rune(string(data)))
		if enc%4 == 1 {
			out = []byte{0xFF, 0xFE}
			for _, c := range u {
				out = binary.LittleEndian.AppendUint16(out, c)
			}
			return out
		}
		for _, c := range u {
			out = binary.BigEndian.AppendUint16(out, c)
		}
		return out
	case 3:
		out := []byte{0xFF, 0xFE, 0, 0}
		for _, r := range string(data) {
			out = binary.LittleEndian.AppendUint32(out, uint32(r))
		}
		return out
	}
	return data
}

// FuzzSameAsFullWrapper: for arbitrary bytes, in any encoding, as a
// values file (strict mode on or off), the lean and the full wrapper may
// differ only in which one declines: whenever the lean one takes the
// command line, the full one accepts it and gives helm the same arguments
// and the same served contents; and a file the lean one leaves to helm as
// plain holds no sops ciphertext or metadata in any encoding.
func FuzzSameAsFullWrapper(f *testing.F) {
	testenv.Isolate(f)
	id := testenv.AgeKey(f)
	keys := encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}
	eng := encrypt.New(encrypt.Options{Keys: keys})
	strictEng := encrypt.New(encrypt.Options{Keys: keys, Strict: true})
	dir := f.TempDir()
	f.Setenv("SOPS_AGE_KEY", id.String())
	f.Chdir(dir)
	seal := func(plain string) []byte {
		enc, err := eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{Age: []string{id.Recipient().String()}}})
		if err != nil {
			f.Fatal(err)
		}
		return enc
	}
	enc := seal("password: hunter2\nlist: [a, 2]\nm: {k: v}\n")
	for _, seed := range [][]byte{
		enc, seal("a: 1\n"), append(slices.Clone(enc), "---\nb: 2\n"...), append(slices.Clone(enc), "extra: \"\"\n"...),
		append(slices.Clone(enc), "---\n"+yamlchecktest.AliasBomb(4)...), []byte("replicas: 2\n"), []byte("{\"a\": 1}"),
	} {
		for e := range uint8(4) {
			f.Add(seed, e, false)
		}
		f.Add(seed, uint8(0), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, encoding uint8, strict bool) {
		c := &corpus{t: t, id: id, eng: eng, dir: dir}
		if strict {
			t.Setenv("HELM_SECRETS_STRICT", "true")
			c.eng = strictEng
		} else {
			t.Setenv("HELM_SECRETS_STRICT", "")
		}
		content := reencode(data, encoding)
		name := c.write("f.yaml", string(content))
		args := []string{"template", "app", "./chart", "-f", name}
		if r, ok := leanwrap.Prepare(args); ok {
			if slices.Equal(r.Args, args) {
				if err := boundary.Check(name, content); err != nil {
					t.Errorf("left to helm as plain: %v", err)
				}
			}
			r.Close()
		}
		c.check(args)
	})
}
