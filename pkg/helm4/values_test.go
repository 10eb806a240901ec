package helm4_test

import (
	"bytes"
	"context"
	"testing"

	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/getter"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv/sdktest"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helm4"
)

// The cases and assertions are package helm's, in sdktest; these tests
// give them Helm 4's functions and the helm v4 binary.

// mergeValues is ValueOptions.MergeValues without getters.
func mergeValues(ctx context.Context, eng *encrypt.Engine, o sdktest.Sources) (map[string]any, error) {
	opts := helm4.ValueOptions(o)
	return opts.MergeValues(ctx, eng, nil)
}

// TestMergeValuesEqualsHelm compares our merge with Helm 4's own
// values.Options.MergeValues: identical for plain sources, and identical
// to Helm's result on the plaintext for encrypted sources.
func TestMergeValuesEqualsHelm(t *testing.T) {
	sdktest.MergeEqualsHelm(t, func(o sdktest.Sources) (map[string]any, error) {
		return (*values.Options)(&o).MergeValues(getter.Providers{})
	}, mergeValues)
}

// TestTemplateEqualsHelmBinary renders with the real helm v4
// `helm template` and with Template: the output is byte for byte the
// same, for plain sources and for their encrypted equivalents.
func TestTemplateEqualsHelmBinary(t *testing.T) {
	helmBin := testenv.Tool(t, "HELM4_BIN", "helm")
	sdktest.TemplateEqualsHelmBinary(t, helmBin, func(ctx context.Context, eng *encrypt.Engine, chartDir string, o sdktest.Sources) (string, error) {
		tpl := helm4.NewTemplate()
		tpl.ReleaseName, tpl.Namespace = "rel", "ns1"
		tpl.Values = helm4.ValueOptions(o)
		tpl.Engine = eng
		rel, err := tpl.RunPath(ctx, chartDir)
		if err != nil {
			return "", err
		}
		return tpl.Output(rel), nil
	})
}

// TestMergeValuesFailsClosed: every source that cannot be decrypted is
// reported, naming its file or flag, and no values are returned.
func TestMergeValuesFailsClosed(t *testing.T) { sdktest.MergeFailsClosed(t, mergeValues) }

func TestMergeValuesHonoursContext(t *testing.T) { sdktest.MergeHonoursContext(t, mergeValues) }

// TestMergeValuesGetters: a source whose scheme has a Helm 4 getter is
// fetched by it, as helm does; others are local files.
func TestMergeValuesGetters(t *testing.T) {
	sdktest.MergeWithGetters(t, func(ctx context.Context, eng *encrypt.Engine, o sdktest.Sources, fetch func(string) ([]byte, error)) (map[string]any, error) {
		p := getter.Providers{{Schemes: []string{"secrets"}, New: func(...getter.Option) (getter.Getter, error) {
			return getterFunc(fetch), nil
		}}}
		opts := helm4.ValueOptions(o)
		return opts.MergeValues(ctx, eng, p)
	})
}

type getterFunc func(string) ([]byte, error)

func (g getterFunc) Get(u string, _ ...getter.Option) (*bytes.Buffer, error) {
	b, err := g(u)
	return bytes.NewBuffer(b), err
}

// Helm 4's values.Options converts to ValueOptions and back.
var _ = helm4.ValueOptions(values.Options{})
var _ = values.Options(helm4.ValueOptions{})

// TestAWSKMSPerCallCredentials: an AWS KMS-encrypted values file renders
// with the key owner's credentials given per call (Keys.AWSKMS), and fails
// before rendering with another principal's.
func TestAWSKMSPerCallCredentials(t *testing.T) {
	sdktest.AWSKMSPerCallCredentials(t, func(ctx context.Context, eng *encrypt.Engine, chartDir string, o sdktest.Sources) (string, error) {
		tpl := helm4.NewTemplate()
		tpl.Values = helm4.ValueOptions(o)
		tpl.Engine = eng
		rel, err := tpl.RunPath(ctx, chartDir)
		if err != nil {
			return "", err
		}
		return tpl.Output(rel), nil
	})
}

// TestAzureKeyVaultPerCallCredentials: an Azure Key Vault-encrypted values
// file renders with the key owner's credential given per call
// (Keys.AzureKeyVault.Credential), never the environment's, and fails
// before rendering with another application's.
func TestAzureKeyVaultPerCallCredentials(t *testing.T) {
	sdktest.AzureKeyVaultPerCallCredentials(t, func(ctx context.Context, eng *encrypt.Engine, chartDir string, o sdktest.Sources) (string, error) {
		tpl := helm4.NewTemplate()
		tpl.Values = helm4.ValueOptions(o)
		tpl.Engine = eng
		rel, err := tpl.RunPath(ctx, chartDir)
		if err != nil {
			return "", err
		}
		return tpl.Output(rel), nil
	})
}
