// Package downloader is Helm's downloader protocol for the secrets://
// family of URLs: `helm-secrets downloader CERT KEY CA URL` prints the
// decrypted values on stdout and nothing else (internal/remote/getter
// fetches and decrypts).
package downloader

import (
	"context"
	"os"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/helm-secrets/helm-secrets/internal/hardening/lifecycle"
	"github.com/helm-secrets/helm-secrets/internal/remote/getter"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Options are the downloader's arguments and the global options it uses.
type Options struct {
	Factory        *cmdutil.Factory
	Args           []string // CERT_FILE KEY_FILE CA_FILE URL (only URL is used)
	DefaultBackend string   // -b / HELM_SECRETS_BACKEND
	IgnoreMissing  bool     // --ignore-missing-values
	// Signals cancel the fetch instead of killing the process, so a
	// gpg-import removes its private GNUPGHOME on the way out.
	Signals []os.Signal
}

// Run fetches and decrypts the URL. Only URL is used (Helm passes empty
// TLS arguments for -f and --set-file). The plaintext goes to stdout and
// nothing else does; messages go to stderr; any failure exits 1.
func Run(ctx context.Context, o *Options) error {
	f := o.Factory
	if len(o.Args) < 4 {
		return f.Errorf("downloader: expected 4 arguments: CERT_FILE KEY_FILE CA_FILE URL")
	}
	rawURL := o.Args[3]
	g := pluginenv.Getter()
	g.Engine = f.Engine
	g.Vals = f.Backends.Vals
	g.DefaultBackend = o.DefaultBackend
	g.Scripts = f.Backends.Scripts
	g.IgnoreMissing = o.IgnoreMissing
	// A gpg-import's private GNUPGHOME is guarded by a copy of this binary.
	g.GuardExecutable = os.Executable
	if f.Debug {
		encrypt.SetSopsLog(f.IO.ErrOut)
	}
	f.Debugf("downloader: %s", schemeOf(rawURL))
	// Work that does not stop with the context (a huge input) is ended
	// lifecycle.Grace later, and the guard removes the home.
	ctx, stop := lifecycle.NotifyContext(ctx, o.Signals...)
	defer stop()
	ctx, rec := f.KeyRecord(ctx)
	plain, err := getter.Fetch(ctx, rawURL, g)
	// The event names the URL; a local file's work tree gives its commit.
	if aerr := f.Record("decrypt", "getter", urls.Redact(rawURL), getter.LocalPath(rawURL), rec.Unwrapped(), err); aerr != nil {
		return aerr
	}
	if err != nil {
		return f.Errorf("%v", err)
	}
	_, err = f.IO.Out.Write(plain)
	return err
}

// schemeOf is the scheme part of a URL, for debug lines (never the rest,
// which may hold a literal).
func schemeOf(u string) string {
	if s, _, ok := strings.Cut(u, "://"); ok {
		return s + "://"
	}
	return "(no scheme)"
}
