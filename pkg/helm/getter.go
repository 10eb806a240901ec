package helm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// The downloader (getter) protocols that plain helm and Argo CD use
// (docs/compatibility.md §4):
//
//	secrets://[?][NAME!]PATH_OR_URL
//	secrets+age-import://[?][NAME!]KEYFILE?PATH_OR_URL
//	secrets+age-import-kubernetes://[?][NAME!][NS/]SECRET#KEY?PATH_OR_URL
//	secrets+gpg-import://[?][NAME!]KEYFILE?PATH_OR_URL
//	secrets+gpg-import-kubernetes://[?][NAME!][NS/]SECRET#KEY?PATH_OR_URL
//	secrets+literal://[NAME!]LITERAL
const (
	SchemeSecrets              = "secrets"
	SchemeAgeImport            = "secrets+age-import"
	SchemeAgeImportKubernetes  = "secrets+age-import-kubernetes"
	SchemeGPGImport            = "secrets+gpg-import"
	SchemeGPGImportKubernetes  = "secrets+gpg-import-kubernetes"
	SchemeLiteral              = "secrets+literal"
	getterHTTPTimeout          = 2 * time.Minute
	getterDefaultKubeNamespace = "default"
)

// GetterSchemes are the protocols the getter plugin registers.
var GetterSchemes = []string{
	SchemeSecrets, SchemeAgeImport, SchemeAgeImportKubernetes,
	SchemeGPGImport, SchemeGPGImportKubernetes, SchemeLiteral,
}

// GetterOptions configure Fetch. GetterOptionsFromEnv fills them the way
// the shell plugin reads its environment.
type GetterOptions struct {
	// Engine decrypts with the environment's keys (secrets://,
	// secrets+literal://). Nil: a new engine with default options.
	Engine *encrypt.Engine
	// AllowedBackends is HELM_SECRETS_ALLOWED_BACKENDS; DefaultBackend is
	// HELM_SECRETS_BACKEND ("" means sops).
	AllowedBackends []string
	DefaultBackend  string
	// IgnoreMissing (HELM_SECRETS_IGNORE_MISSING_VALUES=true) turns a
	// missing source into empty output, as a leading ? does.
	IgnoreMissing bool
	// Paths is the local-path hardening (HELM_SECRETS_VALUES_ALLOW_*).
	Paths PathPolicy
	// Imports refuses key-import protocols (HELM_SECRETS_ALLOW_*_IMPORT*).
	Imports ImportPolicy
	// KeyLocationPrefix (HELM_SECRETS_KEY_LOCATION_PREFIX) is the string
	// every key file path of secrets+age-import:// and
	// secrets+gpg-import:// must start with.
	KeyLocationPrefix string
	// URLVariableExpansion (HELM_SECRETS_URL_VARIABLE_EXPANSION=true)
	// expands ${VAR} in http(s) sources; an undefined variable fails.
	URLVariableExpansion bool
	// Kube locates the cluster for the -kubernetes protocols.
	Kube KubeOptions
	// LoadGPGKeys (HELM_SECRETS_LOAD_GPG_KEYS, space separated, "false"
	// means none) are PGP key files, or directories of them, imported into
	// a private temporary GNUPGHOME for secrets:// sources.
	LoadGPGKeys []string
	// GPG and GPGConf are the gnupg binaries ("gpg", "gpgconf" when empty).
	GPG, GPGConf string
	// HTTPClient downloads http(s) sources; nil: a client with a timeout.
	HTTPClient *http.Client
	// MaxSize caps a source's size; 0 means encrypt.DefaultMaxInputSize.
	MaxSize int64
	// SopsLog receives the sops library's log lines of engines created for
	// imported keys (nil: discarded).
	SopsLog io.Writer
}

// ImportPolicy refuses key-import protocols. The zero value allows all, as
// the shell plugin's defaults do.
type ImportPolicy struct {
	DenyGPG           bool // HELM_SECRETS_ALLOW_GPG_IMPORT != "true"
	DenyGPGKubernetes bool // HELM_SECRETS_ALLOW_GPG_IMPORT_KUBERNETES != "true"
	DenyAge           bool // HELM_SECRETS_ALLOW_AGE_IMPORT != "true"
	DenyAgeKubernetes bool // HELM_SECRETS_ALLOW_AGE_IMPORT_KUBERNETES != "true"
}

// KubeOptions locate the Kubernetes API server and namespace, as Helm
// passes them to plugins: KUBECONFIG (a path list; empty means the default
// ~/.kube/config), HELM_KUBECONTEXT and HELM_NAMESPACE.
type KubeOptions struct {
	Kubeconfig string
	Context    string
	Namespace  string
}

