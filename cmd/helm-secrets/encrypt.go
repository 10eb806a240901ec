package main

import (
	"github.com/spf13/cobra"

	encryptcmd "github.com/helm-secrets/helm-secrets/internal/cmd/encrypt"
)

func newEncryptCmd(a *app) *cobra.Command {
	o := &encryptcmd.Options{}
	c := a.fileCommand("encrypt [-i] FILE", "Encrypt secrets file", encryptUsage, false,
		func(c *cobra.Command, file string) error {
			o.Factory, o.File = a.factory(), file
			return encryptcmd.Run(c.Context(), o)
		})
	c.Flags().BoolVarP(&o.InPlace, "in-place", "i", false, "encrypt the file in place")
	return c
}

// newEncCmd: helm-secrets 3.x "enc FILE" = encrypt in place.
func newEncCmd(a *app) *cobra.Command {
	return a.fileCommand("enc FILE", "Encrypt secrets file in place (legacy)", encUsage, true,
		func(c *cobra.Command, file string) error {
			return encryptcmd.Run(c.Context(), &encryptcmd.Options{Factory: a.factory(), File: file, InPlace: true})
		})
}

// encryptError reports a failure to encrypt file
// (cmdutil.Factory.EncryptError).
func (a *app) encryptError(doing, file string, err error) error {
	return a.factory().EncryptError(doing, file, err)
}
