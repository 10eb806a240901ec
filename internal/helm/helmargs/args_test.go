package helmargs

import "testing"

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
