// Package postrender is helm-secrets' post-renderer (`helm-secrets
// post-renderer`: on Helm 3 the --post-renderer program, on Helm 4 the
// secrets-post-renderer plugin runs it) and the wrapper's side of it: the
// arguments that add it to a helm command line, and the private channels
// on which it hands the wrapper what the wrapper must know before helm
// goes on (the values it evaluated, for redaction; the manifests, for the
// placement check; its error messages, which Helm 4 does not show).
//
// Helm writes the rendered manifests to the post-renderer's stdin and
// reads the post-rendered ones from its stdout. The chain, in order: the
// user's own post-renderer (which helm takes in place of ours, so ours
// runs it), the evaluation of ref+ expressions (--evaluate-templates),
// then the placement check (--check-placement on install and upgrade),
// last, so that it sees exactly what helm sends to the cluster.
package postrender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmplugin"
)

// Prefix starts every message of ours, as in the shell plugin.
const Prefix = "[helm-secrets] "

// Our post-renderer's own arguments: the user's --post-renderer (and its
// --post-renderer-args), which runs first, on the manifests as helm
// rendered them; ours then evaluates what it printed. On Helm 3 the
// user's is a program (--run-first PATH), on Helm 4 a postrenderer/v1
// plugin (--run-first-plugin DIR, its folder, which the wrapper found).
// --check-placement hands the result to the wrapper's placement check
// (ServePlacement) before helm gets it; --no-evaluate leaves the ref+
// expressions alone (--check-placement without --evaluate-templates).
const (
	argRunFirst       = "--run-first"
	argRunFirstPlugin = "--run-first-plugin"
	argRunFirstArg    = "--run-first-arg"
	argCheckPlacement = "--check-placement"
	argNoEvaluate     = "--no-evaluate"
)

// Options are the post-renderer's inputs.
type Options struct {
	// Args are its arguments, as helm passes them (see Run).
	Args []string
	// DecodeSecrets is the default of --evaluate-templates-decode-secrets
	// (HELM_SECRETS_EVALUATE_TEMPLATES_DECODE_SECRETS).
	DecodeSecrets bool
	// Backends serves the vals backend (which must be allowed to
	// evaluate).
	Backends backend.Selector
	// In holds the rendered manifests; Out gets the post-rendered ones;
	// ErrOut is the user's post-renderer's stderr.
	In          io.Reader
	Out, ErrOut io.Writer
}

// userPostRenderer is the user's own post-renderer, which ours runs first.
type userPostRenderer struct {
	program   string   // Helm 3: the --post-renderer program
	pluginDir string   // Helm 4: the --post-renderer plugin's folder
	args      []string // its --post-renderer-args
}

func (u userPostRenderer) set() bool { return u.program != "" || u.pluginDir != "" }

// Failure is a failure of the post-renderer, already written to the
// wrapper's message file (Helm 4); the caller prints it on stderr. It
// names manifests and key paths, never a value.
type Failure struct{ Err error }

func (f *Failure) Error() string { return f.Err.Error() }
func (f *Failure) Unwrap() error { return f.Err }

