package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/foundation/settings"
	"github.com/helm-secrets/helm-secrets/internal/helm/helmplugin"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/lean/delivery"
)

// valsSession is the run's helm-secrets-vals process (started on first
// use): one vals runtime, one cache, for every file, literal and manifest.
func (a *app) valsSession() *valsproto.Session {
	return valsproto.NewSession(valsproto.Options{
		Binary: pluginenv.ValsBinary(),
		Policy: pluginenv.ValsPolicy(),
		Stderr: a.streams.Stderr,
		Debug:  a.debug,
		Quiet:  func() bool { return a.opts.quiet },
		Warn:   a.warnValsAll,
	})
}

// valsAllWarned makes the HELM_SECRETS_VALS_PROVIDERS=all warning once
// per process.
var valsAllWarned sync.Once

// warnValsAll prints the HELM_SECRETS_VALS_PROVIDERS=all warning once,
// unless quiet (-q, HELM_SECRETS_QUIET) or in Argo CD: from the wrapper
// when it appends our post-renderer or evaluates itself, from the getter.
// The post-renderer itself stays silent (runPostRenderer): helm shows its
// stderr only when it fails, and the wrapper has warned.
func (a *app) warnValsAll(msg string) {
	if settings.Load().ArgoCD || a.opts.quiet {
		return
	}
	valsAllWarned.Do(func() { fmt.Fprintf(a.streams.Stderr, "%sWarning: %s\n", prefix, msg) })
}

// Our post-renderer's own arguments: the user's --post-renderer (and its
// --post-renderer-args), which runs first, on the manifests as helm
// rendered them; ours then evaluates what it printed. On Helm 3 the
// user's is a program (--run-first PATH), on Helm 4 a postrenderer/v1
// plugin (--run-first-plugin DIR, its folder, which the wrapper found).
const (
	argRunFirst       = "--run-first"
	argRunFirstPlugin = "--run-first-plugin"
	argRunFirstArg    = "--run-first-arg"
)

// userPostRenderer is the user's own post-renderer, which ours runs first.
type userPostRenderer struct {
	program   string   // Helm 3: the --post-renderer program
	pluginDir string   // Helm 4: the --post-renderer plugin's folder
	args      []string // its --post-renderer-args
}

func (u userPostRenderer) set() bool { return u.program != "" || u.pluginDir != "" }

// runPostRenderer is the post-renderer of --evaluate-templates: on Helm 3
// helm runs this binary (--post-renderer PATH), on Helm 4 the
// secrets-post-renderer plugin, which runs `helm-secrets post-renderer`.
// Helm writes the rendered manifests to stdin and reads the post-rendered
// ones from stdout. The ref+ expressions in them are evaluated with vals
// (the vals backend must be allowed); manifests without one come out byte
// for byte as they went in. Any failure exits non-zero with a message
// naming the manifest and key path, never a value, and prints nothing on
// stdout, so helm stops.
//
// Arguments: the shell plugin's (--backend NAME, --backend-args ARGS,
// --debug, "secrets", "post-renderer", --evaluate-templates-decode-secrets
// [true|false]) and ours (--run-first PATH or --run-first-plugin DIR, then
// --run-first-arg ARG). Anything else is refused.
func (a *app) runPostRenderer(ctx context.Context, args []string) error {
	valsAllWarned.Do(func() {}) // the wrapper that appended us has warned
	decode := a.opts.evaluateTemplatesDecodeSecrets
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
			return a.postRendererFail("%v", err)
		}
	}
	if _, err := a.backends.Get(backend.ValsName); err != nil {
		return a.postRendererFail("post-renderer: %v", err)
	}
	manifests, err := readCapped(a.streams.Stdin, valsproto.MaxMessage)
	if err != nil {
		return a.postRendererFail("post-renderer: reading the manifests: %v", err)
	}
	if first.set() {
		if manifests, err = a.runFirst(ctx, first, manifests); err != nil {
			return a.postRendererFail("post-renderer: %v", err)
		}
	}
	out, err := a.backends.Vals.Manifests(ctx, manifests, decode)
	if err != nil {
		return a.postRendererFail("post-renderer: %v", err)
	}
	if sock := settings.Load().RedactSocket; sock != "" {
		// The wrapper masks helm's output: it must know the evaluated
		// values before helm gets them, or nothing goes to helm.
		if err := registerEvaluated(sock, manifests, out); err != nil {
			return a.postRendererFail("post-renderer: cannot hand the evaluated values to the redaction of helm's output: %v", err)
		}
	}
	_, err = a.streams.Stdout.Write(out)
	return err
}

// runFirst runs the user's post-renderer on the manifests, as helm would
// have: its stdout is the result, its stderr ours (which Helm 4 does not
// show, as it does not show a post-renderer plugin's). A Helm 4 plugin is
// run as Helm 4 runs it (helmplugin.PostRendererCommand), with its own
// HELM_PLUGIN_NAME and HELM_PLUGIN_DIR.
func (a *app) runFirst(ctx context.Context, u userPostRenderer, manifests []byte) ([]byte, error) {
	var c *exec.Cmd
	what := u.program
	if u.pluginDir != "" {
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, envPostRendererLog+"=") {
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
	c.Stdout, c.Stderr = out, a.streams.Stderr
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
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("more than %d bytes", limit)
	}
	return data, nil
}

