package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/helmwrap"
	placementcmd "github.com/helm-secrets/helm-secrets/internal/cmd/placement"
	"github.com/helm-secrets/helm-secrets/internal/helm/placement"
	"github.com/helm-secrets/helm-secrets/internal/helm/redact"
	"github.com/helm-secrets/helm-secrets/internal/helm/wrapper"
)

func newPlacementCmd(f *cmdutil.Factory) *cobra.Command {
	o := &placementcmd.Options{}
	c := &cobra.Command{
		Use:   "placement -f SECRETS [-f SECRETS...] [flags] [MANIFEST|-]",
		Short: "Report where decrypted values land in rendered manifests",
		RunE: func(c *cobra.Command, args []string) error {
			return runPlacement(c.Context(), f, *o, args)
		},
	}
	fs := c.Flags()
	fs.StringArrayVarP(&o.Values, "values", "f", nil, "encrypted values file whose values to look for (repeatable)")
	fs.StringVarP(&o.Output, "output", "o", "table", "output format: table, json or sarif")
	fs.StringVar(&o.Policy, "policy", "", "exception file (default: "+placement.PolicyFile+" in the current directory, if present)")
	fs.IntVar(&o.MinLen, "min-length", placement.DefaultMinLen, "shortest value looked for, in bytes")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json", "sarif"}, cobra.ShellCompDirectiveNoFileComp))
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(f.IO.Out, placementcmd.Usage) })
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		_ = f.Errorf("placement: %v (see: helm secrets placement --help)", err)
		return placementcmd.ExitUsage
	})
	return c
}

// runPlacement runs placementcmd.Main; the values to look for are the
// decrypted files' leaves that redaction would mask.
func runPlacement(ctx context.Context, f *cmdutil.Factory, o placementcmd.Options, args []string) error {
	o.Args = args
	o.Secrets = func(files []placementcmd.DecryptedFile) []redact.Secret {
		pts := make([]wrapper.Plaintext, 0, len(files))
		for _, df := range files {
			pts = append(pts, wrapper.Plaintext{Source: df.Name, Values: true, Content: df.Content})
		}
		return helmwrap.RedactSecrets(pts, helmwrap.ReadSource)
	}
	return placementcmd.Main(ctx, f, o)
}
