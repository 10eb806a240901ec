// Package helmwrap is the wrapper command, `helm secrets <helm command>`,
// as Options + Run: it decrypts every secret source of a helm command line
// (internal/helm/wrapper) before helm starts, masks decrypted values in
// helm's output (--redact; for commands that print stored releases also
// the values stored at the secret key paths, internal/helm/released, the
// -f files of those that take none naming the secrets to mask and left
// out of helm's command line), adds our post-renderer for
// --evaluate-templates and for the placement check of install and upgrade,
// checks template's output for --check-placement, and records each
// decryption in the audit trail. Helm's exit code, stdout and stderr pass
// through (masked when redacting).
package helmwrap

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	placementcmd "github.com/helm-secrets/helm-secrets/internal/cmd/placement"
	"github.com/helm-secrets/helm-secrets/internal/cmd/postrender"
	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmargs"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmrun"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/helm/released"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/internal/remote/fetch"
	"github.com/helm-secrets/helm-secrets/internal/remote/getter"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Options configure one run of the wrapper.
type Options struct {
	*cmdutil.Factory
	Command string   // helm's command (template, upgrade, ...)
	Args    []string // its arguments, verbatim

	DefaultBackend string // -b / HELM_SECRETS_BACKEND
	IgnoreMissing  bool   // --ignore-missing-values
	// Redact masks decrypted values in helm's output; RedactSet says
	// whether --redact or HELM_SECRETS_REDACT chose (else: the command's
	// default, RedactByDefault); RedactStderrOnly masks helm's stderr
	// only (--redact=stderr).
	Redact, RedactSet, RedactStderrOnly bool
	// EvaluateTemplates adds our post-renderer to evaluate ref+
	// expressions in the manifests (vals backend only);
	// EvaluateTemplatesDecodeSecrets decodes Secrets' base64 values first.
	EvaluateTemplates, EvaluateTemplatesDecodeSecrets bool
	// CheckPlacement is --check-placement: "" off, "warn" or "error".
	CheckPlacement string
	// WarnValsAll prints the HELM_SECRETS_VALS_PROVIDERS=all warning
	// (once per process); nil: none.
	WarnValsAll func(msg string)
	// Wrap prepares and runs helm (nil: wrapper.Prepare and Exec); tests
	// replace it to inspect the options.
	Wrap WrapFunc
}

// Prepared is what the wrapper has done before helm starts.
type Prepared struct {
	Decrypted []string // files decrypted, as typed
	// Decryptions are every decrypted source (files, URLs, literals)
	// with the keys that decrypted it, for the audit trail.
	Decryptions []wrapper.Decryption
	Args        []string // helm's rewritten arguments
	Plaintexts  []wrapper.Plaintext
}

// PreparedFunc is told about a prepared run and returns the streams helm
// writes to (nil: the options' own).
type PreparedFunc func(Prepared) (stdout, stderr io.Writer)

// WrapFunc decrypts a helm command's secrets, hands what it did to
// prepared and runs helm with the streams prepared returns, returning
// helm's exit code.
type WrapFunc func(ctx context.Context, o wrapper.Options, prepared PreparedFunc) (int, error)

// wrap is the real WrapFunc: every secret is decrypted before helm starts
// (any failure is returned and helm never runs).
func wrap(ctx context.Context, o wrapper.Options, prepared PreparedFunc) (int, error) {
	run, err := wrapper.Prepare(ctx, o)
	if err != nil {
		return 1, err
	}
	run.SetStreams(prepared(Prepared{Decrypted: run.Decrypted(), Decryptions: run.Decryptions(), Args: run.Args(), Plaintexts: run.Plaintexts()}))
	// Signals while helm runs are the wrapper's business: it passes them
	// on to helm and releases the plaintext after it.
	return run.Exec(ctx)
}

