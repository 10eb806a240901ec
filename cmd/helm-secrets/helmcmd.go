package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	placementcmd "github.com/helm-secrets/helm-secrets/internal/cmd/placement"
	"github.com/helm-secrets/helm-secrets/internal/cmd/postrender"
	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmargs"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmrun"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/internal/remote/fetch"
	"github.com/helm-secrets/helm-secrets/internal/remote/getter"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// preparedRun is what the wrapper has done before helm starts.
type preparedRun struct {
	decrypted []string // files decrypted, as typed
	// decryptions are every decrypted source (files, URLs, literals)
	// with the keys that decrypted it, for the audit trail.
	decryptions []wrapper.Decryption
	args        []string // helm's rewritten arguments
	plaintexts  []wrapper.Plaintext
}

// preparedFunc is told about a prepared run and returns the streams helm
// writes to (nil: the options' own).
type preparedFunc func(preparedRun) (stdout, stderr io.Writer)

// wrap decrypts a helm command's secrets (all of them, before helm starts:
// any failure is returned and helm never runs), hands what it did to
// prepared, and runs helm with the streams prepared returns. Tests replace
// it to inspect the options.
var wrap = func(ctx context.Context, o wrapper.Options, prepared preparedFunc) (int, error) {
	run, err := wrapper.Prepare(ctx, o)
	if err != nil {
		return 1, err
	}
	run.SetStreams(prepared(preparedRun{decrypted: run.Decrypted(), decryptions: run.Decryptions(), args: run.Args(), plaintexts: run.Plaintexts()}))
	// Signals while helm runs are the wrapper's business: it passes them
	// on to helm and releases the plaintext after it.
	return run.Exec(ctx)
}

// helmBinary is the helm to run (helmrun.Binary).
func helmBinary() string { return helmrun.Binary() }

// runHelm runs `helm <command> <args>` through the wrapper. A command with
// no arguments, or with help as its first one, prints the wrapper usage.
func (a *app) runHelm(ctx context.Context, command string, args []string) (err error) {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		_, err := a.streams.Stdout.Write([]byte(wrapperUsageFor(command)))
		return err
	}
	// --check-placement: template's stdout is checked as helm prints it;
	// install's and upgrade's manifests by our post-renderer, before helm
	// sends them to the cluster. The exception file is read before helm
	// starts: a broken one stops the run.
	var check *placementcmd.Check
	if mode := a.opts.checkPlacement; mode != "" {
		switch command {
		case "template", "install", "upgrade":
			if check, err = placementcmd.NewCheck(mode, command != "template"); err != nil {
				return a.errorf("%v", err)
			}
		default:
			a.debugf("--check-placement checks template, install and upgrade only; not %s", command)
		}
	}
	helmArgs, err := a.postRendererArgs(ctx, helmBinary(), append([]string{command}, args...), check != nil && check.PostRender())
	defer a.printRelayed()
	if err != nil {
		return a.errorf("%v", err)
	}
	opts := wrapper.Options{
		Helm:           helmBinary(),
		Args:           helmArgs,
		Backends:       a.backends,
		DefaultBackend: a.opts.backend,
		IgnoreMissing:  a.opts.ignoreMissing,
		Paths:          pathpolicy.FromEnv(),
		Stdin:          a.streams.Stdin,
		Stdout:         a.streams.Stdout,
		Stderr:         a.streams.Stderr,
		Remote:         a.remoteFetcher(ctx, helmBinary()),
	}
	a.debugf("running %s %s", opts.Helm, strings.Join(redactArgs(opts.Args), " "))

	redacting := a.opts.redact
	if !a.opts.redactSet {
		redacting = redactByDefault(opts.Args, os.Getenv("HELM_DEBUG") == "1" || os.Getenv("HELM_DEBUG") == "true")
	}
	var filters []*redact.Writer
	// With --evaluate-templates, the post-renderer hands the values it
	// evaluates to this set before helm prints them (postrender.ServeEvaluated).
	var set *redact.Set
	if redacting && a.opts.evaluateTemplates {
		set = redact.Compile(nil)
		stop, err := postrender.ServeEvaluated(set)
		if err != nil {
			return a.errorf("--evaluate-templates with redaction: %v", err)
		}
		defer stop()
	}
	if check != nil && check.PostRender() {
		// Our post-renderer hands the manifests to the check before helm
		// gets them; a finding in error mode stops helm there.
		stop, err := postrender.ServePlacement(check.PostRendered)
		if err != nil {
			return a.errorf("--check-placement: %v", err)
		}
		defer stop()
	}
	// With the audit trail on, each source's keys are noted
	// (wrapper.Decryption.Keys).
	ctx, _ = a.keyRecord(ctx)
	code, err := wrap(ctx, opts, func(p preparedRun) (io.Writer, io.Writer) {
		for _, f := range p.decrypted {
			a.infof("Decrypt: %s", f) // remote sources come redacted (urls.Redact)
		}
		for _, d := range p.decryptions {
			// One event per source (file, URL, literal), naming the
			// keys that decrypted it. A failure is reported; helm is
			// already prepared.
			_ = a.record("decrypt", "wrapper", d.Source, audit.Local(d.Source), d.Keys, nil)
		}
		a.debugf("helm gets %s", strings.Join(redactArgs(p.args), " "))
		if check != nil {
			check.SetSecrets(redactSecrets(p.plaintexts, os.ReadFile))
		}
		stdout, stderr := a.redactStreams(redacting, p.plaintexts, set, &filters)
		if check == nil || check.PostRender() || !check.HasSecrets() {
			return stdout, stderr
		}
		// helm's stdout as it is, before redaction, to the check.
		if stdout == nil {
			stdout = a.streams.Stdout
		}
		tee := check.Tee(stdout)
		if (stderr != nil && sameWriter(stdout, stderr)) || (stderr == nil && sameWriter(a.streams.Stdout, a.streams.Stderr)) {
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
			_ = a.record("decrypt", "wrapper", d.Source, audit.Local(d.Source), nil, d.Err)
		}
		return a.errorf("%v", err)
	}
	a.debugf("helm exited with status %d", code)
	if check != nil && check.PostRender() {
		// The findings of the post-render, also when they stopped helm;
		// helm's exit code stays ours.
		a.printRelayed()
		if ferr := check.Finish(a.streams.Stderr, a.opts.quiet, code != 0); ferr != nil {
			reported := a.errorf("%v", ferr)
			if code == 0 {
				return reported
			}
		}
	}
	if code != 0 {
		return &exitError{code: code}
	}
	if check != nil && !check.PostRender() {
		if ferr := check.Finish(a.streams.Stderr, a.opts.quiet, false); ferr != nil {
			return a.errorf("%v", ferr)
		}
	}
	return nil
}

