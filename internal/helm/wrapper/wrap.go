package wrapper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmargs"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmrun"
	"github.com/helm-secrets/helm-secrets/internal/lean/delivery"
	"github.com/helm-secrets/helm-secrets/internal/remote/fetch"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues/literals"
)

// Options configure one run of a helm command with its encrypted values
// decrypted on the fly.
type Options struct {
	// Helm is the helm binary ("helm" when empty).
	Helm string
	// Args are the helm command and its arguments, e.g.
	// ["upgrade", "--install", "app", "./chart", "-f", "secrets.yaml"].
	Args []string
	// Backends selects the backend of each source; DefaultBackend is used
	// for sources without a NAME! prefix.
	Backends       backend.Selector
	DefaultBackend string
	// IgnoreMissing turns missing values files into empty ones.
	IgnoreMissing bool
	// Paths restricts local values paths.
	Paths pathpolicy.Policy
	// Stdin, Stdout and Stderr are helm's standard streams. Nil means the
	// process's own.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Env is helm's environment; nil means os.Environ().
	Env []string
	// Remote fetches the URL sources it handles (http(s)://, schemes of
	// helm getter plugins) so that they are decrypted in memory and served
	// like local files; nil leaves every URL to helm.
	Remote *fetch.Fetcher
	// MaskOnly: the -f/--values sources are decrypted for redaction only
	// (Plaintexts) and left out of helm's command line, flag and value;
	// nothing is served for them. For helm commands that take no values
	// files but print stored ones (helm-diff's revision, rollback and
	// release, helm's get values and get all). A source the wrapper cannot
	// read itself (stdin, secrets:// and URLs it leaves to helm) is
	// refused. --set-file and --set style sources are handled as usual.
	MaskOnly bool
}

// Run is a prepared helm command: every source is decrypted and served,
// and the command line rewritten. Exec runs it; Close releases it.
type Run struct {
	o           Options
	args        []string
	decrypted   []string
	decryptions []Decryption
	plaintexts  []Plaintext
	srv         *delivery.Server
}

// Decryption is one source the run decrypted, for an audit trail
// (internal/foundation/audit).
type Decryption struct {
	// Source names it without revealing it: a local file as typed, a URL
	// with its credentials redacted (urls.Redact), or "--set KEY" (the
	// flag and the key) for an encrypted literal.
	Source string
	// Keys are the master keys that unwrapped this source's data key
	// (encrypt.KeyRecord.Unwrapped); set only when Prepare's context
	// carries a KeyRecord (encrypt.RecordKeys), and empty for backends
	// that do not report keys (custom scripts, vals).
	Keys []string
}

// DecryptError is the failure to decrypt one source (a tampered,
// undecryptable or unverifiable file or URL), for the audit trail's
// failure events: Prepare's error holds one per such source (Failed).
type DecryptError struct {
	// Source names the source as Decryption.Source does (a URL redacted).
	Source string
	Err    error
}

// Error is the message Prepare has always given: the source and the cause.
func (e *DecryptError) Error() string {
	return fmt.Sprintf("Error while decrypting file: %s: %v", e.Source, e.Err)
}

// Unwrap returns the cause.
func (e *DecryptError) Unwrap() error { return e.Err }

