package main

import (
	"fmt"

	"github.com/spf13/cobra"

	cleancmd "github.com/helm-secrets/helm-secrets/internal/cmd/clean"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
)

// newCleanCmd: helm-secrets 3.x "clean DIR" removed the decrypted files it
// had left behind. We never write them, but users migrating from the shell
// plugin may still have some.
func newCleanCmd(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:    "clean DIR",
		Short:  "Remove decrypted .dec files left by the shell plugin (legacy)",
		Hidden: true,
		Args:   cobra.ArbitraryArgs,
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return nil, cobra.ShellCompDirectiveFilterDirs
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 && args[0] == "help" {
				fmt.Fprint(f.IO.Out, cleancmd.Usage)
				return nil
			}
			if len(args) == 0 || args[0] == "" {
				fmt.Fprint(f.IO.Out, cleancmd.Usage)
				fmt.Fprintln(f.IO.Out, "Error: directory required.")
				return errReported
			}
			return cleancmd.Run(c.Context(), &cleancmd.Options{Factory: f, Dir: args[0]})
		},
	}
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(f.IO.Out, cleancmd.Usage) })
	return c
}
