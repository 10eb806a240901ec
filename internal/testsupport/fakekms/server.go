package fakekms

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"path"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Method names accepted by [Server.Calls] and [Server.FailNext]. They are the
// last element of the gRPC full method name ("/google.cloud.kms.v1.KeyManagementService/Encrypt").
const (
	MethodEncrypt = "Encrypt"
	MethodDecrypt = "Decrypt"
)

// AnyMethod, passed to [Server.FailNext], matches every method.
const AnyMethod = ""

// FailFunc decides whether a call fails. method is the short method name
// (see [MethodEncrypt]), name is the request's resource name ("" when the
// request has none). A non-nil return value is sent to the client instead of
// running the method; return a status error (status.Error) to choose the
// gRPC code, otherwise the client sees codes.Unknown.
type FailFunc func(method, name string) error

// Option configures a [Server] at start.
type Option func(*config)

type config struct {
	latency    time.Duration
	autoCreate bool
	keys       []string
	failFunc   FailFunc
	noAuth     bool
}

// WithLatency delays every call (including failing ones) by d before it is
// handled, to simulate the network round trip to the real service.
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithAutoCreateKeys makes Encrypt create a CryptoKey (with a fresh random
// AES-256 key) the first time an unknown, well-formed name is used. Decrypt
// never creates keys. Without this option only keys registered with
// [Server.AddKey], [Server.NewKey] or [WithKeys] exist; others get NotFound.
func WithAutoCreateKeys() Option { return func(c *config) { c.autoCreate = true } }

// WithKeys registers CryptoKey resource names at start (see [Server.AddKey]).
func WithKeys(names ...string) Option {
	return func(c *config) { c.keys = append(c.keys, names...) }
}

// WithFailFunc installs f at start (see [Server.SetFailFunc]).
func WithFailFunc(f FailFunc) Option { return func(c *config) { c.failFunc = f } }

// WithoutAuthCheck disables the check that every call carries the server's
// bearer token (see [Server.Token]). Use it only for clients configured with
// option.WithoutAuthentication.
func WithoutAuthCheck() Option { return func(c *config) { c.noAuth = true } }

// Server is an in-process fake Google Cloud KMS. It serves the real gRPC
// protocol over TLS on 127.0.0.1. All methods are safe for concurrent use.
type Server struct {
	kmspb.UnimplementedKeyManagementServiceServer

	addr     string
	token    string
	certPool *x509.CertPool
	noAuth   bool

	grpcSrv  *grpc.Server
	lis      net.Listener
	serveErr chan error
	done     chan struct{} // closed when Close starts
	stop     sync.Once
	closeErr error

	conns atomic.Int64 // connections accepted

	mu         sync.Mutex
	latency    time.Duration
	autoCreate bool
	keys       map[string]*cryptoKey
	calls      map[string]int64
	failNext   []*failRule
	failFunc   FailFunc
}

type failRule struct {
	method    string
	remaining int
	err       error
}

// tlsServerName is the host name in the server certificate. Clients built
// by this package always verify the certificate against it, whatever
// endpoint the Google client library thinks it is talking to.
const tlsServerName = "fakekms.invalid"

// Start starts a server for the duration of a test or benchmark: it fails tb
// on error and closes the server in tb.Cleanup.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := StartContext(context.Background(), opts...)
	if err != nil {
		tb.Fatalf("fakekms: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("fakekms: close: %v", err)
		}
	})
	return s
}

// StartContext starts a server listening on 127.0.0.1:0. It runs until
// Close is called or ctx is done; call Close in any case to wait for the
// shutdown.
func StartContext(ctx context.Context, opts ...Option) (*Server, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		noAuth:     cfg.noAuth,
		latency:    cfg.latency,
		autoCreate: cfg.autoCreate,
		failFunc:   cfg.failFunc,
		keys:       make(map[string]*cryptoKey),
		calls:      make(map[string]int64),
		serveErr:   make(chan error, 1),
		done:       make(chan struct{}),
	}
	for _, name := range cfg.keys {
		if err := s.AddKey(name); err != nil {
			return nil, err
		}
	}
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	s.token = "fakekms-" + hex.EncodeToString(tok[:])

	cert, pool, err := selfSignedCert()
	if err != nil {
		return nil, fmt.Errorf("generate certificate: %w", err)
	}
	s.certPool = pool

	var lc net.ListenConfig
	lis, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.lis = &countingListener{Listener: lis, n: &s.conns}
	s.addr = lis.Addr().String()

	s.grpcSrv = grpc.NewServer(
		grpc.Creds(credentials.NewTLS(&tls.Config{
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
		})),
		grpc.UnaryInterceptor(s.intercept),
	)
	kmspb.RegisterKeyManagementServiceServer(s.grpcSrv, s)
	go func() { s.serveErr <- s.grpcSrv.Serve(s.lis) }()
	if ctx.Done() != nil {
		go func() {
			select {
			case <-ctx.Done():
				_ = s.Close()
			case <-s.done:
			}
		}()
	}
	return s, nil
}

