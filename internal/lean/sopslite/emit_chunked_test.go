package sopslite

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// Emitting a document in runs of entries gives the text of emitting it
// whole: 300 documents of 20 to 80 top-level entries drawn from the fast
// paths' corpus (quoted, multi-line, kept and stripped block scalars,
// numbers, timestamps, nested mappings and lists), cut after every
// 1, 2, 3 and 7 entries where a cut is allowed.
func TestEmitChunkedIsWhole(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	saved := emitChunk
	defer func() { emitChunk = saved }()
	cuts := 0
	for d := range 300 {
		var doc branch
		for len(doc) < 20+r.Intn(60) {
			bs, err := loadYAML(testenv.YAMLDocument(r))
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range bs[0] {
				doc = append(doc, item{key: fmt.Sprintf("%v-%d", it.key, len(doc)), value: it.value})
			}
		}
		var whole bytes.Buffer
		if err := encodeDocs(&whole, []branch{doc}); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 2, 3, 7} {
			emitChunk = n
			got, err := emitYAML([]branch{doc})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, whole.Bytes()) {
				t.Fatalf("document %d in runs of %d:\n%s\nwhole:\n%s", d, n, got, whole.Bytes())
			}
		}
		for _, it := range doc[:len(doc)-1] {
			if endsChunk(it.value) {
				cuts++
			}
		}
	}
	if cuts < 3000 {
		t.Fatalf("only %d places to cut", cuts)
	}
	t.Logf("%d places to cut", cuts)
}
