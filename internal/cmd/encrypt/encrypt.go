// Package encrypt is the encrypt command (and the legacy enc): encrypt a
// plain file for its .sops.yaml rule, to stdout or in place, with the
// default backend (sops in process, noop, or a custom backend script's
// encrypt function).
package encrypt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/backends/shellbackend"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Options are the arguments of encrypt (and enc, which is encrypt -i).
type Options struct {
	Factory *cmdutil.Factory
	File    string
	InPlace bool // -i: replace the file instead of printing
}

// Run encrypts one file.
func Run(ctx context.Context, o *Options) error {
	f := o.Factory
	if err := f.RequireFile(o.File); err != nil {
		return err
	}
	data, err := f.Engine.ReadRaw(o.File)
	if err != nil {
		return f.Errorf("%v", err)
	}
	if script, ok := backend.Script(f.Backend); ok {
		return runScript(ctx, f, script, o)
	}
	if err := backend.Unsupported(f.Backend, "encrypt"); err != nil {
		return f.Errorf("%v", err)
	}
	if !f.SopsBackend() {
		// noop: files are used as they are.
		if !o.InPlace {
			_, err = f.IO.Out.Write(data)
		}
		return err
	}
	if alreadyEncrypted(o.File, data) {
		return f.Errorf("Already encrypted: %s", filepath.Base(o.File))
	}
	f.Debugf("encrypting %s", o.File)
	ctx, rec := f.KeyRecord(ctx)
	out, err := encryptData(ctx, f.Engine, o.File, data)
	switch {
	case errors.Is(err, encrypt.ErrAlreadyEncrypted):
		return f.Errorf("Already encrypted: %s", filepath.Base(o.File))
	case err != nil:
		_ = f.RecordEncrypt("encrypt", o.File, rec, err)
		return f.EncryptError("encrypting", o.File, err)
	}
	if err := f.RecordEncrypt("encrypt", o.File, rec, nil); err != nil {
		return err
	}
	warnEmptyValues(f, o.File, out)
	if o.InPlace {
		if err := cmdutil.WriteInPlace(o.File, out, 0o644); err != nil {
			return f.Errorf("%v", err)
		}
		return nil
	}
	_, err = f.IO.Out.Write(out)
	return err
}

// warnEmptyValues warns (stderr, even when quiet) about the values of a
// file just encrypted that the sops MAC does not cover: anyone can add,
// remove or change such keys without the change being detected, and
// HELM_SECRETS_STRICT=true refuses the file.
func warnEmptyValues(f *cmdutil.Factory, file string, enc []byte) {
	paths, err := encrypt.EmptyValues(enc, encrypt.DetectFormat(file, enc))
	if err != nil || len(paths) == 0 {
		return
	}
	fmt.Fprintf(f.IO.ErrOut, "%s[WARNING] %s: %d empty value(s) not covered by the MAC (anyone can add or change such keys undetected; HELM_SECRETS_STRICT=true refuses the file): %s\n",
		cmdutil.Prefix, file, len(paths), strings.Join(paths, ", "))
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

// runScript encrypts with a custom backend script, as the shell
// plugin does: the script's own encrypt function, in place or to stdout.
func runScript(ctx context.Context, f *cmdutil.Factory, script *shellbackend.Script, o *Options) error {
	out, err := script.EncryptFile(ctx, o.File, o.InPlace)
	switch {
	case errors.Is(err, shellbackend.ErrAlreadyEncrypted):
		return f.Errorf("Already encrypted: %s", filepath.Base(o.File))
	case err != nil:
		return f.EncryptError("encrypting", o.File, err)
	}
	_, err = f.IO.Out.Write(out)
	return err
}
