package encrypt_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlcheck/yamlchecktest"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// aliasAttacks are files anyone can write (no key): an encrypted
// document whose later documents hold an alias bomb or a long alias
// chain. The library's own alias limit applies only to the first
// document, sops' conversion copies an aliased node once per alias: the
// ten-level bomb grows past a gigabyte; these six levels (a million
// strings) allocate tens of megabytes without the bound.
func aliasAttacks(enc string) map[string]string {
	return map[string]string{
		"bomb in document 2":  enc + "---\n" + yamlchecktest.AliasBomb(6),
		"bomb in document 5":  enc + strings.Repeat("---\na: 1\n", 3) + "---\n" + yamlchecktest.AliasBomb(6),
		"chain in document 2": enc + "---\n" + yamlchecktest.AliasChain(3000),
	}
}

// TestAliasBombsInLaterDocumentsBounded: decrypting (with the key) and
// inspecting (without) such a file fails, having allocated little: the
// engine, the full wrapper, the getter and check share this bound.
func TestAliasBombsInLaterDocumentsBounded(t *testing.T) {
	id := testenv.AgeKey(t)
	eng := ageEngine(t, id)
	enc, err := eng.Encrypt(context.Background(), []byte("user: admin\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: ageRecipients(id)})
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range aliasAttacks(string(enc)) {
		var derr, ierr error
		n := allocated(func() {
			_, derr = eng.Decrypt(context.Background(), []byte(in), encrypt.FormatYAML)
			_, ierr = encrypt.Inspect([]byte(in), encrypt.FormatYAML)
		})
		if derr == nil || ierr == nil {
			t.Errorf("%s: decrypt %v, inspect %v: want both refused", name, derr, ierr)
		}
		if n > 16<<20 {
			t.Errorf("%s: %d MB allocated", name, n>>20)
		}
		if derr != nil && !strings.Contains(derr.Error(), "alias") {
			t.Errorf("%s: %v, want the aliases named", name, derr)
		}
	}
}
