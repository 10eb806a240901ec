//go:build windows

package delivery

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/Microsoft/go-winio"

	"github.com/helm-secrets/helm-secrets/internal/lean/delivery/boundary"
)

// Server serves plaintext through Windows named pipes
// (\\.\pipe\helm-secrets-<random>\<n>\<name>), accessible only to the
// owner. Each open is a new pipe instance, so concurrent readers each get
// the whole content. Named pipes live in the kernel's pipe filesystem, not
// on disk.
type Server struct {
	prefix    string
	mu        sync.Mutex
	listeners []net.Listener
	paths     []string
	wg        sync.WaitGroup
}

// New creates a Server for one run of helm.
func New() (*Server, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &Server{prefix: `\\.\pipe\helm-secrets-` + hex.EncodeToString(b)}, nil
}

// Add makes content readable at a new path, the n-th of this run, named
// after typed (the source as the user typed it), and returns the path. It
// may be called concurrently. Content that boundary.Check refuses is not served.
func (s *Server) Add(n int, typed string, content []byte) (string, error) {
	if err := boundary.Check(typed, content); err != nil {
		return "", err
	}
	path := s.prefix + `\` + strconv.Itoa(n) + `\` + strings.ReplaceAll(fileName(typed), "/", `\`)
	l, err := winio.ListenPipe(path, &winio.PipeConfig{
		// Owner only: protected DACL granting generic-all to the owner.
		SecurityDescriptor: "D:P(A;;GA;;;OW)",
	})
	if err != nil {
		return "", fmt.Errorf("create pipe %s: %w", path, err)
	}
	s.mu.Lock()
	s.listeners = append(s.listeners, l)
	s.paths = append(s.paths, path)
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				_, _ = c.Write(content)
				_ = c.Close()
			}()
		}
	}()
	return path, nil
}

// Close removes every path and releases the plaintext; it returns the
// paths that were served.
func (s *Server) Close() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.listeners {
		_ = l.Close()
	}
	s.wg.Wait()
	return s.paths
}
