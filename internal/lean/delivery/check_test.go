package delivery

import (
	"errors"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/lean/delivery/boundary"
)

// TestAddRefusesCiphertext: the server serves nothing that Check refuses
// (every wrapper path hands its values documents to helm through Add).
func TestAddRefusesCiphertext(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, in := range [][]byte{[]byte("a: ENC[AES256_GCM,data:q83v,iv:AAAA,tag:BBBB==,type:str]\n"), {0xFF, 0xFE, 'E', 0, 'N', 0, 'C', 0, '[', 0, 'A', 0, 'E', 0, 'S', 0, '2', 0, '5', 0, '6', 0, '_', 0, 'G', 0, 'C', 0, 'M', 0, ',', 0, 'd', 0, 'a', 0, 't', 0, 'a', 0, ':', 0}} {
		if path, err := s.Add(0, "secrets.yaml", in); !errors.Is(err, boundary.ErrCiphertext) || path != "" {
			t.Errorf("served at %q: %v", path, err)
		}
	}
	if _, err := s.Add(1, "plain.yaml", []byte("a: b\n")); err != nil {
		t.Fatal(err)
	}
}