// postRendererArgs adds our post-renderer to a helm command line for
// --evaluate-templates, after the shell plugin's fashion (appended last):
// on Helm 3 this binary, on Helm 4 the secrets-post-renderer plugin. A
// --post-renderer of the user's (helm takes only one) is taken out with
// its --post-renderer-args and handed to ours, which runs it first: on
// Helm 3 a program, on Helm 4 a postrenderer/v1 plugin, looked up here in
// HELM_PLUGINS as helm would, so a missing one fails before helm starts.
func (a *app) postRendererArgs(ctx context.Context, helm string, args []string) ([]string, error) {
	if !a.opts.evaluateTemplates {
		return args, nil
	}
	if _, err := a.backends.Get(backend.ValsName); err != nil {
		return nil, err
	}
	if w := pluginenv.ValsPolicy().Warning(); w != "" {
		a.warnValsAll(w)
	}
	rest, user, userArgs := takePostRenderer(args)
	major, err := helmMajor(ctx, helm)
	if err != nil {
		return nil, err
	}
	var ours []string
	userFlag := argRunFirst
	if major >= 4 {
		if user != "" {
			dir, err := helmplugin.FindPostRenderer(a.helmPluginDirs(ctx, helm), user)
			if err != nil {
				return nil, fmt.Errorf("--evaluate-templates: your --post-renderer: %w", err)
			}
			user, userFlag = dir, argRunFirstPlugin
		}
		rest = append(rest, "--post-renderer", "secrets-post-renderer")
		if err := a.relayPostRendererMessages(); err != nil {
			return nil, err
		}
	} else {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		rest = append(rest, "--post-renderer", self)
		ours = append(ours, "post-renderer")
	}
	if a.opts.evaluateTemplatesDecodeSecrets {
		ours = append(ours, "--evaluate-templates-decode-secrets")
	}
	if user != "" {
		ours = append(ours, userFlag, user)
		for _, u := range userArgs {
			ours = append(ours, argRunFirstArg, u)
		}
	}
	for _, o := range ours {
		rest = append(rest, "--post-renderer-args", o)
	}
	return insertBeforeDashes(args, rest), nil
}

// helmPluginDirs are helm's plugin folders: HELM_PLUGINS (helm sets it
// for plugins), else what `helm env HELM_PLUGINS` says.
func (a *app) helmPluginDirs(ctx context.Context, helm string) []string {
	if v := os.Getenv("HELM_PLUGINS"); v != "" {
		return filepath.SplitList(v)
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, helm, "env", "HELM_PLUGINS").Output()
	if err != nil {
		a.debugf("helm env HELM_PLUGINS: %v", err)
		return nil
	}
	return filepath.SplitList(strings.TrimSpace(string(out)))
}

// takePostRenderer removes --post-renderer and --post-renderer-args (both
// forms) from the helm arguments before "--".
func takePostRenderer(args []string) (rest []string, user string, userArgs []string) {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return rest, user, userArgs
		}
		name, val, hasVal := strings.Cut(arg, "=")
		if name != "--post-renderer" && name != "--post-renderer-args" {
			rest = append(rest, arg)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				rest = append(rest, arg)
				continue
			}
			i++
			val = args[i]
		}
		if name == "--post-renderer" {
			user = val
		} else {
			userArgs = append(userArgs, val)
		}
	}
	return rest, user, userArgs
}

// insertBeforeDashes is rest (args before "--", rewritten) followed by
// args' own "--" and what follows it.
func insertBeforeDashes(args, rest []string) []string {
	for i, a := range args {
		if a == "--" {
			return append(rest, args[i:]...)
		}
	}
	return rest
}

// helmMajor asks helm for its major version (only --evaluate-templates
// needs it: the post-renderer flag means a path on Helm 3 and a plugin on
// Helm 4).
func helmMajor(ctx context.Context, helm string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, helm, "version", "--template", "{{.Version}}").Output()
	if err != nil {
		return 0, fmt.Errorf("--evaluate-templates: %s version: %w", helm, err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	switch {
	case strings.HasPrefix(v, "3."):
		return 3, nil
	case strings.HasPrefix(v, "4."):
		return 4, nil
	}
	return 0, errors.New("--evaluate-templates: cannot tell helm's version from " + fmt.Sprintf("%q", v))
}

// envPostRendererLog names the file a Helm 4 post-renderer plugin writes
// its error messages to: Helm 4 does not show a post-renderer plugin's
// stderr, so the wrapper that started helm prints them after it. They
// name manifests and key paths, never values.
const envPostRendererLog = settings.EnvPostRendererLog

// relayPostRendererMessages creates the private message file of
// envPostRendererLog for this run, in a private directory of the kind
// that holds the pipe paths (delivery.NewPrivateDir): named after our PID,
// so the next run removes it if we are killed before printRelayed does.
func (a *app) relayPostRendererMessages() error {
	dir, err := delivery.NewPrivateDir()
	if err != nil {
		return err
	}
	p := filepath.Join(dir, "post-renderer.log")
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		_ = os.RemoveAll(dir)
		return err
	}
	f.Close()
	a.postRendererLog = p
	return os.Setenv(envPostRendererLog, p)
}

