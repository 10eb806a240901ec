package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/backends/shellbackend"
	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/complete"
	"github.com/helm-secrets/helm-secrets/internal/cmd/downloader"
	"github.com/helm-secrets/helm-secrets/internal/cmd/helmwrap"
	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/helm-secrets/helm-secrets/internal/cmd/postrender"
	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/hardening/gpghome"
	"github.com/helm-secrets/helm-secrets/internal/hardening/lifecycle"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// notDumpable makes the process non-dumpable once it is known not to be the
// wrapper (internal/hardening/nodump). main sets it; in-process tests of run leave it
// a no-op, since it changes the whole test process for good (the
// subprocess tests, through main, check it).
var notDumpable = func() error { return nil }

// wrap replaces, in tests, how the wrapper prepares and runs helm
// (helmwrap.Options.Wrap); nil: for real.
var wrap helmwrap.WrapFunc

// run is the whole program: it parses args, runs one command and returns
// the exit code. Everything it prints goes to s.
func run(args []string, s IOStreams) int {
	if s.Stdin == nil {
		s.Stdin = strings.NewReader("")
	}
	// The run's Factory: the commands get it when they are built and
	// read it when they run, after runMain has set it up.
	f := &cmdutil.Factory{
		IO:      cmdutil.IOStreams{In: s.Stdin, Out: s.Stdout, ErrOut: s.Stderr},
		Printer: cmdutil.Printer{ErrOut: s.Stderr, Debug: settings.Load().Debug},
		Version: version,
	}
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		f.Quiet, f.Debug, f.Backends = true, false, &backend.Selector{Allowed: pluginenv.AllowedBackends()}
		return complete.Run(&complete.Options{IO: f.IO, Args: args, Root: newRootCmd(f), SkipGlobal: skipGlobal})
	}
	return exitCode(s, runMain(context.Background(), f, args))
}

