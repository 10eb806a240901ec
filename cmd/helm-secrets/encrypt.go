package main

import (
	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	encryptcmd "github.com/helm-secrets/helm-secrets/internal/cmd/encrypt"
)

func newEncryptCmd(f *cmdutil.Factory) *cobra.Command {
	o := &encryptcmd.Options{}
	c := fileCommand(f, "encrypt [-i] FILE", "Encrypt secrets file", encryptcmd.Usage, false,
		func(c *cobra.Command, file string) error {
			o.Factory, o.File = f, file
			return encryptcmd.Run(c.Context(), o)
		})
	c.Flags().BoolVarP(&o.InPlace, "in-place", "i", false, "encrypt the file in place")
	return c
}

// newEncCmd: helm-secrets 3.x "enc FILE" = encrypt in place.
func newEncCmd(f *cmdutil.Factory) *cobra.Command {
	return fileCommand(f, "enc FILE", "Encrypt secrets file in place (legacy)", encryptcmd.EncUsage, true,
		func(c *cobra.Command, file string) error {
			return encryptcmd.Run(c.Context(), &encryptcmd.Options{Factory: f, File: file, InPlace: true})
		})
}
