package getter

import "testing"

func TestLocalPath(t *testing.T) {
	for raw, want := range map[string]string{
		"secrets://values/s.yaml":                         "values/s.yaml",
		"secrets://?s.yaml":                               "s.yaml",
		"secrets://sops!s.yaml":                           "s.yaml",
		"secrets+age-import:///keys/k.txt?s.yaml":         "s.yaml",
		"secrets+gpg-import-kubernetes://ns/sec#k?s.yaml": "s.yaml",
		"secrets://https://u:p@host/s.yaml":               "",
		"secrets+literal://ENC[x]":                        "",
		"https://host/s.yaml":                             "",
		"s.yaml":                                          "",
	} {
		if got := LocalPath(raw); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", raw, got, want)
		}
	}
}
