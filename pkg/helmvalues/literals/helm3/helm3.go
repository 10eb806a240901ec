// Package helm3 supplies Helm 3's strvals parser to package literals.
package helm3

import (
	"helm.sh/helm/v3/pkg/strvals"

	"github.com/helm-secrets/helm-secrets/pkg/helmvalues/literals"
)

// Parser is Helm 3's strvals parser.
var Parser = literals.Parser{
	ParseInto:        strvals.ParseInto,
	ParseIntoString:  strvals.ParseIntoString,
	ParseJSON:        strvals.ParseJSON,
	ParseLiteralInto: strvals.ParseLiteralInto,
	ParseIntoFile: func(s string, dest map[string]interface{}, reader func([]rune) (interface{}, error)) error {
		return strvals.ParseIntoFile(s, dest, reader)
	},
}
