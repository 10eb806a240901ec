package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/backends/shellbackend"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/helm-secrets/helm-secrets/internal/cmd/postrender"
	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/hardening/gpghome"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// notDumpable makes the process non-dumpable once it is known not to be the
// wrapper (internal/hardening/nodump). main sets it; in-process tests of run leave it
// a no-op, since it changes the whole test process for good (the
// subprocess tests, through main, check it).
var notDumpable = func() error { return nil }

// app is the state of one run, shared by all commands.
type app struct {
	streams  IOStreams
	opts     globalOptions
	debug    bool
	engine   *encrypt.Engine
	backends backend.Selector
	backend  backend.Backend // the default backend (-b / HELM_SECRETS_BACKEND)
	audit    *audit.Logger   // HELM_SECRETS_AUDIT_LOG; nil: off
	// relay is the Helm 4 post-renderer's message file
	// (postrender.NewRelayLog), nil when none.
	relay *postrender.RelayLog
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
	return settings.Load().Debug
}

// printer prints our messages (internal/cmd/cmdutil.Printer): quiet
// silences infof, debug enables debugf, errorf is never suppressed.
func (a *app) printer() *cmdutil.Printer {
	return &cmdutil.Printer{ErrOut: a.streams.Stderr, Quiet: a.opts.quiet, Debug: a.debug}
}

// infof prints an informational message on stderr unless quiet.
func (a *app) infof(format string, args ...any) { a.printer().Infof(format, args...) }

// errorf prints an error message on stderr (never suppressed) and returns
// errReported, so a command can `return a.errorf(...)`.
func (a *app) errorf(format string, args ...any) error { return a.printer().Errorf(format, args...) }

// debugf prints a debug line. Callers never pass plaintext, keys or --set
// values.
func (a *app) debugf(format string, args ...any) { a.printer().Debugf(format, args...) }

// factory is what the command packages (internal/cmd/...) get injected:
// this run's streams, printer, engine, backends and audit trail. Commands
// call it when they run, after app.main has set these up.
func (a *app) factory() *cmdutil.Factory {
	return &cmdutil.Factory{
		IO:       cmdutil.IOStreams{In: a.streams.Stdin, Out: a.streams.Stdout, ErrOut: a.streams.Stderr},
		Printer:  *a.printer(),
		Engine:   a.engine,
		Backends: &a.backends,
		Backend:  a.backend,
		Audit:    a.audit,
		Version:  version,
	}
}

func (a *app) main(ctx context.Context, args []string) error {
	env := envDefaults()
	a.backends = backend.Selector{Allowed: pluginenv.AllowedBackends(), Scripts: a.scriptTemplate(), Vals: a.valsSession()}
	defer a.backends.Vals.Close()
	check := func(name string) error {
		if _, err := a.backends.Get(name); err != nil {
			return a.errorf("%v", err) // worded as the shell plugin words it
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
	a.backends.Scripts.Args, a.backends.Scripts.Quiet = a.opts.backendArgs, a.opts.quiet
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

	gnupgHome := ""
	if p.command != "downloader" { // the getter loads them per source itself
		var cleanup func()
		if gnupgHome, cleanup, err = a.loadGPGKeys(ctx); err != nil {
			return err
		}
		defer cleanup()
	}
	a.setupEngine(gnupgHome)
	if err := a.openAudit(); err != nil {
		return err
	}
	defer a.audit.Close()
	if a.backend, err = a.backends.Get(a.opts.backend); err != nil {
		return a.errorf("%v", err)
	}
	if p.command != "downloader" && p.command != "post-renderer" {
		for _, n := range settings.Load().Notices() {
			a.infof("%s", n)
		}
	}
	if a.opts.decryptSecretsInTmpDir {
		a.debugf("--decrypt-secrets-in-tmp-dir has no effect: decrypted values are never written to disk")
	}

	if p.command == "downloader" {
		_ = notDumpable()
		return a.runDownloader(ctx, p.rest)
	}
	if p.command == "post-renderer" {
		_ = notDumpable()
		return a.runPostRenderer(ctx, p.rest)
	}
	root := newRootCmd(a)
	if c := findCommand(root, p.command); c != nil {
		// Not the wrapper: helm opens the wrapper's memfds through
		// /proc/<our pid>/fd, which a non-dumpable process closes to
		// other processes (internal/hardening/nodump).
		_ = notDumpable()
		a.debugf("command %s", p.command)
		c.DisableFlagParsing = c.Annotations[shellArgsAnnotation] == "true"
		root.SetArgs(append([]string{p.command}, p.rest...))
		return root.ExecuteContext(ctx)
	}
	return a.runHelm(ctx, p.command, p.rest)
}

// loadGPGKeys imports HELM_SECRETS_LOAD_GPG_KEYS (key files or folders,
// space separated; "false": none) into a private GNUPGHOME for this run,
// for every command, as the shell plugin does. GNUPGHOME is set to it for
// what we start (sops-using backend scripts, helm and its plugins); the
// cleanup stops its gpg-agent and removes it. "" when nothing is loaded.
func (a *app) loadGPGKeys(ctx context.Context) (string, func(), error) {
	keys := pluginenv.LoadGPGKeys()
	home, cleanup, err := gpghome.Load(ctx, gpghome.Options{GPG: os.Getenv("SOPS_GPG_EXEC"), GuardExecutable: os.Executable}, keys)
	if err != nil {
		return "", nil, a.errorf("%v", err)
	}
	if home == "" {
		return "", cleanup, nil
	}
	a.debugf("imported HELM_SECRETS_LOAD_GPG_KEYS (%d location(s)) into a private GNUPGHOME", len(keys))
	old, had := os.LookupEnv("GNUPGHOME")
	os.Setenv("GNUPGHOME", home)
	return home, func() {
		cleanup()
		if had {
			os.Setenv("GNUPGHOME", old)
		} else {
			os.Unsetenv("GNUPGHOME")
		}
	}, nil
}

// setupEngine creates the sops engine. Backend args are for a sops binary
// we do not run: --verbose still shows sops' key messages, the rest is
// ignored with a note.
func (a *app) setupEngine(gnupgHome string) {
	if args := strings.Fields(a.opts.backendArgs); len(args) > 0 {
		var ignored []string
		for _, arg := range args {
			if arg == "--verbose" {
				encrypt.SetSopsLog(a.streams.Stderr)
				continue
			}
			ignored = append(ignored, arg)
		}
		if len(ignored) > 0 {
			a.infof("backend args ignored (the sops backend runs in process): %s", strings.Join(ignored, " "))
		}
	}
	a.engine = encrypt.New(encrypt.Options{Keys: pluginenv.Keys(encrypt.Keys{GnuPGHome: gnupgHome}), Strict: pluginenv.Strict()})
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

// sopsBackend reports whether the default backend manages SOPS files
// (as opposed to noop, which uses files as they are).
func (a *app) sopsBackend() bool { return a.factory().SopsBackend() }

// scriptTemplate configures custom backend scripts (-b PATH) as the shell
// plugin runs them: SCRIPT_DIR is the plugin's scripts folder; their
// messages go to our stderr; what they print is capped like any input.
func (a *app) scriptTemplate() *shellbackend.Script {
	dir, _ := pluginDir(os.Executable)
	return &shellbackend.Script{
		ScriptDir: filepath.Join(dir, "scripts"),
		Stderr:    a.streams.Stderr,
		Stdin:     a.streams.Stdin,
		Stdout:    a.streams.Stdout,
		Limit:     encrypt.DefaultMaxInputSize,
	}
}
