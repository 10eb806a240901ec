package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	placementcmd "github.com/helm-secrets/helm-secrets/internal/cmd/placement"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/helm/placement"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// The exit codes of placement (docs/placement.md).
var (
	errPlacementFindings = &exitError{code: 1} // findings of level error
	errPlacementUsage    = &exitError{code: 2} // bad usage, or an input could not be read or decrypted
)

func newPlacementCmd(a *app) *cobra.Command {
	o := &placementcmd.Options{}
	c := &cobra.Command{
		Use:   "placement -f SECRETS [-f SECRETS...] [flags] [MANIFEST|-]",
		Short: "Report where decrypted values land in rendered manifests",
		RunE: func(c *cobra.Command, args []string) error {
			return a.runPlacement(c.Context(), *o, args)
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&o.Values, "values", "f", nil, "encrypted values file whose values to look for (repeatable)")
	f.StringVarP(&o.Output, "output", "o", "table", "output format: table, json or sarif")
	f.StringVar(&o.Policy, "policy", "", "exception file (default: "+placement.PolicyFile+" in the current directory, if present)")
	f.IntVar(&o.MinLen, "min-length", placement.DefaultMinLen, "shortest value looked for, in bytes")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json", "sarif"}, cobra.ShellCompDirectiveNoFileComp))
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(a.streams.Stdout, placementUsage) })
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		_ = a.errorf("placement: %v (see: helm secrets placement --help)", err)
		return errPlacementUsage
	})
	return c
}

// runPlacement runs placementcmd.Run with this run's streams, decryption
// and audit trail, and maps its result to the exit codes.
func (a *app) runPlacement(ctx context.Context, o placementcmd.Options, args []string) error {
	o.Args = args
	o.Decrypt = a.decryptValuesFile
	o.Secrets = func(files []placementcmd.DecryptedFile) []redact.Secret {
		pts := make([]wrapper.Plaintext, 0, len(files))
		for _, f := range files {
			pts = append(pts, wrapper.Plaintext{Source: f.Name, Values: true, Content: f.Content})
		}
		return redactSecrets(pts, os.ReadFile)
	}
	o.Version = version
	o.Debugf = a.debugf
	o.In, o.Out = a.streams.Stdin, a.streams.Stdout
	err := placementcmd.Run(ctx, o)
	var ue *placementcmd.UsageError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, placementcmd.ErrFindings):
		return errPlacementFindings
	case errors.As(err, &ue):
		if !errors.Is(ue.Err, placementcmd.ErrReported) {
			_ = a.errorf("%v", ue.Err)
		}
		return errPlacementUsage
	}
	return err
}

// decryptValuesFile decrypts a local encrypted values file for placement,
// recording the audit event. Its errors name the file, never its content;
// those that wrap placementcmd.ErrReported were printed already.
func (a *app) decryptValuesFile(ctx context.Context, file string) ([]byte, error) {
	if err := pathpolicy.FromEnv().Check(file); err != nil {
		return nil, err
	}
	if err := a.requireFile(file); err != nil {
		return nil, placementcmd.ErrReported
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
		return nil, fmt.Errorf("placement: %s is not encrypted: pass the encrypted values files", file)
	case err != nil:
		_ = a.recordDecrypt("placement", file, rec, err)
		return nil, fmt.Errorf("placement: decrypting %s: %w", file, err)
	}
	if err := a.recordDecrypt("placement", file, rec, nil); err != nil {
		return nil, placementcmd.ErrReported
	}
	return plain, nil
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