// runMain sets up f (options, gpg keys, engine, audit trail, backend) and
// runs the command args name: ours, the downloader, the post-renderer, or
// a helm command through the wrapper.
func runMain(ctx context.Context, f *cmdutil.Factory, args []string) error {
	env := envDefaults()
	f.Backends = &backend.Selector{Allowed: pluginenv.AllowedBackends(), Scripts: scriptTemplate(f), Vals: valsSession(f)}
	defer f.Backends.Vals.Close()
	check := func(name string) error {
		if _, err := f.Backends.Get(name); err != nil {
			return f.Errorf("%v", err) // worded as the shell plugin words it
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
		return f.Errorf("%v", err)
	}
	opts := p.opts
	f.Quiet = opts.quiet
	f.Backends.Scripts.Args, f.Backends.Scripts.Quiet = opts.backendArgs, opts.quiet
	f.Debugf("helm-secrets %s; backend %s; quiet %t; ignore missing values %t", version, opts.backend, opts.quiet, opts.ignoreMissing)

	switch p.act {
	case actHelp:
		fmt.Fprint(f.IO.Out, cmdutil.Help)
		return nil
	case actHelpEmpty:
		fmt.Fprint(f.IO.Out, cmdutil.Help)
		return errReported
	case actVersion:
		fmt.Fprintln(f.IO.Out, version)
		return nil
	}

	gnupgHome := ""
	if p.command != "downloader" { // the getter loads them per source itself
		var cleanup func()
		if gnupgHome, cleanup, err = loadGPGKeys(ctx, f); err != nil {
			return err
		}
		defer cleanup()
	}
	setupEngine(f, opts.backendArgs, gnupgHome)
	// A trail that cannot be opened stops the run: decrypting without
	// the record that was asked for would be failing open.
	if f.Audit, err = audit.Open(pluginenv.AuditLog()); err != nil {
		return f.Errorf("%v (HELM_SECRETS_AUDIT_LOG)", err)
	}
	defer f.Audit.Close()
	if f.Backend, err = f.Backends.Get(opts.backend); err != nil {
		return f.Errorf("%v", err)
	}
	if p.command != "downloader" && p.command != "post-renderer" {
		for _, n := range settings.Load().Notices() {
			f.Infof("%s", n)
		}
	}
	if opts.decryptSecretsInTmpDir {
		f.Debugf("--decrypt-secrets-in-tmp-dir has no effect: decrypted values are never written to disk")
	}

	switch p.command {
	case "downloader": // Helm's downloader protocol: CERT KEY CA URL
		_ = notDumpable()
		return downloader.Run(ctx, &downloader.Options{Factory: f, Args: p.rest,
			DefaultBackend: opts.backend, IgnoreMissing: opts.ignoreMissing, Signals: lifecycle.StopSignals})
	case "post-renderer":
		_ = notDumpable()
		valsAllWarned.Do(func() {}) // the wrapper that appended us has warned
		err := postrender.Run(ctx, postrender.Options{Args: p.rest, DecodeSecrets: opts.evaluateTemplatesDecodeSecrets,
			Backends: *f.Backends, In: f.IO.In, Out: f.IO.Out, ErrOut: f.IO.ErrOut})
		if postrender.IsFailure(err) {
			return f.Errorf("%v", err)
		}
		return err
	}
	root := newRootCmd(f)
	if c := complete.Find(root, p.command); c != nil {
		// Not the wrapper: helm opens the wrapper's memfds through
		// /proc/<our pid>/fd, which a non-dumpable process closes to
		// other processes (internal/hardening/nodump).
		_ = notDumpable()
		f.Debugf("command %s", p.command)
		c.DisableFlagParsing = c.Annotations[shellArgsAnnotation] == "true"
		root.SetArgs(append([]string{p.command}, p.rest...))
		return root.ExecuteContext(ctx)
	}
	return helmwrap.Run(ctx, &helmwrap.Options{
		Factory: f, Command: p.command, Args: p.rest,
		DefaultBackend: opts.backend, IgnoreMissing: opts.ignoreMissing,
		Redact: opts.redact, RedactSet: opts.redactSet, RedactStderrOnly: opts.redactStderrOnly,
		EvaluateTemplates: opts.evaluateTemplates, EvaluateTemplatesDecodeSecrets: opts.evaluateTemplatesDecodeSecrets,
		CheckPlacement: opts.checkPlacement, WarnValsAll: func(msg string) { warnValsAll(f, msg) }, Wrap: wrap,
	})
}

// loadGPGKeys imports HELM_SECRETS_LOAD_GPG_KEYS (key files or folders,
// space separated; "false": none) into a private GNUPGHOME for this run,
// for every command, as the shell plugin does. GNUPGHOME is set to it for
// what we start (sops-using backend scripts, helm and its plugins); the
// cleanup stops its gpg-agent and removes it. "" when nothing is loaded.
func loadGPGKeys(ctx context.Context, f *cmdutil.Factory) (string, func(), error) {
	keys := pluginenv.LoadGPGKeys()
	home, cleanup, err := gpghome.Load(ctx, gpghome.Options{GPG: os.Getenv("SOPS_GPG_EXEC"), GuardExecutable: os.Executable}, keys)
	if err != nil {
		return "", nil, f.Errorf("%v", err)
	}
	if home == "" {
		return "", cleanup, nil
	}
	f.Debugf("imported HELM_SECRETS_LOAD_GPG_KEYS (%d location(s)) into a private GNUPGHOME", len(keys))
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
func setupEngine(f *cmdutil.Factory, backendArgs, gnupgHome string) {
	if args := strings.Fields(backendArgs); len(args) > 0 {
		var ignored []string
		for _, arg := range args {
			if arg == "--verbose" {
				encrypt.SetSopsLog(f.IO.ErrOut)
				continue
			}
			ignored = append(ignored, arg)
		}
		if len(ignored) > 0 {
			f.Infof("backend args ignored (the sops backend runs in process): %s", strings.Join(ignored, " "))
		}
	}
	f.Engine = encrypt.New(encrypt.Options{Keys: pluginenv.Keys(encrypt.Keys{GnuPGHome: gnupgHome}), Strict: pluginenv.Strict()})
	f.Backends.Engine = f.Engine
}

// scriptTemplate configures custom backend scripts (-b PATH) as the shell
// plugin runs them: SCRIPT_DIR is the plugin's scripts folder; their
// messages go to our stderr; what they print is capped like any input.
func scriptTemplate(f *cmdutil.Factory) *shellbackend.Script {
	dir, _ := pluginDir(os.Executable)
	return &shellbackend.Script{
		ScriptDir: filepath.Join(dir, "scripts"),
		Stderr:    f.IO.ErrOut,
		Stdin:     f.IO.In,
		Stdout:    f.IO.Out,
		Limit:     encrypt.DefaultMaxInputSize,
	}
}

// valsSession is the run's helm-secrets-vals process (started on first
// use): one vals runtime, one cache, for every file, literal and manifest.
func valsSession(f *cmdutil.Factory) *valsproto.Session {
	return valsproto.NewSession(valsproto.Options{
		Binary: pluginenv.ValsBinary(),
		Policy: pluginenv.ValsPolicy(),
		Stderr: f.IO.ErrOut,
		Debug:  f.Debug,
		Quiet:  func() bool { return f.Quiet },
		Warn:   func(msg string) { warnValsAll(f, msg) },
	})
}

// valsAllWarned makes the HELM_SECRETS_VALS_PROVIDERS=all warning once
// per process.
var valsAllWarned sync.Once

// warnValsAll prints the HELM_SECRETS_VALS_PROVIDERS=all warning once,
// unless quiet (-q, HELM_SECRETS_QUIET) or in Argo CD: from the wrapper
// when it appends our post-renderer or evaluates itself, from the getter.
// The post-renderer itself stays silent: helm shows its stderr only when
// it fails, and the wrapper has warned.
func warnValsAll(f *cmdutil.Factory, msg string) {
	if settings.Load().ArgoCD || f.Quiet {
		return
	}
	valsAllWarned.Do(func() { fmt.Fprintf(f.IO.ErrOut, "%sWarning: %s\n", cmdutil.Prefix, msg) })
}
