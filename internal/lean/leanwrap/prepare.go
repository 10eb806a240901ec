package leanwrap

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/parallel"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmargs"
	"github.com/helm-secrets/helm-secrets/internal/lean/delivery"
	"github.com/helm-secrets/helm-secrets/internal/lean/fastpath"
	"github.com/helm-secrets/helm-secrets/internal/lean/sopslite"
)

// Commands are the helm commands the fast path runs: the ones that render
// or install a chart with values and whose output the full wrapper does
// not redact by default.
var Commands = []string{"install", "upgrade", "template"}

// Run is a prepared helm command: its decrypted files are served, and
// Args is helm's command line. Close releases the served plaintext.
type Run struct {
	// Args are helm's arguments, the values files replaced by the paths
	// that serve their plaintext.
	Args []string
	// Decrypted lists the decrypted files as typed, in argument order
	// (the wrapper prints "[helm-secrets] Decrypt: FILE" for each).
	Decrypted []string
	srv       *delivery.Server
}

// Close releases the served plaintext. It is safe to call more than once.
func (r *Run) Close() {
	if r.srv != nil {
		r.srv.Close()
		r.srv = nil
	}
}

// Prepare prepares `helm secrets ARGS` (args as given to the plugin: the
// helm command first) when the fast path gives exactly what the full
// wrapper gives. It reports false, having served nothing, otherwise.
func Prepare(args []string) (*Run, bool) {
	if !accepts(args) || !fastpath.Allows(fastpath.Wrapper, os.Environ()) {
		return nil, false
	}
	slots, err := helmargs.Find(args, nil)
	if err != nil {
		return nil, false
	}
	p := preparer{paths: pathpolicy.FromEnv()}
	for _, s := range slots {
		if !p.slot(s) {
			return nil, false
		}
	}
	if !p.readAll() {
		return nil, false
	}
	enc := p.encrypted()
	if !decryptAll(enc) {
		return nil, false
	}
	r := &Run{}
	for _, f := range enc {
		r.Decrypted = append(r.Decrypted, f.it.Path)
	}
	if len(enc) > 0 {
		if r.srv, err = delivery.New(); err != nil {
			return nil, false
		}
		if !serveAll(r.srv, enc) {
			r.Close()
			return nil, false
		}
	}
	r.Args = helmargs.Rebuild(args, slots)
	return r, true
}

// accepts reports whether the command line is one the fast path may run:
// one of Commands with arguments (no global options before it, no help),
// and nothing that makes the full wrapper redact helm's output by default
// (helmargs.PrintsValues: --debug, --dry-run; HELM_DEBUG is in
// fastpath.Wrapper).
func accepts(args []string) bool {
	if len(args) < 2 || !slices.Contains(Commands, args[0]) {
		return false
	}
	switch args[1] {
	case "-h", "--help", "help":
		return false
	}
	return !helmargs.PrintsValues(args[1:])
}

// file is one -f file the fast path takes.
type file struct {
	it        *helmargs.Item
	content   []byte // as read; the plaintext once decrypted
	encrypted bool
}

type preparer struct {
	paths  pathpolicy.Policy
	stores map[string]bool // fastpath.StoresConfigured by directory
	files  []*file
}

// slot handles one values source; false declines the command line.
func (p *preparer) slot(s *helmargs.Slot) bool {
	switch s.Kind {
	case helmargs.Values:
		for _, it := range s.Items {
			if !p.file(it) {
				return false
			}
		}
		return true
	case helmargs.Set, helmargs.SetString, helmargs.SetJSON:
		return plainLiterals(s.Value)
	}
	return false // --set-file: helm's own parser splits it (the full wrapper's)
}

