//go:build windows

package helm

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/Microsoft/go-winio"
)

// pipeServer serves plaintext through Windows named pipes
// (\\.\pipe\helm-secrets-<random>\<n>\<name>), accessible only to the
// owner. Each open is a new pipe instance, so concurrent readers each get
// the whole content. Named pipes live in the kernel's pipe filesystem, not
// on disk.
type pipeServer struct {
	prefix    string
	mu        sync.Mutex
	listeners []net.Listener
	paths     []string
	wg        sync.WaitGroup
}

func newPipeServer() (*pipeServer, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &pipeServer{prefix: `\\.\pipe\helm-secrets-` + hex.EncodeToString(b)}, nil
}

func (s *pipeServer) add(n int, typed string, content []byte) (string, error) {
	path := s.prefix + `\` + strconv.Itoa(n) + `\` + strings.ReplaceAll(pipeName(typed), "/", `\`)
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

func (s *pipeServer) close() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.listeners {
		_ = l.Close()
	}
	s.wg.Wait()
	return s.paths
}
