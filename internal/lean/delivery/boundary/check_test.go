package boundary

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
)

const sopsFile = `password: ENC[AES256_GCM,data:q83v,iv:AAAA,tag:BBBB==,type:str]
sops:
    age:
        - recipient: age1xyz
          enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
    lastmodified: "2025-01-01T00:00:00Z"
    mac: ENC[AES256_GCM,data:abcd,iv:AAAA,tag:BBBB==,type:str]
    version: 3.10.2
`

// metadataOnly is sops metadata whose values are not ENC data (as an
// attacker could leave it).
const metadataOnly = "a: b\nsops:\n    lastmodified: \"2025-01-01T00:00:00Z\"\n    mac: x\n"

const jsonFile = `{
	"password": "plain",
	"sops": {
		"lastmodified": "2025-01-01T00:00:00Z",
		"mac": "x"
	}
}`

func utf16With(s string, order binary.AppendByteOrder, bom bool) []byte {
	var out []byte
	u := utf16.Encode([]rune(s))
	if bom {
		u = append([]uint16{0xFEFF}, u...)
	}
	for _, c := range u {
		out = order.AppendUint16(out, c)
	}
	return out
}

func utf32With(s string, order binary.AppendByteOrder) []byte {
	out := order.AppendUint32(nil, 0xFEFF)
	for _, r := range s {
		out = order.AppendUint32(out, uint32(r))
	}
	return out
}

// TestCheckRefusesCiphertext: sops files and metadata are refused in
// every encoding helm reads, the error naming the file and nothing of
// its content.
func TestCheckRefusesCiphertext(t *testing.T) {
	for name, in := range map[string][]byte{
		"yaml":                []byte(sopsFile),
		"yaml, BOM":           append([]byte("\xEF\xBB\xBF"), sopsFile...),
		"metadata only":       []byte(metadataOnly),
		"metadata, BOM":       append([]byte("\xEF\xBB\xBF"), metadataOnly...),
		"quoted metadata key": []byte(strings.Replace(metadataOnly, "sops:", "\"sops\":", 1)),
		"flow metadata":       []byte("{a: b, sops: {lastmodified: x, mac: y}}\n"),
		"json":                []byte(jsonFile),
		"utf-16le bom":        utf16With(sopsFile, binary.LittleEndian, true),
		"utf-16be bom":        utf16With(sopsFile, binary.BigEndian, true),
		"utf-16le no bom":     utf16With(sopsFile, binary.LittleEndian, false),
		"utf-16le metadata":   utf16With(metadataOnly, binary.LittleEndian, true),
		"utf-16be json":       utf16With(jsonFile, binary.BigEndian, true),
		"utf-32le bom":        utf32With(sopsFile, binary.LittleEndian),
		"utf-32be metadata":   utf32With(metadataOnly, binary.BigEndian),
		"value only":          []byte("a: ENC[AES256_GCM,data:q83v,iv:AAAA,tag:BBBB==,type:str]\n"),
		"value in a list":     []byte("a:\n  - ENC[AES256_GCM,data:q83v,iv:AAAA,tag:BBBB==,type:str]\n"),
	} {
		err := Check("secrets.yaml", in)
		if !errors.Is(err, ErrCiphertext) {
			t.Errorf("%s: %v, want ErrCiphertext", name, err)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "secrets.yaml: ") || strings.Contains(msg, "q83v") || strings.Contains(msg, "age1") {
			t.Errorf("%s: %q", name, msg)
		}
	}
}

// TestCheckPassesPlaintext: decrypted documents, including ones that
// mention sops, pass.
func TestCheckPassesPlaintext(t *testing.T) {
	for _, in := range []string{
		"", "password: hunter2\n", "sops: not metadata\n", "config:\n    sops:\n        mac: nested\n",
		"note: 'ENC[AES256_GCM' alone\n", "sopsVersion: 3\nlastmodified: today\n", "a: b\nmac: c\n",
		`{"a": {"sops": 1}}`, "list:\n  - sops\n  - lastmodified\n",
	} {
		for _, enc := range [][]byte{[]byte(in), utf16With(in, binary.LittleEndian, true)} {
			if err := Check("values.yaml", enc); err != nil {
				t.Errorf("%q: %v", in, err)
			}
		}
	}
}
