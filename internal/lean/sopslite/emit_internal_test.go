package sopslite

import (
	"math"
	"math/rand"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

func encoded(v any) *yaml.Node {
	n := &yaml.Node{}
	_ = n.Encode(v)
	return n
}

// TestScalarNodeIsEncode: scalarNode's shortcut gives the node
// Node.Encode gives, for every string and int it takes, and the shortcut
// is taken for ordinary values.
func TestScalarNodeIsEncode(t *testing.T) {
	values := []any{0, 1, -1, 42, math.MaxInt64, math.MinInt64, "a", "abc", "key1", "value-1-xxxx", "a.b/c", "a_b",
		"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF",
		"true", "True", "TRUE", "false", "null", "Null", "NULL", "inf", "nan", "e1", "E5", "x1", "a-", "a/", "a.",
		".inf", ".nan", "0x1", "1e3", "1", "-a", "a b", "a:b", "a#b", "a\nb", "é", "a\x00", string(make([]byte, 101))}
	const alphabet = "abcyYnNoOfFeEtTlrsu0123456789_.-/: #\n"
	r := rand.New(rand.NewSource(18))
	for range 20000 {
		b := make([]byte, 1+r.Intn(8))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		values = append(values, string(b))
	}
	shortcut := 0
	for _, v := range values {
		if got, want := scalarNode(v), encoded(v); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: scalarNode %#v, Node.Encode %#v", v, got, want)
		}
		if s, ok := v.(string); ok && plainString(s) {
			shortcut++
		}
	}
	if shortcut < 1000 {
		t.Fatalf("the shortcut was taken for only %d values", shortcut)
	}
}
