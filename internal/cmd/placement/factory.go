package placement

import (
	"context"
	"errors"
	"fmt"

	"github.com/helm-secrets/helm-secrets/internal/cmd/cmdutil"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// The exit codes of placement (docs/placement.md).
var (
	ExitFindings = &cmdutil.ExitError{Code: 1} // findings of level error
	ExitUsage    = &cmdutil.ExitError{Code: 2} // bad usage, or an input could not be read or decrypted
)

// Main runs Run with f's streams, decryption and audit trail (o.Decrypt,
// o.Debugf, o.In, o.Out and o.Version come from f) and maps its result to
// placement's exit codes (ExitFindings, ExitUsage), printing what was not
// printed yet.
func Main(ctx context.Context, f *cmdutil.Factory, o Options) error {
	o.Decrypt = func(ctx context.Context, file string) ([]byte, error) { return decryptValuesFile(ctx, f, file) }
	o.Version, o.Debugf = f.Version, f.Debugf
	o.In, o.Out = f.IO.In, f.IO.Out
	err := Run(ctx, o)
	var ue *UsageError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrFindings):
		return ExitFindings
	case errors.As(err, &ue):
		if !errors.Is(ue.Err, ErrReported) {
			_ = f.Errorf("%v", ue.Err)
		}
		return ExitUsage
	}
	return err
}

// decryptValuesFile decrypts a local encrypted values file for placement,
// recording the audit event. Its errors name the file, never its content;
// those that wrap ErrReported were printed already.
func decryptValuesFile(ctx context.Context, f *cmdutil.Factory, file string) ([]byte, error) {
	if err := pathpolicy.FromEnv().Check(file); err != nil {
		return nil, err
	}
	if err := f.RequireFile(file); err != nil {
		return nil, ErrReported
	}
	ctx, rec := f.KeyRecord(ctx)
	var (
		plain []byte
		err   error
	)
	if f.SopsBackend() {
		plain, err = f.Engine.DecryptFile(ctx, file)
	} else {
		var data []byte
		if data, err = f.Engine.ReadRaw(file); err == nil {
			plain, err = f.Backend.Decrypt(ctx, data, encrypt.FormatAuto)
		}
	}
	switch {
	case errors.Is(err, encrypt.ErrNotEncrypted):
		return nil, fmt.Errorf("placement: %s is not encrypted: pass the encrypted values files", file)
	case err != nil:
		_ = f.RecordDecrypt("placement", file, rec, err)
		return nil, fmt.Errorf("placement: decrypting %s: %w", file, err)
	}
	if err := f.RecordDecrypt("placement", file, rec, nil); err != nil {
		return nil, ErrReported
	}
	return plain, nil
}