// Run runs `helm <Command> <Args>` through the wrapper. A command with
// no arguments, or with help as its first one, prints the wrapper usage.
// Helm's non-zero exit code is returned as a *cmdutil.ExitError; our
// failures are printed and returned as cmdutil.ErrReported.
func Run(ctx context.Context, o *Options) (err error) {
	command, args := o.Command, o.Args
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		_, err := o.IO.Out.Write([]byte(UsageFor(command)))
		return err
	}
	wrapFn := o.Wrap
	if wrapFn == nil {
		wrapFn = wrap
	}
	// --check-placement: template's stdout is checked as helm prints it;
	// install's and upgrade's manifests by our post-renderer, before helm
	// sends them to the cluster. The exception file is read before helm
	// starts: a broken one stops the run.
	var check *placementcmd.Check
	if mode := o.CheckPlacement; mode != "" {
		switch command {
		case "template", "install", "upgrade":
			if check, err = placementcmd.NewCheck(mode, command != "template"); err != nil {
				return o.Errorf("%v", err)
			}
		default:
			o.Debugf("--check-placement checks template, install and upgrade only; not %s", command)
		}
	}
	helm := helmrun.Binary()
	var relay *postrender.RelayLog
	printRelayed := func() {
		relay.Print(o.IO.ErrOut)
		relay = nil
	}
	helmArgs, err := o.postRendererArgs(ctx, helm, append([]string{command}, args...), check != nil && check.PostRender(), &relay)
	defer printRelayed()
	if err != nil {
		return o.Errorf("%v", err)
	}
	// diff revision/rollback/release and get values/all take no values
	// files and print stored releases: their -f files name the secrets
	// to mask there, and helm does not get them.
	sub, maskOnly := released.MaskOnly(helmArgs)
	opts := wrapper.Options{
		Helm:           helm,
		Args:           helmArgs,
		Backends:       *o.Backends,
		DefaultBackend: o.DefaultBackend,
		IgnoreMissing:  o.IgnoreMissing,
		Paths:          pathpolicy.FromEnv(),
		Stdin:          o.IO.In,
		Stdout:         o.IO.Out,
		Stderr:         o.IO.ErrOut,
		Remote:         o.remoteFetcher(ctx, helm),
		MaskOnly:       maskOnly,
	}
	o.Debugf("running %s %s", opts.Helm, strings.Join(redactArgs(opts.Args), " "))

	redacting := o.Redact
	if !o.RedactSet {
		redacting = RedactByDefault(opts.Args, os.Getenv("HELM_DEBUG") == "1" || os.Getenv("HELM_DEBUG") == "true")
	}
	if maskOnly {
		o.maskOnlyNotice(sub, opts.Args)
	}
	var filters []*redact.Writer
	// With --evaluate-templates, the post-renderer hands the values it
	// evaluates to this set before helm prints them (postrender.ServeEvaluated).
	var set *redact.Set
	if redacting && o.EvaluateTemplates {
		set = redact.Compile(nil)
		stop, err := postrender.ServeEvaluated(set)
		if err != nil {
			return o.Errorf("--evaluate-templates with redaction: %v", err)
		}
		defer stop()
	}
	if check != nil && check.PostRender() {
		// Our post-renderer hands the manifests to the check before helm
		// gets them; a finding in error mode stops helm there.
		stop, err := postrender.ServePlacement(check.PostRendered)
		if err != nil {
			return o.Errorf("--check-placement: %v", err)
		}
		defer stop()
	}
	// With the audit trail on, each source's keys are noted
	// (wrapper.Decryption.Keys).
	ctx, _ = o.KeyRecord(ctx)
	code, err := wrapFn(ctx, opts, func(p Prepared) (io.Writer, io.Writer) {
		for _, f := range p.Decrypted {
			o.Infof("Decrypt: %s", f) // remote sources come redacted (urls.Redact)
		}
		for _, d := range p.Decryptions {
			// One event per source (file, URL, literal), naming the
			// keys that decrypted it. A failure is reported; helm is
			// already prepared.
			_ = o.Record("decrypt", "wrapper", d.Source, audit.Local(d.Source), d.Keys, nil)
		}
		o.Debugf("helm gets %s", strings.Join(redactArgs(p.Args), " "))
		if check != nil {
			check.SetSecrets(RedactSecrets(p.Plaintexts, ReadSource))
		}
		// diff upgrade also prints the release in the cluster, and the
		// mask-only commands print only stored releases: their stored
		// values at the key paths that are secret now are masked too.
		var stored func(secrets []redact.Secret) []redact.Secret
		if redacting {
			stored = func(secrets []redact.Secret) []redact.Secret {
				return released.Secrets(ctx, helm, append([]string{command}, args...), released.KeyPaths(secrets, sourcesOf(p.Plaintexts)))
			}
		}
		stdout, stderr := o.redactStreams(redacting, p.Plaintexts, set, &filters, stored)
		if check == nil || check.PostRender() || !check.HasSecrets() {
			return stdout, stderr
		}
		// helm's stdout as it is, before redaction, to the check.
		if stdout == nil {
			stdout = o.IO.Out
		}
		tee := check.Tee(stdout)
		if (stderr != nil && sameWriter(stdout, stderr)) || (stderr == nil && sameWriter(o.IO.Out, o.IO.ErrOut)) {
			// One writer: both streams through the one tee, never
			// concurrently (helm's messages are checked too).
			return tee, tee
		}
		return tee, stderr
	})
	for _, f := range filters {
		_ = f.Close() // flush what was held back; helm's exit code stays ours
	}
	if err != nil {
		// A source that failed to decrypt (tampered, no key) gets its
		// failure event: the attempt is on record, helm never ran.
		for _, d := range wrapper.Failed(err) {
			_ = o.Record("decrypt", "wrapper", d.Source, audit.Local(d.Source), nil, d.Err)
		}
		return o.Errorf("%v", err)
	}
	o.Debugf("helm exited with status %d", code)
	if check != nil && check.PostRender() {
		// The findings of the post-render, also when they stopped helm;
		// helm's exit code stays ours.
		printRelayed()
		if ferr := check.Finish(o.IO.ErrOut, o.Quiet, code != 0); ferr != nil {
			reported := o.Errorf("%v", ferr)
			if code == 0 {
				return reported
			}
		}
	}
	if code != 0 {
		return &cmdutil.ExitError{Code: code}
	}
	if check != nil && !check.PostRender() {
		if ferr := check.Finish(o.IO.ErrOut, o.Quiet, false); ferr != nil {
			return o.Errorf("%v", ferr)
		}
	}
	return nil
}