// printRelayed prints what the post-renderer plugin reported and removes
// the file and its directory.
func (a *app) printRelayed() {
	if a.postRendererLog == "" {
		return
	}
	if b, err := os.ReadFile(a.postRendererLog); err == nil && len(b) > 0 {
		_, _ = a.streams.Stderr.Write(b)
	}
	_ = os.RemoveAll(filepath.Dir(a.postRendererLog))
	os.Unsetenv(envPostRendererLog)
	a.postRendererLog = ""
}

// postRendererFail reports a post-renderer failure on stderr and, for a
// wrapper on Helm 4, in its message file.
func (a *app) postRendererFail(format string, args ...any) error {
	relayed(fmt.Sprintf(format, args...))
	return a.errorf(format, args...)
}

// relayed appends a message for the wrapper (envPostRendererLog), when
// it asked for them; the file must exist (we never create one here).
func relayed(msg string) {
	p := settings.Load().PostRendererLog
	if p == "" {
		return
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = fmt.Fprintf(f, "%s%s\n", prefix, strings.ReplaceAll(msg, "\n", "\n"+prefix))
}

// envRedactSocket names the socket on which a wrapper that masks helm's
// output learns the values the post-renderer evaluated (--evaluate-templates
// with redaction on): the post-renderer sends them, waits for the
// wrapper's "ok", and only then hands the manifests to helm, so the
// wrapper's filter knows them before helm prints them. A Unix socket in a
// private 0700 directory: the values travel through the kernel, never a
// file.
const envRedactSocket = settings.EnvRedactSocket

// maxEvaluated bounds what a post-renderer may send (the values of one
// manifest set, which valsproto.MaxMessage bounds already).
const maxEvaluated = 2 * valsproto.MaxMessage

// serveEvaluated listens on envRedactSocket for the values a post-renderer
// of this run evaluates and adds them to set. stop closes the listener and
// removes the socket's directory.
func (a *app) serveEvaluated(set *redact.Set) (stop func(), err error) {
	dir, err := delivery.NewPrivateDir()
	if err != nil {
		return nil, err
	}
	p := filepath.Join(dir, "redact.sock")
	l, err := net.Listen("unix", p)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := os.Setenv(envRedactSocket, p); err != nil {
		l.Close()
		_ = os.RemoveAll(dir)
		return nil, err
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Minute))
				var values []string
				if err := json.NewDecoder(io.LimitReader(c, maxEvaluated)).Decode(&values); err != nil {
					return // no "ok": the post-renderer fails, helm stops
				}
				secrets := make([]redact.Secret, 0, len(values))
				for _, v := range values {
					secrets = append(secrets, redact.Secret{Name: "(evaluated by the post-renderer)", Value: []byte(v)})
				}
				set.Add(secrets)
				_, _ = c.Write([]byte("ok\n"))
			}()
		}
	}()
	return func() {
		l.Close()
		_ = os.RemoveAll(dir)
		os.Unsetenv(envRedactSocket)
	}, nil
}

// registerEvaluated sends the values the post-renderer evaluated (the
// scalars of out that in does not hold, and the decoded form of those that
// are base64) to the wrapper listening on sock, and waits for its "ok".
func registerEvaluated(sock string, in, out []byte) error {
	values := evaluatedValues(in, out)
	if len(values) == 0 {
		return nil
	}
	c, err := net.DialTimeout("unix", sock, 30*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Minute))
	if err := json.NewEncoder(c).Encode(values); err != nil {
		return err
	}
	ack, err := io.ReadAll(io.LimitReader(c, 3))
	if err != nil || string(ack) != "ok\n" {
		return fmt.Errorf("the wrapper did not confirm (%v)", err)
	}
	return nil
}

// evaluatedValues are the scalar values of the manifests out that the
// manifests in do not hold: what the post-renderer evaluated. A value that
// is base64 (a Secret's data) counts decoded too.
func evaluatedValues(in, out []byte) []string {
	if bytes.Equal(in, out) {
		return nil
	}
	had := map[string]bool{}
	for _, l := range redact.Leaves("in", in) {
		had[string(l.Value)] = true
	}
	var values []string
	for _, l := range redact.Leaves("out", out) {
		v := string(l.Value)
		if had[v] {
			continue
		}
		had[v] = true
		values = append(values, v)
		if d, err := base64.StdEncoding.DecodeString(v); err == nil && len(d) > 0 && utf8.Valid(d) {
			values = append(values, string(d))
		}
	}
	return values
}
