package postrender

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"
	"unicode/utf8"

	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/lean/delivery"
)

// The wrapper's side of the post-renderer: what it must learn before helm
// goes on travels on Unix sockets in private 0700 directories (through
// the kernel, never a file): the values the post-renderer evaluated
// (settings.EnvRedactSocket) and the manifests for the placement check
// (settings.EnvPlacementSocket). The post-renderer waits for the
// wrapper's answer before it hands the manifests to helm. Its error
// messages, which Helm 4 does not show, go to a private file
// (settings.EnvPostRendererLog) the wrapper prints after helm.

// maxEvaluated bounds what a post-renderer may send (the values of one
// manifest set, which valsproto.MaxMessage bounds already).
const maxEvaluated = 2 * valsproto.MaxMessage

// socketTimeout bounds one exchange on a socket.
const socketTimeout = 5 * time.Minute

// listen creates a Unix socket named name in a new private directory and
// sets env to its path; stop closes it, removes the directory and unsets
// env.
func listen(env, name string) (l net.Listener, stop func(), err error) {
	dir, err := delivery.NewPrivateDir()
	if err != nil {
		return nil, nil, err
	}
	p := filepath.Join(dir, name)
	l, err = net.Listen("unix", p)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, err
	}
	if err := os.Setenv(env, p); err != nil {
		l.Close()
		_ = os.RemoveAll(dir)
		return nil, nil, err
	}
	return l, func() {
		l.Close()
		_ = os.RemoveAll(dir)
		os.Unsetenv(env)
	}, nil
}

// serve accepts connections on l until it is closed, each handled by h.
func serve(l net.Listener, h func(net.Conn)) {
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(socketTimeout))
				h(c)
			}()
		}
	}()
}

// ServeEvaluated listens on settings.EnvRedactSocket for the values a
// post-renderer of this run evaluates and adds them to set. stop closes
// the listener and removes the socket's directory.
func ServeEvaluated(set *redact.Set) (stop func(), err error) {
	l, stop, err := listen(settings.EnvRedactSocket, "redact.sock")
	if err != nil {
		return nil, err
	}
	serve(l, func(c net.Conn) {
		var values []string
		if err := json.NewDecoder(io.LimitReader(c, maxEvaluated)).Decode(&values); err != nil { // unbounded: io.LimitReader bounds it; a longer message fails to decode
			return // no "ok": the post-renderer fails, helm stops
		}
		secrets := make([]redact.Secret, 0, len(values))
		for _, v := range values {
			secrets = append(secrets, redact.Secret{Name: "(evaluated by the post-renderer)", Value: []byte(v)})
		}
		set.Add(secrets)
		_, _ = c.Write([]byte("ok\n"))
	})
	return stop, nil
}

// registerEvaluated sends the values the post-renderer evaluated (the
// scalars of out that in does not hold, and the decoded form of those that
// are base64) to the wrapper listening on sock, and waits for its "ok".
func registerEvaluated(sock string, in, out []byte) error {
	values := evaluatedValues(in, out)
	if len(values) == 0 {
		return nil
	}
	c, err := net.DialTimeout("unix", sock, 30*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(socketTimeout))
	if err := json.NewEncoder(c).Encode(values); err != nil {
		return err
	}
	ack, err := io.ReadAll(io.LimitReader(c, 3)) // unbounded: 3 bytes at most, the wrapper's "ok\n"
	if err != nil || string(ack) != "ok\n" {
		return fmt.Errorf("the wrapper did not confirm (%v)", err)
	}
	return nil
}

// evaluatedValues are the scalar values of the manifests out that the
// manifests in do not hold: what the post-renderer evaluated. A value that
// is base64 (a Secret's data) counts decoded too.
func evaluatedValues(in, out []byte) []string {
	if bytes.Equal(in, out) {
		return nil
	}
	had := map[string]bool{}
	for _, l := range redact.Leaves("in", in) {
		had[string(l.Value)] = true
	}
	var values []string
	for _, l := range redact.Leaves("out", out) {
		v := string(l.Value)
		if had[v] {
			continue
		}
		had[v] = true
		values = append(values, v)
		if d, err := base64.StdEncoding.DecodeString(v); err == nil && len(d) > 0 && utf8.Valid(d) {
			values = append(values, string(d))
		}
	}
	return values
}

