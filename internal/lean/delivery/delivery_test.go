package delivery

import "testing"

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"secrets.yaml":               "secrets.yaml.dec",
		"assets/values/secrets.yaml": "assets/values/secrets.yaml.dec",
		"/abs/dir/secrets.yaml":      "secrets.yaml.dec",
		"../up/secrets.yaml":         "secrets.yaml.dec",
		"./a/../b/x,y.yaml":          "b/x_y.yaml.dec",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}
