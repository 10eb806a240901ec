package pathpolicy

import "testing"

// TestWindowsForms: on Windows, volume and device forms are absolute and
// a trailing `\..` is traversal; the prefix check compares resolved,
// case-insensitive volumes component-wise.
func TestWindowsForms(t *testing.T) {
	for _, c := range []struct {
		prefix, path string
		want         bool
	}{
		{`C:\keys`, `C:\keys\k.txt`, true},
		{`C:\keys\`, `C:\keys\k.txt`, true},
		{`C:\keys`, `C:\keys\..\Windows\k.txt`, false},
		{`C:\keys`, `C:\keysX\k.txt`, false},
		{`C:\keys`, `D:\keys\k.txt`, false},
		{`C:\keys`, `C:\keys\sub\..`, true},
		{`C:\keys`, `C:\keys\..`, false},
	} {
		if got := WithinPrefix(c.prefix, c.path); got != c.want {
			t.Errorf("WithinPrefix(%q, %q) = %v, want %v", c.prefix, c.path, got, c.want)
		}
	}
	if FirstSymlink(`C:\Windows\..`) != "" {
		t.Error(`C:\Windows\.. has no symlink`)
	}
}
