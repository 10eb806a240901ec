// Package placement is the `helm secrets placement` command (Options +
// Run) and the --check-placement check of the wrapper (Check): both find
// where decrypted values land in rendered manifests
// (internal/helm/placement) and report it by values file, key path,
// resource and field, never by value.
package placement

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	hplacement "github.com/helm-secrets/helm-secrets/internal/helm/placement"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
)

// MaxManifest caps the rendered stream placement reads (a file, stdin or
// helm's output under --check-placement).
const MaxManifest = 256 << 20

// Prefix starts every message of ours, as in the shell plugin.
const Prefix = "[helm-secrets] "

// Options are the inputs of the placement command.
type Options struct {
	// Values are the encrypted values files whose values to look for
	// (-f, at least one).
	Values []string
	// Output is the report format: table, json or sarif.
	Output string
	// Policy is the exception file ("": PolicyFile in the current
	// directory, if present).
	Policy string
	// MinLen is the shortest value looked for, in bytes.
	MinLen int
	// Args are the positional arguments: the manifest file, "-" or none
	// (stdin).
	Args []string
	// Decrypt decrypts one values file in memory. Its error is reported
	// as it is (it names the file, never its content); one that wraps
	// ErrReported was printed already.
	Decrypt func(ctx context.Context, file string) ([]byte, error)
	// Secrets turns the decrypted files into the values looked for
	// (the wrapper's redaction set: every leaf of a values file).
	Secrets func(files []DecryptedFile) []redact.Secret
	// Version names the tool in a SARIF report.
	Version string
	// Debugf prints a debug line (nil: none).
	Debugf func(format string, args ...any)
	// In is read for "-"; Out gets the report.
	In  io.Reader
	Out io.Writer
}

// DecryptedFile is one decrypted values file.
type DecryptedFile struct {
	Name    string
	Content []byte
}

// ErrFindings is Run's result when there are findings of level error
// (exit code 1); the report says what they are.
var ErrFindings = errors.New("placement: findings")

// ErrReported marks an error that was printed already.
var ErrReported = errors.New("reported")

// UsageError is a usage error, an unreadable input or a file that does
// not decrypt (exit code 2); Err is the message to print (unless it
// wraps ErrReported).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usage(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// Run is `helm secrets placement`: it reads the manifest, decrypts the
// values files in memory and writes the report. It returns nil (no
// findings of level error), ErrFindings, or a *UsageError.
func Run(ctx context.Context, o Options) error {
	switch o.Output {
	case "table", "json", "sarif":
	default:
		return usage("placement: --output must be table, json or sarif, not %q", o.Output)
	}
	if len(o.Values) == 0 {
		return usage("placement: at least one -f SECRETS file is required")
	}
	if len(o.Args) > 1 {
		return usage("placement: one manifest at most")
	}
	policy, err := LoadPolicy(o.Policy)
	if err != nil {
		return usage("placement: %v", err)
	}
	name := "-"
	if len(o.Args) == 1 {
		name = o.Args[0]
	}
	var manifest []byte
	if name == "-" {
		manifest, err = bounds.ReadAll(o.In, MaxManifest)
		if errors.Is(err, bounds.ErrTooLarge) {
			err = fmt.Errorf("over %d MiB", MaxManifest>>20)
		}
	} else {
		manifest, err = bounds.ReadFile(name, MaxManifest)
	}
	if err != nil {
		return usage("placement: reading the manifest %s: %v", name, err)
	}
	var files []DecryptedFile
	for _, f := range o.Values {
		plain, err := o.Decrypt(ctx, f)
		if err != nil {
			return &UsageError{Err: err}
		}
		files = append(files, DecryptedFile{Name: f, Content: plain})
	}
	r, err := hplacement.Run(hplacement.Options{Manifest: manifest, Secrets: o.Secrets(files), MinLen: o.MinLen, Policy: policy})
	if err != nil {
		return usage("placement: %v", err)
	}
	if len(r.Skipped) > 0 && o.Debugf != nil {
		o.Debugf("not looked for (shorter than %d bytes or too common): %d value(s)", o.MinLen, len(r.Skipped))
	}
	sarifName := "manifest.yaml"
	if name != "-" {
		sarifName = name
	}
	switch o.Output {
	case "json":
		err = hplacement.WriteJSON(o.Out, r)
	case "sarif":
		err = hplacement.WriteSARIF(o.Out, r, sarifName, o.Version)
	default:
		err = hplacement.WriteTable(o.Out, r)
	}
	if err != nil {
		return usage("placement: writing the report: %v", err)
	}
	if r.Errors() > 0 {
		return ErrFindings
	}
	return nil
}

// LoadPolicy reads the exception file: path, or PolicyFile in the
// current directory when present (a regular file, not a link); nil when
// there is none.
func LoadPolicy(path string) (*hplacement.Policy, error) {
	if path == "" {
		st, err := os.Lstat(hplacement.PolicyFile)
		if err != nil || !st.Mode().IsRegular() {
			return nil, nil
		}
		path = hplacement.PolicyFile
	}
	return hplacement.LoadPolicy(path)
}
