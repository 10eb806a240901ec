// Package decrypt is the decrypt command (and the legacy view, dec and
// terraform): decrypt a local file or an http(s) URL with the default
// backend, to stdout, in place, or as Terraform's external data JSON.
package decrypt

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Options are the arguments of decrypt and its legacy names.
type Options struct {
	Factory   *cmdutil.Factory
	File      string // a local file or an http(s):// URL
	InPlace   bool   // -i: replace the (local) file with its plaintext
	Terraform bool   // --terraform: print {"content_base64":"..."}
}

// Run decrypts one file.
func Run(ctx context.Context, o *Options) error {
	f := o.Factory
	src := o.File
	ctx, rec := f.KeyRecord(ctx)
	var (
		plain []byte
		err   error
	)
	if o.InPlace && !o.Terraform {
		if err := backend.Unsupported(f.Backend, "decrypt -i"); err != nil {
			return f.Errorf("%v", err)
		}
	}
	if urls.HasScheme(src) {
		if !urls.IsHTTP(src) {
			return f.Errorf("File does not exist: %s (only local files and http(s):// URLs can be decrypted)", urls.Redact(src))
		}
		if o.InPlace && !o.Terraform {
			return f.Errorf("decrypt -i cannot write to a URL: %s", urls.Redact(src))
		}
		f.Debugf("downloading %s", urls.Redact(src))
		data, ferr := urls.Download(ctx, nil, src, encrypt.DefaultMaxInputSize)
		if ferr != nil {
			fmt.Fprintf(f.IO.ErrOut, "%sError while download url %s: %v\n", cmdutil.Prefix, urls.Redact(src), ferr)
			return f.Errorf("File does not exist: %s", urls.Redact(src))
		}
		if f.SopsBackend() {
			plain, err = f.Engine.Decrypt(ctx, data, encrypt.DetectFormat(urls.Base(src), data))
		} else {
			plain, err = f.Backend.Decrypt(ctx, data, encrypt.FormatAuto)
		}
	} else {
		if err := pathpolicy.FromEnv().Check(src); err != nil {
			return f.Errorf("%v", err)
		}
		if err := f.RequireFile(src); err != nil {
			return err
		}
		f.Debugf("decrypting %s with the %s backend", src, f.Backend.Name())
		if f.SopsBackend() {
			plain, err = f.Engine.DecryptFile(ctx, src)
		} else {
			var data []byte
			if data, err = f.Engine.ReadRaw(src); err == nil {
				plain, err = f.Backend.Decrypt(ctx, data, encrypt.FormatAuto)
			}
		}
	}
	switch {
	case errors.Is(err, encrypt.ErrNotEncrypted):
		return f.Errorf("File is not encrypted: %s", urls.Redact(src))
	case err != nil:
		_ = f.RecordDecrypt("decrypt", urls.Redact(src), rec, err)
		fmt.Fprintf(f.IO.ErrOut, "%sError while decrypting file: %s\n", cmdutil.Prefix, urls.Redact(src))
		return f.Errorf("%v", err)
	}
	if err := f.RecordDecrypt("decrypt", urls.Redact(src), rec, nil); err != nil {
		return err
	}

	switch {
	case o.Terraform:
		// No newline after the JSON: Terraform's external data source
		// reads stdout as is.
		_, err = fmt.Fprintf(f.IO.Out, `{"content_base64":"%s"}`, base64.StdEncoding.EncodeToString(plain))
	case o.InPlace:
		if _, custom := backend.Script(f.Backend); !f.SopsBackend() && !custom {
			return nil // noop: the file already is its own plaintext
		}
		if err = cmdutil.WriteInPlace(src, plain, 0o600); err != nil {
			return f.Errorf("%v", err)
		}
		f.Debugf("decrypted %s in place", src)
	default:
		_, err = f.IO.Out.Write(plain)
	}
	return err
}
