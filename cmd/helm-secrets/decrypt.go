package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
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
	return shellArgs(c, decryptUsage, func(arg string) bool {
		switch arg {
		case "-i", "--in-place":
			o.inPlace = true
		case "--terraform":
			o.terraform = true
		default:
			return false
		}
		return true
	})
}

// newViewCmd: helm-secrets 3.x "view FILE" = decrypt to stdout.
func newViewCmd(a *app) *cobra.Command {
	return shellArgs(a.fileCommand("view FILE", "View specified encrypted yaml file (legacy)", viewUsage, true,
		func(c *cobra.Command, file string) error {
			return a.runDecrypt(c.Context(), &decryptOptions{file: file})
		}), viewUsage, nil)
}

// newDecCmd: helm-secrets 3.x "dec FILE" wrote FILE.dec; we print instead.
func newDecCmd(a *app) *cobra.Command {
	return shellArgs(a.fileCommand("dec FILE", "Decrypt secrets file (legacy)", decUsage, true,
		func(c *cobra.Command, file string) error {
			return a.runDecrypt(c.Context(), &decryptOptions{file: file})
		}), decUsage, nil)
}

// newTerraformCmd: helm-secrets 3.12-3.15 "terraform FILE".
func newTerraformCmd(a *app) *cobra.Command {
	return shellArgs(a.fileCommand("terraform FILE", "Decrypt secrets for Terraform (legacy)", terraformUsage, true,
		func(c *cobra.Command, file string) error {
			return a.runDecrypt(c.Context(), &decryptOptions{file: file, terraform: true})
		}), terraformUsage, nil)
}

// shellArgsAnnotation marks a command whose arguments are read by
// shellArgs instead of cobra's flag parser.
const shellArgsAnnotation = "helm-secrets/shell-args"

// shellArgs makes c read its arguments the way the shell plugin's decrypt
// does, so that helmfile can drive it: helmfile runs
// `helm secrets decrypt ABS_PATH` (`view` for plugin versions below 4) and
// appends the release's helm arguments (--kube-version=1.29.0,
// --skip-tests, --set k=v, ...) after the file. Every word own(word)
// accepts is an option of ours, wherever it appears; of the others, the
// first is the file and the rest are ignored. Before the file, an unknown
// word starting with "-" is an error (unknown flag). -h/--help/help only as
// the first word print the usage.
//
// Cobra still parses the flags declared on c for shell completion; for a
// run, app.main turns cobra's parser off (see shellArgsAnnotation).
func shellArgs(c *cobra.Command, usage string, own func(arg string) bool) *cobra.Command {
	run := c.RunE
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[shellArgsAnnotation] = "true"
	c.RunE = func(c *cobra.Command, args []string) error {
		if !c.DisableFlagParsing {
			return run(c, args)
		}
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(c.OutOrStdout(), usage)
			return nil
		}
		var rest []string
		for _, arg := range args {
			switch {
			case own != nil && own(arg):
			case len(rest) == 0 && len(arg) > 1 && arg[0] == '-':
				// Before the file, a word like a flag is a mistake of
				// the user's, not helmfile's: say so.
				return c.FlagErrorFunc()(c, fmt.Errorf("unknown flag: %s", arg))
			default:
				rest = append(rest, arg)
			}
		}
		return run(c, rest)
	}
	return c
}

func (a *app) runDecrypt(ctx context.Context, o *decryptOptions) error {
	src := o.file
	ctx, rec := a.keyRecord(ctx)
	var (
		plain []byte
		err   error
	)
	if o.inPlace && !o.terraform {
		if err := backend.Unsupported(a.backend, "decrypt -i"); err != nil {
			return a.errorf("%v", err)
		}
	}
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
		_ = a.recordDecrypt("decrypt", urls.Redact(src), rec, err)
		fmt.Fprintf(a.streams.Stderr, "%sError while decrypting file: %s\n", prefix, urls.Redact(src))
		return a.errorf("%v", err)
	}
	if err := a.recordDecrypt("decrypt", urls.Redact(src), rec, nil); err != nil {
		return err
	}

	switch {
	case o.terraform:
		// No newline after the JSON: Terraform's external data source
		// reads stdout as is.
		_, err = fmt.Fprintf(a.streams.Stdout, `{"content_base64":"%s"}`, base64.StdEncoding.EncodeToString(plain))
	case o.inPlace:
		if _, custom := backend.Script(a.backend); !a.sopsBackend() && !custom {
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
