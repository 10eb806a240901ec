package edit

import (
	"strings"
	"testing"
)

func TestEditorArgv(t *testing.T) {
	tests := map[string][]string{
		"vi":                        {"vi"},
		"code --wait":               {"code", "--wait"},
		`"/opt/My Editor/ed" -w`:    {"/opt/My Editor/ed", "-w"},
		`emacsclient -a '' -t`:      {"emacsclient", "-a", "", "-t"},
		`sed -i s/a\ b/c/`:          {"sed", "-i", "s/a b/c/"},
		"  nano   --restricted    ": {"nano", "--restricted"},
	}
	for in, want := range tests {
		got, err := editorArgv(in)
		if err != nil || strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Errorf("editorArgv(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := editorArgv("   "); err == nil {
		t.Error("empty editor accepted")
	}
}
