package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/helm/placement"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// maxManifest caps the rendered stream placement reads (a file, stdin or
// helm's output under --check-placement).
const maxManifest = 256 << 20

// placementOptions are the flags of placement.
type placementOptions struct {
	values []string
	output string
	policy string
	minLen int
}

// The exit codes of placement (docs/placement.md).
var (
	errPlacementFindings = &exitError{code: 1} // findings of level error
	errPlacementUsage    = &exitError{code: 2} // bad usage, or an input could not be read or decrypted
)

func newPlacementCmd(a *app) *cobra.Command {
	o := &placementOptions{}
	c := &cobra.Command{
		Use:   "placement -f SECRETS [-f SECRETS...] [flags] [MANIFEST|-]",
		Short: "Report where decrypted values land in rendered manifests",
		RunE: func(c *cobra.Command, args []string) error {
			return a.runPlacement(c.Context(), o, args)
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&o.values, "values", "f", nil, "encrypted values file whose values to look for (repeatable)")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table, json or sarif")
	f.StringVar(&o.policy, "policy", "", "exception file (default: "+placement.PolicyFile+" in the current directory, if present)")
	f.IntVar(&o.minLen, "min-length", placement.DefaultMinLen, "shortest value looked for, in bytes")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json", "sarif"}, cobra.ShellCompDirectiveNoFileComp))
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(a.streams.Stdout, placementUsage) })
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		_ = a.errorf("placement: %v (see: helm secrets placement --help)", err)
		return errPlacementUsage
	})
	return c
}

func (a *app) runPlacement(ctx context.Context, o *placementOptions, args []string) error {
	usage := func(format string, args ...any) error {
		_ = a.errorf(format, args...)
		return errPlacementUsage
	}
	switch o.output {
	case "table", "json", "sarif":
	default:
		return usage("placement: --output must be table, json or sarif, not %q", o.output)
	}
	if len(o.values) == 0 {
		return usage("placement: at least one -f SECRETS file is required")
	}
	if len(args) > 1 {
		return usage("placement: one manifest at most")
	}
	policy, err := loadPlacementPolicy(o.policy)
	if err != nil {
		return usage("placement: %v", err)
	}
	name := "-"
	if len(args) == 1 {
		name = args[0]
	}
	var manifest []byte
	if name == "-" {
		manifest, err = io.ReadAll(io.LimitReader(a.streams.Stdin, maxManifest+1))
		if err == nil && len(manifest) > maxManifest {
			err = fmt.Errorf("over %d MiB", maxManifest>>20)
		}
	} else {
		manifest, err = bounds.ReadFile(name, maxManifest)
	}
	if err != nil {
		return usage("placement: reading the manifest %s: %v", name, err)
	}
	var pts []wrapper.Plaintext
	for _, f := range o.values {
		plain, err := a.decryptValuesFile(ctx, f)
		if err != nil {
			return err
		}
		pts = append(pts, wrapper.Plaintext{Source: f, Values: true, Content: plain})
	}
	r, err := placement.Run(placement.Options{Manifest: manifest, Secrets: redactSecrets(pts, os.ReadFile), MinLen: o.minLen, Policy: policy})
	if err != nil {
		return usage("placement: %v", err)
	}
	if len(r.Skipped) > 0 {
		a.debugf("not looked for (shorter than %d bytes or too common): %d value(s)", o.minLen, len(r.Skipped))
	}
	sarifName := "manifest.yaml"
	if name != "-" {
		sarifName = name
	}
	switch o.output {
	case "json":
		err = placement.WriteJSON(a.streams.Stdout, r)
	case "sarif":
		err = placement.WriteSARIF(a.streams.Stdout, r, sarifName, version)
	default:
		err = placement.WriteTable(a.streams.Stdout, r)
	}
	if err != nil {
		return usage("placement: writing the report: %v", err)
	}
	if r.Errors() > 0 {
		return errPlacementFindings
	}
	return nil
}

// loadPlacementPolicy reads the exception file: path, or PolicyFile in
// the current directory when present (a regular file, not a link); nil
// when there is none.
func loadPlacementPolicy(path string) (*placement.Policy, error) {
	if path == "" {
		st, err := os.Lstat(placement.PolicyFile)
		if err != nil || !st.Mode().IsRegular() {
			return nil, nil
		}
		path = placement.PolicyFile
	}
	return placement.LoadPolicy(path)
}

