package sopslite

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The expression namesOtherKeyTypes replaces.
var otherKeyTypesRE = regexp.MustCompile(`(?m)^\s+(pgp|kms|gcp_kms|azure_kv|hc_vault|hckms|key_groups):`)

var keyTypeSeeds = []string{
	"", "kms:", " kms:", "\nkms:", "\n kms:", "a\n kms:", "a kms:", "a\n\n:kms:",
	"sops:\n    kms: []\n    age:\n", "sops:\n  gcp_kms:\n", "x: \n\tpgp:", "x\r\n hc_vault:",
	"x:\f\nkey_groups:", "x:\n \n hckms:", "x\n\nazure_kv:", "a:\n  x_kms: 1\n", "  \n",
	"age:\n    - recipient: kms:\n", "\n\n\n", " \t\r\f", "a\nb kms:", "gcp_kms:x\n gcp_kms:",
}

// namesOtherKeyTypes matches exactly where the expression does, on hand
// picked inputs and on random strings over the characters that matter.
func TestNamesOtherKeyTypesIsTheExpression(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{" ", "\t", "\n", "\r", "\f", "\v", "a", ":", "kms:", "pgp:", "gcp_kms:", "hckms:", "key_groups", "_", "x"}
	inputs := slices.Clone(keyTypeSeeds)
	for range 20000 {
		var b strings.Builder
		for range r.IntN(8) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	matches := 0
	for _, in := range inputs {
		want := otherKeyTypesRE.MatchString(in)
		if got := namesOtherKeyTypes([]byte(in)); got != want {
			t.Fatalf("%q: scan %t, expression %t", in, got, want)
		}
		if want {
			matches++
		}
	}
	if matches < 1000 || matches > len(inputs)-1000 {
		t.Fatalf("only %d of %d inputs match: the comparison says little", matches, len(inputs))
	}
}

func FuzzNamesOtherKeyTypes(f *testing.F) {
	for _, s := range keyTypeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := namesOtherKeyTypes([]byte(in)), otherKeyTypesRE.MatchString(in); got != want {
			t.Fatalf("%q: scan %t, expression %t", in, got, want)
		}
	})
}

var valueSeeds = []string{
	"ENC[AES256_GCM,data:YWJj,iv:aXY=,tag:dGFn,type:str]",
	"ENC[AES256_GCM,data:YWJj,iv:aXY=,tag:dGFn,type:str]x",
	"ENC[AES256_GCM,data:YWJj,iv:aXY=,tag:dGFn,type:str]]",
	"ENC[AES256_GCM,data:a,iv:b,tag:c,type:d,iv:e,tag:f,type:g]",
	"ENC[AES256_GCM,data:,iv:b,tag:c,type:d]",
	"ENC[AES256_GCM,data:a,iv:b,tag:c,type:]",
	"ENC[AES256_GCM,data:a\n,iv:b,tag:c,type:d]",
	"ENC[AES256_GCM,data:a,b,iv:b,tag:c,type:int]",
	"ENC[AES256_GCM,data:a,iv:b,tag:c,type:Str]",
	"ENC[AES256_GCM,data:a,iv:b,tag:c,type:s]tr]",
	"enc[AES256_GCM,data:a,iv:b,tag:c,type:str]", "", "ENC[",
}

// splitValue gives the expression's groups wherever it gives any, on sops'
// own values, hand-picked near misses and random strings.
func TestSplitValueIsTheExpression(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	// A value is built of a head, four fields and three separators, each
	// usually sops' and sometimes a near miss.
	pick := func(usual string, misses ...string) string {
		if r.IntN(4) > 0 {
			return usual
		}
		return misses[r.IntN(len(misses))]
	}
	field := func() string {
		return pick("YWJj+/==", "", "a,b", "a\n", "a]", ",iv:x", ",tag:y", ",type:z", "a:b", "é")
	}
	inputs := slices.Clone(valueSeeds)
	for range 20000 {
		inputs = append(inputs, pick("ENC[AES256_GCM,data:", "ENC[AES256_GCM,data", "ENC[aes256_gcm,data:")+
			field()+pick(",iv:", ",iv", "iv:", ",tag:")+field()+pick(",tag:", ",tag", ",iv:")+field()+
			pick(",type:", ",type", ",tag:")+pick("str", "", "Str", "s]tr", "int]", "a\n", "bool,type:str")+
			pick("]", "", "]]", "]x", "\n]"))
	}
	taken := 0
	for _, in := range inputs {
		m, ok := splitValue(in)
		want := encRE.FindStringSubmatch(in)
		if ok {
			taken++
			if !slices.Equal(m, want) {
				t.Fatalf("%q: split %q, expression %q", in, m, want)
			}
		}
	}
	if taken < 500 {
		t.Fatalf("splitValue took only %d of %d inputs", taken, len(inputs))
	}
	if _, ok := splitValue(valueSeeds[0]); !ok {
		t.Fatal("splitValue does not take a value of sops' form")
	}
}

func FuzzSplitValue(f *testing.F) {
	for _, s := range valueSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if m, ok := splitValue(in); ok {
			if want := encRE.FindStringSubmatch(in); !slices.Equal(m, want) {
				t.Fatalf("%q: split %q, expression %q", in, m, want)
			}
		}
	})
}