// plainLiterals reports whether no part of a --set style value can be an
// encrypted literal or a backend prefix: without "sops", "ref+", "!" and
// backslash escapes (which could spell either), the full wrapper leaves
// the value as it is.
func plainLiterals(v string) bool {
	return !strings.ContainsAny(v, `!\`) && !strings.Contains(v, "sops") && !strings.Contains(v, "ref+")
}

// file checks one -f file by its name (readAll reads it); false declines.
func (p *preparer) file(it *helmargs.Item) bool {
	path := it.Path
	// "?" (ignore missing), NAME! (backend), URLs and stdin are the full
	// wrapper's.
	if it.Optional || it.Backend != "" || strings.Contains(it.Typed, "!") || path == "" || path == "-" || strings.Contains(path, "://") {
		return false
	}
	if !fastpath.IsYAMLPath(path) && !strings.HasSuffix(strings.ToLower(path), ".json") {
		return false
	}
	if p.paths.Check(path) != nil || p.storesConfigured(path) {
		return false
	}
	p.files = append(p.files, &file{it: it})
	return true
}

// readAll reads the files concurrently and tells the plain ones (left as
// they are: helm reads them itself, as with the full wrapper) from the
// encrypted ones; false declines: a file missing, a directory, not
// regular (the full wrapper's words), over the total cap, or encrypted
// but not YAML. Above 4 MiB in all it sets the process's GC pacing
// (fastpath.PaceGC): this package runs in the lean wrapper's process only.
func (p *preparer) readAll() bool {
	var failed atomic.Bool
	budget := bounds.NewBudget(fastpath.MaxTotalInputSize) // the run's: the fast path takes no download
	parallel.Do(len(p.files), runtime.GOMAXPROCS(0), func(i int) {
		if failed.Load() {
			return
		}
		f := p.files[i]
		data, ok := fastpath.ReadFile(f.it.Path)
		if !ok || budget.Take(int64(len(data))) != nil {
			failed.Store(true)
			return
		}
		if plainDocument(data) {
			return
		}
		if !fastpath.IsYAMLPath(f.it.Path) || bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
			failed.Store(true) // JSON content is decrypted as JSON: the engine's
			return
		}
		f.content, f.encrypted = data, true
	})
	fastpath.PaceGC(budget.Limit() - budget.Left())
	return !failed.Load()
}

// storesConfigured is fastpath.StoresConfigured, looked up once per
// directory: the .sops.yaml that applies depends only on it (and on the
// working directory, the same for the whole run).
func (p *preparer) storesConfigured(path string) bool {
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(path); err == nil {
		dir = filepath.Dir(abs)
	}
	has, seen := p.stores[dir]
	if !seen {
		if p.stores == nil {
			p.stores = map[string]bool{}
		}
		has = fastpath.StoresConfigured(path)
		p.stores[dir] = has
	}
	return has
}

// decryptAll decrypts the encrypted files concurrently (one call per
// CPU at once), each content becoming its plaintext; false if any fails.
func decryptAll(enc []*file) bool {
	if len(enc) == 0 {
		return true
	}
	ids := sopslite.EnvIdentities()
	if len(ids) == 0 {
		return false
	}
	var failed atomic.Bool
	parallel.Do(len(enc), runtime.GOMAXPROCS(0), func(i int) {
		if failed.Load() {
			return
		}
		// The input is dropped as the decryption starts: only the
		// plaintext is kept (large files: the peak memory is the YAML
		// trees, not both texts).
		data := enc[i].content
		enc[i].content = nil
		plain, ok := fastpath.DecryptYAMLChecked(data, ids)
		if !ok {
			failed.Store(true)
			return
		}
		enc[i].content = plain
	})
	return !failed.Load()
}

// serveAll serves the decrypted files enc on srv, numbered in argument order
// as the full wrapper numbers them, and points their arguments at the
// served paths; false if any cannot be served. (One after the other:
// serving them concurrently was not faster, the kernel work being on one
// directory and one memory map.)
func serveAll(srv *delivery.Server, enc []*file) bool {
	for n, f := range enc {
		path, err := srv.Add(n, f.it.Path, f.content)
		if err != nil {
			return false
		}
		f.it.Replacement = path
	}
	return true
}

// encrypted returns the encrypted files, in argument order.
func (p *preparer) encrypted() []*file {
	var enc []*file
	for _, f := range p.files {
		if f.encrypted {
			enc = append(enc, f)
		}
	}
	return enc
}

// plainDocument reports whether the engine certainly finds no SOPS
// metadata in data, whatever its format: it holds neither "sops" nor
// sops' ciphertext marker, nor a backslash (an escape in a quoted key
// could spell "sops"), nor a NUL byte or a UTF-16/32 byte order mark
// (helm and the engine read UTF-16 and UTF-32, in which "sops" is not
// these bytes).
func plainDocument(data []byte) bool {
	return !bytes.Contains(data, []byte("sops")) && !bytes.Contains(data, []byte("ENC[")) && !bytes.ContainsRune(data, '\\') &&
		bytes.IndexByte(data, 0) < 0 && !bytes.HasPrefix(data, []byte{0xFE, 0xFF}) && !bytes.HasPrefix(data, []byte{0xFF, 0xFE})
}
