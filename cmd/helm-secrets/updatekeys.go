package main

import (
	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/filetree"
	"github.com/helm-secrets/helm-secrets/internal/cmd/updatekeys"
)

func newUpdateKeysCmd(f *cmdutil.Factory) *cobra.Command {
	var tree filetree.Options
	c := fileCommand(f, "updatekeys FILE | updatekeys -r [--dry-run] FILE|DIR...", "Update the recipients of secrets file from .sops.yaml", updatekeys.Usage, false,
		func(c *cobra.Command, file string) error {
			return updatekeys.Run(c.Context(), &updatekeys.Options{Factory: f, File: file})
		})
	c.Flags().BoolVarP(&tree.Recursive, "recursive", "r", false, "update every encrypted file below the directories")
	c.Flags().BoolVar(&tree.DryRun, "dry-run", false, "report what would change, write nothing")
	oneFile := c.RunE
	c.RunE = func(c *cobra.Command, args []string) error {
		if len(args) > 0 && tree.TreeMode(args) {
			return updatekeys.RunTree(c.Context(), &updatekeys.TreeOptions{Factory: f, Paths: args, DryRun: tree.DryRun})
		}
		return oneFile(c, args)
	}
	return c
}
