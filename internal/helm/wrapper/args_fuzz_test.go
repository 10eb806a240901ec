package wrapper

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// FuzzFindSlotsRebuild feeds arbitrary helm command lines (NUL-separated)
// to the argument rewriter. It must never panic, and whatever it accepts
// must round-trip: replacing every file with another path and parsing the
// rebuilt command line again finds exactly the replacements, at the same
// flags, with every other argument unchanged.
func FuzzFindSlotsRebuild(f *testing.F) {
	for _, seed := range [][]string{
		{"template", "app", "./chart", "-f", "a.yaml,?b.yaml", "--values=c.yaml", "-fd.yaml", "-f=e.yaml"},
		{"upgrade", "--set-file", `k1=g.txt,k2=h\,x.txt`, "--set-file=k3=noop!i.txt", "--", "-f", "p.yaml"},
		{"install", "-f", `"a,b.yaml",c.yaml`, "--set", "x=1", "--set-json", `y={"a":1}`},
		{"-f"}, {"-f", ""}, {"--values="}, {"--set-file", "=x"}, {"-f", `"unterminated`},
	} {
		f.Add(strings.Join(seed, "\x00"))
	}
	f.Fuzz(func(t *testing.T, line string) {
		if len(line) > 4096 {
			return
		}
		args := strings.Split(line, "\x00")
		slots, err := findSlots(args)
		if err != nil {
			return
		}
		var want []string
		n := 0
		for _, s := range slots {
			for _, it := range s.Items {
				// Commas, quotes and backslashes exercise both encoders.
				it.Replacement = fmt.Sprintf(`/p\ "%d",x`, n)
				want = append(want, it.Replacement)
				n++
			}
		}
		out := rebuild(args, slots)
		if len(out) != len(args) {
			t.Fatalf("rebuild changed the argument count: %q -> %q", args, out)
		}
		again, err := findSlots(out)
		if err != nil {
			t.Fatalf("rebuilt line %q does not parse: %v", out, err)
		}
		var got []string
		at := map[int]bool{}
		for _, s := range again {
			at[s.Index] = true
			for _, it := range s.Items {
				got = append(got, it.Path)
				if it.Optional || it.Backend != "" {
					t.Fatalf("replacement gained a prefix: %q", it.Typed)
				}
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip of %q:\n got %q\nwant %q", args, got, want)
		}
		for i := range args {
			if !at[i] && out[i] != args[i] {
				t.Fatalf("argument %d changed: %q -> %q", i, args[i], out[i])
			}
		}
	})
}
