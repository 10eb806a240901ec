package getter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/backends/backend"
	"github.com/helm-secrets/helm-secrets/internal/backends/shellbackend"
	"github.com/helm-secrets/helm-secrets/internal/backends/valsproto"
	"github.com/helm-secrets/helm-secrets/internal/hardening/pathpolicy"
	"github.com/helm-secrets/helm-secrets/internal/lean/delivery/boundary"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Options configure Fetch. The plugin binary fills them from the
// shell plugin's environment variables.
type Options struct {
	// Engine decrypts with the environment's keys (secrets://,
	// secrets+literal://). Nil: a new engine with default options.
	Engine *encrypt.Engine
	// AllowedBackends is HELM_SECRETS_ALLOWED_BACKENDS; DefaultBackend is
	// HELM_SECRETS_BACKEND ("" means sops).
	AllowedBackends []string
	DefaultBackend  string
	// Scripts, when set, allows custom backend scripts (a backend name
	// that is a file), configured as backend.Selector.Scripts; nil refuses
	// them.
	Scripts *shellbackend.Script
	// IgnoreMissing (HELM_SECRETS_IGNORE_MISSING_VALUES=true) turns a
	// missing source into empty output, as a leading ? does.
	IgnoreMissing bool
	// Paths is the local-path hardening (HELM_SECRETS_VALUES_ALLOW_*).
	Paths pathpolicy.Policy
	// Imports refuses key-import protocols (HELM_SECRETS_ALLOW_*_IMPORT*).
	Imports ImportPolicy
	// KeyLocationPrefix (HELM_SECRETS_KEY_LOCATION_PREFIX) is the
	// directory every key file of secrets+age-import:// and
	// secrets+gpg-import:// must lie in, compared on cleaned paths resolved
	// through symlinks (pathpolicy.WithinPrefix), not as a string prefix.
	KeyLocationPrefix string
	// URLVariableExpansion (HELM_SECRETS_URL_VARIABLE_EXPANSION=true)
	// expands ${VAR} in http(s) sources; an undefined variable fails. Only
	// names in DefaultURLVariables and URLVariableAllowlist
	// (HELM_SECRETS_URL_VARIABLE_EXPANSION_ALLOWLIST, which extends the
	// default) expand: the URL, and so the values, go to the host the URL
	// names, which the repository chooses.
	URLVariableExpansion bool
	URLVariableAllowlist []string
	// Strict is encrypt.Options.Strict for the engines Fetch creates
	// (HELM_SECRETS_STRICT).
	Strict bool
	// Kube locates the cluster for the -kubernetes protocols.
	Kube KubeOptions
	// LoadGPGKeys (HELM_SECRETS_LOAD_GPG_KEYS, space separated, "false"
	// means none) are PGP key files, or directories of them, imported into
	// a private temporary GNUPGHOME for secrets:// sources.
	LoadGPGKeys []string
	// GPG and GPGConf are the gnupg binaries ("gpg", "gpgconf" when empty).
	GPG, GPGConf string
	// GuardExecutable returns the binary that runs the guard process of a
	// gpg-import's private GNUPGHOME (gpghome.Options.GuardExecutable):
	// the plugin's binary sets os.Executable. Nil: no guard.
	GuardExecutable func() (string, error)
	// HTTPClient downloads http(s) sources; nil: a client with
	// urls.Timeout.
	HTTPClient *http.Client
	// MaxSize caps a source's size; 0 means encrypt.DefaultMaxInputSize.
	MaxSize int64
	// Vals serves the vals backend (secrets://vals!..., -b vals); nil
	// refuses it.
	Vals *valsproto.Session
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
// ~/.kube/config), HELM_KUBECONTEXT; a location without NS/ is looked up in the context's
// namespace (Namespace, when a library caller sets it, wins).
type KubeOptions struct {
	Kubeconfig string
	Context    string
	Namespace  string
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
func Fetch(ctx context.Context, rawURL string, o Options) ([]byte, error) {
	if o.Engine == nil {
		o.Engine = encrypt.New(encrypt.Options{MaxInputSize: o.MaxSize, Strict: o.Strict})
	}
	if o.DefaultBackend == "" {
		o.DefaultBackend = "sops"
	}
	backends := backend.Selector{Engine: o.Engine, Allowed: o.AllowedBackends, Scripts: o.Scripts, Vals: o.Vals}
	// The shell plugin loads the default backend first, so an allow-list
	// without it fails every URL (docs/compatibility.md, protocols).
	b, err := backends.Get(o.DefaultBackend)
	if err != nil {
		return nil, err
	}
	scheme, rest, ok := splitScheme(rawURL)
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
	u, perr := parseRest(scheme, rest)
	name := u.Backend
	if perr != nil {
		// Invalid syntax; still report a bad backend first, as the shell does.
		r := strings.TrimPrefix(rest, "?")
		if n, _, found := strings.Cut(r, "!"); found {
			name = n
		}
	}
	if name != "" {
		if b, err = backends.GetReferenced(name, o.DefaultBackend); err != nil {
			return nil, err
		}
	}
	if perr != nil {
		return nil, perr
	}
	ignore := o.IgnoreMissing || u.IgnoreMissing

	if scheme == SchemeLiteral {
		// "secrets+literal", not the URL: the one redactor hides all that
		// follows secrets+literal://, which would take the reason along.
		plain, err := b.DecryptLiteral(ctx, "secrets+literal", u.Source)
		if errors.Is(err, encrypt.ErrNotEncrypted) {
			return []byte(u.Source), nil
		}
		if err != nil {
			return nil, fmt.Errorf("Unable to decrypt literal value: %v", err)
		}
		return plain, nil
	}

	if (scheme == SchemeAgeImport || scheme == SchemeGPGImport) && !pathpolicy.WithinPrefix(o.KeyLocationPrefix, u.Key) {
		return nil, fmt.Errorf("Key location '%s' is not allowed", u.Key)
	}

	// Locate the source before touching keys: a missing file needs none.
	src, err := o.locate(ctx, u.Source, ignore)
	if err != nil || src == nil {
		return []byte{}, err
	}

	if b.Engine() != nil && (scheme != SchemeSecrets || len(o.LoadGPGKeys) > 0) {
		eng, cleanup, err := o.importKeys(ctx, u)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		if b, err = (backend.Selector{Engine: eng}).Get(b.Name()); err != nil {
			return nil, err
		}
	}

	if src.local {
		r := b.ReadFiles(ctx, []string{src.name})[0]
		if r.Err != nil {
			return nil, errors.Join(fmt.Errorf("Error while decrypting file: %s", u.Source), r.Err)
		}
		// A source that is not encrypted comes back as it is, as the
		// shell plugin prints it; never with ciphertext left in it.
		if err := boundary.Check(u.Source, r.Plaintext); err != nil {
			return nil, err
		}
		return r.Plaintext, nil
	}
	plain, err := b.Decrypt(ctx, src.data, encrypt.DetectFormat(src.name, src.data))
	switch {
	case errors.Is(err, encrypt.ErrNotEncrypted):
		plain = src.data
	case err != nil:
		return nil, errors.Join(fmt.Errorf("Error while decrypting file: %s", urls.Redact(u.Source)), err)
	}
	if err := boundary.Check(urls.Redact(u.Source), plain); err != nil {
		return nil, err
	}
	return plain, nil
}

// source is a located source: a local file to read, or downloaded data.
type source struct {
	name  string // path, or the URL's last path element for format detection
	local bool
	data  []byte // downloaded content (remote sources only)
}

// locate checks a local file (path policy, existence) or downloads an
// http(s) URL. A missing source gives (nil, nil) when ignore is set.
func (o Options) locate(ctx context.Context, s string, ignore bool) (*source, error) {
	if urls.IsHTTP(s) {
		data, err := o.download(ctx, s)
		if errors.Is(err, errURLVariables) {
			return nil, err // a refusal, even with ignore-missing
		}
		if err != nil {
			if ignore {
				return nil, nil
			}
			return nil, errors.Join(
				fmt.Errorf("Error while download url %s", urls.Redact(s)),
				fmt.Errorf("File does not exist: %s", urls.Redact(s)))
		}
		return &source{name: urls.Base(s), data: data}, nil
	}
	if urls.HasScheme(s) {
		if ignore {
			return nil, nil
		}
		return nil, fmt.Errorf("File does not exist: %s (only local files and http(s):// URLs are supported)", urls.Redact(s))
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
	// MaxSize applies to local files too, whatever engine decrypts them.
	if o.MaxSize > 0 && st.Mode().IsRegular() && st.Size() > o.MaxSize {
		return nil, fmt.Errorf("%s: %w (%d bytes, limit %d)", s, encrypt.ErrTooLarge, st.Size(), o.MaxSize)
	}
	return &source{name: s, local: true}, nil
}

// errURLVariables means a URL names variables that may not be expanded.
var errURLVariables = errors.New("variables not allowed in URL")

// DefaultURLVariables are the variables a values URL may name with
// HELM_SECRETS_URL_VARIABLE_EXPANSION=true and no allow-list: Helm's
// namespace and Argo CD's build environment, none of which holds a
// credential. (Not ARGOCD_APP_SOURCE_REPO_URL: a repository URL may carry
// one.) Any other name must be listed in
// HELM_SECRETS_URL_VARIABLE_EXPANSION_ALLOWLIST: a deny-list of names that
// look like credentials let DATABASE_URL, CI_JOB_JWT or GITHUB_PAT through.
var DefaultURLVariables = []string{
	"HELM_NAMESPACE",
	"ARGOCD_APP_NAME", "ARGOCD_APP_NAMESPACE", "ARGOCD_APP_PROJECT_NAME",
	"ARGOCD_APP_REVISION", "ARGOCD_APP_REVISION_SHORT",
	"ARGOCD_APP_SOURCE_PATH", "ARGOCD_APP_SOURCE_TARGET_REVISION",
	"KUBE_VERSION",
}

// expandable reports whether ${name} may be expanded in a URL: listed in
// DefaultURLVariables or URLVariableAllowlist.
func (o Options) expandable(name string) bool {
	return slices.Contains(DefaultURLVariables, name) || slices.Contains(o.URLVariableAllowlist, name)
}

var urlVarRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// download fetches an http(s) URL (basic auth from the URL), capped at
// MaxSize bytes.
func (o Options) download(ctx context.Context, s string) ([]byte, error) {
	if o.URLVariableExpansion {
		var undefined, refused []string
		s = urlVarRE.ReplaceAllStringFunc(s, func(m string) string {
			name := urlVarRE.FindStringSubmatch(m)[1]
			if !o.expandable(name) {
				refused = append(refused, name)
				return ""
			}
			v, ok := os.LookupEnv(name)
			if !ok {
				undefined = append(undefined, name)
			}
			return v
		})
		if len(refused) > 0 {
			return nil, fmt.Errorf("%w: %s (the URL's host would receive them; list them in HELM_SECRETS_URL_VARIABLE_EXPANSION_ALLOWLIST)", errURLVariables, strings.Join(refused, ", "))
		}
		if len(undefined) > 0 {
			return nil, fmt.Errorf("undefined variables in URL: %s", strings.Join(undefined, ", "))
		}
	}
	limit := o.MaxSize
	if limit == 0 {
		limit = encrypt.DefaultMaxInputSize
	}
	return urls.Download(ctx, o.HTTPClient, s, limit)
}