// silent reports whether our notices are left out: with -q (or
// HELM_SECRETS_QUIET) and in Argo CD mode (ARGOCD_APP_NAME set, even with
// HELM_SECRETS_QUIET=false), where helm's output must stay exactly its own.
func (a *app) silent() bool {
	return a.opts.quiet || settings.Load().ArgoCD
}

// redactStreams returns the streams helm writes to when redacting (nil,
// nil: the options' own), adding its filters to filters. set, when not
// nil, already holds (or will receive) the values the post-renderer
// evaluates; the decrypted plaintexts are added to it.
func (a *app) redactStreams(redacting bool, plaintexts []wrapper.Plaintext, set *redact.Set, filters *[]*redact.Writer) (io.Writer, io.Writer) {
	if !redacting || (len(plaintexts) == 0 && set == nil) {
		return nil, nil
	}
	if set == nil {
		set = redact.Compile(nil)
	}
	set.Add(redactSecrets(plaintexts, os.ReadFile))
	if sk := set.Skipped(); len(sk) > 0 && !a.silent() {
		// Names, never values. Not in Argo CD mode or with -q: then we
		// add nothing to helm's output (the debug line still names them).
		fmt.Fprintf(a.streams.Stderr, "%sNot redacted (shorter than %d bytes or too common): %s\n", prefix, redact.MinLen, strings.Join(sk, ", "))
	} else if len(sk) > 0 {
		a.debugf("not redacted (shorter than %d bytes or too common): %s", redact.MinLen, strings.Join(sk, ", "))
	}
	a.debugf("redacting helm's output")
	stderr := redact.NewWriter(a.streams.Stderr, set)
	*filters = append(*filters, stderr)
	if a.opts.redactStderrOnly {
		return nil, stderr
	}
	if sameWriter(a.streams.Stdout, a.streams.Stderr) {
		// One writer, one filter: exec then copies both streams
		// through one pipe, never concurrently.
		return stderr, stderr
	}
	stdout := redact.NewWriter(a.streams.Stdout, set)
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
func (a *app) remoteFetcher(ctx context.Context, helm string) *fetch.Fetcher {
	return &fetch.Fetcher{
		PluginDirs:     filepath.SplitList(os.Getenv("HELM_PLUGINS")),
		FindPluginDirs: func() []string { return a.helmPluginDirs(ctx, helm) },
		Skip:           func(scheme string) bool { return slices.Contains(getter.Schemes, scheme) },
		Limit:          encrypt.DefaultMaxInputSize,
		Stderr:         a.streams.Stderr,
	}
}
