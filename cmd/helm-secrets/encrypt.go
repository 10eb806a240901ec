package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/backends/shellbackend"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// encryptOptions are the arguments of encrypt (and enc).
type encryptOptions struct {
	file    string
	inPlace bool
}

func newEncryptCmd(a *app) *cobra.Command {
	o := &encryptOptions{}
	c := a.fileCommand("encrypt [-i] FILE", "Encrypt secrets file", encryptUsage, false,
		func(c *cobra.Command, file string) error {
			o.file = file
			return a.runEncrypt(c.Context(), o)
		})
	c.Flags().BoolVarP(&o.inPlace, "in-place", "i", false, "encrypt the file in place")
	return c
}

// newEncCmd: helm-secrets 3.x "enc FILE" = encrypt in place.
func newEncCmd(a *app) *cobra.Command {
	return a.fileCommand("enc FILE", "Encrypt secrets file in place (legacy)", encUsage, true,
		func(c *cobra.Command, file string) error {
			return a.runEncrypt(c.Context(), &encryptOptions{file: file, inPlace: true})
		})
}

func (a *app) runEncrypt(ctx context.Context, o *encryptOptions) error {
	if err := a.requireFile(o.file); err != nil {
		return err
	}
	data, err := a.engine.ReadRaw(o.file)
	if err != nil {
		return a.errorf("%v", err)
	}
	if script, ok := backend.Script(a.backend); ok {
		return a.runScriptEncrypt(ctx, script, o)
	}
	if err := backend.Unsupported(a.backend, "encrypt"); err != nil {
		return a.errorf("%v", err)
	}
	if !a.sopsBackend() {
		// noop: files are used as they are.
		if !o.inPlace {
			_, err = a.streams.Stdout.Write(data)
		}
		return err
	}
	if alreadyEncrypted(o.file, data) {
		return a.errorf("Already encrypted: %s", filepath.Base(o.file))
	}
	a.debugf("encrypting %s", o.file)
	ctx, rec := a.keyRecord(ctx)
	out, err := encryptData(ctx, a.engine, o.file, data)
	switch {
	case errors.Is(err, encrypt.ErrAlreadyEncrypted):
		return a.errorf("Already encrypted: %s", filepath.Base(o.file))
	case err != nil:
		_ = a.recordEncrypt("encrypt", o.file, rec, err)
		return a.encryptError("encrypting", o.file, err)
	}
	if err := a.recordEncrypt("encrypt", o.file, rec, nil); err != nil {
		return err
	}
	a.warnEmptyValues(o.file, out)
	if o.inPlace {
		if err := writeInPlace(o.file, out, 0o644); err != nil {
			return a.errorf("%v", err)
		}
		return nil
	}
	_, err = a.streams.Stdout.Write(out)
	return err
}

// warnEmptyValues warns (stderr, even when quiet) about the values of a
// file just encrypted that the sops MAC does not cover: anyone can add,
// remove or change such keys without the change being detected, and
// HELM_SECRETS_STRICT=true refuses the file.
func (a *app) warnEmptyValues(file string, enc []byte) {
	paths, err := encrypt.EmptyValues(enc, encrypt.DetectFormat(file, enc))
	if err != nil || len(paths) == 0 {
		return
	}
	fmt.Fprintf(a.streams.Stderr, "%s[WARNING] %s: %d empty value(s) not covered by the MAC (anyone can add or change such keys undetected; HELM_SECRETS_STRICT=true refuses the file): %s\n",
		prefix, file, len(paths), strings.Join(paths, ", "))
}

// alreadyEncrypted reports whether data is a SOPS document, in the format
// its name says or the one its content shows.
func alreadyEncrypted(path string, data []byte) bool {
	return encrypt.IsEncrypted(data, encrypt.DetectFormat(path, data)) || encrypt.IsEncrypted(data, encrypt.FormatAuto)
}

// encryptData encrypts a plain document for the .sops.yaml rule of path.
// The format comes from the name as with sops; a name that says nothing
// (secrets.yaml.dec, values.gotpl) is encrypted as YAML when the content is
// a YAML mapping, as the shell plugin always did, else as binary.
func encryptData(ctx context.Context, eng *encrypt.Engine, path string, data []byte) ([]byte, error) {
	format := encrypt.FormatFromPath(path)
	if format != encrypt.FormatAuto {
		return eng.Encrypt(ctx, data, encrypt.EncryptOptions{Format: format, Path: path})
	}
	out, err := eng.Encrypt(ctx, data, encrypt.EncryptOptions{Format: encrypt.FormatYAML, Path: path})
	if errors.Is(err, encrypt.ErrInvalidContent) || (err == nil && len(strings.TrimSpace(string(data))) == 0) {
		return eng.Encrypt(ctx, data, encrypt.EncryptOptions{Format: encrypt.FormatBinary, Path: path})
	}
	return out, err
}

// The sops CLI's wording when there is nothing to encrypt to; users and
// scripts look for these.
const (
	sopsNoConfig = "config file not found, or has no creation rules, and no keys provided through command line options"
	sopsNoRule   = "error loading config: no matching creation rules found"
)

// encryptError reports a failure to encrypt file ("encrypting", "editing").
func (a *app) encryptError(doing, file string, err error) error {
	fmt.Fprintf(a.streams.Stderr, "%sError while %s file: %s\n", prefix, doing, file)
	if errors.Is(err, encrypt.ErrNoRecipients) {
		if errors.Is(err, encrypt.ErrNoCreationRule) {
			return a.errorf("%s (%v)", sopsNoRule, err)
		}
		// The current sops CLI's wording, then what to do: one line.
		return a.errorf("%s: add a creation rule for %s to .sops.yaml, or set SOPS_AGE_RECIPIENTS or SOPS_PGP_FP", sopsNoConfig, file)
	}
	return a.errorf("%v", err)
}

// runScriptEncrypt encrypts with a custom backend script, as the shell
// plugin does: the script's own encrypt function, in place or to stdout.
func (a *app) runScriptEncrypt(ctx context.Context, script *shellbackend.Script, o *encryptOptions) error {
	out, err := script.EncryptFile(ctx, o.file, o.inPlace)
	switch {
	case errors.Is(err, shellbackend.ErrAlreadyEncrypted):
		return a.errorf("Already encrypted: %s", filepath.Base(o.file))
	case err != nil:
		return a.encryptError("encrypting", o.file, err)
	}
	_, err = a.streams.Stdout.Write(out)
	return err
}
