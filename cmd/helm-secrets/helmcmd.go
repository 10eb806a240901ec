package main

import (
	"context"
	"os"
	"regexp"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/wrapper"
)

// wrap decrypts a helm command's secrets (all of them, before helm starts:
// any failure is returned and helm never runs), hands the decrypted files'
// names and helm's rewritten arguments to prepared, and runs helm. Tests
// replace it to inspect the options.
var wrap = func(ctx context.Context, o wrapper.Options, prepared func(decrypted, args []string)) (int, error) {
	run, err := wrapper.Prepare(ctx, o)
	if err != nil {
		return 1, err
	}
	prepared(run.Decrypted(), run.Args())
	// Signals while helm runs are the wrapper's business: it passes them
	// on to helm and releases the plaintext after it.
	return run.Exec(ctx)
}

// helmBinary is the helm to run: HELM_SECRETS_HELM_PATH, else HELM_BIN
// (set by helm for its plugins), else helm from the PATH.
func helmBinary() string {
	for _, v := range []string{"HELM_SECRETS_HELM_PATH", "HELM_BIN"} {
		if p := os.Getenv(v); p != "" {
			return p
		}
	}
	return "helm"
}

// runHelm runs `helm <command> <args>` through the wrapper. A command with
// no arguments, or with help as its first one, prints the wrapper usage.
func (a *app) runHelm(ctx context.Context, command string, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		_, err := a.streams.Stdout.Write([]byte(wrapperUsageFor(command)))
		return err
	}
	opts := wrapper.Options{
		Helm:           helmBinary(),
		Args:           append([]string{command}, args...),
		Backends:       a.backends,
		DefaultBackend: a.opts.backend,
		IgnoreMissing:  a.opts.ignoreMissing,
		Paths:          pathpolicy.FromEnv(),
		Stdin:          a.streams.Stdin,
		Stdout:         a.streams.Stdout,
		Stderr:         a.streams.Stderr,
	}
	a.debugf("running %s %s", opts.Helm, strings.Join(redactArgs(opts.Args), " "))

	code, err := wrap(ctx, opts, func(decrypted, args []string) {
		for _, f := range decrypted {
			a.infof("Decrypt: %s", redactURLs(f))
		}
		a.debugf("helm gets %s", strings.Join(redactArgs(args), " "))
	})
	if err != nil {
		return a.errorf("%v", err)
	}
	a.debugf("helm exited with status %d", code)
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// redactArgs hides, for debug output, the values of flags that may carry
// secrets (--set*, passwords, tokens) and the user:password part of every
// URL (`-f https://u:pw@host/v.yaml`, `--repo=https://u:pw@…`, nested in
// secrets:// too). A flag's next argument is taken as its value only for
// the flags that take one (--set, --password, ...): `--hide-secret` is a
// switch, and what follows it is shown (URL-redacted) as any argument.
func redactArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			for _, rest := range args[i:] {
				out = append(out, redactURLs(rest))
			}
			break
		}
		name, _, hasValue := strings.Cut(arg, "=")
		switch {
		case !sensitiveFlag(name):
			out = append(out, redactURLs(arg))
		case hasValue:
			out = append(out, name+"=<redacted>")
		default:
			out = append(out, arg)
			if takesValue(name) && i+1 < len(args) {
				i++
				out = append(out, "<redacted>")
			}
		}
	}
	return out
}

// urlUserinfo is the scheme and user[:password]@ of a URL anywhere in a
// string.
var urlUserinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]*@`)

// redactURLs replaces the userinfo of every URL in s with xxxxx.
func redactURLs(s string) string {
	return urlUserinfo.ReplaceAllString(s, "${1}xxxxx@")
}

func sensitiveFlag(name string) bool {
	if !strings.HasPrefix(name, "-") {
		return false
	}
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "--set") || strings.Contains(l, "password") || strings.Contains(l, "token") ||
		strings.Contains(l, "secret")
}

// takesValue reports whether a sensitive flag takes the next argument as
// its value (Helm's valued flags); the others (--hide-secret,
// --password-stdin) are switches.
func takesValue(name string) bool {
	l := strings.ToLower(name)
	switch l {
	case "--hide-secret", "--password-stdin", "--pass-credentials":
		return false
	}
	return strings.HasPrefix(l, "--set") || l == "--password" || l == "--kube-token" || l == "--token" ||
		strings.HasSuffix(l, "-password") || strings.HasSuffix(l, "-token") || strings.HasSuffix(l, "-secret")
}
