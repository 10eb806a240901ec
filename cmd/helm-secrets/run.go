package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/getsops/sops/v3/logging"
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helm"
)

// app is the state of one run, shared by all commands.
type app struct {
	streams  IOStreams
	opts     globalOptions
	debug    bool
	engine   *encrypt.Engine
	backends helm.Backends
	backend  helm.Backend // the default backend (-b / HELM_SECRETS_BACKEND)
}

// run is the whole program: it parses args, runs one command and returns
// the exit code. Everything it prints goes to s.
func run(args []string, s IOStreams) int {
	if s.Stdin == nil {
		s.Stdin = strings.NewReader("")
	}
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		return runComplete(args, s)
	}
	a := &app{streams: s, debug: debugEnabled()}
	return exitCode(s, a.main(context.Background(), args))
}

// debugEnabled: HELM_SECRETS_DEBUG set to anything but "", "0" or "false",
// or Helm's HELM_DEBUG (helm --debug) set to "1" or "true".
func debugEnabled() bool {
	switch v := os.Getenv("HELM_SECRETS_DEBUG"); v {
	case "", "0", "false":
	default:
		return true
	}
	switch os.Getenv("HELM_DEBUG") {
	case "1", "true":
		return true
	}
	return false
}

// infof prints an informational message on stderr unless quiet.
func (a *app) infof(format string, args ...any) {
	if !a.opts.quiet {
		fmt.Fprintf(a.streams.Stderr, prefix+format+"\n", args...)
	}
}

// errorf prints an error message on stderr (never suppressed) and returns
// errReported, so a command can `return a.errorf(...)`.
func (a *app) errorf(format string, args ...any) error {
	fmt.Fprintf(a.streams.Stderr, prefix+format+"\n", args...)
	return errReported
}

// debugf prints a debug line. Callers never pass plaintext, keys or --set
// values.
func (a *app) debugf(format string, args ...any) {
	if a.debug {
		fmt.Fprintf(a.streams.Stderr, prefix+"[debug] "+format+"\n", args...)
	}
}

// backendError prints a backend selection error with the shell plugin's
// wording and returns errReported.
func (a *app) backendError(name string, err error) error {
	if errors.Is(err, helm.ErrBackendNotAllowed) {
		return a.errorf("secret backend '%s' not allowed", name)
	}
	if errors.Is(err, helm.ErrUnknownBackend) {
		// "Can't find secret backend: NAME[ (why)]"
		msg := err.Error()
		if _, after, ok := strings.Cut(msg, helm.ErrUnknownBackend.Error()); ok {
			return a.errorf("%s%s", helm.ErrUnknownBackend.Error(), after)
		}
		return a.errorf("Can't find secret backend: %s", name)
	}
	return a.errorf("%v", err)
}

func (a *app) main(ctx context.Context, args []string) error {
	env := envDefaults()
	a.backends = helm.Backends{Allowed: helm.ParseList(os.Getenv("HELM_SECRETS_ALLOWED_BACKENDS"))}
	check := func(name string) error {
		if _, err := a.backends.Get(name); err != nil {
			return a.backendError(name, err)
		}
		return nil
	}
	// The shell plugin loads the environment's (or the default) backend
	// before it reads any option, so HELM_SECRETS_ALLOWED_BACKENDS=noop
	// fails with "secret backend 'sops' not allowed" even when -b noop
	// follows. Scripts and tests depend on it; keep it.
	if err := check(env.backend); err != nil {
		return err
	}
	p, err := parseGlobal(args, env, check)
	if err != nil {
		if errors.Is(err, errReported) {
			return err
		}
		return a.errorf("%v", err)
	}
	a.opts = p.opts
	a.debugf("helm-secrets %s; backend %s; quiet %t; ignore missing values %t", version, a.opts.backend, a.opts.quiet, a.opts.ignoreMissing)

	switch p.act {
	case actHelp:
		fmt.Fprint(a.streams.Stdout, helpText)
		return nil
	case actHelpEmpty:
		fmt.Fprint(a.streams.Stdout, helpText)
		return errReported
	case actVersion:
		fmt.Fprintln(a.streams.Stdout, version)
		return nil
	}

	a.setupEngine()
	if a.backend, err = a.backends.Get(a.opts.backend); err != nil {
		return a.backendError(a.opts.backend, err)
	}
	if a.opts.evaluateTemplates {
		a.infof("--evaluate-templates needs the vals backend, which is not supported yet: ignored")
	}
	if a.opts.decryptSecretsInTmpDir {
		a.debugf("--decrypt-secrets-in-tmp-dir has no effect: decrypted values are never written to disk")
	}

	if p.command == "downloader" {
		return a.runDownloader(ctx, p.rest)
	}
	root := newRootCmd(a)
	if findCommand(root, p.command) != nil {
		a.debugf("command %s", p.command)
		root.SetArgs(append([]string{p.command}, p.rest...))
		return root.ExecuteContext(ctx)
	}
	return a.runHelm(ctx, p.command, p.rest)
}

// setupEngine creates the sops engine. Backend args are for a sops binary
// we do not run: --verbose still shows sops' key messages, the rest is
// ignored with a note.
func (a *app) setupEngine() {
	var sopsLog io.Writer
	if args := strings.Fields(a.opts.backendArgs); len(args) > 0 {
		var ignored []string
		for _, arg := range args {
			if arg == "--verbose" {
				sopsLog = a.streams.Stderr
				logging.SetLevel(logrus.InfoLevel)
				continue
			}
			ignored = append(ignored, arg)
		}
		if len(ignored) > 0 {
			a.infof("backend args ignored (the sops backend runs in process): %s", strings.Join(ignored, " "))
		}
	}
	a.engine = encrypt.New(encrypt.Options{SopsLog: sopsLog})
	a.backends.Engine = a.engine
}

// findCommand returns our subcommand called name, or nil when name is a
// helm command.
func findCommand(root *cobra.Command, name string) *cobra.Command {
	for _, c := range root.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return c
		}
	}
	return nil
}

// sopsBackend reports whether the default backend is the in-process sops
// engine (as opposed to noop).
func (a *app) sopsBackend() bool {
	_, ok := a.backend.(helm.SopsBackend)
	return ok
}