// allowed reports whether an HELM_SECRETS_ALLOW_* variable permits: unset
// or empty means the default "true"; any other value than exactly "true"
// refuses (the shell plugin's `${VAR:-true}` != "true").
func allowed(name string) bool {
	v := os.Getenv(name)
	return v == "" || v == "true"
}

// GetterOptionsFromEnv reads the shell plugin's environment variables and
// the ones Helm passes to plugins.
func GetterOptionsFromEnv() GetterOptions {
	return GetterOptions{
		AllowedBackends: ParseList(os.Getenv("HELM_SECRETS_ALLOWED_BACKENDS")),
		DefaultBackend:  os.Getenv("HELM_SECRETS_BACKEND"),
		IgnoreMissing:   os.Getenv("HELM_SECRETS_IGNORE_MISSING_VALUES") == "true",
		Paths:           PathPolicyFromEnv(),
		Imports: ImportPolicy{
			DenyGPG:           !allowed("HELM_SECRETS_ALLOW_GPG_IMPORT"),
			DenyGPGKubernetes: !allowed("HELM_SECRETS_ALLOW_GPG_IMPORT_KUBERNETES"),
			DenyAge:           !allowed("HELM_SECRETS_ALLOW_AGE_IMPORT"),
			DenyAgeKubernetes: !allowed("HELM_SECRETS_ALLOW_AGE_IMPORT_KUBERNETES"),
		},
		KeyLocationPrefix:    os.Getenv("HELM_SECRETS_KEY_LOCATION_PREFIX"),
		URLVariableExpansion: os.Getenv("HELM_SECRETS_URL_VARIABLE_EXPANSION") == "true",
		Kube: KubeOptions{
			Kubeconfig: os.Getenv("KUBECONFIG"),
			Context:    os.Getenv("HELM_KUBECONTEXT"),
			Namespace:  os.Getenv("HELM_NAMESPACE"),
		},
		LoadGPGKeys: loadGPGKeysFromEnv(),
		GPG:         os.Getenv("SOPS_GPG_EXEC"),
	}
}

func loadGPGKeysFromEnv() []string {
	v := os.Getenv("HELM_SECRETS_LOAD_GPG_KEYS")
	if v == "false" {
		return nil
	}
	return strings.Fields(v)
}

// GetterURL is a parsed getter URL.
type GetterURL struct {
	// Scheme is one of GetterSchemes.
	Scheme string
	// IgnoreMissing: the URL started with "?" after the scheme.
	IgnoreMissing bool
	// Backend is the NAME of a NAME! prefix ("" when there is none).
	Backend string
	// Key is the key file (secrets+*-import://) or [NS/]SECRET#KEY
	// (secrets+*-import-kubernetes://); empty otherwise.
	Key string
	// Source is the file path or http(s) URL to decrypt, or the literal
	// (secrets+literal://).
	Source string
}

// IsKubernetes reports whether u reads its key from a Kubernetes Secret.
func (u GetterURL) IsKubernetes() bool {
	return u.Scheme == SchemeAgeImportKubernetes || u.Scheme == SchemeGPGImportKubernetes
}

// hasKey reports whether scheme carries a key location.
func hasKey(scheme string) bool {
	switch scheme {
	case SchemeAgeImport, SchemeAgeImportKubernetes, SchemeGPGImport, SchemeGPGImportKubernetes:
		return true
	}
	return false
}

// splitGetterScheme cuts "SCHEME://" off raw, as text: Go's url.Parse
// would read a relative path's first element as a host.
func splitGetterScheme(raw string) (scheme, rest string, ok bool) {
	for _, s := range GetterSchemes {
		if r, found := strings.CutPrefix(raw, s+"://"); found {
			return s, r, true
		}
	}
	return "", "", false
}

// ParseGetterURL parses raw with the shell plugin's grammar: after the
// scheme, an optional "?" (ignore missing), an optional NAME! (any "!"
// separates a backend name), and for key protocols the key location up to
// the first "?" followed by the source. It does not check that the backend
// exists or that the protocol is allowed.
func ParseGetterURL(raw string) (GetterURL, error) {
	scheme, rest, ok := splitGetterScheme(raw)
	if !ok {
		return GetterURL{}, fmt.Errorf("Unknown protocol '%s'!", raw)
	}
	return parseGetterRest(scheme, rest)
}

