package helm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// WrapOptions configure Wrap: one run of a helm command with its encrypted
// values decrypted on the fly.
type WrapOptions struct {
	// Helm is the helm binary (HELM_SECRETS_HELM_PATH, else HELM_BIN, else "helm").
	Helm string
	// Args are the helm command and its arguments, e.g.
	// ["upgrade", "--install", "app", "./chart", "-f", "secrets.yaml"].
	Args []string
	// Backends selects the backend of each file; DefaultBackend is used
	// for files without a NAME! prefix.
	Backends       Backends
	DefaultBackend string
	// IgnoreMissing turns missing values files into empty ones.
	IgnoreMissing bool
	// Quiet suppresses our informational messages (never errors).
	Quiet bool
	// Paths restricts local values paths (the HELM_SECRETS_VALUES_ALLOW_*
	// hardening settings).
	Paths PathPolicy
	// Stdin, Stdout and Stderr are helm's standard streams; Stderr also
	// receives our messages. Nil means the process's own.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Env is helm's environment; nil means os.Environ().
	Env []string
}

// Wrap decrypts every encrypted values source in o.Args (-f/--values
// files, --set-file files, encrypted literals in --set, --set-string and
// --set-json), runs helm with the plaintext handed over through pipes that
// never touch the disk, and returns helm's exit code. All sources are
// decrypted, in parallel, before helm starts; if any fails, helm is not
// started and the error (every failure, each naming its file) is returned.
// A non-nil error always means helm did not run to completion: the caller
// prints it and exits 1.
func Wrap(ctx context.Context, o WrapOptions) (int, error) {
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Helm == "" {
		o.Helm = "helm"
	}
	slots, err := findSlots(o.Args)
	if err != nil {
		return 1, err
	}
	w := &wrapRun{o: o}
	if err := w.prepare(ctx, slots); err != nil {
		return 1, err
	}
	if len(w.pipes) > 0 {
		srv, err := newPipeServer()
		if err != nil {
			return 1, err
		}
		for i, p := range w.pipes {
			path, err := srv.add(i, p.name, p.content)
			if err != nil {
				srv.close()
				return 1, err
			}
			*p.target = path
		}
		defer func() {
			srv.close()
			for _, p := range w.pipes {
				if p.announce && !o.Quiet {
					fmt.Fprintf(o.Stderr, "[helm-secrets] Removed: %s\n", *p.target)
				}
			}
		}()
	}
	args := rebuild(o.Args, slots)
	for _, m := range w.decrypted {
		if !o.Quiet {
			fmt.Fprintf(o.Stderr, "[helm-secrets] Decrypt: %s\n", m)
		}
	}
	return runHelm(ctx, o, args)
}

// pipeJob is plaintext to serve; target receives the pipe's path.
type pipeJob struct {
	name     string
	content  []byte
	target   *string
	announce bool // a decrypted file: say so when its pipe is removed
}

type wrapRun struct {
	o         WrapOptions
	pipes     []pipeJob
	decrypted []string // sources to announce, in argument order
}

type fileJob struct {
	it    *item
	plain []byte
	enc   bool
	err   error
}

// prepare resolves every source; it fails with all errors at once.
func (w *wrapRun) prepare(ctx context.Context, slots []*slot) error {
	var errs []error
	var jobs []*fileJob
	for _, s := range slots {
		switch s.kind {
		case kindValues, kindSetFile:
			for _, it := range s.items {
				if it.path == "" || isRemote(it.path) {
					continue
				}
				j, err := w.resolve(it)
				if err != nil {
					errs = append(errs, err)
				} else if j != nil {
					jobs = append(jobs, j)
				}
			}
		default:
			b, err := w.o.Backends.Get(w.o.DefaultBackend)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			dec := func(ctx context.Context, doc []byte) ([]byte, error) {
				return b.Decrypt(ctx, doc, encrypt.FormatAuto)
			}
			rest, moved, err := extractLiterals(ctx, s.kind, s.value, dec)
			if err != nil {
				errs = append(errs, fmt.Errorf("Unable to decrypt literal value in %s: %w", flagName(s.kind), err))
				continue
			}
			if len(moved) > 0 {
				s.value = rest
				for _, m := range moved {
					it := &item{key: m.key}
					s.items = append(s.items, it)
					w.pipes = append(w.pipes, pipeJob{name: "literal-" + m.key, content: m.plain, target: &it.replacement})
				}
			}
		}
	}
	w.decryptAll(ctx, jobs)
	for _, j := range jobs {
		switch {
		case j.err != nil:
			errs = append(errs, fmt.Errorf("Error while decrypting file: %s: %w", j.it.path, j.err))
		case j.enc:
			w.pipes = append(w.pipes, pipeJob{name: j.it.path, content: j.plain, target: &j.it.replacement, announce: true})
			w.decrypted = append(w.decrypted, j.it.path)
		}
	}
	if len(errs) > 0 {
		return joinErrors(errs)
	}
	return nil
}

