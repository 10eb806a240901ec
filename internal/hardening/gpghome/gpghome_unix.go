//go:build unix

package gpghome

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// lockHome holds a shared flock on a GNUPGHOME while it is in use, so a
// sweep can tell a live home from one whose getter died.
func lockHome(home string) (unlock func()) {
	f, err := os.Open(home)
	if err != nil {
		return func() {}
	}
	if syscall.Flock(int(f.Fd()), syscall.LOCK_SH) != nil {
		_ = f.Close()
		return func() {}
	}
	return func() { _ = f.Close() }
}

// sweepStaleHomes removes, with their agents, the import homes in
// TMPDIR that are ours, older than staleHomeAge and locked by nobody.
func sweepStaleHomes(gpgconf string) {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), homePrefix+"*"))
	for _, m := range matches {
		st, err := os.Lstat(m)
		if err != nil || !st.IsDir() || !strings.HasPrefix(filepath.Base(m), homePrefix) || time.Since(st.ModTime()) < staleHomeAge {
			continue
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != os.Getuid() {
			continue
		}
		f, err := os.Open(m)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			killAgent(gpgconf, m)
			_ = os.RemoveAll(m)
		}
		_ = f.Close()
	}
}

// ownedByUs reports whether st's owner is our user.
func ownedByUs(st os.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(sys.Uid) == os.Getuid()
}
