package fakeazure

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// AuthorityHost is the Entra ID host the fake serves (azidentity's
// default authority).
const AuthorityHost = "login.microsoftonline.com"

// VaultSuffix is the DNS suffix of the vaults the fake serves:
// VaultURL("x") is https://x.vault.azure.net.
const VaultSuffix = ".vault.azure.net"

// AttackerSuffix is the DNS suffix of the hosts the fake serves as a
// server an attacker controls, named by a tampered file's vault_url
// (see AttackerRequests).
const AttackerSuffix = ".attacker.test"

// Resource is Key Vault's resource identifier: tokens for the scope
// Resource+"/.default" are the only ones a vault accepts.
const Resource = "https://vault.azure.net"

// Server is a fake Key Vault and Entra ID tenant. Create it with New, add
// clients and keys, then Start.
type Server struct {
	tenant string

	mu      sync.Mutex
	clients map[string]*client         // by client ID
	keys    map[string]*vaultKey       // by host + "/" + name
	tokens  map[string]tokenGrant      // by access token
	calls   map[string]int             // op + " " + host/name
	tokReq  map[string]int             // successful token requests by client ID
	allowed map[string]map[string]bool // host/name -> client IDs

	ca      *x509.Certificate
	caPEM   []byte
	tls     *httptest.Server
	proxy   *httptest.Server
	proxyMu sync.Mutex
	refused []string // CONNECT destinations the proxy refused
	attack  []AttackerRequest
}

type client struct {
	secret  string
	expired bool
}

type tokenGrant struct {
	clientID string
	audience string
	expires  time.Time
}

// New returns a fake for the Entra ID tenant tenantID (a GUID, as Key
// Vault's challenge names it).
func New(tenantID string) *Server {
	return &Server{
		tenant:  tenantID,
		clients: map[string]*client{},
		keys:    map[string]*vaultKey{},
		tokens:  map[string]tokenGrant{},
		calls:   map[string]int{},
		tokReq:  map[string]int{},
		allowed: map[string]map[string]bool{},
	}
}

// AddClient registers an application (service principal) with a client
// secret.
func (s *Server) AddClient(clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[clientID] = &client{secret: secret}
}

// ExpireSecret makes the client's secret expired: the token endpoint
// answers AADSTS7000222.
func (s *Server) ExpireSecret(clientID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.clients[clientID]; c != nil {
		c.expired = true
	}
}

// Grant lets clientID use the key name of vault (encrypt, decrypt, get).
func (s *Server) Grant(clientID, vault, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := keyID(vaultHost(vault), name)
	if s.allowed[id] == nil {
		s.allowed[id] = map[string]bool{}
	}
	s.allowed[id][clientID] = true
}

// Revoke withdraws Grant: the vault answers 403 Forbidden.
func (s *Server) Revoke(clientID, vault, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.allowed[keyID(vaultHost(vault), name)], clientID)
}

// Calls is how many authorised requests of op ("encrypt", "decrypt",
// "wrapkey", "unwrapkey", "get") reached the key name of vault.
func (s *Server) Calls(op, vault, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op+" "+keyID(vaultHost(vault), name)]
}

// TokenRequests is how many tokens were issued to clientID.
func (s *Server) TokenRequests(clientID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokReq[clientID]
}

// Refused lists the CONNECT destinations the proxy refused (anything but
// the hosts the fake serves).
func (s *Server) Refused() []string {
	s.proxyMu.Lock()
	defer s.proxyMu.Unlock()
	return append([]string(nil), s.refused...)
}

// VaultURL is the URL of the vault named vault: https://VAULT.vault.azure.net.
func VaultURL(vault string) string { return "https://" + vaultHost(vault) }

func vaultHost(vault string) string {
	if strings.HasSuffix(vault, VaultSuffix) {
		return strings.ToLower(vault)
	}
	return strings.ToLower(vault) + VaultSuffix
}

func keyID(host, name string) string { return host + "/" + name }

