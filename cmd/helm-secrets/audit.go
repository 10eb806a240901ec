package main

import (
	"context"

	"github.com/helm-secrets/helm-secrets/internal/cmd/pluginenv"
	"github.com/helm-secrets/helm-secrets/internal/foundation/audit"
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

// keyRecord, recordDecrypt, recordEncrypt and record are
// cmdutil.Factory's audit methods, for the commands still in this package.

func (a *app) keyRecord(ctx context.Context) (context.Context, *encrypt.KeyRecord) {
	return a.factory().KeyRecord(ctx)
}

func (a *app) recordDecrypt(command, file string, rec *encrypt.KeyRecord, opErr error) error {
	return a.factory().RecordDecrypt(command, file, rec, opErr)
}

func (a *app) recordEncrypt(command, file string, rec *encrypt.KeyRecord, opErr error) error {
	return a.factory().RecordEncrypt(command, file, rec, opErr)
}

func (a *app) record(op, command, file, local string, keys []string, opErr error) error {
	return a.factory().Record(op, command, file, local, keys, opErr)
}
