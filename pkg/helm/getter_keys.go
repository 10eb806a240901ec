package helm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// maxKeySize caps a key file or a key read from a Secret.
const maxKeySize = 1 << 20

// importKeys returns an engine that decrypts with the key u names, and a
// cleanup that removes every trace of it (always non-nil when err is nil).
func (o GetterOptions) importKeys(ctx context.Context, u GetterURL) (*encrypt.Engine, func(), error) {
	var key []byte
	switch u.Scheme {
	case SchemeAgeImport, SchemeGPGImport:
		b, err := readKeyFile(u.Key)
		if err != nil {
			return nil, nil, err
		}
		key = b
	case SchemeAgeImportKubernetes, SchemeGPGImportKubernetes:
		ref := ParseKubeSecretRef(u.Key)
		b, err := o.Kube.secretKey(ctx, ref)
		if err != nil {
			if errors.Is(err, errNoSuchKey) {
				if u.Scheme == SchemeAgeImportKubernetes {
					return nil, nil, fmt.Errorf("Couldn't find key %s in kubernetes secret %s", ref.Key, ref.Name)
				}
				return nil, nil, fmt.Errorf("Couldn't find key %s in secret %s", ref.Key, ref.Name)
			}
			return nil, nil, errors.Join(fmt.Errorf("Couldn't get kubernetes secret %s", ref.display()), err)
		}
		key = b
	default:
		if len(o.LoadGPGKeys) == 0 {
			return o.Engine, func() {}, nil
		}
		b, err := readKeyFiles(o.LoadGPGKeys)
		if err != nil {
			return nil, nil, err
		}
		key = b
	}
	defer clear(key)

	if u.Scheme == SchemeAgeImport || u.Scheme == SchemeAgeImportKubernetes {
		ids, err := encrypt.ParseAgeIdentities(string(key))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", keyDisplay(u), err)
		}
		if len(ids) == 0 {
			return nil, nil, fmt.Errorf("%s: no age identity found", keyDisplay(u))
		}
		eng := encrypt.New(encrypt.Options{
			Keys:         encrypt.Keys{AgeIdentities: ids, NoEnvironment: true},
			MaxInputSize: o.MaxSize,
			SopsLog:      o.SopsLog,
		})
		return eng, func() {}, nil
	}

	home, cleanup, err := o.importGPG(ctx, key)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", keyDisplay(u), err)
	}
	eng := encrypt.New(encrypt.Options{
		Keys:         encrypt.Keys{GnuPGHome: home},
		MaxInputSize: o.MaxSize,
		SopsLog:      o.SopsLog,
	})
	return eng, cleanup, nil
}

// readKeyFiles reads HELM_SECRETS_LOAD_GPG_KEYS: files, and the regular
// files directly inside directories, concatenated (gpg imports them all).
func readKeyFiles(paths []string) ([]byte, error) {
	var all []byte
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("HELM_SECRETS_LOAD_GPG_KEYS: %w", err)
		}
		files := []string{p}
		if st.IsDir() {
			files = nil
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, fmt.Errorf("HELM_SECRETS_LOAD_GPG_KEYS: %w", err)
			}
			for _, e := range entries {
				if e.Type().IsRegular() {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
		}
		for _, f := range files {
			b, err := readKeyFile(f)
			if err != nil {
				return nil, fmt.Errorf("HELM_SECRETS_LOAD_GPG_KEYS: %w", err)
			}
			all = append(append(all, b...), '\n')
			clear(b)
		}
	}
	return all, nil
}

func keyDisplay(u GetterURL) string {
	if u.Scheme == SchemeSecrets {
		return "HELM_SECRETS_LOAD_GPG_KEYS"
	}
	if u.IsKubernetes() {
		return "key " + u.Key
	}
	return "key file " + u.Key
}

// readKeyFile reads a key file, size-capped.
func readKeyFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeySize+1))
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if len(b) > maxKeySize {
		return nil, fmt.Errorf("key file %s: over %d bytes", p, maxKeySize)
	}
	return b, nil
}

// importGPG imports key into a fresh private GNUPGHOME (0700) and returns
// it with a cleanup that stops its gpg-agent and removes it.
func (o GetterOptions) importGPG(ctx context.Context, key []byte) (string, func(), error) {
	gpg := o.GPG
	if gpg == "" {
		gpg = "gpg"
	}
	gpgconf := o.GPGConf
	if gpgconf == "" {
		gpgconf = "gpgconf"
		// Prefer the gpgconf that belongs to the gpg in use.
		if p, err := exec.LookPath(gpg); err == nil {
			if c := filepath.Join(filepath.Dir(p), "gpgconf"); isExecutable(c) {
				gpgconf = c
			}
		}
	}
	home, err := os.MkdirTemp("", "helm-secrets-gnupg-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() {
		// Stop the agent (and any other daemon) of this home only. Use a
		// fresh context: the caller's may be cancelled already.
		kctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(kctx, gpgconf, "--homedir", home, "--kill", "all")
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
		_ = cmd.Run()
		_ = os.RemoveAll(home)
	}
	if err := os.Chmod(home, 0o700); err != nil {
		cleanup()
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, gpg, "--batch", "--no-permission-warning", "--quiet", "--homedir", home, "--import")
	cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
	cmd.Stdin = bytes.NewReader(key)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("gpg --import: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return home, cleanup, nil
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

var errNoSuchKey = errors.New("no such key in the secret")

// restConfig loads the client configuration the way kubectl and helm do:
// the KUBECONFIG list (else ~/.kube/config, else in-cluster), the
// HELM_KUBECONTEXT context; it also returns the namespace to use when a
// location has none (HELM_NAMESPACE, else the context's, else "default").
func (k KubeOptions) restConfig() (*rest.Config, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if k.Kubeconfig != "" {
		rules.Precedence = filepath.SplitList(k.Kubeconfig)
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: k.Context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", err
	}
	ns := k.Namespace
	if ns == "" {
		if n, _, err := cc.Namespace(); err == nil && n != "" {
			ns = n
		} else {
			ns = getterDefaultKubeNamespace
		}
	}
	return cfg, ns, nil
}

// secretKey reads one data key of a Secret through the API server.
func (k KubeOptions) secretKey(ctx context.Context, ref KubeSecretRef) ([]byte, error) {
	cfg, ns, err := k.restConfig()
	if err != nil {
		return nil, err
	}
	if ref.Namespace != "" {
		ns = ref.Namespace
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	host := cfg.Host
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	u := strings.TrimSuffix(host, "/") + "/api/v1/namespaces/" + url.PathEscape(ns) + "/secrets/" + url.PathEscape(ref.Name)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var status struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &status) == nil && status.Message != "" {
			return nil, errors.New(status.Message)
		}
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	var secret struct {
		Data map[string][]byte `json:"data"`
	}
	if err := json.Unmarshal(body, &secret); err != nil {
		return nil, fmt.Errorf("decoding the secret: %v", err)
	}
	clear(body)
	v, ok := secret.Data[ref.Key]
	if !ok || len(v) == 0 {
		return nil, errNoSuchKey
	}
	for name, d := range secret.Data {
		if name != ref.Key {
			clear(d)
		}
	}
	return v, nil
}
