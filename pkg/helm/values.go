package helm

import (
	"context"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues/literals/helm3"
)

// ValueOptions are the values sources of a helm command line, with the
// same fields and meaning as Helm's values.Options (a values.Options
// converts to it): every encrypted source is decrypted in memory when the
// values are merged.
type ValueOptions struct {
	ValueFiles    []string // -f/--values: merged in order, later files win
	StringValues  []string // --set-string
	Values        []string // --set
	FileValues    []string // --set-file: key=path, the file's content as a string
	JSONValues    []string // --set-json
	LiteralValues []string // --set-literal: never decrypted
}

// A Resolver reads the values sources that Helm does not read as local
// files: URLs whose scheme has a getter (https://, secrets://, oci://, ...).
// Resolves(source) reports whether source is read by Read(ctx, source)
// rather than as a local file. HelmGetters adapts Helm 3's
// getter.Providers.
type Resolver = helmvalues.Resolver

// Merge merges the values exactly as Helm's values.Options.MergeValues
// does (the values files in order with Helm's map merge, then --set-json,
// --set, --set-string, --set-file and --set-literal, in that order), with
// encrypted sources decrypted in memory:
//
//   - a values file or --set-file file that is a local file and a SOPS
//     document is decrypted; a plain file is used as it is;
//   - a SOPS document given as a --set, --set-string or --set-json value
//     (an encrypted literal) becomes its plaintext, as a string.
//
// All files and literals are read and decrypted concurrently before
// anything is merged; if any fails, Merge returns every failure, each
// naming its file or flag, and no values. "-" is standard input and
// sources that r resolves are read through r (nil: none), as Helm reads
// them, without decryption: use a secrets:// getter to decrypt remote
// files. eng supplies the keys; nil means an engine with keys from the
// environment, as the sops CLI finds them.
func (o *ValueOptions) Merge(ctx context.Context, eng *encrypt.Engine, r Resolver) (map[string]interface{}, error) {
	src := helmvalues.Sources(*o)
	return helmvalues.Merge(ctx, &src, eng, r, helm3.Parser)
}