// maskOnlyNotice tells, for a mask-only command (sub: "diff revision",
// ...; args: helm's command line), what happens to its -f files; and,
// when redaction was asked for explicitly but no -f file names a secret,
// that the stored releases are printed as they are (one notice, not with
// -q or in Argo CD mode).
func (o *Options) maskOnlyNotice(sub string, args []string) {
	slots, err := helmargs.Find(args, nil)
	if err != nil {
		return // the wrapper reports it
	}
	for _, s := range slots {
		if s.Kind == helmargs.Values {
			o.Debugf("%s: the -f files name the secrets to mask; helm does not get them", sub)
			return
		}
	}
	if o.RedactSet && o.Redact && !o.RedactStderrOnly && !o.silent() {
		o.Infof("%s: the stored releases are printed unmasked; -f FILE names the secrets to mask", sub)
	}
}

// silent reports whether our notices are left out: with -q (or
// HELM_SECRETS_QUIET) and in Argo CD mode (ARGOCD_APP_NAME set, even with
// HELM_SECRETS_QUIET=false), where helm's output must stay exactly its own.
func (o *Options) silent() bool {
	return o.Quiet || settings.Load().ArgoCD
}

// redactStreams returns the streams helm writes to when redacting (nil,
// nil: the options' own), adding its filters to filters. set, when not
// nil, already holds (or will receive) the values the post-renderer
// evaluates; the decrypted plaintexts are added to it.
// stored, when not nil, gives more secrets to mask from the decrypted
// ones (the values a release stored, internal/helm/released).
func (o *Options) redactStreams(redacting bool, plaintexts []wrapper.Plaintext, set *redact.Set, filters *[]*redact.Writer, stored func([]redact.Secret) []redact.Secret) (io.Writer, io.Writer) {
	if !redacting || (len(plaintexts) == 0 && set == nil) {
		return nil, nil
	}
	if set == nil {
		set = redact.Compile(nil)
	}
	secrets := RedactSecrets(plaintexts, ReadSource)
	set.Add(secrets)
	if stored != nil {
		if more := stored(secrets); len(more) > 0 {
			o.Debugf("also redacting %d value(s) the release stored", len(more))
			set.Add(more)
		}
	}
	if sk := set.Skipped(); len(sk) > 0 && !o.silent() {
		// Names, never values. Not in Argo CD mode or with -q: then we
		// add nothing to helm's output (the debug line still names them).
		fmt.Fprintf(o.IO.ErrOut, "%sNot redacted (shorter than %d bytes or too common): %s\n", cmdutil.Prefix, redact.MinLen, strings.Join(sk, ", "))
	} else if len(sk) > 0 {
		o.Debugf("not redacted (shorter than %d bytes or too common): %s", redact.MinLen, strings.Join(sk, ", "))
	}
	o.Debugf("redacting helm's output")
	stderr := redact.NewWriter(o.IO.ErrOut, set)
	*filters = append(*filters, stderr)
	if o.RedactStderrOnly {
		return nil, stderr
	}
	if sameWriter(o.IO.Out, o.IO.ErrOut) {
		// One writer, one filter: exec then copies both streams
		// through one pipe, never concurrently.
		return stderr, stderr
	}
	stdout := redact.NewWriter(o.IO.Out, set)
	*filters = append(*filters, stdout)
	return stdout, stderr
}