// resolve checks one local file source: policy, existence, backend. It
// returns a job when the file must be read and possibly decrypted.
func (w *wrapRun) resolve(it *item) (*fileJob, error) {
	if err := w.o.Paths.Check(it.path); err != nil {
		return nil, err
	}
	st, err := os.Stat(it.path)
	if errors.Is(err, fs.ErrNotExist) {
		if it.optional || w.o.IgnoreMissing {
			w.pipes = append(w.pipes, pipeJob{name: it.path, target: &it.replacement})
			return nil, nil
		}
		return nil, fmt.Errorf("File does not exist: %s", it.path)
	}
	if err != nil || st.IsDir() {
		return nil, nil // helm reports it in its own words
	}
	name := it.backend
	if name == "" {
		name = w.o.DefaultBackend
	}
	b, err := w.o.Backends.Get(name)
	if err != nil {
		return nil, err
	}
	if _, noop := b.(NoopBackend); noop {
		return nil, nil
	}
	return &fileJob{it: it}, nil
}

// decryptAll reads and decrypts the jobs' files concurrently with the
// engine; a file named twice is read once.
func (w *wrapRun) decryptAll(ctx context.Context, jobs []*fileJob) {
	if len(jobs) == 0 {
		return
	}
	eng := w.o.Backends.Engine
	if eng == nil {
		eng = encrypt.New(encrypt.Options{})
	}
	paths := make([]string, len(jobs))
	for i, j := range jobs {
		paths[i] = j.it.path
	}
	results, _ := eng.ReadFiles(ctx, paths)
	for i, j := range jobs {
		r := results[i]
		j.plain, j.enc, j.err = r.Plaintext, r.Encrypted, unwrapOnce(r.Err)
	}
}

// rebuild returns args with every slot's value replaced.
func rebuild(args []string, slots []*slot) []string {
	at := make(map[int]*slot, len(slots))
	for _, s := range slots {
		at[s.index] = s
	}
	out := make([]string, 0, len(args)+4)
	for i := 0; i < len(args); i++ {
		s, ok := at[i]
		if !ok {
			out = append(out, args[i])
			continue
		}
		var extra []string
		value := s.value
		switch s.kind {
		case kindValues:
			value = joinValuesList(s.items)
		case kindSetFile:
			value = joinSetFile(s.items)
		default:
			for _, it := range s.items {
				extra = append(extra, "--set-file", it.key+"="+escapeStrvals(it.replacement))
			}
		}
		if value == "" && len(extra) > 0 {
			// Every pair moved to --set-file: drop the now-empty flag.
			if s.prefix == "" {
				out = out[:len(out)-1]
			}
		} else {
			out = append(out, s.prefix+value)
		}
		out = append(out, extra...)
	}
	return out
}

func flagName(k sourceKind) string {
	for name, kind := range flagKinds {
		if kind == k && strings.HasPrefix(name, "--") {
			return name
		}
	}
	return "?"
}

// multiError lists several failures, one per line; each line after the
// first carries the message prefix the caller puts before the first.
type multiError []error

func (m multiError) Error() string {
	msgs := make([]string, len(m))
	for i, e := range m {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n[helm-secrets] ")
}

func (m multiError) Unwrap() []error { return m }

func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return multiError(errs)
}
