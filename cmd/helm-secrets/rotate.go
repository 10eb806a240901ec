package main

import (
	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/filetree"
	"github.com/helm-secrets/helm-secrets/internal/cmd/rotate"
)

func newRotateCmd(f *cmdutil.Factory) *cobra.Command {
	o := &rotate.Options{}
	var tree filetree.Options
	c := fileCommand(f, "rotate [-i] FILE | rotate -r [--dry-run] FILE|DIR...", "Re-encrypt secrets file with a new data key", rotate.Usage, false,
		func(c *cobra.Command, file string) error {
			o.Factory, o.File = f, file
			return rotate.Run(c.Context(), o)
		})
	c.Flags().BoolVarP(&o.InPlace, "in-place", "i", false, "rotate the file in place")
	c.Flags().BoolVarP(&tree.Recursive, "recursive", "r", false, "rotate every encrypted file below the directories, in place")
	c.Flags().BoolVar(&tree.DryRun, "dry-run", false, "with -r: report what would be rotated, write nothing")
	oneFile := c.RunE
	c.RunE = func(c *cobra.Command, args []string) error {
		if len(args) > 0 && tree.TreeMode(args) {
			return rotate.RunTree(c.Context(), &rotate.TreeOptions{Factory: f, Paths: args, DryRun: tree.DryRun})
		}
		return oneFile(c, args)
	}
	return c
}
