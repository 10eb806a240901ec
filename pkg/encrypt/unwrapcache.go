package encrypt

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"github.com/getsops/sops/v3/keyservice"
	"google.golang.org/protobuf/proto"
)

// unwrapCache shares the data keys unwrapped during one multi-document
// call (DecryptFiles, DecryptFilesIfEncrypted, DecryptDocuments): copies
// of a file, or documents encrypted with the same data key, cost one
// key-service round trip (a KMS or Vault call, a gpg or plugin run)
// instead of one each. It lives only as long as the call.
type unwrapCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*unwrapEntry
}

type unwrapEntry struct {
	once sync.Once
	out  []byte
	err  error
}

type unwrapCacheKey struct{}

func withUnwrapCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, unwrapCacheKey{}, &unwrapCache{m: map[[sha256.Size]byte]*unwrapEntry{}})
}

// unwrapOnce runs unwrap once per master key and ciphertext within the
// context's cache, and always when the context has none. The master key is
// named by its type and public identifier (for age: the recipient label).
func unwrapOnce(ctx context.Context, k *keyservice.Key, ciphertext []byte, unwrap func() ([]byte, error)) ([]byte, error) {
	c, _ := ctx.Value(unwrapCacheKey{}).(*unwrapCache)
	if c == nil {
		return unwrap()
	}
	name, err := proto.MarshalOptions{Deterministic: true}.Marshal(k)
	if err != nil {
		return unwrap()
	}
	h := sha256.New()
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(name))))
	h.Write(name)
	h.Write(ciphertext)
	var id [sha256.Size]byte
	h.Sum(id[:0])
	c.mu.Lock()
	e := c.m[id]
	if e == nil {
		e = &unwrapEntry{}
		c.m[id] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.out, e.err = unwrap() })
	if e.err != nil {
		return nil, e.err
	}
	return append([]byte(nil), e.out...), nil
}
