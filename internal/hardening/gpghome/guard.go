package gpghome

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Guard, when set, starts a guard for a home before any key is written to
// it: a process that stops the home's agent and removes it if this process
// dies without doing so itself (SIGKILL, the OOM killer, a crash). release
// ends the guard once the home is gone. The plugin binary sets it (the
// guard is a second copy of itself, in its own session, running RunGuard);
// nil means no guard (the SDK, Windows). A guard that cannot start fails
// the import, since the promise that no private key outlives the run rests
// on it.
var Guard func(home, gpgconf string) (release func(), err error)

// RunGuard is the body of a guard process: it reads in until end-of-file
// (the write end is held by the importing process alone, so end-of-file
// means that process is done or dead), then, if home is still there and is
// one of ours (a homePrefix folder in the temporary directory, owned by
// us), stops its agent and removes it. It holds a shared lock on home
// meanwhile, so a sweep by another run leaves it alone.
func RunGuard(home, gpgconf string, in io.Reader) int {
	if !isImportHome(home) {
		return 2 // gone already, or not ours to remove
	}
	unlock := lockHome(home)
	_, _ = io.Copy(io.Discard, in)
	unlock()
	// A gpg that was still importing may write into the home a moment
	// longer (its agent may restart): remove it until it stays gone.
	for try := 0; try < 3 && isImportHome(home); try++ {
		if try > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		killAgent(gpgconf, home)
		_ = os.RemoveAll(home)
	}
	return 0
}

// isImportHome reports whether home is an import home of ours: a folder
// directly in the temporary directory, named homePrefix..., owned by us.
func isImportHome(home string) bool {
	if filepath.Dir(filepath.Clean(home)) != filepath.Clean(os.TempDir()) || !strings.HasPrefix(filepath.Base(home), homePrefix) {
		return false
	}
	st, err := os.Lstat(home)
	return err == nil && st.IsDir() && ownedByUs(st)
}
