package encrypt

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getsops/sops/v3/logging"
	"github.com/sirupsen/logrus"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

// DefaultMaxInputSize is the default cap on the size of one input file: far
// above any values file, well below what would exhaust memory.
const DefaultMaxInputSize int64 = 32 << 20

// DefaultParallelism is the default number of files DecryptFiles works on at
// once. Decryption is dominated by key round trips (KMS, gpg-agent), so this
// is higher than the CPU count.
const DefaultParallelism = 64

// Options configure an Engine. The zero value is ready to use.
type Options struct {
	// Keys are the keys and credentials to use; the zero value finds them
	// in the environment as the sops CLI does.
	Keys Keys
	// MaxInputSize caps the size of any input, in bytes. Zero means
	// DefaultMaxInputSize; a negative value means no limit. Outputs over it
	// are refused too, so nothing is written that could not be read back.
	MaxInputSize int64
	// MaxTotalInputSize caps the bytes one DecryptFiles or ReadFiles call
	// reads from all its files. Zero means DefaultMaxTotalInputSize; a
	// negative value means no limit.
	MaxTotalInputSize int64
	// Parallelism bounds how many files DecryptFiles decrypts at once.
	// Zero means DefaultParallelism.
	Parallelism int
	// SopsOnly turns off the fast path that decrypts age-keyed YAML without
	// the sops library's tree machinery (same output, less work), so every
	// document goes through sops itself: for comparisons and debugging.
	// SetSopsLog with a non-nil writer does the same for every engine, so
	// that sops' messages are complete.
	SopsOnly bool
	// Strict refuses, on decryption, any value the sops MAC does not
	// authenticate: empty values (null, "", [], {}), which sops leaves out
	// of the MAC so anyone can add them to a file, and unencrypted values of
	// mac_only_encrypted files. The error (ErrUnauthenticated) names the key
	// path. Off by default: sops itself writes such files (docs/security.md).
	Strict bool
}

// Engine encrypts, decrypts, edits and rotates SOPS documents in memory.
// It is safe for concurrent use. Create one with New and reuse it: it
// caches the age identities it finds in the environment.
type Engine struct {
	opts   Options
	envAge ageIdentitySource
	gcp    gcpKMS
	azure  azureCredential
}

// New returns an Engine with the given options.
func New(opts Options) *Engine {
	if opts.MaxInputSize == 0 {
		opts.MaxInputSize = DefaultMaxInputSize
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = DefaultParallelism
	}
	return &Engine{opts: opts}
}

// sopsLogOn is set while SetSopsLog routes sops' messages somewhere.
var (
	sopsLogMu sync.Mutex
	sopsLogOn atomic.Bool
)

func init() { SetSopsLog(nil) }

// SetSopsLog sends the sops library's own log lines (which key it tried,
// why it failed) to w at info level; nil, the default, discards them, so
// nothing unexpected reaches stderr. The sops library's loggers are
// process-wide, so this is a process-wide setting, made once by the
// program, never by an Engine. While it is on, engines decrypt every
// document through sops itself, so that its messages are complete.
func SetSopsLog(w io.Writer) {
	sopsLogMu.Lock()
	defer sopsLogMu.Unlock()
	sopsLogOn.Store(w != nil)
	if w == nil {
		w = io.Discard
	} else {
		logging.SetLevel(logrus.InfoLevel)
	}
	for _, l := range logging.Loggers {
		l.SetOutput(w)
	}
}

// guard turns a panic inside the sops library into an error. Crafted input
// can make sops panic; a caller must get an error, not a crash.
func guard(what string, err *error) {
	if r := recover(); r != nil {
		*err = &panicError{err: fmt.Errorf("%s: %w: %s", what, ErrInternal, panicMessage(r)), stack: debug.Stack()}
	}
}

// panicError is a recovered panic: ErrInternal, with the stack where it
// happened for PanicStack.
type panicError struct {
	err   error
	stack []byte
}

func (e *panicError) Error() string { return e.err.Error() }
func (e *panicError) Unwrap() error { return e.err }

// PanicStack returns the stack trace of the panic inside the sops library
// that err reports (an ErrInternal), or nil. It holds code locations, for
// bug reports; programs print it only when asked to
// (HELM_SECRETS_DEBUG_PANICS in the plugin).
func PanicStack(err error) []byte {
	var p *panicError
	if errors.As(err, &p) {
		return p.stack
	}
	return nil
}

// readFile reads path, refusing files over the size cap before reading them.
func (e *Engine) readFile(path string) ([]byte, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	max := e.opts.MaxInputSize
	if max <= 0 {
		max = -1
	}
	data, err := bounds.ReadCapped(f, max)
	if errors.Is(err, bounds.ErrTooLarge) {
		// bounds says "file exceeds the size limit (…)": the same detail
		// under the engine's own sentinel.
		return nil, fmt.Errorf("%w%s", ErrTooLarge, strings.TrimPrefix(err.Error(), bounds.ErrTooLarge.Error()))
	}
	return data, err
}

func (e *Engine) tooLarge(n int64) bool {
	return e.opts.MaxInputSize > 0 && n > e.opts.MaxInputSize
}

func (e *Engine) checkSize(data []byte) error {
	if e.tooLarge(int64(len(data))) {
		return fmt.Errorf("%w (%d bytes, limit %d)", ErrTooLarge, len(data), e.opts.MaxInputSize)
	}
	return nil
}

// ReadRaw reads a file as it is, without decrypting it, the way the
// engine reads its inputs: refusing it when it exceeds the size cap.
// Callers that inspect a file before decrypting it (IsEncrypted) use it to
// apply the same limit.
func (e *Engine) ReadRaw(path string) ([]byte, error) {
	data, err := e.readFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}
