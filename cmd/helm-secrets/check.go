package main

import (
	"fmt"

	"github.com/spf13/cobra"

	checkcmd "github.com/helm-secrets/helm-secrets/internal/cmd/check"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
)

func newCheckCmd(f *cmdutil.Factory) *cobra.Command {
	o := &checkcmd.Options{}
	c := &cobra.Command{
		Use:   "check [flags] [PATH...]",
		Short: "Check the repository's secrets files against .sops.yaml",
		RunE: func(c *cobra.Command, args []string) error {
			o.Factory, o.Paths = f, args
			return checkcmd.Run(c.Context(), o)
		},
	}
	fs := c.Flags()
	fs.StringVarP(&o.Output, "output", "o", "table", "output format: table, json or sarif")
	fs.StringVar(&o.MaxAge, "max-age", "", "report data keys last rotated longer ago (90d, 2160h)")
	fs.BoolVar(&o.Heuristics, "plaintext-heuristics", false, "report plaintext values in unencrypted YAML/JSON files that look like secrets")
	fs.StringVar(&o.AllowList, "allow-list", "", "allow-list for --plaintext-heuristics (default: "+checkcmd.DefaultAllowList+" in the root, if present)")
	fs.BoolVar(&o.NoDecrypt, "no-decrypt", false, "structural checks only: never decrypt to verify MACs")
	fs.StringVar(&o.Root, "root", "", "repository root (default: the git work tree of the current directory, else the current directory)")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json", "sarif"}, cobra.ShellCompDirectiveNoFileComp))
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(f.IO.Out, checkcmd.Usage) })
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		_ = f.Errorf("check: %v (see: helm secrets check --help)", err)
		return checkcmd.ErrUsage
	})
	return c
}
