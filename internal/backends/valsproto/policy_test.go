package valsproto

import (
	"strings"
	"testing"
)

func TestPolicy(t *testing.T) {
	def := ParsePolicy(nil)
	for _, c := range []struct {
		p        Policy
		provider string
		params   []string
		refused  string // "" means allowed
	}{
		{def, "vault", []string{"version"}, ""},
		{def, "vault", []string{"address"}, "address not allowed by default"},
		{def, "vault", []string{"token_file", "proto"}, "proto, token_file not allowed"},
		{def, "k8s", []string{"kubeContext"}, ""},
		{def, "k8s", []string{"kubeConfigPath"}, "kubeConfigPath not allowed"},
		{def, "echo", nil, ""},
		{def, "file", nil, ""},
		{def, "file", []string{"encode"}, ""},
		{def, "exec", nil, `"exec" is not allowed by default (it runs a command); to allow it, list it in HELM_SECRETS_VALS_PROVIDERS (e.g. HELM_SECRETS_VALS_PROVIDERS=default,exec)`},
		{def, "EXEC", nil, `"exec" is not allowed by default`},
		{def, "envsubst", nil, ""},
		{def, "httpjson", nil, `"httpjson" is not allowed by default`},
		{def, "openbao", []string{"address"}, "address not allowed by default"},
		{ParsePolicy([]string{"default", "exec"}), "exec", []string{"args"}, ""},
		{ParsePolicy([]string{"default", "exec"}), "vault", []string{"address"}, "address not allowed by default"},
		{ParsePolicy([]string{"default", "exec"}), "httpjson", nil, `"httpjson" is not allowed by default`},
		{ParsePolicy([]string{"file", " Vault "}), "vault", []string{"address"}, ""},
		{ParsePolicy([]string{"file"}), "echo", nil, "HELM_SECRETS_VALS_PROVIDERS=file"},
		{ParsePolicy([]string{"all"}), "exec", []string{"x"}, ""},
	} {
		err := c.p.Check(c.provider, c.params)
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("%+v %s %v: %v", c.p, c.provider, c.params, err)
		case c.refused != "" && (err == nil || !strings.Contains(err.Error(), c.refused)):
			t.Errorf("%+v %s %v: error %v, want %q", c.p, c.provider, c.params, err, c.refused)
		}
	}
	for _, c := range []struct {
		p          Policy
		provider   string
		restricted bool
	}{
		{def, "file", true}, {def, "envsubst", true}, {def, "vault", false},
		{ParsePolicy([]string{"file"}), "file", false},
		{ParsePolicy([]string{"default", "envsubst"}), "envsubst", false},
		{ParsePolicy([]string{"default", "envsubst"}), "file", true},
		{ParsePolicy([]string{"all"}), "file", false},
	} {
		if got := c.p.Restricted(c.provider); got != c.restricted {
			t.Errorf("%+v Restricted(%s) = %v", c.p, c.provider, got)
		}
	}
	for _, p := range DefaultProviders {
		if _, ok := SafeParams[p]; !ok {
			t.Errorf("default provider %s has no SafeParams entry", p)
		}
	}
}

func TestInvolved(t *testing.T) {
	none := func(string) string { return "" }
	for _, c := range []struct {
		args []string
		env  string
		want bool
	}{
		{[]string{"template", "c", "-f", "x.yaml"}, "", false},
		{[]string{"--version"}, "", false},
		{[]string{"-b", "vals", "template"}, "", true},
		{[]string{"--backend=vals", "decrypt", "x"}, "", true},
		{[]string{"template", "c", "-f", "vals!x.yaml"}, "", true},
		{[]string{"template", "c", "--set", "k=vals!ref+echo://x"}, "", true},
		{[]string{"--evaluate-templates", "template"}, "", true},
		{[]string{"--evaluate-templates", "false", "template"}, "", false},
		{[]string{"template"}, "HELM_SECRETS_BACKEND", true},
	} {
		env := none
		if c.env != "" {
			env = func(k string) string {
				if k == c.env {
					return "vals"
				}
				return ""
			}
		}
		if got := Involved(c.args, env); got != c.want {
			t.Errorf("Involved(%q, %s) = %v, want %v", c.args, c.env, got, c.want)
		}
	}
}
