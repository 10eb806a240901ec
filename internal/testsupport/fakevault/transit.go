package fakevault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// transitKey is one named key of a transit mount: AES-256-GCM keys by
// version (1-based), as Vault's default key type aes256-gcm96.
type transitKey struct {
	versions      [][]byte
	minDecryption int
}

// transitID names a transit key: namespace ("" for the root one), mount,
// key name.
func transitID(namespace, mount, name string) string {
	return strings.Trim(namespace, "/") + "|" + strings.Trim(mount, "/") + "|" + name
}

// TransitMount adds a transit secrets engine at path ("transit") in
// namespace ("" for the root namespace; otherwise requests must carry
// X-Vault-Namespace: namespace, as with Vault Enterprise/OpenBao
// namespaces). A mount is visible only in its own namespace.
func (s *Server) TransitMount(namespace, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.transitMounts == nil {
		s.transitMounts = map[string]bool{}
		s.transitKeys = map[string]*transitKey{}
		s.transitCalls = map[string]int{}
	}
	s.transitMounts[strings.Trim(namespace, "/")+"|"+strings.Trim(path, "/")] = true
}

// RotateTransitKey adds a version to the named key (creating it), as
// POST /v1/MOUNT/keys/NAME/rotate does; new encryptions use the new
// version, ciphertexts of older ones still decrypt.
func (s *Server) RotateTransitKey(namespace, mount, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keyFor(transitID(namespace, mount, name), true)
}

// SetMinDecryptionVersion makes ciphertexts of versions below v of the
// named key undecryptable, as the key's min_decryption_version does.
func (s *Server) SetMinDecryptionVersion(namespace, mount, name string, v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.transitKeys[transitID(namespace, mount, name)]; k != nil {
		k.minDecryption = v
	}
}

// TransitCalls is how many encrypt (op "encrypt") or decrypt (op
// "decrypt") requests reached the named key with a valid token.
func (s *Server) TransitCalls(op, namespace, mount, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transitCalls[op+" "+transitID(namespace, mount, name)]
}

// keyFor returns the key id, creating it with version 1 when missing
// (Vault's transit creates a key on its first encrypt); rotate adds a
// version to an existing key. Called with s.mu held.
func (s *Server) keyFor(id string, rotate bool) *transitKey {
	k := s.transitKeys[id]
	if k == nil {
		k = &transitKey{minDecryption: 1}
		s.transitKeys[id] = k
		rotate = true
	}
	if rotate {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			panic(err)
		}
		k.versions = append(k.versions, b)
	}
	return k
}

// transit serves PUT/POST /v1/MOUNT/encrypt/NAME and /v1/MOUNT/decrypt/NAME
// of a transit mount, with Vault's request and response bodies and error
// texts. p is the path after /v1/. It reports false when p is not in a
// transit mount. Called with s.mu held.
func (s *Server) transit(w http.ResponseWriter, r *http.Request, p string) bool {
	ns := strings.Trim(r.Header.Get("X-Vault-Namespace"), "/")
	parts := strings.Split(strings.Trim(p, "/"), "/")
	// MOUNT may have several segments; OP and NAME are the last two.
	if len(parts) < 3 {
		return false
	}
	mount := strings.Join(parts[:len(parts)-2], "/")
	op, name := parts[len(parts)-2], parts[len(parts)-1]
	if !s.transitMounts[ns+"|"+mount] {
		return false
	}
	var body map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, errorsBody("failed to parse JSON input: "+err.Error()))
		return true
	}
	id := transitID(ns, mount, name)
	switch op {
	case "encrypt":
		s.transitCalls["encrypt "+id]++
		pt, _ := body["plaintext"].(string)
		plain, err := base64.StdEncoding.DecodeString(pt)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorsBody("failed to base64-decode plaintext"))
			return true
		}
		k := s.keyFor(id, false)
		v := len(k.versions)
		gcm := newGCM(k.versions[v-1])
		nonce := make([]byte, gcm.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			panic(err)
		}
		ct := gcm.Seal(nonce, nonce, plain, nil)
		writeJSON(w, http.StatusOK, secretBody(map[string]any{
			"ciphertext":  "vault:v" + strconv.Itoa(v) + ":" + base64.StdEncoding.EncodeToString(ct),
			"key_version": v,
		}))
	case "decrypt":
		s.transitCalls["decrypt "+id]++
		k := s.transitKeys[id]
		if k == nil {
			writeJSON(w, http.StatusBadRequest, errorsBody("encryption key not found"))
			return true
		}
		c, _ := body["ciphertext"].(string)
		plain, err := k.open(c)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorsBody(err.Error()))
			return true
		}
		writeJSON(w, http.StatusOK, secretBody(map[string]any{"plaintext": base64.StdEncoding.EncodeToString(plain)}))
	default:
		writeJSON(w, http.StatusMethodNotAllowed, errorsBody("1 error occurred:\n\t* unsupported operation\n\n"))
	}
	return true
}

// open decrypts a "vault:vN:base64" ciphertext, with Vault's error texts.
func (k *transitKey) open(c string) ([]byte, error) {
	rest, ok := strings.CutPrefix(c, "vault:v")
	if !ok {
		return nil, fmt.Errorf("invalid ciphertext: no prefix")
	}
	vs, b64, ok := strings.Cut(rest, ":")
	v, err := strconv.Atoi(vs)
	if !ok || err != nil {
		return nil, fmt.Errorf("invalid ciphertext: wrong number of fields")
	}
	if v < k.minDecryption {
		return nil, fmt.Errorf("invalid ciphertext: ciphertext or signature version is disallowed by policy (too old)")
	}
	if v < 1 || v > len(k.versions) {
		return nil, fmt.Errorf("invalid ciphertext: key version %d not found", v)
	}
	ct, err := base64.StdEncoding.DecodeString(b64)
	gcm := newGCM(k.versions[v-1])
	if err != nil || len(ct) < gcm.NonceSize() {
		return nil, fmt.Errorf("invalid ciphertext: unable to decode ciphertext")
	}
	plain, err := gcm.Open(nil, ct[:gcm.NonceSize()], ct[gcm.NonceSize():], nil)
	if err != nil {
		return nil, fmt.Errorf("cipher: message authentication failed")
	}
	return plain, nil
}

func newGCM(key []byte) cipher.AEAD {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return g
}
