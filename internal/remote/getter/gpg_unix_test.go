//go:build unix

package getter_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// TestGPGImportSweepsStaleHomes: a gpg-import whose getter was SIGKILLed
// leaves its private GNUPGHOME (the private key) behind; the next
// gpg-import removes such homes when they are ours, older than a minute
// and locked by no live getter. Before, they were never swept.
func TestGPGImportSweepsStaleHomes(t *testing.T) {
	gpg := testenv.Tool(t, "GPG_BIN", "gpg")
	f := newGetterFixture(t)
	_, _, keyFile := gpgKey(t, gpg)
	tmp := gpgTMPDIR(t, gpg)
	old := time.Now().Add(-2 * time.Minute)
	mk := func(name string, age time.Time) string {
		d := filepath.Join(tmp, name)
		testenv.WriteFile(t, d, "private-keys-v1.d/key.key", "PRIVATE")
		if err := os.Chtimes(d, age, age); err != nil {
			t.Fatal(err)
		}
		return d
	}
	stale := mk("helm-secrets-gnupg-stale", old)
	locked := mk("helm-secrets-gnupg-locked", old)
	young := mk("helm-secrets-gnupg-young", time.Now())
	other := mk("other-gnupg-stale", old)
	l, err := os.Open(locked)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := syscall.Flock(int(l.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	// Any gpg-import sweeps before it imports (this one then fails: the
	// file is encrypted for age, not for the imported PGP key).
	f.write(t, "x.yaml", "a: b\n", 0)
	_, _ = fetch(t, "secrets+gpg-import://"+keyFile+"?x.yaml")
	if _, err := os.Stat(stale); err == nil {
		t.Error("the abandoned home was not swept")
	}
	for _, d := range []string{locked, young, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed", filepath.Base(d))
		}
	}
	entries, _ := os.ReadDir(tmp)
	if len(entries) != 3 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("TMPDIR holds %v, want only the three kept homes", names)
	}
}
