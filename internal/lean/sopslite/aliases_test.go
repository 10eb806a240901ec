package sopslite_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/foundation/yamlcheck/yamlchecktest"
	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestAliasBombsInLaterDocumentsBounded: an encrypted file with an alias
// bomb or a long alias chain in a later document (which anyone can add,
// without the key) is handed to the engine (ErrUnsupported, which refuses
// it with the same bound) having allocated little: the lean wrapper and
// the lean getter read files through this package.
func TestAliasBombsInLaterDocumentsBounded(t *testing.T) {
	id := testenv.AgeKey(t)
	enc := string(encryptWith(t, engineFor(id), id, []byte("user: admin\n")))
	for name, in := range map[string]string{
		"bomb in document 2":  enc + "---\n" + yamlchecktest.AliasBomb(6),
		"bomb in document 4":  enc + strings.Repeat("---\na: 1\n", 2) + "---\n" + yamlchecktest.AliasBomb(6),
		"chain in document 2": enc + "---\n" + yamlchecktest.AliasChain(3000),
	} {
		var err error
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err = sopslite.DecryptYAML([]byte(in), []age.Identity{id})
		runtime.ReadMemStats(&after)
		if !errors.Is(err, sopslite.ErrUnsupported) || errors.Is(err, sopslite.ErrPanic) {
			t.Errorf("%s: %v, want ErrUnsupported", name, err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
			t.Errorf("%s: %d MB allocated", name, n>>20)
		}
	}
}
