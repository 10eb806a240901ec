//go:build unix

package delivery

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/helm-secrets/helm-secrets/internal/lean/delivery/boundary"
)

// FIFOServer serves plaintext through FIFOs in a private 0700 directory: a
// goroutine writes the content each time a reader opens the FIFO, for as
// long as helm runs. It is the Server of macOS and the BSDs; it builds on
// Linux too, where its tests run (fifo_unix_test.go).
//
// Each reader gets exactly one copy, however slowly it reads: once a
// reader has opened a path's FIFO, a fresh FIFO is renamed over the path
// (so the path never goes missing) before the copy is written, and the next
// reader opens that one. Limitation: two readers whose opens race the
// rename (the same microsecond) share one copy; helm reads values
// sequentially.
type FIFOServer struct {
	dir     string
	mu      sync.Mutex
	paths   []string
	wg      sync.WaitGroup
	closing atomic.Bool
}

// NewFIFO creates a FIFOServer for one run of helm.
func NewFIFO() (*FIFOServer, error) {
	dir, err := newPipeDir()
	if err != nil {
		return nil, err
	}
	return &FIFOServer{dir: dir}, nil
}

// Add makes content readable at a new path, the n-th of this run, named
// after typed (the source as the user typed it), and returns the path. It
// may be called concurrently. Content that boundary.Check refuses is not served.
func (s *FIFOServer) Add(n int, typed string, content []byte) (string, error) {
	if err := boundary.Check(typed, content); err != nil {
		return "", err
	}
	path := filepath.Join(s.dir, strconv.Itoa(n), filepath.FromSlash(fileName(typed)))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	if err := unix.Mkfifo(path, 0o600); err != nil {
		return "", fmt.Errorf("create pipe %s: %w", path, err)
	}
	s.mu.Lock()
	s.paths = append(s.paths, path)
	s.mu.Unlock()
	s.wg.Add(1)
	go s.serve(path, content)
	return path, nil
}

func (s *FIFOServer) serve(path string, content []byte) {
	defer s.wg.Done()
	for {
		f, err := os.OpenFile(path, os.O_WRONLY, 0) // blocks until a reader opens
		if s.closing.Load() {
			if err == nil {
				_ = f.Close()
			}
			return
		}
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			return
		}
		// This reader holds the FIFO it opened; the next one must get a
		// FIFO of its own, or a slow reader would receive its copy and the
		// start of the next.
		if err := renewFIFO(path); err != nil {
			_ = f.Close()
			return
		}
		_, _ = f.Write(content)
		_ = f.Close()
	}
}

// renewFIFO replaces the FIFO at path with a new one, atomically.
func renewFIFO(path string) error {
	next := path + ".next"
	_ = os.Remove(next)
	if err := unix.Mkfifo(next, 0o600); err != nil {
		return fmt.Errorf("create pipe %s: %w", next, err)
	}
	return os.Rename(next, path)
}

// Close removes every path and releases the plaintext; it returns the
// paths that were served.
func (s *FIFOServer) Close() []string {
	s.closing.Store(true)
	s.mu.Lock()
	paths := append([]string(nil), s.paths...)
	s.mu.Unlock()
	for _, p := range paths {
		// Opening the read side wakes a server blocked in open.
		if f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer f.Close()
		}
	}
	s.wg.Wait()
	_ = os.RemoveAll(s.dir)
	return paths
}