// Failed lists the sources whose decryption failed in err (an error of
// Prepare), in order.
func Failed(err error) []*DecryptError {
	var out []*DecryptError
	var walk func(error)
	walk = func(err error) {
		if d, ok := err.(*DecryptError); ok {
			out = append(out, d)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			if e := u.Unwrap(); e != nil {
				walk(e)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// Plaintext is one decrypted source, so that its values can be masked in
// what helm prints (internal/helm/redact).
type Plaintext struct {
	// Source names it without revealing it: the file as typed, or
	// "--set KEY" for an encrypted literal.
	Source string
	// Values is true for a -f/--values document (its leaves are the
	// secrets); false for --set-file files and literals, which helm uses
	// whole as one value.
	Values  bool
	Content []byte
}

// Prepare decrypts every encrypted values source in o.Args (-f/--values
// files, --set-file files, encrypted literals in --set, --set-string and
// --set-json), all in parallel, and serves the plaintext through paths
// that never touch the disk. If any source fails, nothing is served and
// the error lists every failure, each naming its source: helm must not be
// started. It prints nothing.
func Prepare(ctx context.Context, o Options) (*Run, error) {
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
		return nil, err
	}
	// One input budget for the run: local files, downloads and literals
	// all draw from it (bounds.Budget).
	if bounds.BudgetFrom(ctx) == nil {
		ctx = bounds.WithBudget(ctx, bounds.NewBudget(bounds.MaxRunInput))
	}
	p := &preparer{o: o}
	if err := p.prepare(ctx, slots); err != nil {
		return nil, err
	}
	r := &Run{o: o, decrypted: p.decrypted, decryptions: slices.Concat(p.literals, p.sources), plaintexts: p.plaintexts}
	if len(p.pipes) > 0 {
		if r.srv, err = delivery.New(); err != nil {
			return nil, err
		}
		for i, pj := range p.pipes {
			path, err := r.srv.Add(i, pj.name, pj.content)
			if err != nil {
				r.Close()
				return nil, err
			}
			*pj.target = path
		}
	}
	r.args = rebuild(o.Args, slots)
	return r, nil
}

// Decrypted lists the files that were decrypted, as typed (without
// prefixes), in argument order: the shell plugin announces each with
// "[helm-secrets] Decrypt: FILE".
func (r *Run) Decrypted() []string { return r.decrypted }

// Decryptions lists every source the run decrypted, each with the keys
// that decrypted it: the encrypted literals (in argument order), then the
// URL sources, then the local files (as Decrypted lists them).
func (r *Run) Decryptions() []Decryption { return r.decryptions }

// Plaintexts are the decrypted sources: the encrypted literals, then the
// decrypted URL sources, then the decrypted files in argument order.
func (r *Run) Plaintexts() []Plaintext { return r.plaintexts }

// SetStreams replaces helm's stdout and stderr (e.g. by filters that mask
// the plaintexts); nil keeps the stream. Call it before Exec.
func (r *Run) SetStreams(stdout, stderr io.Writer) {
	if stdout != nil {
		r.o.Stdout = stdout
	}
	if stderr != nil {
		r.o.Stderr = stderr
	}
}

// Args is the rewritten command line helm gets.
func (r *Run) Args() []string { return r.args }

// Exec runs helm with the rewritten command line and returns its exit code,
// then releases the served plaintext. A non-nil error means helm did not
// run to completion.
func (r *Run) Exec(ctx context.Context) (int, error) {
	defer r.Close()
	return helmrun.Run(ctx, helmrun.Cmd{Helm: r.o.Helm, Args: r.args, Stdin: r.o.Stdin, Stdout: r.o.Stdout, Stderr: r.o.Stderr, Env: r.o.Env})
}

// Close releases the served plaintext; Exec calls it. It is safe to call
// more than once.
func (r *Run) Close() {
	if r.srv != nil {
		r.srv.Close()
		r.srv = nil
	}
}

// pipeJob is plaintext to serve; target receives the served path.
type pipeJob struct {
	name    string
	content []byte
	target  *string
}

type preparer struct {
	o         Options
	pipes     []pipeJob
	decrypted []string // sources to announce, in argument order
	// sources are the decrypted files and URLs, literals the decrypted
	// literals, with their keys (Run.Decryptions).
	sources, literals []Decryption
	// plaintexts are the decrypted sources, for masking helm's output.
	plaintexts []Plaintext
}

type fileJob struct {
	it       *item
	b        backend.Backend
	res      encrypt.Result
	maskOnly bool // decrypted for redaction only, not served (Options.MaskOnly)
}

// remoteJob is a URL source to fetch and decrypt.
type remoteJob struct {
	it       *item
	b        backend.Backend
	data     []byte
	plain    []byte
	enc      bool
	keys     []string // that decrypted it (encrypt.SubRecord)
	err      error
	maskOnly bool // decrypted for redaction only, not served (Options.MaskOnly)
}

// prepare resolves every source; it fails with all errors at once.
func (p *preparer) prepare(ctx context.Context, slots []*slot) error {
	var errs []error
	var jobs []*fileJob
	var remotes []*remoteJob
	for _, s := range slots {
		switch s.Kind {
		case helmargs.Values, helmargs.SetFile:
			maskOnly := p.o.MaskOnly && s.Kind == helmargs.Values
			s.Drop = maskOnly
			for _, it := range s.Items {
				if it.Path == "" || isRemote(it.Path) {
					if it.Path != "" && p.o.Remote != nil && p.o.Remote.Handles(it.Path) {
						b, err := p.backendOf(it)
						if err != nil {
							errs = append(errs, err)
							continue
						}
						remotes = append(remotes, &remoteJob{it: it, b: b, maskOnly: maskOnly})
					} else if it.Path != "" && maskOnly {
						// Helm would read it; helm does not get it here.
						errs = append(errs, fmt.Errorf("%s: only a local file or a URL the wrapper fetches can name the secrets to mask", urls.Redact(it.Path)))
					}
					continue
				}
				j, err := p.resolve(it, maskOnly)
				if err != nil {
					errs = append(errs, err)
				} else if j != nil {
					jobs = append(jobs, j)
				}
			}
		default:
			if err := p.moveLiterals(ctx, s); err != nil {
				errs = append(errs, err)
			}
		}
	}
	readAll(ctx, jobs)
	p.fetchAll(ctx, remotes)
	for _, j := range remotes {
		shown := urls.Redact(j.it.Path)
		var fe *fetch.Error
		switch {
		case errors.As(j.err, &fe) && (j.it.Optional || p.o.IgnoreMissing) && strings.Contains(fe.Reason, "HTTP status 404"):
			// Missing, and allowed to be: an empty values file, as for
			// a missing local one.
			if !j.maskOnly {
				p.pipes = append(p.pipes, pipeJob{name: remoteName(j.it.Path), target: &j.it.Replacement})
			}
		case j.err != nil && errors.Is(j.err, fetch.ErrFetch):
			errs = append(errs, fmt.Errorf("Error while download url %w", j.err))
		case j.err != nil:
			errs = append(errs, &DecryptError{Source: shown, Err: j.err})
		default:
			content := j.data
			if j.enc {
				content = j.plain
				p.decrypted = append(p.decrypted, shown)
				p.sources = append(p.sources, Decryption{Source: shown, Keys: j.keys})
				// Masked in helm's output like a local file's values.
				p.plaintexts = append(p.plaintexts, Plaintext{Source: shown, Values: j.it.Key == "", Content: j.plain})
			}
			// Served even when plain: helm gets the bytes we checked,
			// not a second download.
			if !j.maskOnly {
				p.pipes = append(p.pipes, pipeJob{name: remoteName(j.it.Path), content: content, target: &j.it.Replacement})
			}
		}
	}
	for _, j := range jobs {
		switch {
		case j.res.Err != nil:
			errs = append(errs, &DecryptError{Source: j.it.Path, Err: unwrapOnce(j.res.Err)})
		case j.res.Encrypted:
			if !j.maskOnly {
				p.pipes = append(p.pipes, pipeJob{name: j.it.Path, content: j.res.Plaintext, target: &j.it.Replacement})
			}
			p.decrypted = append(p.decrypted, j.it.Path)
			p.sources = append(p.sources, Decryption{Source: j.it.Path, Keys: j.res.Keys})
			p.plaintexts = append(p.plaintexts, Plaintext{Source: j.it.Path, Values: j.it.Key == "", Content: j.res.Plaintext})
		}
	}
	return errors.Join(errs...)
}

// moveLiterals takes the encrypted literals out of a --set style slot and
// serves their plaintext through --set-file paths.
func (p *preparer) moveLiterals(ctx context.Context, s *slot) error {
	def, err := p.o.Backends.Get(p.o.DefaultBackend)
	if err != nil {
		return err
	}
	kind := literalKind(s.Kind)
	if err := bounds.BudgetFrom(ctx).Take(int64(len(s.Value))); err != nil {
		return fmt.Errorf("%s: %w", kind.Flag(), err)
	}
	// The decrypted literals, for the audit trail: Extract calls dec one
	// literal at a time and keeps exactly those dec decrypted, so these
	// are recorded only once the whole value was extracted.
	var done []Decryption
	// Each literal may name its backend (key=NAME!value), as files do.
	dec := func(ctx context.Context, key, value string) ([]byte, error) {
		b := def
		name, rest := backend.SplitPrefix(value)
		if name != "" {
			if b, err = p.o.Backends.GetReferenced(name, p.o.DefaultBackend); err != nil {
				return nil, err
			}
		}
		ctx, rec := encrypt.SubRecord(ctx)
		plain, err := b.DecryptLiteral(ctx, kind.Flag(), rest)
		if name != "" && errors.Is(err, encrypt.ErrNotEncrypted) {
			return []byte(rest), nil // NAME!plain: the shell plugin passes on plain
		}
		if err == nil && key != "" {
			done = append(done, Decryption{Source: kind.Flag() + " " + key, Keys: rec.Unwrapped()})
		}
		return plain, err
	}
	// Whether a literal inside a {list} or JSON object would be decrypted:
	// asked without decrypting or evaluating it (the run stops then).
	isLiteral := func(ctx context.Context, value string) (bool, error) {
		name, rest := backend.SplitPrefix(value)
		if name != "" {
			return true, nil // NAME! is never left as it is
		}
		return def.IsLiteral(ctx, rest)
	}
	rest, moved, err := parser.Extract(ctx, kind, s.Value, isLiteral, dec)
	if err != nil {
		// The shell plugin names no key here (its message is the value's):
		// the key is left out, so helm's own output stays the only place
		// "KEY: " appears.
		var le *literals.KeyError
		if errors.As(err, &le) {
			err = le.Err
		}
		return fmt.Errorf("Unable to decrypt literal value in %s: %w", kind.Flag(), err)
	}
	p.literals = append(p.literals, done...)
	if len(moved) > 0 {
		s.Value = rest
		for _, m := range moved {
			it := &item{Key: m.Key}
			s.Items = append(s.Items, it)
			p.pipes = append(p.pipes, pipeJob{name: "literal-" + m.Key, content: m.Plain, target: &it.Replacement})
			p.plaintexts = append(p.plaintexts, Plaintext{Source: kind.Flag() + " " + m.Key, Content: m.Plain})
		}
	}
	return nil
}

// resolve checks one local file source: policy, existence, backend. It
// returns a job when the file must be read and possibly decrypted.
// maskOnly: the file is decrypted for redaction only (Options.MaskOnly).
func (p *preparer) resolve(it *item, maskOnly bool) (*fileJob, error) {
	if err := p.o.Paths.Check(it.Path); err != nil {
		return nil, err
	}
	st, err := os.Stat(it.Path)
	if errors.Is(err, fs.ErrNotExist) {
		if it.Optional || p.o.IgnoreMissing {
			if !maskOnly {
				p.pipes = append(p.pipes, pipeJob{name: it.Path, target: &it.Replacement})
			}
			return nil, nil
		}
		return nil, fmt.Errorf("File does not exist: %s", it.Path)
	}
	if maskOnly && err != nil {
		return nil, err // helm never sees it, so it cannot report it
	}
	if maskOnly && st.IsDir() {
		return nil, fmt.Errorf("Not a file: %s", it.Path)
	}
	if err != nil || st.IsDir() {
		return nil, nil // helm reports it in its own words
	}
	b, err := p.backendOf(it)
	if err != nil {
		return nil, err
	}
	return &fileJob{it: it, b: b, maskOnly: maskOnly}, nil
}

// backendOf is the backend of a source: its NAME! prefix, else the default.
func (p *preparer) backendOf(it *item) (backend.Backend, error) {
	if it.Backend != "" {
		return p.o.Backends.GetReferenced(it.Backend, p.o.DefaultBackend)
	}
	return p.o.Backends.Get(p.o.DefaultBackend)
}

// fetchAll fetches the URL sources concurrently and decrypts what is
// encrypted, in memory. A plain document is kept as fetched; with a
// backend that uses files as they are (noop), every document is plain.
func (p *preparer) fetchAll(ctx context.Context, jobs []*remoteJob) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.data, j.err = p.o.Remote.Fetch(ctx, j.it.Path)
			if j.err != nil || (j.b.Engine() == nil && !backend.IsVals(j.b)) {
				return
			}
			ctx, rec := encrypt.SubRecord(ctx)
			plain, err := j.b.Decrypt(ctx, j.data, encrypt.DetectFormat(urls.Base(j.it.Path), j.data))
			j.keys = rec.Unwrapped()
			switch {
			case errors.Is(err, encrypt.ErrNotEncrypted):
			case err != nil:
				j.err = err
			default:
				j.plain, j.enc = plain, true
			}
		}()
	}
	wg.Wait()
}

// remoteName is the served name of a URL source: the last element of its
// path (never its host or user info).
func remoteName(src string) string {
	if b := urls.Base(src); b != "" && b != "/" && b != "." {
		return b
	}
	return "remote-values.yaml"
}

// readAll reads and decrypts the jobs' files concurrently, one ReadFiles
// call per backend; a file named twice is read once.
func readAll(ctx context.Context, jobs []*fileJob) {
	byBackend := map[string][]*fileJob{}
	var order []string
	for _, j := range jobs {
		n := j.b.Name()
		if _, ok := byBackend[n]; !ok {
			order = append(order, n)
		}
		byBackend[n] = append(byBackend[n], j)
	}
	for _, n := range order {
		js := byBackend[n]
		paths := make([]string, len(js))
		for i, j := range js {
			paths[i] = j.it.Path
		}
		for i, r := range js[0].b.ReadFiles(ctx, paths) {
			js[i].res = r
		}
	}
}

// unwrapOnce drops the engine's "decrypt PATH: " prefix when our own
// message names the file.
func unwrapOnce(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}
