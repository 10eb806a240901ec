package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newPatchCmd: the shell plugin rewrote its plugin.yaml for Windows; a
// native binary has nothing to patch, but setup scripts still call it.
func newPatchCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:       "patch unix|windows",
		Short:     "Accepted for compatibility; does nothing",
		Args:      cobra.ArbitraryArgs,
		ValidArgs: []string{"unix", "windows"},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				fmt.Fprint(a.streams.Stdout, patchUsage)
				return errReported
			}
			switch args[0] {
			case "unix", "windows":
				a.debugf("patch %s: nothing to do", args[0])
				return nil
			case "help":
				fmt.Fprint(a.streams.Stdout, patchUsage)
				return nil
			}
			return a.errorf("Unknown enable option %s", args[0])
		},
	}
	c.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprint(a.streams.Stdout, patchUsage) })
	return c
}
