package gitsecrets

import (
	"errors"
	"strings"
	"testing"

	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

func TestMerge3(t *testing.T) {
	conflict := func(o, t string) string {
		return MarkerOurs + "\n" + o + "\n" + MarkerSep + "\n" + t + "\n" + MarkerTheirs
	}
	for _, tc := range []struct {
		name               string
		format             encrypt.Format
		base, ours, theirs string
		want               string
		conflicts          []string
	}{
		{"different keys", encrypt.FormatYAML, "a: 1\nb: 2\n", "a: 10\nb: 2\n", "a: 1\nb: 20\nc: 3\n", "a: 10\nb: 20\nc: 3\n", nil},
		{"same change", encrypt.FormatYAML, "a: 1\n", "a: 2\n", "a: 2\n", "a: 2\n", nil},
		{"deleted and unchanged", encrypt.FormatYAML, "a: 1\nb: 2\n", "b: 2\n", "a: 1\nb: 3\n", "b: 3\n", nil},
		{"nested", encrypt.FormatYAML, "m:\n    x: 1\n    y: 1\n", "m:\n    x: 2\n    y: 1\n", "m:\n    x: 1\n    y: 2\n", "m:\n    x: 2\n    y: 2\n", nil},
		{"conflict", encrypt.FormatYAML, "a: 1\n", "a: 2\n", "a: 3\n", "a: |-\n    " + strings.ReplaceAll(conflict("2", "3"), "\n", "\n    ") + "\n", []string{"a"}},
		{"deleted and changed", encrypt.FormatYAML, "a: 1\nb: 1\n", "b: 1\n", "a: 2\nb: 1\n", "b: 1\na: |-\n    " + strings.ReplaceAll(conflict(absentText, "2"), "\n", "\n    ") + "\n", []string{"a"}},
		{"type change is a change", encrypt.FormatYAML, "a: 1\n", "a: \"1\"\n", "a: 1\n", "a: \"1\"\n", nil},
		{"list is one value", encrypt.FormatYAML, "l: [1, 2]\n", "l: [1, 3]\n", "l: [0, 2]\n", "l: |-\n    " + strings.ReplaceAll(conflict("[1, 3]", "[0, 2]"), "\n", "\n    ") + "\n", []string{"l"}},
		{"added on both sides", encrypt.FormatYAML, "", "a: 1\nb: 2\n", "a: 1\nc: 3\n", "a: 1\nb: 2\nc: 3\n", nil},
		{"dotted key", encrypt.FormatYAML, "m:\n    a.b: 1\n", "m:\n    a.b: 2\n", "m:\n    a.b: 3\n", "", []string{`m["a.b"]`}},
		{"json", encrypt.FormatJSON, `{"a": 1, "b": {"c": "x"}}`, `{"a": 2, "b": {"c": "x"}}`, `{"a": 1, "b": {"c": "y", "d": true}}`,
			"{\n    \"a\": 2,\n    \"b\": {\n        \"c\": \"y\",\n        \"d\": true\n    }\n}\n", nil},
		{"json conflict", encrypt.FormatJSON, `{"a": "x"}`, `{"a": "y"}`, `{"a": "z"}`, "{\n    \"a\": \"<<<<<<< ours\\ny\\n=======\\nz\\n>>>>>>> theirs\"\n}\n", []string{"a"}},
		{"dotenv", encrypt.FormatDotenv, "#c\nA=1\nB=2\n", "#c\nA=10\nB=2\n", "#c\nA=1\nB=20\nC=x\\ny\n", "#c\nA=10\nB=20\nC=x\\ny\n", nil},
		{"dotenv conflict", encrypt.FormatDotenv, "A=1\n", "A=2\n", "A=3\n", "A=<<<<<<< ours\\n2\\n=======\\n3\\n>>>>>>> theirs\n", []string{"A"}},
		{"ini different keys and sections", encrypt.FormatINI, "[a]\nx = 1\ny = 2\n[b]\nz = 3\n", "[a]\nx = 10\ny = 2\n[b]\nz = 3\n", "[a]\nx = 1\ny = 20\n[b]\nz = 30\nw = 4\n[c]\nq = 5\n",
			"[a]\nx = 10\ny = 20\n\n[b]\nz = 30\nw = 4\n\n[c]\nq = 5\n", nil},
		{"ini key order of ours", encrypt.FormatINI, "[a]\nx = 1\ny = 2\n", "[a]\ny = 2\nx = 1\nn = 0\n", "[a]\nx = 1\ny = 3\n", "[a]\ny = 3\nx = 1\nn = 0\n", nil},
		{"ini default section and comments", encrypt.FormatINI, "top = 1\n; sc\n[a]\n; kc\nx = 1\n", "top = 2\n; sc\n[a]\n; kc\nx = 1\n", "top = 1\n; sc\n[a]\n; kc\nx = 3\n",
			"top = 2\n\n; sc\n[a]\n; kc\nx = 3\n", nil},
		{"ini deleted key", encrypt.FormatINI, "[a]\nx = 1\ny = 1\n", "[a]\ny = 1\n", "[a]\nx = 1\ny = 2\n", "[a]\ny = 2\n", nil},
		{"ini conflict", encrypt.FormatINI, "[a]\nx = 1\ny = 1\n", "[a]\nx = 2\ny = 1\n", "[a]\nx = 3\ny = 2\n", "[a]\nx = \"\"\"" + conflict("2", "3") + "\"\"\"\ny = 2\n", []string{"a.x"}},
		{"ini same key in two sections", encrypt.FormatINI, "[a]\nx = 1\n[b]\nx = 1\n", "[a]\nx = 2\n[b]\nx = 1\n", "[a]\nx = 1\n[b]\nx = 3\n", "[a]\nx = 2\n\n[b]\nx = 3\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var base []byte
			if tc.base != "" {
				base = []byte(tc.base)
			}
			got, conflicts, err := merge3(tc.format, base, []byte(tc.ours), []byte(tc.theirs))
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" && string(got) != tc.want {
				t.Errorf("merged:\n%s\nwant:\n%s", got, tc.want)
			}
			if strings.Join(conflicts, ",") != strings.Join(tc.conflicts, ",") {
				t.Errorf("conflicts %q, want %q", conflicts, tc.conflicts)
			}
			if len(conflicts) > 0 && !HasConflictMarkers(got) {
				t.Error("HasConflictMarkers misses the markers")
			}
		})
	}
	for name, v := range map[string][3]string{
		"section deleted and changed": {"[a]\nx = 1\n[b]\ny = 1\n", "[b]\ny = 1\n", "[a]\nx = 2\n[b]\ny = 1\n"},
		"duplicate section":           {"[a]\nx = 1\n", "[a]\nx = 2\n[a]\nz = 1\n", "[a]\nx = 3\n"},
	} {
		if _, _, err := merge3(encrypt.FormatINI, []byte(v[0]), []byte(v[1]), []byte(v[2])); !errors.Is(err, errCannotMerge) {
			t.Errorf("INI %s: %v, want a whole-file conflict", name, err)
		}
	}
	if _, _, err := merge3(encrypt.FormatYAML, nil, []byte("- 1\n"), []byte("- 2\n")); err == nil {
		t.Error("a list document merged")
	}
}
