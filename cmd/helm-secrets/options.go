package main

import (
	"fmt"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
)

// globalOptions are the options placed before the command, as the shell
// plugin reads them (docs/cli.md, global options).
type globalOptions struct {
	backend                        string // name of the default backend
	backendArgs                    string // accepted; the sops backend runs in process
	quiet                          bool
	ignoreMissing                  bool
	evaluateTemplates              bool
	evaluateTemplatesDecodeSecrets bool
	decryptSecretsInTmpDir         bool // accepted; we never write decrypted files
	// redact masks decrypted values in helm's output; redactSet says
	// whether --redact or HELM_SECRETS_REDACT chose (else: the command's
	// default, redactByDefault).
	// redactStderrOnly masks helm's stderr only (--redact=stderr).
	redact, redactSet, redactStderrOnly bool
	// checkPlacement checks where decrypted values land in the output of
	// template, or in the manifests of install and upgrade (through our
	// post-renderer) (--check-placement, HELM_SECRETS_CHECK_PLACEMENT): "" off,
	// "warn" or "error" (docs/placement.md).
	checkPlacement string
}

// placementMode reads a --check-placement word or
// HELM_SECRETS_CHECK_PLACEMENT: warn, error, or false/off (""). ok is
// false for anything else.
func placementMode(v string) (mode string, ok bool) {
	switch v {
	case "warn", "error":
		return v, true
	case "false", "off":
		return "", true
	}
	return "", false
}

// action is what the option loop decided to do.
type action int

const (
	actCommand   action = iota // run command with rest
	actHelp                    // -h, --help, help: help on stdout, exit 0
	actHelpEmpty               // no arguments (or an empty one): help, exit 1
	actVersion                 // -v, --version, version
)

// parsed is the outcome of the option loop.
type parsed struct {
	opts    globalOptions
	act     action
	command string   // the first word that is not a global option
	rest    []string // everything after it, verbatim
}

// envDefaults returns the options as the environment sets them.
func envDefaults() globalOptions {
	s := settings.Load()
	o := globalOptions{
		backend:                        s.Backend,
		backendArgs:                    s.BackendArgs,
		quiet:                          s.Quiet,
		ignoreMissing:                  s.IgnoreMissingValues,
		evaluateTemplates:              s.EvaluateTemplates,
		evaluateTemplatesDecodeSecrets: s.EvaluateTemplatesDecodeSecrets,
		decryptSecretsInTmpDir:         s.DecryptSecretsInTmpDir,
	}
	if o.backend == "" {
		o.backend = "sops"
	}
	if v := s.Redact; v != "" {
		// Anything but "false" masks: a typo must not print secrets.
		o.redact, o.redactSet, o.redactStderrOnly = v != "false", true, v == "stderr"
	}
	if v := s.CheckPlacement; v != "" {
		// Anything unknown checks in error mode: a typo must not turn
		// the check off.
		mode, ok := placementMode(v)
		if !ok {
			mode = "error"
		}
		o.checkPlacement = mode
	}
	return o
}

// optionalBools are the options that take an optional true|false word.
var optionalBools = map[string]func(*globalOptions) *bool{
	"--ignore-missing-values":             func(o *globalOptions) *bool { return &o.ignoreMissing },
	"--evaluate-templates":                func(o *globalOptions) *bool { return &o.evaluateTemplates },
	"--evaluate-templates-decode-secrets": func(o *globalOptions) *bool { return &o.evaluateTemplatesDecodeSecrets },
	"--decrypt-secrets-in-tmp-dir":        func(o *globalOptions) *bool { return &o.decryptSecretsInTmpDir },
}

// parseGlobal runs the shell plugin's option loop over args: options are
// consumed left to right until the first word that is not one of them,
// which is the command; everything after the command belongs to it.
// useBackend is called for every backend selection as it is read (the
// environment's first, by the caller), so a bad -b fails at once.
func parseGlobal(args []string, opts globalOptions, useBackend func(string) error) (parsed, error) {
	p := parsed{opts: opts}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(arg, "=")
		switch {
		case arg == "":
			p.act = actHelpEmpty
			return p, nil
		case arg == "-h" || arg == "--help" || arg == "help":
			p.act = actHelp
			return p, nil
		case arg == "-v" || arg == "--version" || arg == "version":
			p.act = actVersion
			return p, nil
		case arg == "-q" || arg == "--quiet":
			p.opts.quiet = true
		case arg == "-b" || arg == "--backend" || (hasValue && name == "--backend"):
			if !hasValue {
				if i+1 >= len(args) {
					return p, fmt.Errorf("option %s needs a backend name", arg)
				}
				i++
				value = args[i]
			}
			if err := useBackend(value); err != nil {
				return p, err
			}
			p.opts.backend = value
		case arg == "-a" || arg == "--backend-args" || (hasValue && name == "--backend-args"):
			if !hasValue {
				if i+1 >= len(args) {
					return p, fmt.Errorf("option %s needs a value", arg)
				}
				i++
				value = args[i]
			}
			p.opts.backendArgs = value
		case name == "--redact":
			// Like the optional booleans, but =VALUE must be true, false
			// or stderr: --redact=yes must not turn masking off.
			p.opts.redact, p.opts.redactSet, p.opts.redactStderrOnly = true, true, false
			word := ""
			switch {
			case hasValue && value != "true" && value != "false" && value != "stderr":
				return p, fmt.Errorf("option --redact takes true, false or stderr, not %q", value)
			case hasValue:
				word = value
			case i+1 < len(args) && (args[i+1] == "true" || args[i+1] == "false" || args[i+1] == "stderr"):
				i++
				word = args[i]
			}
			p.opts.redact = word != "false"
			p.opts.redactStderrOnly = word == "stderr"
		case name == "--check-placement":
			// Bare: error mode. =VALUE or a following word: warn,
			// error or false.
			p.opts.checkPlacement = "error"
			switch {
			case hasValue:
				mode, ok := placementMode(value)
				if !ok {
					return p, fmt.Errorf("option --check-placement takes warn, error or false, not %q", value)
				}
				p.opts.checkPlacement = mode
			case i+1 < len(args):
				if mode, ok := placementMode(args[i+1]); ok {
					i++
					p.opts.checkPlacement = mode
				}
			}
		case optionalBools[name] != nil:
			target := optionalBools[name](&p.opts)
			switch {
			case hasValue:
				*target = value == "true"
			case i+1 < len(args) && (args[i+1] == "true" || args[i+1] == "false"):
				i++
				*target = args[i] == "true"
			default:
				*target = true
			}
		default:
			p.command, p.rest = arg, args[i+1:]
			return p, nil
		}
	}
	p.act = actHelpEmpty
	return p, nil
}

// skipGlobal returns the index of the command word in args, skipping global
// options without acting on them (for completion); len(args) if none.
func skipGlobal(args []string) int {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, _, hasValue := strings.Cut(arg, "=")
		switch {
		case arg == "-q" || arg == "--quiet":
		case hasValue && (name == "--backend" || name == "--backend-args" || name == "--redact" || name == "--check-placement" || optionalBools[name] != nil):
		case arg == "-b" || arg == "--backend" || arg == "-a" || arg == "--backend-args":
			i++
		case optionalBools[name] != nil || arg == "--redact":
			if i+1 < len(args) && (args[i+1] == "true" || args[i+1] == "false" || (arg == "--redact" && args[i+1] == "stderr")) {
				i++
			}
		case arg == "--check-placement":
			if i+1 < len(args) {
				if _, ok := placementMode(args[i+1]); ok {
					i++
				}
			}
		default:
			return i
		}
	}
	return len(args)
}
