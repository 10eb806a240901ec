package main

import (
	"context"
	"errors"

	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// openAudit opens the audit trail HELM_SECRETS_AUDIT_LOG names (none when
// unset). A trail that cannot be opened stops the run: decrypting without
// the record that was asked for would be failing open.
func (a *app) openAudit() error {
	l, err := audit.Open(pluginenv.AuditLog())
	if err != nil {
		return a.errorf("%v (HELM_SECRETS_AUDIT_LOG)", err)
	}
	a.audit = l
	return nil
}

// keyRecord returns ctx with an encrypt.KeyRecord when the audit trail is
// on, so that the events can name the keys used; else ctx and nil.
func (a *app) keyRecord(ctx context.Context) (context.Context, *encrypt.KeyRecord) {
	if !a.audit.Enabled() {
		return ctx, nil
	}
	return encrypt.RecordKeys(ctx)
}

// recordDecrypt writes the audit event of a decryption of file by command
// (opErr: it failed), naming the keys that unwrapped the data key. An
// error (the event could not be written) is reported; the caller must not
// hand out the plaintext then.
func (a *app) recordDecrypt(command, file string, rec *encrypt.KeyRecord, opErr error) error {
	return a.record("decrypt", command, file, audit.Local(file), rec.Unwrapped(), opErr)
}

// recordEncrypt is recordDecrypt for an encryption: the keys the data key
// was wrapped for.
func (a *app) recordEncrypt(command, file string, rec *encrypt.KeyRecord, opErr error) error {
	return a.record("encrypt", command, file, audit.Local(file), rec.Wrapped(), opErr)
}

// record writes one event: file names the source, local is its local file
// ("" for none), whose git work tree gives the event's commit. It is the
// full binary's one way into the audit log: the file, the keys and the
// error's message go through urls.Redact (URL credentials, nested URLs,
// secrets+literal:// values), whatever the caller did.
func (a *app) record(op, command, file, local string, keys []string, opErr error) error {
	if !a.audit.Enabled() {
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
	if err := a.audit.RecordLocal(op, command, file, local, keys, opErr); err != nil {
		return a.errorf("%v: refusing to go on without the audit record (HELM_SECRETS_AUDIT_LOG)", err)
	}
	return nil
}
