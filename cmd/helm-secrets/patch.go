package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
)

// newPatchCmd: the shell plugin rewrote its plugin.yaml for Windows; a
// native binary has nothing to patch, but setup scripts still call it.
func newPatchCmd(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:       "patch unix|windows",
		Short:     "Accepted for compatibility; does nothing",
		Args:      cobra.ArbitraryArgs,
		ValidArgs: []string{"unix", "windows"},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				fmt.Fprint(f.IO.Out, patchUsage)
				return errReported
			}
			switch args[0] {
			case "unix", "windows":
				f.Debugf("patch %s: nothing to do", args[0])
				return nil
			case "help":
				fmt.Fprint(f.IO.Out, patchUsage)
				return nil
			}
			return f.Errorf("Unknown enable option %s", args[0])
		},
	}
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(f.IO.Out, patchUsage) })
	return c
}
