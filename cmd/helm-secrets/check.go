package main

import (
	"fmt"

	"github.com/spf13/cobra"

	checkcmd "github.com/helm-secrets/helm-secrets/internal/cmd/check"
)

func newCheckCmd(a *app) *cobra.Command {
	o := &checkcmd.Options{}
	c := &cobra.Command{
		Use:   "check [flags] [PATH...]",
		Short: "Check the repository's secrets files against .sops.yaml",
		RunE: func(c *cobra.Command, args []string) error {
			o.Factory, o.Paths = a.factory(), args
			return checkcmd.Run(c.Context(), o)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Output, "output", "o", "table", "output format: table, json or sarif")
	f.StringVar(&o.MaxAge, "max-age", "", "report data keys last rotated longer ago (90d, 2160h)")
	f.BoolVar(&o.Heuristics, "plaintext-heuristics", false, "report plaintext values in unencrypted YAML/JSON files that look like secrets")
	f.StringVar(&o.AllowList, "allow-list", "", "allow-list for --plaintext-heuristics (default: "+checkcmd.DefaultAllowList+" in the root, if present)")
	f.BoolVar(&o.NoDecrypt, "no-decrypt", false, "structural checks only: never decrypt to verify MACs")
	f.StringVar(&o.Root, "root", "", "repository root (default: the git work tree of the current directory, else the current directory)")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json", "sarif"}, cobra.ShellCompDirectiveNoFileComp))
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(a.streams.Stdout, checkcmd.Usage) })
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		_ = a.errorf("check: %v (see: helm secrets check --help)", err)
		return checkcmd.ErrUsage
	})
	return c
}