// Run is the post-renderer: the user's post-renderer first (if any), then
// the ref+ expressions in the manifests evaluated with vals (unless
// --no-evaluate: the vals backend must be allowed), then the placement
// check (--check-placement); manifests without an expression come out
// byte for byte as they went in. Any failure is a *Failure (nothing is
// written to Out then, so helm stops).
//
// Arguments: the shell plugin's (--backend NAME, --backend-args ARGS,
// --debug, "secrets", "post-renderer", --evaluate-templates-decode-secrets
// [true|false]) and ours (--run-first PATH or --run-first-plugin DIR, then
// --run-first-arg ARG; --check-placement; --no-evaluate). Anything else is
// refused.
func Run(ctx context.Context, o Options) error {
	args := o.Args
	decode := o.DecodeSecrets
	evaluate, check := true, false
	var first userPostRenderer
	for i := 0; i < len(args); i++ {
		arg := args[i]
		next := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("post-renderer: %s needs a value", arg)
			}
			i++
			return args[i], nil
		}
		var err error
		switch arg {
		case "secrets", "post-renderer", "--debug":
		case "-b", "--backend", "-a", "--backend-args":
			_, err = next() // the manifests are always vals' (--evaluate-templates)
		case "--evaluate-templates-decode-secrets":
			decode = true
			if i+1 < len(args) && (args[i+1] == "true" || args[i+1] == "false") {
				i++
				decode = args[i] == "true"
			}
		case argCheckPlacement:
			check = true
		case argNoEvaluate:
			evaluate = false
		case argRunFirst, argRunFirstPlugin:
			var p string
			if p, err = next(); err == nil {
				switch {
				case first.set():
					err = fmt.Errorf("post-renderer: %s given twice", arg)
				case arg == argRunFirst:
					first.program = p
				default:
					first.pluginDir = p
				}
			}
		case argRunFirstArg:
			var v string
			if v, err = next(); err == nil {
				if !first.set() {
					err = fmt.Errorf("post-renderer: %s before %s or %s", argRunFirstArg, argRunFirst, argRunFirstPlugin)
				}
				first.args = append(first.args, v)
			}
		default:
			err = fmt.Errorf("post-renderer: unknown argument %q", arg)
		}
		if err != nil {
			return fail("", err)
		}
	}
	if evaluate {
		if _, err := o.Backends.Get(backend.ValsName); err != nil {
			return fail("post-renderer: ", err)
		}
	}
	manifests, err := readCapped(o.In, valsproto.MaxMessage)
	if err != nil {
		return fail("post-renderer: reading the manifests: ", err)
	}
	if first.set() {
		if manifests, err = runFirst(ctx, first, manifests, o.ErrOut); err != nil {
			return fail("post-renderer: ", err)
		}
	}
	out := manifests
	if evaluate {
		if out, err = o.Backends.Vals.Manifests(ctx, manifests, decode); err != nil {
			return fail("post-renderer: ", err)
		}
		if sock := settings.Load().RedactSocket; sock != "" {
			// The wrapper masks helm's output: it must know the evaluated
			// values before helm gets them, or nothing goes to helm.
			if err := registerEvaluated(sock, manifests, out); err != nil {
				return fail("post-renderer: cannot hand the evaluated values to the redaction of helm's output: ", err)
			}
		}
	}
	if check {
		// Last: the check sees what helm sends to the cluster.
		if err := checkPlacement(settings.Load().PlacementSocket, out); err != nil {
			return fail("post-renderer: ", err)
		}
	}
	_, err = o.Out.Write(out)
	return err
}

// runFirst runs the user's post-renderer on the manifests, as helm would
// have: its stdout is the result, its stderr ours (which Helm 4 does not
// show, as it does not show a post-renderer plugin's). A Helm 4 plugin is
// run as Helm 4 runs it (helmplugin.PostRendererCommand), with its own
// HELM_PLUGIN_NAME and HELM_PLUGIN_DIR.
func runFirst(ctx context.Context, u userPostRenderer, manifests []byte, stderr io.Writer) ([]byte, error) {
	var c *exec.Cmd
	what := u.program
	if u.pluginDir != "" {
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, settings.EnvPostRendererLog+"=") {
				env = append(env, kv)
			}
		}
		pc, err := helmplugin.PostRendererCommand(u.pluginDir, u.args, env)
		if err != nil {
			return nil, fmt.Errorf("your post-renderer: %w", err)
		}
		what = "plugin " + strconv.Quote(pc.Name)
		c = exec.CommandContext(ctx, pc.Path, pc.Args...)
		c.Env = pc.Env
	} else {
		c = exec.CommandContext(ctx, u.program, u.args...)
	}
	c.Stdin = bytes.NewReader(manifests)
	out := &bounds.Buffer{Limit: valsproto.MaxMessage}
	c.Stdout, c.Stderr = out, stderr
	if err := c.Run(); err != nil {
		if out.Over() {
			return nil, fmt.Errorf("your post-renderer %s printed more than %d bytes", what, valsproto.MaxMessage)
		}
		return nil, fmt.Errorf("your post-renderer %s: %w", what, err)
	}
	return out.Bytes(), nil
}

// readCapped reads r, failing beyond limit bytes.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	data, err := bounds.ReadAll(r, limit)
	if errors.Is(err, bounds.ErrTooLarge) {
		return nil, fmt.Errorf("more than %d bytes", limit)
	}
	return data, err
}

// fail is the *Failure of err, its message after what, written to the
// wrapper's message file first.
func fail(what string, err error) error {
	err = fmt.Errorf("%s%w", what, err)
	relay(err.Error())
	return &Failure{Err: err}
}

// relay appends a message for the wrapper (settings.EnvPostRendererLog),
// when it asked for them; the file must exist (we never create one here).
func relay(msg string) {
	p := settings.Load().PostRendererLog
	if p == "" {
		return
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = fmt.Fprintf(f, "%s%s\n", Prefix, strings.ReplaceAll(msg, "\n", "\n"+Prefix))
}

// IsFailure reports whether err is a post-renderer failure (as opposed to
// a failed write of its output).
func IsFailure(err error) bool {
	var f *Failure
	return errors.As(err, &f)
}
