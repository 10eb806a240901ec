package cmdutil

import (
	"context"
	"errors"

	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// KeyRecord returns ctx with an encrypt.KeyRecord when the audit trail is
// on, so that the events can name the keys used; else ctx and nil.
func (f *Factory) KeyRecord(ctx context.Context) (context.Context, *encrypt.KeyRecord) {
	if !f.Audit.Enabled() {
		return ctx, nil
	}
	return encrypt.RecordKeys(ctx)
}

// RecordDecrypt writes the audit event of a decryption of file by command
// (opErr: it failed), naming the keys that unwrapped the data key. An
// error (the event could not be written) is reported; the caller must not
// hand out the plaintext then.
func (f *Factory) RecordDecrypt(command, file string, rec *encrypt.KeyRecord, opErr error) error {
	return f.Record("decrypt", command, file, audit.Local(file), rec.Unwrapped(), opErr)
}

// RecordEncrypt is RecordDecrypt for an encryption: the keys the data key
// was wrapped for.
func (f *Factory) RecordEncrypt(command, file string, rec *encrypt.KeyRecord, opErr error) error {
	return f.Record("encrypt", command, file, audit.Local(file), rec.Wrapped(), opErr)
}

// Record writes one event: file names the source, local is its local file
// ("" for none), whose git work tree gives the event's commit. It is the
// full binary's one way into the audit log: the file, the keys and the
// error's message go through urls.Redact (URL credentials, nested URLs,
// secrets+literal:// values), whatever the caller did.
func (f *Factory) Record(op, command, file, local string, keys []string, opErr error) error {
	if !f.Audit.Enabled() {
		return nil
	}
	file = urls.Redact(file)
	if len(keys) > 0 {
		red := make([]string, len(keys))
		for i, k := range keys {
			red[i] = urls.Redact(k)
		}
		keys = red
	}
	if opErr != nil {
		opErr = errors.New(urls.Redact(opErr.Error()))
	}
	if err := f.Audit.RecordLocal(op, command, file, local, keys, opErr); err != nil {
		return f.Errorf("%v: refusing to go on without the audit record (HELM_SECRETS_AUDIT_LOG)", err)
	}
	return nil
}