func parseGetterRest(scheme, rest string) (GetterURL, error) {
	u := GetterURL{Scheme: scheme}
	if scheme != SchemeLiteral {
		if r, found := strings.CutPrefix(rest, "?"); found {
			u.IgnoreMissing, rest = true, r
		}
	}
	if name, r, found := strings.Cut(rest, "!"); found {
		u.Backend, rest = name, r
	}
	if !hasKey(scheme) {
		u.Source = rest
		return u, nil
	}
	key, src, found := strings.Cut(rest, "?")
	if !found || key == src {
		return GetterURL{}, fmt.Errorf("Invalid syntax: %s://[path to key]?[path secrets.yaml]", scheme)
	}
	u.Key, u.Source = key, src
	return u, nil
}

// KubeSecretRef is the [NS/]SECRET#KEY location of a key in a Secret.
type KubeSecretRef struct {
	Namespace string // "" when the location has no NS/
	Name      string
	Key       string
}

// ParseKubeSecretRef splits [NS/]SECRET#KEY as the shell plugin does: the
// secret location is the text before the last "#", the key the text after
// the first "#"; a location with "/" has the namespace before its last "/"
// and the name after its first "/".
func ParseKubeSecretRef(loc string) KubeSecretRef {
	secret, key := loc, loc
	if i := strings.LastIndex(loc, "#"); i >= 0 {
		secret = loc[:i]
	}
	if i := strings.Index(loc, "#"); i >= 0 {
		key = loc[i+1:]
	}
	r := KubeSecretRef{Name: secret, Key: key}
	if strings.Contains(secret, "/") {
		r.Namespace = secret[:strings.LastIndex(secret, "/")]
		r.Name = secret[strings.Index(secret, "/")+1:]
	}
	return r
}

// display is the secret as the shell plugin names it in errors.
func (r KubeSecretRef) display() string {
	if r.Namespace != "" {
		return r.Namespace + "/" + r.Name
	}
	return r.Name
}

// Fetch resolves a getter URL and returns the plaintext exactly as
// `sops --decrypt` prints it; a source that is not encrypted is returned
// unchanged, and a missing source with ignore-missing gives empty output.
// Errors are worded as the shell plugin words them (without its
// "[helm-secrets] " prefix); an error may hold several lines.
//
// Keys of the import protocols are used in memory only (age) or in a
// private temporary GNUPGHOME that is removed, with its gpg-agent, before
// Fetch returns (PGP). Fetch is safe for concurrent use.
func Fetch(ctx context.Context, rawURL string, o GetterOptions) ([]byte, error) {
	if o.Engine == nil {
		o.Engine = encrypt.New(encrypt.Options{SopsLog: o.SopsLog})
	}
	if o.DefaultBackend == "" {
		o.DefaultBackend = "sops"
	}
	backends := Backends{Engine: o.Engine, Allowed: o.AllowedBackends}
	// The shell plugin loads the default backend first, so an allow-list
	// without it fails every URL (docs/compatibility.md §1.1).
	backend, err := backends.Get(o.DefaultBackend)
	if err != nil {
		return nil, backendErr(o.DefaultBackend, err)
	}
	scheme, rest, ok := splitGetterScheme(rawURL)
	if !ok {
		return nil, fmt.Errorf("Unknown protocol '%s'!", rawURL)
	}
	if deny := map[string]bool{
		SchemeGPGImport:           o.Imports.DenyGPG,
		SchemeGPGImportKubernetes: o.Imports.DenyGPGKubernetes,
		SchemeAgeImport:           o.Imports.DenyAge,
		SchemeAgeImportKubernetes: o.Imports.DenyAgeKubernetes,
	}[scheme]; deny {
		return nil, fmt.Errorf("%s:// is not allowed in this context!", scheme)
	}
	// The grammar is checked in the shell plugin's order: "?", then the
	// backend (which fails at once), then the key/source split.
	u, perr := parseGetterRest(scheme, rest)
	name := u.Backend
	if perr != nil {
		// Invalid syntax; still report a bad backend first, as the shell does.
		r := strings.TrimPrefix(rest, "?")
		if n, _, found := strings.Cut(r, "!"); found {
			name = n
		}
	}
	if name != "" {
		if backend, err = backends.Get(name); err != nil {
			return nil, backendErr(name, err)
		}
	}
	if perr != nil {
		return nil, perr
	}
	ignore := o.IgnoreMissing || u.IgnoreMissing

	if scheme == SchemeLiteral {
		plain, err := backend.Decrypt(ctx, []byte(u.Source), encrypt.FormatAuto)
		if errors.Is(err, encrypt.ErrNotEncrypted) {
			return []byte(u.Source), nil
		}
		if err != nil {
			return nil, fmt.Errorf("Unable to decrypt literal value: %v", err)
		}
		return plain, nil
	}

	if (scheme == SchemeAgeImport || scheme == SchemeGPGImport) && !strings.HasPrefix(u.Key, o.KeyLocationPrefix) {
		return nil, fmt.Errorf("Key location '%s' is not allowed", u.Key)
	}

	// Fetch the source before touching keys: a missing file needs none.
	src, err := o.readSource(ctx, u.Source, ignore)
	if err != nil || src == nil {
		return []byte{}, err
	}

	if _, isSops := backend.(SopsBackend); isSops && (scheme != SchemeSecrets || len(o.LoadGPGKeys) > 0) {
		eng, cleanup, err := o.importKeys(ctx, u)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		backend = SopsBackend{Engine: eng}
	}

	var plain []byte
	if sb, isSops := backend.(SopsBackend); isSops && src.local {
		plain, err = sb.Engine.DecryptFile(ctx, src.name)
	} else {
		plain, err = backend.Decrypt(ctx, src.data, encrypt.DetectFormat(src.name, src.data))
	}
	switch {
	case errors.Is(err, encrypt.ErrNotEncrypted):
		// The shell plugin prints a source that is not encrypted as is.
		return src.data, nil
	case err != nil:
		return nil, errors.Join(fmt.Errorf("Error while decrypting file: %s", displaySource(u.Source)), err)
	}
	return plain, nil
}

