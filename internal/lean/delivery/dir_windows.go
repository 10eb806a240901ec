//go:build windows

package delivery

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/windows"
)

const privateDirPrefix = "helm-secrets-"

// NewPrivateDir creates a private directory (in the user's own TEMP) for
// small files of this run that hold no plaintext (the Helm 4
// post-renderer's message file), named after our PID, so that a later run
// removes it when we were killed before removing it ourselves. (Windows
// serves plaintext through named pipes, which need no directory.)
func NewPrivateDir() (string, error) {
	sweepStalePrivateDirs()
	dir, err := os.MkdirTemp("", privateDirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", fmt.Errorf("create private directory: %w", err)
	}
	return dir, nil
}

// sweepStalePrivateDirs removes private directories whose process is gone.
// They never hold plaintext; this is tidiness, not safety.
func sweepStalePrivateDirs() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), privateDirPrefix+"*-*"))
	for _, m := range matches {
		rest := strings.TrimPrefix(filepath.Base(m), privateDirPrefix)
		pidStr, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.ParseUint(pidStr, 10, 32)
		if !ok || err != nil || pid == 0 {
			continue
		}
		if st, err := os.Lstat(m); err != nil || !st.IsDir() {
			continue
		}
		if !processRunning(uint32(pid)) {
			_ = os.RemoveAll(m)
		}
	}
}

// processRunning reports whether process pid may still run: only a PID
// that names no process (ERROR_INVALID_PARAMETER) or one that has exited
// counts as gone.
func processRunning(pid uint32) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return !errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return true
	}
	const stillActive = 259
	return code == stillActive
}