// Start starts the TLS server and the proxy on 127.0.0.1.
func (s *Server) Start() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fakeazure test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	s.ca, _ = x509.ParseCertificate(caDER)
	s.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: AuthorityHost},
		DNSNames:     []string{AuthorityHost, "*" + VaultSuffix, "*.kv" + AttackerSuffix},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, s.ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	s.tls = httptest.NewUnstartedServer(http.HandlerFunc(s.serveTLS))
	// Clients that give up on a connection (the proxy closing it) are
	// not the fake's errors.
	s.tls.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.tls.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}}}
	s.tls.StartTLS()
	s.proxy = httptest.NewServer(http.HandlerFunc(s.serveProxy))
	return nil
}

// Close stops both servers.
func (s *Server) Close() {
	if s.proxy != nil {
		s.proxy.CloseClientConnections()
		s.proxy.Close()
	}
	if s.tls != nil {
		s.tls.CloseClientConnections()
		s.tls.Close()
	}
}

// ProxyURL is the proxy's address, for HTTPS_PROXY (and HTTP_PROXY, which
// makes the refused managed-identity probe fail fast instead of reaching
// for the network).
func (s *Server) ProxyURL() string { return s.proxy.URL }

// CAPEM is the test CA's certificate in PEM.
func (s *Server) CAPEM() []byte { return s.caPEM }

// WriteCA writes the test CA's certificate to path (for SSL_CERT_FILE).
func (s *Server) WriteCA(path string) error { return os.WriteFile(path, s.caPEM, 0o600) }

// Env is the environment a child process needs to reach the fake:
// HTTPS_PROXY, HTTP_PROXY, SSL_CERT_FILE (caFile, written here) and an
// empty NO_PROXY.
func (s *Server) Env(caFile string) ([]string, error) {
	if err := s.WriteCA(caFile); err != nil {
		return nil, err
	}
	return []string{"HTTPS_PROXY=" + s.ProxyURL(), "HTTP_PROXY=" + s.ProxyURL(), "NO_PROXY=", "SSL_CERT_FILE=" + caFile}, nil
}

// Transport is an HTTP transport for a client in the test process: it
// goes through the fake's proxy and trusts its CA.
func (s *Server) Transport() *http.Transport {
	pool := x509.NewCertPool()
	pool.AddCert(s.ca)
	proxy, _ := url.Parse(s.proxy.URL)
	return &http.Transport{
		Proxy:           http.ProxyURL(proxy),
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}
}

// serveProxy connects CONNECT requests for the fake's hosts to its TLS
// server and refuses everything else (no request leaves the machine).
func (s *Server) serveProxy(w http.ResponseWriter, r *http.Request) {
	host, port, err := net.SplitHostPort(r.Host)
	host = strings.ToLower(host)
	if r.Method != http.MethodConnect || err != nil || port != "443" || !(host == AuthorityHost || strings.HasSuffix(host, VaultSuffix) || strings.HasSuffix(host, AttackerSuffix)) {
		s.proxyMu.Lock()
		s.refused = append(s.refused, r.Method+" "+r.Host)
		s.proxyMu.Unlock()
		// A plain request (the managed identity endpoint,
		// http://169.254.169.254) fails as an unreachable host does:
		// the connection closes without an answer.
		if hj, ok := w.(http.Hijacker); ok && r.Method != http.MethodConnect {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "fakeazure proxy: destination not served", http.StatusForbidden)
		return
	}
	up, err := net.Dial("tcp", s.tls.Listener.Addr().String())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "no hijack", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		conn.Close()
		up.Close()
		return
	}
	// rw.Reader may hold bytes the client sent after CONNECT.
	go pipe(up, rw.Reader, conn)
	go pipe(conn, up, up)
}

// pipe copies src to dst and closes both ends' writes when done.
func pipe(dst net.Conn, src io.Reader, srcConn net.Conn) {
	_, _ = io.Copy(dst, src)
	dst.Close()
	srcConn.Close()
}

func (s *Server) serveTLS(w http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	switch {
	case host == AuthorityHost:
		s.serveAAD(w, r)
	case strings.HasSuffix(host, VaultSuffix):
		s.serveVault(w, r, host)
	case strings.HasSuffix(host, AttackerSuffix):
		s.serveAttacker(w, r, host)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func guid() string {
	h := randomHex(16)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}