// backendErr words a backend selection error as the shell plugin does.
func backendErr(name string, err error) error {
	if errors.Is(err, ErrBackendNotAllowed) {
		return fmt.Errorf("secret backend '%s' not allowed", name)
	}
	return err
}

// source is a fetched source file.
type source struct {
	name  string // path, or the URL's path for format detection
	local bool
	data  []byte
}

var urlSchemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

func isHTTPSource(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// displaySource is s with any URL password removed.
func displaySource(s string) string {
	if !urlSchemeRE.MatchString(s) {
		return s
	}
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// readSource reads a local file or downloads an http(s) URL. A missing
// source gives (nil, nil) when ignore is set.
func (o GetterOptions) readSource(ctx context.Context, s string, ignore bool) (*source, error) {
	if isHTTPSource(s) {
		data, err := o.download(ctx, s)
		if err != nil {
			if ignore {
				return nil, nil
			}
			return nil, errors.Join(
				fmt.Errorf("Error while download url %s", displaySource(s)),
				fmt.Errorf("File does not exist: %s", displaySource(s)))
		}
		name := ""
		if pu, err := url.Parse(s); err == nil {
			name = path.Base(pu.Path)
		}
		return &source{name: name, data: data}, nil
	}
	if urlSchemeRE.MatchString(s) {
		if ignore {
			return nil, nil
		}
		return nil, fmt.Errorf("File does not exist: %s (only local files and http(s):// URLs are supported)", displaySource(s))
	}
	if err := o.Paths.Check(s); err != nil {
		return nil, err
	}
	st, err := os.Stat(s)
	if err != nil || st.IsDir() {
		if ignore && (err == nil || errors.Is(err, fs.ErrNotExist)) {
			return nil, nil
		}
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("File does not exist: %s", s)
		}
		return nil, err
	}
	data, err := o.Engine.ReadFile(s)
	if err != nil {
		return nil, err
	}
	// DecryptFile reads a regular file again (to apply .sops.yaml output
	// settings, as sops does); a pipe can be read once only.
	return &source{name: s, local: st.Mode().IsRegular(), data: data}, nil
}

var urlVarRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// download fetches an http(s) URL (basic auth from the URL), capped at
// MaxSize bytes.
func (o GetterOptions) download(ctx context.Context, s string) ([]byte, error) {
	if o.URLVariableExpansion {
		var undefined []string
		s = urlVarRE.ReplaceAllStringFunc(s, func(m string) string {
			name := urlVarRE.FindStringSubmatch(m)[1]
			v, ok := os.LookupEnv(name)
			if !ok {
				undefined = append(undefined, name)
			}
			return v
		})
		if len(undefined) > 0 {
			return nil, fmt.Errorf("undefined variables in URL: %s", strings.Join(undefined, ", "))
		}
	}
	limit := o.MaxSize
	if limit == 0 {
		limit = encrypt.DefaultMaxInputSize
	}
	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: getterHTTPTimeout}
	}
	return Download(ctx, client, s, limit)
}
