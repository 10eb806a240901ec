package helmargs

import (
	"strings"
	"testing"
)

func TestValuesListUsesCSVLikeHelm(t *testing.T) {
	items, err := SplitValuesList(`"a,b.yaml",c.yaml`)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Path != "a,b.yaml" || items[1].Path != "c.yaml" {
		t.Fatalf("got %+v", items)
	}
	items[0].Replacement = "x,y"
	items[1].Replacement = "z"
	if got := JoinValuesList(items); got != `"x,y",z` {
		t.Fatalf("join = %q", got)
	}
}

// TestRebuildDrops: a slot marked Drop leaves the command line with its
// flag, in every spelling; the other arguments stay in order.
func TestRebuildDrops(t *testing.T) {
	args := []string{"diff", "revision", "-f", "a.yaml,b.yaml", "r", "--values=c.yaml", "-fd.yaml", "1", "-f=e.yaml", "--values", "f.yaml", "--set", "k=v", "--", "-f", "x"}
	slots, err := Find(args, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		s.Drop = s.Kind == Values
	}
	if got := strings.Join(Rebuild(args, slots), " "); got != "diff revision r 1 --set k=v -- -f x" {
		t.Fatalf("Rebuild = %q", got)
	}
}
