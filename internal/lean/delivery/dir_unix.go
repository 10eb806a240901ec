//go:build !windows

package delivery

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

const pipeDirPrefix = "helm-secrets-"

// NewPrivateDir creates a private 0700 directory for small files of this
// run that hold no plaintext (the Helm 4 post-renderer's message file), of
// the kind that holds the pipe paths: named after our PID, so that a later
// run removes it when we were killed before removing it ourselves.
func NewPrivateDir() (string, error) { return newPipeDir() }

// newPipeDir creates the private 0700 directory that holds a run's pipe
// paths, in pipeBase, named after our PID so stale ones can be recognised.
func newPipeDir() (string, error) {
	base := pipeBase()
	sweepStalePipeDirs(base)
	dir, err := os.MkdirTemp(base, pipeDirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", fmt.Errorf("create pipe directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("create pipe directory: %w", err)
	}
	return dir, nil
}

// sweepStalePipeDirs removes the pipe directories in base left by runs
// that were killed (SIGKILL, OOM). They hold only symlinks, empty FIFOs or
// message files, never plaintext; this is tidiness, not safety.
func sweepStalePipeDirs(base string) {
	matches, _ := filepath.Glob(filepath.Join(base, pipeDirPrefix+"*-*"))
	for _, m := range matches {
		rest := strings.TrimPrefix(filepath.Base(m), pipeDirPrefix)
		pidStr, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if !ok || err != nil || pid <= 0 {
			continue
		}
		st, err := os.Lstat(m)
		if err != nil || !st.IsDir() {
			continue
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != os.Getuid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(m)
		}
	}
}