// Addr returns the "127.0.0.1:port" address the server listens on.
func (s *Server) Addr() string { return s.addr }

// Token returns the bearer token every call must carry (unless
// [WithoutAuthCheck] was given). The client options of this package send it.
func (s *Server) Token() string { return s.token }

// CertPool returns a pool holding the server's self-signed certificate
// (subject name "fakekms.invalid"), for building your own TLS client.
func (s *Server) CertPool() *x509.CertPool { return s.certPool }

// Close stops the server: it refuses new calls, aborts injected latency
// sleeps with codes.Unavailable, waits up to 5 s for running calls and then
// closes all connections. It is idempotent and safe to call concurrently.
func (s *Server) Close() error {
	s.stop.Do(func() {
		close(s.done)
		stopped := make(chan struct{})
		go func() {
			s.grpcSrv.GracefulStop()
			close(stopped)
		}()
		select {
		case <-stopped:
		case <-time.After(5 * time.Second):
			s.grpcSrv.Stop()
			<-stopped
		}
		if err := <-s.serveErr; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			s.closeErr = err
		}
	})
	return s.closeErr
}

// SetLatency changes the injected per-call latency (see [WithLatency]).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// SetFailFunc installs f, consulted on every call after authentication and
// after the rules of [Server.FailNext]; nil removes it.
func (s *Server) SetFailFunc(f FailFunc) {
	s.mu.Lock()
	s.failFunc = f
	s.mu.Unlock()
}

// FailNext makes the next n calls of method ([MethodEncrypt], [MethodDecrypt]
// or [AnyMethod]) return err instead of being handled (nil means a
// codes.Internal status). Rules are consumed in
// the order they were added.
//
// Beware: the real client retries codes.Unavailable and
// codes.DeadlineExceeded on Encrypt and Decrypt (backoff from 100 ms, up to
// 60 s), so such failures are invisible to the caller unless they outlast the
// retries; use e.g. codes.Internal or codes.PermissionDenied to fail fast.
func (s *Server) FailNext(method string, n int, err error) {
	if n <= 0 {
		return
	}
	if err == nil {
		err = status.Error(codes.Internal, "fakekms: injected failure")
	}
	s.mu.Lock()
	s.failNext = append(s.failNext, &failRule{method: method, remaining: n, err: err})
	s.mu.Unlock()
}

// Calls returns how many calls of method (short name, e.g. [MethodEncrypt])
// reached the server since start or the last [Server.ResetCalls], counting
// failed, rejected and retried calls. Calls(AnyMethod) returns the total.
// Connections returns the number of client connections the server has
// accepted (a client that reuses its connection counts once).
func (s *Server) Connections() int64 { return s.conns.Load() }

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

func (s *Server) Calls(method string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if method == AnyMethod {
		var n int64
		for _, c := range s.calls {
			n += c
		}
		return n
	}
	return s.calls[method]
}

// CallCounts returns a copy of all per-method call counters.
func (s *Server) CallCounts() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int64, len(s.calls))
	for k, v := range s.calls {
		m[k] = v
	}
	return m
}

// ResetCalls sets all call counters to zero.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	clear(s.calls)
	s.mu.Unlock()
}

type namedRequest interface{ GetName() string }

// intercept runs, in order: count, latency, authentication, injected
// failures, handler.
func (s *Server) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	method := path.Base(info.FullMethod)
	var name string
	if nr, ok := req.(namedRequest); ok {
		name = nr.GetName()
	}

	s.mu.Lock()
	s.calls[method]++
	latency := s.latency
	s.mu.Unlock()

	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, status.FromContextError(ctx.Err()).Err()
		case <-s.done:
			t.Stop()
			return nil, status.Error(codes.Unavailable, "fakekms: server is shutting down")
		}
	}

	if !s.noAuth {
		md, _ := metadata.FromIncomingContext(ctx)
		auth := md.Get("authorization")
		if len(auth) != 1 || auth[0] != "Bearer "+s.token {
			return nil, status.Error(codes.Unauthenticated,
				"Request had invalid authentication credentials. Expected OAuth 2 access token (fakekms: missing or wrong bearer token).")
		}
	}

	if err := s.injectedFailure(method, name); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (s *Server) injectedFailure(method, name string) error {
	s.mu.Lock()
	for i, r := range s.failNext {
		if r.method != AnyMethod && r.method != method {
			continue
		}
		r.remaining--
		if r.remaining <= 0 {
			s.failNext = append(s.failNext[:i], s.failNext[i+1:]...)
		}
		s.mu.Unlock()
		return r.err
	}
	f := s.failFunc
	s.mu.Unlock()
	if f != nil {
		return f(method, name)
	}
	return nil
}
