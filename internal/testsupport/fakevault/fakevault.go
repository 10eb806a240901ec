package fakevault

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a fake Vault. Add mounts and secrets before use.
type Server struct {
	// Token is the only token accepted (X-Vault-Token).
	Token string

	mu      sync.Mutex
	mounts  map[string]int                      // "secret/" -> KV version
	secrets map[string][]map[string]interface{} // "secret/app/db" -> versions (1-based)
	reads   map[string]int                      // secret reads per path
	hits    int                                 // requests of any kind

	transitMounts map[string]bool        // "namespace|mount"
	transitKeys   map[string]*transitKey // transitID
	transitCalls  map[string]int         // "encrypt "+transitID, "decrypt "+...
	srv           *http.Server
	ln            net.Listener
}

// New returns a server accepting token.
func New(token string) *Server {
	return &Server{Token: token, mounts: map[string]int{}, secrets: map[string][]map[string]interface{}{}, reads: map[string]int{}}
}

// Mount adds a KV mount ("secret", version 2 or 1).
func (s *Server) Mount(path string, version int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mounts[strings.Trim(path, "/")+"/"] = version
}

// Put adds a version of the secret at path (mount included, without
// "data/": "secret/app/db").
func (s *Server) Put(path string, data map[string]interface{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := strings.Trim(path, "/")
	s.secrets[p] = append(s.secrets[p], data)
}

// Reads is how often the secret at path was read.
func (s *Server) Reads(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[strings.Trim(path, "/")]
}

// Requests is how many HTTP requests the server got, of any kind (with a
// wrong token too).
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

// Start listens on 127.0.0.1 (a free port) and returns the address to put
// in VAULT_ADDR.
func (s *Server) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// Close stops the server.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// writeJSON answers with Vault's content type.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func errorsBody(msgs ...string) map[string]any {
	if msgs == nil {
		msgs = []string{}
	}
	return map[string]any{"errors": msgs}
}

// secretBody is Vault's response envelope around data.
func secretBody(data map[string]any) map[string]any {
	return map[string]any{
		"request_id": "00000000-0000-0000-0000-000000000000", "lease_id": "", "renewable": false,
		"lease_duration": 0, "data": data, "wrap_info": nil, "warnings": nil, "auth": nil,
	}
}

// mountOf finds the mount of p (without a leading /): its path and version.
func (s *Server) mountOf(p string) (string, int, bool) {
	best := ""
	for m := range s.mounts {
		if strings.HasPrefix(p+"/", m) && len(m) > len(best) {
			best = m
		}
	}
	if best == "" {
		return "", 0, false
	}
	return best, s.mounts[best], true
}

// ServeHTTP implements Vault's API subset.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits++
	s.mu.Unlock()
	if r.Header.Get("X-Vault-Token") != s.Token {
		writeJSON(w, http.StatusForbidden, errorsBody("permission denied"))
		return
	}
	p, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	if ok && (r.Method == http.MethodPut || r.Method == http.MethodPost) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.transit(w, r, p) {
			writeJSON(w, http.StatusNotFound, errorsBody(`no handler for route "`+strings.Trim(p, "/")+`". route entry not found.`))
		}
		return
	}
	if !ok || (r.Method != http.MethodGet && r.Method != "LIST") {
		writeJSON(w, http.StatusMethodNotAllowed, errorsBody("1 error occurred:\n\t* unsupported operation\n\n"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rest, ok := strings.CutPrefix(p, "sys/internal/ui/mounts/"); ok {
		m, v, found := s.mountOf(strings.Trim(rest, "/"))
		if !found {
			writeJSON(w, http.StatusForbidden, errorsBody("preflight capability check returned 403, please ensure client's policies grant access to path \""+rest+"/\""))
			return
		}
		writeJSON(w, http.StatusOK, secretBody(map[string]any{
			"path": m, "type": "kv", "description": "", "options": map[string]any{"version": strconv.Itoa(v)},
		}))
		return
	}
	m, v, found := s.mountOf(strings.Trim(p, "/"))
	if !found {
		writeJSON(w, http.StatusForbidden, errorsBody("permission denied"))
		return
	}
	key := strings.Trim(p, "/")
	if v == 2 {
		rest, ok := strings.CutPrefix(key, m+"data/")
		if !ok {
			writeJSON(w, http.StatusNotFound, errorsBody())
			return
		}
		key = m + rest
	}
	versions := s.secrets[key]
	if len(versions) == 0 {
		writeJSON(w, http.StatusNotFound, errorsBody())
		return
	}
	s.reads[key]++
	if v == 1 {
		writeJSON(w, http.StatusOK, secretBody(versions[len(versions)-1]))
		return
	}
	n := len(versions)
	if q := r.URL.Query().Get("version"); q != "" && q != "0" {
		i, err := strconv.Atoi(q)
		if err != nil || i < 1 || i > len(versions) {
			writeJSON(w, http.StatusNotFound, errorsBody())
			return
		}
		n = i
	}
	writeJSON(w, http.StatusOK, secretBody(map[string]any{
		"data": versions[n-1],
		"metadata": map[string]any{
			"created_time": "2026-01-01T00:00:00Z", "custom_metadata": nil, "deletion_time": "",
			"destroyed": false, "version": n,
		},
	}))
}
