package getter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/helm-secrets/helm-secrets/internal/foundation/bounds"
)

var errNoSuchKey = errors.New("no such key in the secret")

// restConfig loads the client configuration the way kubectl and helm do:
// the KUBECONFIG list (else ~/.kube/config, else in-cluster), the
// HELM_KUBECONTEXT context; it also returns the namespace to use when a
// location has none (Namespace, else the context's, else "default").
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
			ns = defaultKubeNamespace
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
	body, err := bounds.ReadAll(resp.Body, 16<<20)
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
