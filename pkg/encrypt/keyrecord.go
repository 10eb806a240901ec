package encrypt

import (
	"context"
	"slices"
	"sync"

	"github.com/getsops/sops/v3/keyservice"
)

// KeyRecord collects which master keys an operation used: those that
// unwrapped a data key (decryption) and those a data key was wrapped for
// (encryption), as "type identifier" strings (public identifiers only, as
// MasterKeys lists them). Get one with RecordKeys; it is safe for
// concurrent use. It is what an audit trail names as "the key used".
type KeyRecord struct {
	mu                 sync.Mutex
	unwrapped, wrapped []string
	parent             *KeyRecord // also noted in (SubRecord)
}

type keyRecordKey struct{}

// RecordKeys returns a context under which the engine notes the master
// keys it uses, and the record it notes them in. Decryption under such a
// context always runs through the sops key service (not the age fast
// path), so the key that unwrapped the data key is known exactly.
func RecordKeys(ctx context.Context) (context.Context, *KeyRecord) {
	r := &KeyRecord{}
	return context.WithValue(ctx, keyRecordKey{}, r), r
}

// SubRecord returns, when ctx carries a KeyRecord, a context with a new
// record for one operation (one file, one literal) and that record; keys
// noted in it are noted in the context's record too. Without a KeyRecord
// in ctx it returns ctx and nil (a nil record lists no keys), so callers
// pay nothing when no audit trail is on.
func SubRecord(ctx context.Context) (context.Context, *KeyRecord) {
	parent := recordOf(ctx)
	if parent == nil {
		return ctx, nil
	}
	r := &KeyRecord{parent: parent}
	return context.WithValue(ctx, keyRecordKey{}, r), r
}

func recordOf(ctx context.Context) *KeyRecord {
	r, _ := ctx.Value(keyRecordKey{}).(*KeyRecord)
	return r
}

// Unwrapped lists the keys that unwrapped a data key, without duplicates.
func (r *KeyRecord) Unwrapped() []string {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.unwrapped)
}

// Wrapped lists the keys a data key was wrapped for, without duplicates.
func (r *KeyRecord) Wrapped() []string {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.wrapped)
}

func (r *KeyRecord) note(unwrap bool, k *keyservice.Key) {
	if r == nil || k == nil {
		return
	}
	r.noteID(unwrap, describeKey(k))
	r.parent.note(unwrap, k)
}

func (r *KeyRecord) noteID(unwrap bool, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := &r.wrapped
	if unwrap {
		list = &r.unwrapped
	}
	if !slices.Contains(*list, id) {
		*list = append(*list, id)
	}
}

// describeKey names a key service key as MasterKeys names master keys.
func describeKey(k *keyservice.Key) string {
	switch t := k.KeyType.(type) {
	case *keyservice.Key_AgeKey:
		return "age " + t.AgeKey.Recipient
	case *keyservice.Key_PgpKey:
		return "pgp " + t.PgpKey.Fingerprint
	case *keyservice.Key_GcpKmsKey:
		return "gcp_kms " + t.GcpKmsKey.ResourceId
	case *keyservice.Key_KmsKey:
		return "kms " + t.KmsKey.Arn
	case *keyservice.Key_AzureKeyvaultKey:
		return "azure_kv " + t.AzureKeyvaultKey.VaultUrl + "/keys/" + t.AzureKeyvaultKey.Name + "/" + t.AzureKeyvaultKey.Version
	case *keyservice.Key_VaultKey:
		return "hc_vault " + t.VaultKey.VaultAddress + "/v1/" + t.VaultKey.EnginePath + "/keys/" + t.VaultKey.KeyName
	}
	return "unknown key type"
}
