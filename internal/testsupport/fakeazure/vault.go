package fakeazure

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// vaultKey is one named RSA key of a vault, by version (oldest first).
type vaultKey struct {
	versions []keyVersion
}

type keyVersion struct {
	id      string // 32 hex digits, as Key Vault's
	priv    *rsa.PrivateKey
	created time.Time
}

// NewKeyVersion adds a version (a new 2048-bit RSA key) to the key name of
// vault, creating the key, and returns the version. Operations without a
// version use the newest; older versions keep working.
func (s *Server) NewKeyVersion(vault, name string) string {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	v := keyVersion{id: randomHex(16), priv: priv, created: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := keyID(vaultHost(vault), name)
	k := s.keys[id]
	if k == nil {
		k = &vaultKey{}
		s.keys[id] = k
	}
	k.versions = append(k.versions, v)
	return v.id
}

func vaultError(w http.ResponseWriter, code int, errCode, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": errCode, "message": msg}})
}

// challenge answers a request without a valid token: 401 with Key
// Vault's WWW-Authenticate challenge.
func (s *Server) challenge(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization="https://%s/%s", resource="%s"`, AuthorityHost, s.tenant, Resource))
	vaultError(w, http.StatusUnauthorized, "Unauthorized", msg)
}

// serveVault serves the keys API of the vault at host.
func (s *Server) serveVault(w http.ResponseWriter, r *http.Request, host string) {
	if r.URL.Query().Get("api-version") == "" {
		vaultError(w, http.StatusBadRequest, "BadParameter", "The request URI contains an invalid or missing api-version.")
		return
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		s.challenge(w, "AKV10000: Request is missing a Bearer or PoP token.")
		return
	}
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	g, known := s.tokens[tok]
	switch {
	case !ok || !known:
		s.challenge(w, "AKV10032: Invalid issuer. Expected one of https://sts.windows.net/"+s.tenant+"/.")
		return
	case g.audience != Resource:
		s.challenge(w, "AKV10022: Invalid audience. Expected "+Resource+", found: "+g.audience+".")
		return
	case time.Now().After(g.expires):
		s.challenge(w, "AKV10031: Token expired.")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != "keys" {
		vaultError(w, http.StatusNotFound, "NotFound", "The requested resource was not found.")
		return
	}
	name, rest := parts[1], parts[2:]
	var version, op string
	switch {
	case r.Method == http.MethodGet && len(rest) <= 1:
		op = "get"
		if len(rest) == 1 {
			version = rest[0]
		}
	case r.Method == http.MethodPost && len(rest) == 1:
		op = rest[0]
	case r.Method == http.MethodPost && len(rest) == 2:
		version, op = rest[0], rest[1]
	default:
		vaultError(w, http.StatusMethodNotAllowed, "BadParameter", "The requested operation is not supported.")
		return
	}
	id := keyID(host, name)
	k := s.keys[id]
	if !s.allowed[id][g.clientID] {
		action := map[string]string{"get": "read", "encrypt": "encrypt", "decrypt": "decrypt", "wrapkey": "wrapKey", "unwrapkey": "unwrapKey"}[op]
		vaultError(w, http.StatusForbidden, "Forbidden", fmt.Sprintf("Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=%s;iss=https://sts.windows.net/%s/\r\nAction: 'Microsoft.KeyVault/vaults/keys/%s/action'\r\nResource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg/providers/microsoft.keyvault/vaults/%s/keys/%s'\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: %s;location=westeurope\r\n", g.clientID, s.tenant, action, strings.TrimSuffix(host, VaultSuffix), name, strings.TrimSuffix(host, VaultSuffix)))
		return
	}
	var kv *keyVersion
	if k != nil {
		for i := range k.versions {
			if version == "" || k.versions[i].id == version {
				kv = &k.versions[i]
			}
		}
	}
	if kv == nil {
		what := name
		if version != "" {
			what += "/" + version
		}
		vaultError(w, http.StatusNotFound, "KeyNotFound", fmt.Sprintf("A key with (name/id) %s was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182", what))
		return
	}
	kid := "https://" + host + "/keys/" + name + "/" + kv.id
	b64 := base64.RawURLEncoding
	if op == "get" {
		s.calls["get "+id]++
		pub := kv.priv.PublicKey
		writeJSON(w, http.StatusOK, map[string]any{
			"key": map[string]any{
				"kid":     kid,
				"kty":     "RSA",
				"key_ops": []string{"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"},
				"n":       b64.EncodeToString(pub.N.Bytes()),
				"e":       b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			},
			"attributes": map[string]any{
				"enabled": true, "created": kv.created.Unix(), "updated": kv.created.Unix(),
				"recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90, "exportable": false,
			},
		})
		return
	}
	var body struct {
		Alg   string `json:"alg"`
		Value string `json:"value"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		vaultError(w, http.StatusBadRequest, "BadParameter", "The request body is not valid JSON.")
		return
	}
	if body.Alg != "RSA-OAEP-256" {
		vaultError(w, http.StatusBadRequest, "BadParameter", fmt.Sprintf("Algorithm '%s' is not supported by this fake (RSA-OAEP-256 only).", body.Alg))
		return
	}
	in, err := b64.DecodeString(strings.TrimRight(body.Value, "="))
	if err != nil {
		vaultError(w, http.StatusBadRequest, "BadParameter", "Property 'value' is not a valid base64url string.")
		return
	}
	var out []byte
	switch op {
	case "encrypt", "wrapkey":
		out, err = rsa.EncryptOAEP(sha256.New(), rand.Reader, &kv.priv.PublicKey, in, nil)
	case "decrypt", "unwrapkey":
		out, err = rsa.DecryptOAEP(sha256.New(), nil, kv.priv, in, nil)
	default:
		vaultError(w, http.StatusBadRequest, "BadParameter", fmt.Sprintf("Operation '%s' is not supported.", op))
		return
	}
	s.calls[op+" "+id]++
	if err != nil {
		vaultError(w, http.StatusBadRequest, "BadParameter", "Bad Request")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"kid": kid, "value": b64.EncodeToString(out)})
}

// AttackerRequest is one request that reached a host under
// AttackerSuffix: whether it carried an Authorization header (a token)
// and how many body bytes (the data key to wrap) it had.
type AttackerRequest struct {
	Host, Method, Path string
	Authorized         bool
	BodyBytes          int
}

// AttackerRequests lists the requests that reached the attacker's hosts.
func (s *Server) AttackerRequests() []AttackerRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]AttackerRequest(nil), s.attack...)
}

// serveAttacker plays a server an attacker controls (HOST.kv.attacker.test)
// that a tampered file names as its vault: it records each request and
// answers with a Key Vault challenge. For own.kv.attacker.test the
// challenge names a resource of the attacker's own domain
// (https://kv.attacker.test), which the client's domain check accepts and
// Entra ID has no principal for; for any other host it names Key Vault's
// resource (https://vault.azure.net), which the client's check refuses.
func (s *Server) serveAttacker(w http.ResponseWriter, r *http.Request, host string) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	s.attack = append(s.attack, AttackerRequest{Host: host, Method: r.Method, Path: r.URL.Path, Authorized: r.Header.Get("Authorization") != "", BodyBytes: len(body)})
	s.mu.Unlock()
	resource := Resource
	if strings.HasPrefix(host, "own.") {
		resource = "https://kv" + AttackerSuffix
	}
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization="https://%s/%s", resource="%s"`, AuthorityHost, s.tenant, resource))
	vaultError(w, http.StatusUnauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
}
