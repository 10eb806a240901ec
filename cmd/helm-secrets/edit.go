package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/cmd/edit"
)

func newEditCmd(f *cmdutil.Factory) *cobra.Command {
	return fileCommand(f, "edit FILE", "Edit secrets file and encrypt afterwards", edit.Usage, false,
		func(c *cobra.Command, file string) error {
			// os.Executable: its main runs the guard.
			return edit.Main(c.Context(), &edit.Options{Factory: f, File: file, GuardExecutable: os.Executable})
		})
}
