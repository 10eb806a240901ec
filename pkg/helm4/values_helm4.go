package helm4

import (
	"context"
	"net/url"

	"helm.sh/helm/v4/pkg/getter"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// This file adapts the SDK-independent Merge to Helm 4's getters.

// MergeValues is Merge with Helm 4's getters: a source whose URL scheme
// has a getter in p is fetched by it, as `helm -f URL` does; anything else
// except "-" is a local file, decrypted when encrypted. Pass
// getter.All(cli.New()) for the getters the helm CLI has (plugins
// included), or nil for local files only.
func (o *ValueOptions) MergeValues(ctx context.Context, eng *encrypt.Engine, p getter.Providers) (map[string]any, error) {
	var r Resolver
	if len(p) > 0 {
		r = HelmGetters(p)
	}
	return o.Merge(ctx, eng, r)
}

// HelmGetters returns a Resolver that reads sources with Helm 4's
// getters, exactly as Helm's values.Options.MergeValues decides: a source
// that does not parse as a URL is an error, and one whose scheme has no
// getter is a local file.
func HelmGetters(p getter.Providers) Resolver { return helm4Getters(p) }

type helm4Getters getter.Providers

// getter returns the getter for source's scheme.
func (p helm4Getters) getter(source string) (getter.Getter, error) {
	u, err := url.Parse(source)
	if err != nil {
		return nil, err
	}
	return getter.Providers(p).ByScheme(u.Scheme)
}

func (p helm4Getters) Resolves(source string) bool {
	if _, err := url.Parse(source); err != nil {
		return true // Read reports the parse error, as helm does
	}
	_, err := p.getter(source)
	return err == nil
}

func (p helm4Getters) Read(_ context.Context, source string) ([]byte, error) {
	g, err := p.getter(source)
	if err != nil {
		return nil, err
	}
	data, err := g.Get(source, getter.WithURL(source))
	if err != nil {
		return nil, err
	}
	return data.Bytes(), nil
}
