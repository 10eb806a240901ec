package valsproto

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
)

// BinaryName is the program that links vals (cmd/helm-secrets-vals),
// installed next to helm-secrets.
const BinaryName = "helm-secrets-vals"

// Options configure a Session.
type Options struct {
	// Binary is the helm-secrets-vals program; "" means the one next to
	// this executable.
	Binary string
	// Policy is the provider allow-list.
	Policy Policy
	// Stderr receives the child's own messages (nil: discarded).
	Stderr io.Writer
	// Debug turns on vals' log lines (on Stderr).
	Debug bool
	// Quiet, asked when the process starts, reports -q: it suppresses the
	// warning of HELM_SECRETS_VALS_PROVIDERS=all, as HELM_SECRETS_QUIET
	// (other than "false") and Argo CD (ARGOCD_APP_NAME set) do.
	Quiet func() bool
	// Warn, when set, receives the warning of
	// HELM_SECRETS_VALS_PROVIDERS=all when the process starts, instead of
	// Stderr: the caller prints it once per run and knows when not to.
	Warn func(msg string)
}

// quiet reports whether informational output is off.
func (o Options) quiet() bool {
	if o.Quiet != nil && o.Quiet() {
		return true
	}
	s := settings.Load()
	return s.Quiet || s.ArgoCD
}

// Session is one helm-secrets-vals process for the whole run, so that one
// vals runtime (and its cache) serves every file, literal and manifest:
// repeated refs to one secret cost one fetch. It starts on first use; it
// is safe for concurrent use (requests are served one at a time).
type Session struct {
	o    Options
	mu   sync.Mutex
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *Reader
	err  error // a failure to start or a broken pipe: every later call fails
	done bool
}

// NewSession returns a session that starts its process when first used.
func NewSession(o Options) *Session { return &Session{o: o} }

// ErrBinary is a helm-secrets-vals that cannot be found or started.
var ErrBinary = errors.New("the vals backend needs " + BinaryName)

// binary locates helm-secrets-vals.
func (s *Session) binary() (string, error) {
	if s.o.Binary != "" {
		return s.o.Binary, nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	name := BinaryName
	if strings.HasSuffix(strings.ToLower(self), ".exe") {
		name += ".exe"
	}
	return filepath.Join(filepath.Dir(self), name), nil
}

// start runs the child and sends the configuration. Called with mu held.
func (s *Session) start() error {
	if s.cmd != nil || s.err != nil {
		return s.err
	}
	if s.done {
		return errors.New("vals session closed")
	}
	bin, err := s.binary()
	if err == nil {
		_, err = os.Stat(bin)
	}
	if err != nil {
		s.err = fmt.Errorf("%w (installed next to helm-secrets): %v", ErrBinary, err)
		return s.err
	}
	// The child is not tied to a request's context: it serves the whole
	// run and ends when Close closes its stdin.
	cmd := exec.Command(bin, "serve")
	cmd.Stderr = s.o.Stderr
	if cmd.Stderr == nil {
		cmd.Stderr = io.Discard
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		s.err = err
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.err = err
		return err
	}
	if err := cmd.Start(); err != nil {
		s.err = fmt.Errorf("%w: %v", ErrBinary, err)
		return s.err
	}
	s.cmd, s.in, s.out = cmd, in, NewReader(out)
	if w := s.o.Policy.Warning(); w != "" {
		switch {
		case s.o.Warn != nil:
			s.o.Warn(w)
		case !s.o.quiet() && s.o.Stderr != nil:
			fmt.Fprintf(s.o.Stderr, "[helm-secrets] Warning: %s\n", w)
		}
	}
	pol := s.o.Policy
	if _, err := s.roundTrip(Request{Op: OpConfig, Policy: &pol, Debug: s.o.Debug}); err != nil {
		s.err = err
		return err
	}
	return nil
}

// roundTrip sends one request and reads its response. Called with mu held.
func (s *Session) roundTrip(req Request) (*Response, error) {
	if err := Write(s.in, req); err != nil {
		s.err = fmt.Errorf("%s: %w", BinaryName, err)
		return nil, s.err
	}
	var resp Response
	if err := s.out.Read(&resp); err != nil {
		s.err = fmt.Errorf("%s stopped: %w", BinaryName, err)
		return nil, s.err
	}
	if resp.Error != "" {
		return nil, errors.New(resp.Error)
	}
	return &resp, nil
}

// do serves one request; ctx cancels the wait (the process is then
// stopped: its answer can no longer be matched to a request).
func (s *Session) do(ctx context.Context, req Request) (*Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.start(); err != nil {
		return nil, err
	}
	type result struct {
		r   *Response
		err error
	}
	ch := make(chan result, 1)
	go func() {
		r, err := s.roundTrip(req)
		ch <- result{r, err}
	}()
	select {
	case res := <-ch:
		return res.r, res.err
	case <-ctx.Done():
		_ = s.cmd.Process.Kill()
		<-ch
		s.err = ctx.Err()
		return nil, ctx.Err()
	}
}

// Document evaluates the refs of a YAML or JSON document; source names it
// in errors. noRefs reports a document without any (out is then nil).
func (s *Session) Document(ctx context.Context, source, format string, data []byte) (out []byte, noRefs bool, err error) {
	if !HasRef(data) {
		return nil, true, nil
	}
	r, err := s.do(ctx, Request{Op: OpDocument, Source: source, Format: format, Data: data})
	if err != nil {
		return nil, false, err
	}
	return r.Data, r.NoRefs, nil
}

// Literal evaluates the refs inside one string value.
func (s *Session) Literal(ctx context.Context, source, value string) ([]byte, error) {
	r, err := s.do(ctx, Request{Op: OpLiteral, Source: source, Data: []byte(value)})
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}

// Manifests evaluates the refs in rendered manifests; without any they
// come back unchanged.
func (s *Session) Manifests(ctx context.Context, data []byte, decodeSecrets bool) ([]byte, error) {
	if !decodeSecrets && !HasRef(data) {
		return data, nil
	}
	r, err := s.do(ctx, Request{Op: OpManifests, Data: data, DecodeSecrets: decodeSecrets})
	if err != nil {
		// Worded as the shell plugin's post-renderer words it ("vals
		// error: …"), which users grep for.
		return nil, fmt.Errorf("vals error: %w", err)
	}
	if r.NoRefs {
		return data, nil
	}
	return r.Data, nil
}

// Close ends the process (it exits when its stdin closes).
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	if s.cmd == nil {
		return nil
	}
	_ = s.in.Close()
	err := s.cmd.Wait()
	s.cmd = nil
	return err
}

// HasRef reports whether data may hold a vals expression: the shell
// plugin's test (`grep -q 'ref+'`), which also matches secretref+.
func HasRef(data []byte) bool { return bytes.Contains(data, []byte("ref+")) }