// The placement check's answers: the manifests may go to helm, or not.
const (
	placementPass = "ok\n"
	placementStop = "no\n"
)

// ErrPlacementStop is what the post-renderer reports when the wrapper's
// placement check stops the run.
var ErrPlacementStop = errors.New("the placement check stopped the manifests before they reached the cluster (its findings follow helm's output)")

// ServePlacement listens on settings.EnvPlacementSocket for the manifests
// a post-renderer of this run is about to hand to helm (their length as 8
// bytes big-endian, then the bytes; up to valsproto.MaxMessage), and asks check about them: the post-renderer
// hands them on when check returns true, and fails (helm stops, nothing
// reaches the cluster) when it returns false. check runs once per
// post-render, never concurrently with itself. stop closes the listener
// and removes the socket's directory.
func ServePlacement(check func(manifests []byte) bool) (stop func(), err error) {
	l, stop, err := listen(settings.EnvPlacementSocket, "placement.sock")
	if err != nil {
		return nil, err
	}
	var one = make(chan struct{}, 1)
	serve(l, func(c net.Conn) {
		var n uint64
		if err := binary.Read(c, binary.BigEndian, &n); err != nil || n > valsproto.MaxMessage {
			return // no answer: the post-renderer fails, helm stops
		}
		manifests := make([]byte, n)
		if _, err := io.ReadFull(c, manifests); err != nil {
			return
		}
		one <- struct{}{}
		pass := check(manifests)
		<-one
		answer := placementStop
		if pass {
			answer = placementPass
		}
		_, _ = c.Write([]byte(answer))
	})
	return stop, nil
}

// checkPlacement sends the manifests to the wrapper's placement check on
// sock and returns nil when it lets them through.
func checkPlacement(sock string, manifests []byte) error {
	if sock == "" {
		return errors.New("--check-placement: no placement check is listening (run through helm secrets)")
	}
	c, err := net.DialTimeout("unix", sock, 30*time.Second)
	if err != nil {
		return fmt.Errorf("--check-placement: %w", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(socketTimeout))
	// The length first (no half-close: the same on every system).
	if err := binary.Write(c, binary.BigEndian, uint64(len(manifests))); err != nil {
		return fmt.Errorf("--check-placement: %w", err)
	}
	if _, err := c.Write(manifests); err != nil {
		return fmt.Errorf("--check-placement: %w", err)
	}
	answer, err := io.ReadAll(io.LimitReader(c, 3)) // unbounded: 3 bytes at most, the wrapper's verdict
	switch {
	case string(answer) == placementPass:
		return nil
	case string(answer) == placementStop:
		return ErrPlacementStop
	}
	return fmt.Errorf("--check-placement: the wrapper did not answer (%v)", err)
}

// RelayLog is the private message file of settings.EnvPostRendererLog for
// one run: Helm 4 does not show a post-renderer plugin's stderr, so the
// wrapper that started helm prints the messages after it. They name
// manifests and key paths, never values.
type RelayLog struct{ path string }

// NewRelayLog creates the file, in a private directory of the kind that
// holds the pipe paths (delivery.NewPrivateDir): named after our PID, so
// the next run removes it if we are killed before Print does, and sets
// settings.EnvPostRendererLog to it.
func NewRelayLog() (*RelayLog, error) {
	dir, err := delivery.NewPrivateDir()
	if err != nil {
		return nil, err
	}
	p := filepath.Join(dir, "post-renderer.log")
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	f.Close()
	if err := os.Setenv(settings.EnvPostRendererLog, p); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &RelayLog{path: p}, nil
}

// Print writes what the post-renderer reported to w and removes the file
// and its directory. A nil RelayLog prints nothing.
func (r *RelayLog) Print(w io.Writer) {
	if r == nil || r.path == "" {
		return
	}
	if b, err := bounds.ReadFile(r.path, 1<<20); err == nil && len(b) > 0 {
		_, _ = w.Write(b)
	}
	_ = os.RemoveAll(filepath.Dir(r.path))
	os.Unsetenv(settings.EnvPostRendererLog)
	r.path = ""
}
