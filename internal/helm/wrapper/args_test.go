package wrapper

import (
	"reflect"
	"testing"
)

func TestFindSlotsAndRebuild(t *testing.T) {
	args := []string{
		"upgrade", "--install", "app", "./chart",
		"-f", "a.yaml,?b.yaml",
		"--values", "c.yaml",
		"--values=d.yaml",
		"-fe.yaml",
		"-f=f.yaml",
		"--set-file", `k1=g.txt,k2=h\,x.txt`,
		"--set-file=k3=noop!i.txt",
		"--set", "x=1",
		"--", "-f", "positional.yaml",
	}
	slots, err := findSlots(args)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range slots {
		for _, it := range s.Items {
			got = append(got, it.Key+"|"+it.Path+"|"+it.Backend+"|"+map[bool]string{true: "?", false: ""}[it.Optional])
			it.Replacement = "R(" + it.Path + ")"
		}
	}
	want := []string{
		"|a.yaml||", "|b.yaml||?", "|c.yaml||", "|d.yaml||", "|e.yaml||", "|f.yaml||",
		"k1|g.txt||", "k2|h,x.txt||", "k3|i.txt|noop|",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("items:\n got %q\nwant %q", got, want)
	}
	out := rebuild(args, slots)
	wantArgs := []string{
		"upgrade", "--install", "app", "./chart",
		"-f", "R(a.yaml),R(b.yaml)",
		"--values", "R(c.yaml)",
		"--values=R(d.yaml)",
		"-fR(e.yaml)",
		"-f=R(f.yaml)",
		"--set-file", `k1=R(g.txt),k2=R(h\,x.txt)`,
		"--set-file=k3=R(i.txt)",
		"--set", "x=1",
		"--", "-f", "positional.yaml",
	}
	if !reflect.DeepEqual(out, wantArgs) {
		t.Fatalf("rebuild:\n got %q\nwant %q", out, wantArgs)
	}
}

func TestIsRemote(t *testing.T) {
	for in, want := range map[string]bool{
		"secrets://x.yaml": true, "https://h/x": true, "oci://r/c": true, "git+https://x": true, "-": true,
		"x.yaml": false, "http.yaml": false, "C:/x.yaml": false, "dir/://x": false, "": false,
	} {
		if got := isRemote(in); got != want {
			t.Errorf("isRemote(%q) = %v, want %v", in, got, want)
		}
	}
}
