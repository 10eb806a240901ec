package sopslite

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
)

// errNotOneChunk: the payload is not one short chunk; such a file does
// not hold a sops data key (32 bytes).
var errNotOneChunk = errors.New("age payload is not one short chunk")

// openDataKey decrypts an armored age file holding a sops data key, with
// ids: the plaintext age.Decrypt gives, read to the end, for every file
// whose payload is one chunk shorter than age's 64 KiB (every file of 32
// bytes, such as a data key), and an error for every file age refuses
// (TestOpenDataKeyIsAges). age.Decrypt's stream reader allocates two
// 64 KiB chunk buffers per file, two thirds of all the memory the lean
// wrapper touched for small files; here the header goes to
// age.DecryptHeader and the one chunk is opened in place.
func openDataKey(armored string, ids []age.Identity) ([]byte, error) {
	bin, err := io.ReadAll(armor.NewReader(strings.NewReader(armored))) // unbounded: decodes a string already in memory
	if err != nil {
		return nil, err
	}
	// The header ends with its first line starting with "---" (age's
	// format.Parse: a stanza body line cannot start with it).
	i := bytes.Index(bin, []byte("\n---"))
	if i < 0 {
		return nil, errors.New("no header end")
	}
	j := bytes.IndexByte(bin[i+1:], '\n')
	if j < 0 {
		return nil, errors.New("no header end")
	}
	end := i + 1 + j + 1
	fileKey, err := age.DecryptHeader(bin[:end], ids...)
	if err != nil {
		return nil, err
	}
	payload := bin[end:]
	const nonceSize, chunkSize = 16, 64 << 10
	if len(payload) < nonceSize+chacha20poly1305.Overhead || len(payload) >= nonceSize+chunkSize+chacha20poly1305.Overhead {
		return nil, errNotOneChunk
	}
	// age's streamKey and its last (here: first and only) chunk's nonce.
	streamKey := make([]byte, chacha20poly1305.KeySize)
	if _, err := io.ReadFull(hkdf.New(sha256.New, fileKey, payload[:nonceSize], []byte("payload")), streamKey); err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.New(streamKey)
	if err != nil {
		return nil, err
	}
	var nonce [chacha20poly1305.NonceSize]byte
	nonce[len(nonce)-1] = 1
	out, err := aead.Open(nil, nonce[:], payload[nonceSize:], nil)
	if err != nil {
		return nil, errors.New("failed to decrypt and authenticate payload chunk")
	}
	return out, nil
}