// decryptValuesFile decrypts a local encrypted values file for placement,
// recording the audit event. Errors are reported (the file's name, never
// its content).
func (a *app) decryptValuesFile(ctx context.Context, file string) ([]byte, error) {
	if err := pathpolicy.FromEnv().Check(file); err != nil {
		return nil, usageError(a.errorf("%v", err))
	}
	if err := a.requireFile(file); err != nil {
		return nil, usageError(err)
	}
	ctx, rec := a.keyRecord(ctx)
	var (
		plain []byte
		err   error
	)
	if a.sopsBackend() {
		plain, err = a.engine.DecryptFile(ctx, file)
	} else {
		var data []byte
		if data, err = a.engine.ReadRaw(file); err == nil {
			plain, err = a.backend.Decrypt(ctx, data, encrypt.FormatAuto)
		}
	}
	switch {
	case errors.Is(err, encrypt.ErrNotEncrypted):
		return nil, usageError(a.errorf("placement: %s is not encrypted: pass the encrypted values files", file))
	case err != nil:
		_ = a.recordDecrypt("placement", file, rec, err)
		return nil, usageError(a.errorf("placement: decrypting %s: %v", file, err))
	}
	if err := a.recordDecrypt("placement", file, rec, nil); err != nil {
		return nil, usageError(err)
	}
	return plain, nil
}

// usageError turns a reported error into placement's exit code 2.
func usageError(error) error { return errPlacementUsage }

// placementCheck is the --check-placement check of helm's output: a copy
// of what helm writes to stdout, up to maxManifest bytes.
type placementCheck struct {
	mode    string // warn or error
	policy  *placement.Policy
	secrets []redact.Secret
	buf     bytes.Buffer
	over    bool
}

// tee returns a writer that copies helm's stdout to the check, then to w.
func (p *placementCheck) tee(w io.Writer) io.Writer { return &teeWriter{p: p, w: w} }

type teeWriter struct {
	p *placementCheck
	w io.Writer
}

func (t *teeWriter) Write(b []byte) (int, error) {
	if !t.p.over {
		if t.p.buf.Len()+len(b) > maxManifest {
			t.p.over = true
			t.p.buf = bytes.Buffer{}
		} else {
			t.p.buf.Write(b)
		}
	}
	return t.w.Write(b)
}

// finish runs the check on what helm printed, reports it on stderr and
// returns the error of error mode (exit code 1) when there are findings
// of level error.
func (a *app) finishPlacement(p *placementCheck) error {
	defer func() { p.buf = bytes.Buffer{} }()
	if p.over {
		if p.mode == "error" {
			return a.errorf("placement check: helm's output is over %d MiB: not checked", maxManifest>>20)
		}
		fmt.Fprintf(a.streams.Stderr, "%sPlacement check: helm's output is over %d MiB: not checked\n", prefix, maxManifest>>20)
		return nil
	}
	r, err := placement.Run(placement.Options{Manifest: p.buf.Bytes(), Secrets: p.secrets, Policy: p.policy})
	if err != nil {
		return a.errorf("placement check: %v", err)
	}
	if len(r.Findings) == 0 {
		a.infof("Placement check: no findings (%d value(s), %d in Secrets, %d accepted)", r.Secrets, r.InSecrets, len(r.Accepted))
		return nil
	}
	// Findings are printed even when quiet: they are warnings or errors.
	fmt.Fprintf(a.streams.Stderr, "%sPlacement check (%s mode): decrypted values outside Secrets (see docs/placement.md)\n", prefix, p.mode)
	_ = placement.WriteTable(a.streams.Stderr, r)
	if p.mode == "error" && r.Errors() > 0 {
		return a.errorf("placement check failed: %d finding(s)", r.Errors())
	}
	return nil
}

const placementUsage = `helm secrets [ OPTIONS ] placement -f SECRETS [ -f SECRETS... ] [ flags ] [ MANIFEST | - ]

Report where decrypted values land in rendered manifests

Reads a rendered manifest stream (MANIFEST, or stdin for - or none), such as
helm template prints, decrypts the -f values files in memory and reports
every place a decrypted value (a leaf of a values file, at least --min-length
bytes; as is, escaped, base64-encoded at any alignment or folded) lands
outside a Secret's data or stringData:
  configmap        a ConfigMap's data or binaryData (error)
  env-literal      a container's env[].value (error)
  container-args   a container's args or command (error)
  metadata         metadata annotations or labels, at any depth (error)
  other-field      any other field of any kind, CRDs too, or a map key (error)
  notes            the chart's notes, after a NOTES: line (error)
  unparsed         a comment, or a document that is not YAML (error)
  secret-env       a Secret holding a decrypted value is read through
                   env[].valueFrom.secretKeyRef or envFrom (warning: prefer a
                   volume mount)
Each finding names the values file and key path, the resource and the field,
never the value.

Flags:
  -f, --values FILE              encrypted values file (repeatable, required)
  -o, --output table|json|sarif  report format (default table; sarif is SARIF 2.1.0)
      --policy FILE              exception file (default: .helm-secrets-placement.yaml
                                 in the current directory, if present)
      --min-length N             shortest value looked for (default 6)

Exit codes: 0 no findings of level error (warnings and accepted findings
allowed), 1 findings, 2 usage error, unreadable input or a file that does
not decrypt.

Example:
  $ helm secrets template app ./chart -f secrets.yaml | helm secrets placement -f secrets.yaml
  $ helm secrets --check-placement=error template app ./chart -f secrets.yaml

`