// sameWriter reports whether a and b are the same comparable writer.
func sameWriter(a, b io.Writer) bool {
	if a == nil || b == nil || reflect.TypeOf(a) != reflect.TypeOf(b) || !reflect.TypeOf(a).Comparable() {
		return false
	}
	return a == b
}

// redactArgs hides, for debug output, the values of flags that may carry
// secrets and the user:password part of every URL (helmargs.RedactArgs,
// URLs through urls.Redact, the one credential redactor).
func redactArgs(args []string) []string { return helmargs.RedactArgs(args, urls.Redact) }

// remoteFetcher fetches the wrapper's URL sources as helm would: http(s)
// itself, other schemes with the getter plugins in HELM_PLUGINS (helm sets
// it for plugins; otherwise `helm env HELM_PLUGINS` is asked, once, when
// such a scheme shows up). Our own secrets:// protocols are left to helm,
// which runs our getter for them.
func (o *Options) remoteFetcher(ctx context.Context, helm string) *fetch.Fetcher {
	return &fetch.Fetcher{
		PluginDirs:     filepath.SplitList(os.Getenv("HELM_PLUGINS")),
		FindPluginDirs: func() []string { return o.helmPluginDirs(ctx, helm) },
		Skip:           func(scheme string) bool { return slices.Contains(getter.Schemes, scheme) },
		Limit:          encrypt.DefaultMaxInputSize,
		Stderr:         o.IO.ErrOut,
	}
}

// sourcesOf names the decrypted values files, as RedactSecrets names
// their secrets (source:key.path).
func sourcesOf(pts []wrapper.Plaintext) []string {
	var out []string
	for _, p := range pts {
		if p.Values {
			out = append(out, p.Source)
		}
	}
	return out
}

// ReadSource reads an encrypted values file again, bounded, to tell its
// public leaves from its secret ones (RedactSecrets).
func ReadSource(path string) ([]byte, error) {
	return bounds.ReadFile(path, encrypt.DefaultMaxInputSize)
}
