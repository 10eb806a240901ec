package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/urls"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// decryptOptions are the arguments of decrypt (and its legacy names).
type decryptOptions struct {
	file      string
	inPlace   bool
	terraform bool
}

func newDecryptCmd(a *app) *cobra.Command {
	o := &decryptOptions{}
	c := a.fileCommand("decrypt [-i] [--terraform] FILE", "Decrypt secrets file", decryptUsage, false,
		func(c *cobra.Command, file string) error {
			o.file = file
			return a.runDecrypt(c.Context(), o)
		})
	c.Flags().BoolVarP(&o.inPlace, "in-place", "i", false, "decrypt the file in place")
	c.Flags().BoolVar(&o.terraform, "terraform", false, `print {"content_base64":"..."} for Terraform`)
	return c
}

// newViewCmd: helm-secrets 3.x "view FILE" = decrypt to stdout.
func newViewCmd(a *app) *cobra.Command {
	return a.fileCommand("view FILE", "View specified encrypted yaml file (legacy)", viewUsage, true,
		func(c *cobra.Command, file string) error {
			return a.runDecrypt(c.Context(), &decryptOptions{file: file})
		})
}

// newDecCmd: helm-secrets 3.x "dec FILE" wrote FILE.dec; we print instead.
func newDecCmd(a *app) *cobra.Command {
	return a.fileCommand("dec FILE", "Decrypt secrets file (legacy)", decUsage, true,
		func(c *cobra.Command, file string) error {
			return a.runDecrypt(c.Context(), &decryptOptions{file: file})
		})
}

// newTerraformCmd: helm-secrets 3.12-3.15 "terraform FILE".
func newTerraformCmd(a *app) *cobra.Command {
	return a.fileCommand("terraform FILE", "Decrypt secrets for Terraform (legacy)", terraformUsage, true,
		func(c *cobra.Command, file string) error {
			return a.runDecrypt(c.Context(), &decryptOptions{file: file, terraform: true})
		})
}

func (a *app) runDecrypt(ctx context.Context, o *decryptOptions) error {
	src := o.file
	var (
		plain []byte
		err   error
	)
	if urls.HasScheme(src) {
		if !urls.IsHTTP(src) {
			return a.errorf("File does not exist: %s (only local files and http(s):// URLs can be decrypted)", urls.Redact(src))
		}
		if o.inPlace && !o.terraform {
			return a.errorf("decrypt -i cannot write to a URL: %s", urls.Redact(src))
		}
		a.debugf("downloading %s", urls.Redact(src))
		data, ferr := urls.Download(ctx, nil, src, encrypt.DefaultMaxInputSize)
		if ferr != nil {
			fmt.Fprintf(a.streams.Stderr, "%sError while download url %s: %v\n", prefix, urls.Redact(src), ferr)
			return a.errorf("File does not exist: %s", urls.Redact(src))
		}
		if a.sopsBackend() {
			plain, err = a.engine.Decrypt(ctx, data, encrypt.DetectFormat(urls.Base(src), data))
		} else {
			plain, err = a.backend.Decrypt(ctx, data, encrypt.FormatAuto)
		}
	} else {
		if err := pathpolicy.FromEnv().Check(src); err != nil {
			return a.errorf("%v", err)
		}
		if err := a.requireFile(src); err != nil {
			return err
		}
		a.debugf("decrypting %s with the %s backend", src, a.backend.Name())
		if a.sopsBackend() {
			plain, err = a.engine.DecryptFile(ctx, src)
		} else {
			var data []byte
			if data, err = a.engine.ReadRaw(src); err == nil {
				plain, err = a.backend.Decrypt(ctx, data, encrypt.FormatAuto)
			}
		}
	}
	switch {
	case errors.Is(err, encrypt.ErrNotEncrypted):
		return a.errorf("File is not encrypted: %s", urls.Redact(src))
	case err != nil:
		fmt.Fprintf(a.streams.Stderr, "%sError while decrypting file: %s\n", prefix, urls.Redact(src))
		return a.errorf("%v", err)
	}

	switch {
	case o.terraform:
		// No newline after the JSON: Terraform's external data source
		// reads stdout as is.
		_, err = fmt.Fprintf(a.streams.Stdout, `{"content_base64":"%s"}`, base64.StdEncoding.EncodeToString(plain))
	case o.inPlace:
		if !a.sopsBackend() {
			return nil // noop: the file already is its own plaintext
		}
		if err = writeInPlace(src, plain, 0o600); err != nil {
			return a.errorf("%v", err)
		}
		a.debugf("decrypted %s in place", src)
	default:
		_, err = a.streams.Stdout.Write(plain)
	}
	return err
}
