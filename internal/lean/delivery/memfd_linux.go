//go:build linux

package delivery

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/helm-secrets/helm-secrets/internal/lean/delivery/boundary"
)

// Server (Linux) keeps each plaintext in a sealed memfd: anonymous
// memory with no name in any filesystem. Helm reaches it through a symlink
// in a private 0700 directory pointing at /proc/<our pid>/fd/<n>; opening
// that path opens the memfd afresh at offset 0, so helm, helm lint's second
// read, and helm plugin children each read the whole content, concurrently
// if they like. The symlinks hold no data. When we exit (even by SIGKILL)
// the memfds vanish with our descriptors.
type Server struct {
	dir   string
	mu    sync.Mutex
	files []*os.File
	paths []string
}

// New creates a Server for one run of helm.
func New() (*Server, error) {
	dir, err := newPipeDir()
	if err != nil {
		return nil, err
	}
	return &Server{dir: dir}, nil
}

// Add makes content readable at a new path, the n-th of this run, named
// after typed (the source as the user typed it), and returns the path. It
// may be called concurrently. Content that boundary.Check refuses is not served.
func (s *Server) Add(n int, typed string, content []byte) (string, error) {
	if err := boundary.Check(typed, content); err != nil {
		return "", err
	}
	fd, err := unix.MemfdCreate("helm-secrets", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return "", fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd")
	if _, err := f.Write(content); err != nil {
		f.Close()
		return "", fmt.Errorf("memfd write: %w", err)
	}
	// Read-only from now on, for everyone.
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_WRITE|unix.F_SEAL_SEAL); err != nil {
		f.Close()
		return "", fmt.Errorf("memfd seal: %w", err)
	}
	path := filepath.Join(s.dir, strconv.Itoa(n), filepath.FromSlash(fileName(typed)))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		f.Close()
		return "", err
	}
	target := "/proc/" + strconv.Itoa(os.Getpid()) + "/fd/" + strconv.Itoa(fd)
	if err := os.Symlink(target, path); err != nil {
		f.Close()
		return "", err
	}
	s.mu.Lock()
	s.files = append(s.files, f)
	s.paths = append(s.paths, path)
	s.mu.Unlock()
	return path, nil
}

// Close removes every path and releases the plaintext; it returns the
// paths that were served.
func (s *Server) Close() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.files {
		_ = f.Close()
	}
	_ = os.RemoveAll(s.dir)
	return s.paths
}
