//go:build !windows && !linux

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
	"time"

	"golang.org/x/sys/unix"
)

// Server (macOS, BSD) serves plaintext through FIFOs in a private 0700
// directory: a goroutine writes the content each time a reader opens the
// FIFO, for as long as helm runs. Limitation: two readers opening the same
// FIFO at the same instant share one copy; helm reads values sequentially.
type Server struct {
	dir     string
	mu      sync.Mutex
	paths   []string
	wg      sync.WaitGroup
	closing atomic.Bool
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
// after typed (the source as the user typed it), and returns the path.
func (s *Server) Add(n int, typed string, content []byte) (string, error) {
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

func (s *Server) serve(path string, content []byte) {
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
		_, _ = f.Write(content)
		_ = f.Close()
		// Let this reader drain and close before serving the next one, so
		// it does not receive a second copy.
		time.Sleep(5 * time.Millisecond)
	}
}

// Close removes every path and releases the plaintext; it returns the
// paths that were served.
func (s *Server) Close() []string {
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
