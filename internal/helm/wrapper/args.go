package wrapper

import (
	"fmt"
	"strings"

	"github.com/helm-secrets/helm-secrets/internal/helm/helmargs"
	"github.com/helm-secrets/helm-secrets/internal/remote/urls"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues/literals"
	"github.com/helm-secrets/helm-secrets/pkg/helmvalues/literals/helm3"
)

// parser is the strvals parser the helm binary uses for --set style flags:
// Helm 3's and Helm 4's agree on every value the wrapper rewrites.
var parser = helm3.Parser

type (
	slot = helmargs.Slot
	item = helmargs.Item
)

// literalKind is the literals.Kind of a --set style kind.
func literalKind(k helmargs.Kind) literals.Kind {
	switch k {
	case helmargs.SetString:
		return literals.SetString
	case helmargs.SetJSON:
		return literals.SetJSON
	}
	return literals.Set
}

// findSlots finds the values sources in a helm command line
// (helmargs.Find), --set-file pairs checked against helm's own parser.
func findSlots(args []string) ([]*slot, error) {
	return helmargs.Find(args, splitSetFile)
}

// rebuild returns args with every slot's value replaced.
func rebuild(args []string, slots []*slot) []string { return helmargs.Rebuild(args, slots) }

// splitSetFile splits key=path[,key=path...] on unescaped commas, and
// checks the result against helm's own --set-file parser.
func splitSetFile(v string) ([]*item, error) {
	flag := helmargs.SetFile.Name()
	var items []*item
	for _, part := range helmargs.SplitUnescaped(v, ',') {
		key, path, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%s %q: expected key=path", flag, part)
		}
		items = append(items, helmargs.NewItem(key, helmargs.Unescape(path)))
	}
	var helmPaths []string
	reader := func(rs []rune) (interface{}, error) {
		helmPaths = append(helmPaths, string(rs))
		return "", nil
	}
	if err := parser.ParseIntoFile(v, map[string]interface{}{}, reader); err != nil {
		return nil, fmt.Errorf("%s %q: %w", flag, v, err)
	}
	if len(helmPaths) != len(items) {
		return nil, fmt.Errorf("%s %q: cannot tell its files apart; pass one key=path per %[1]s", flag, v)
	}
	for i, p := range helmPaths {
		if p != items[i].Typed {
			return nil, fmt.Errorf("%s %q: cannot tell its files apart; pass one key=path per %[1]s", flag, v)
		}
	}
	return items, nil
}

// isRemote reports whether a values source is something helm fetches
// itself: a URL with a scheme (https://, secrets://, oci://, ...) or "-".
func isRemote(p string) bool { return p == "-" || urls.HasScheme(p) }
