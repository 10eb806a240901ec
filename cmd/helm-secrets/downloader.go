package main

import (
	"context"
	"os"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/helm-secrets/helm-secrets/internal/hardening/lifecycle"
	"github.com/helm-secrets/helm-secrets/internal/remote/getter"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// runDownloader is Helm's downloader protocol: `helm-secrets downloader
// CERT KEY CA URL`. Only URL is used (Helm passes empty TLS arguments for
// -f and --set-file). The plaintext goes to stdout and nothing else does;
// messages go to stderr; any failure exits 1.
func (a *app) runDownloader(ctx context.Context, args []string) error {
	if len(args) < 4 {
		return a.errorf("downloader: expected 4 arguments: CERT_FILE KEY_FILE CA_FILE URL")
	}
	rawURL := args[3]
	o := pluginenv.Getter()
	o.Engine = a.engine
	o.Vals = a.backends.Vals
	o.DefaultBackend = a.opts.backend
	o.Scripts = a.backends.Scripts
	o.IgnoreMissing = a.opts.ignoreMissing
	// A gpg-import's private GNUPGHOME is guarded by a copy of this binary.
	o.GuardExecutable = os.Executable
	if a.debug {
		encrypt.SetSopsLog(a.streams.Stderr)
	}
	a.debugf("downloader: %s", schemeOf(rawURL))
	// SIGTERM, SIGINT, SIGHUP cancel the fetch instead of killing us, so
	// a gpg-import removes its private GNUPGHOME (and agent) on the way out;
	// work that does not stop with the context (a huge input) is ended
	// lifecycle.Grace later, and the guard removes the home.
	ctx, stop := lifecycle.NotifyContext(ctx, guardedSignals...)
	defer stop()
	ctx, rec := a.keyRecord(ctx)
	plain, err := getter.Fetch(ctx, rawURL, o)
	// The event names the URL; a local file's work tree gives its commit.
	if aerr := a.record("decrypt", "getter", urls.Redact(rawURL), getter.LocalPath(rawURL), rec.Unwrapped(), err); aerr != nil {
		return aerr
	}
	if err != nil {
		return a.errorf("%v", err)
	}
	_, err = a.streams.Stdout.Write(plain)
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
