package sdktest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// PrecedenceCase is a helm values command line given twice: with plain
// sources (what helm gets) and with encrypted ones (what we get).
type PrecedenceCase struct {
	Name             string
	Plain, Encrypted []string
}

// PrecedenceCases writes the files of every case into f.Dir.
func (f *Fixture) PrecedenceCases() []PrecedenceCase {
	base := "image:\n  tag: \"2.0\"\nnested:\n  deep:\n    a: 10\n    c: 30\nlist: [x]\nremoveme: null\nreplicas: 2\nsecret: " + Canary + "-base\n"
	over := "nested:\n  keep: override\n  deep:\n    b: 20\nreplicas: 3\nsecret: " + Canary + "-over\nimage: {repository: \"my/nginx\"}\n"
	cert := "-----BEGIN CERT-----\n" + Canary + "-cert\n-----END CERT-----\n"
	f.Write("base.yaml", base)
	f.Write("over.yaml", over)
	f.Write("cert.pem", cert)
	f.Write("enc-base.yaml", f.Encrypt(base, encrypt.FormatYAML))
	f.Write("enc-over.yaml", f.Encrypt(over, encrypt.FormatYAML))
	f.Write("enc-cert.pem", f.Encrypt(cert, encrypt.FormatBinary))
	f.Write("plain.json", `{"fromjson": {"n": 1.5, "s": "x"}, "replicas": 4}`)

	sets := []string{
		"--set-json", `obj={"x":[1,2],"y":"z"},replicas=6`,
		"--set", `replicas=5,flag=true,num=010,zero=0,nothing=null,list[2]=y,esc=a\,b,nested.deep.a=11,big=12345678901234`,
		"--set-string", "str=true,image.tag=1.28,clash=from-set-string",
		"--set", "clash=from-set",
		"--set-json", `clash="from-set-json"`,
		"--set-file", "certdata=CERT,clash=CERT",
		"--set-literal", "lit=a,b=c",
	}
	with := func(cert string, files ...string) []string {
		var out []string
		for _, fl := range files {
			out = append(out, "-f", fl)
		}
		for i := 0; i < len(sets); i += 2 {
			out = append(out, sets[i], strings.ReplaceAll(sets[i+1], "CERT", cert))
		}
		return out
	}
	return []PrecedenceCase{
		{"files only", []string{"-f", "base.yaml", "-f", "over.yaml"}, []string{"-f", "enc-base.yaml", "-f", "enc-over.yaml"}},
		{"files repeated and mixed", []string{"-f", "base.yaml", "-f", "plain.json", "-f", "over.yaml", "-f", "base.yaml"},
			[]string{"-f", "enc-base.yaml", "-f", "plain.json", "-f", "over.yaml", "-f", "enc-base.yaml"}},
		{"every flag", with("cert.pem", "base.yaml", "over.yaml"), with("enc-cert.pem", "enc-base.yaml", "enc-over.yaml")},
		{"literals", []string{
			"-f", "base.yaml",
			"--set", "a=1,lit1=" + Canary + "-one,b=true",
			"--set-string", "lit2=" + Canary + "-two",
			"--set-json", `lit3="` + Canary + `-three",c={"d":[1]}`,
			"--set", "list[1]=" + Canary + "-four",
			"--set", "arr={x,true,y},five=" + Canary + "-five",
			"--set-string", "lit1=" + Canary + "-one",
		}, []string{
			"-f", "enc-base.yaml",
			"--set", "a=1,lit1=" + f.Literal(Canary+"-one") + ",b=true",
			"--set-string", "lit2=" + f.Literal(Canary+"-two"),
			"--set-json", `lit3=` + JSONString(f.Encrypt(Canary+"-three", encrypt.FormatBinary)) + `,c={"d":[1]}`,
			"--set", "list[1]=" + f.Literal(Canary+"-four"),
			"--set", "arr={x,true,y},five=" + f.Literal(Canary+"-five"),
			"--set-string", "lit1=" + f.Literal(Canary+"-one"),
		}},
	}
}

// A Merger is an SDK's merge with decryption (ValueOptions.MergeValues
// without getters).
type Merger func(ctx context.Context, eng *encrypt.Engine, o Sources) (map[string]interface{}, error)

// MergeEqualsHelm compares merge with Helm's own
// values.Options.MergeValues (helmMerge): identical for plain sources, and
// identical to Helm's result on the plaintext for encrypted sources.
func MergeEqualsHelm(t *testing.T, helmMerge func(Sources) (map[string]interface{}, error), merge Merger) {
	f := New(t)
	ctx := context.Background()
	for _, c := range f.PrecedenceCases() {
		t.Run(c.Name, func(t *testing.T) {
			want, err := helmMerge(ValueArgs(t, c.Plain))
			if err != nil {
				t.Fatal(err)
			}
			got, err := merge(ctx, f.Eng, ValueArgs(t, c.Plain))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("plain: got\n%v\nwant\n%v", got, want)
			}
			got, err = merge(ctx, f.Eng, ValueArgs(t, c.Encrypted))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("encrypted: got\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// A Renderer is an SDK's Template: it renders chartDir as release "rel" in
// namespace "ns1" and returns what `helm template` would print.
type Renderer func(ctx context.Context, eng *encrypt.Engine, chartDir string, o Sources) (string, error)

// TemplateEqualsHelmBinary renders with the real `helm template` (helmBin)
// and with render: the output is byte for byte the same, for plain sources
// and for their encrypted equivalents.
func TemplateEqualsHelmBinary(t *testing.T, helmBin string, render Renderer) {
	chartDir := Chart(t, "values-dump")
	f := New(t)
	for _, c := range f.PrecedenceCases() {
		t.Run(c.Name, func(t *testing.T) {
			cmd := exec.Command(helmBin, append([]string{"template", "rel", chartDir, "-n", "ns1"}, c.Plain...)...)
			cmd.Dir = f.Dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			want, err := cmd.Output()
			if err != nil {
				t.Fatalf("helm template: %v\n%s", err, stderr.String())
			}
			for _, args := range [][]string{c.Plain, c.Encrypted} {
				got, err := render(context.Background(), f.Eng, chartDir, ValueArgs(t, args))
				if err != nil {
					t.Fatal(err)
				}
				if got != string(want) {
					t.Errorf("got\n%s\nwant (helm template)\n%s", got, want)
				}
			}
			if c.Name == "literals" && !strings.Contains(string(want), Canary+"-five") {
				t.Error("the case does not exercise literals")
			}
		})
	}
}

// MergeFailsClosed: every source that cannot be decrypted is reported,
// naming its file or flag, and no values are returned.
func MergeFailsClosed(t *testing.T, merge Merger) {
	f := New(t)
	other := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{testenv.AgeKey(t)}, NoEnvironment: true}})
	good := f.Encrypt("password: "+Canary+"\n", encrypt.FormatYAML)
	f.Write("good.yaml", good)
	f.Write("tampered.yaml", Tamper(good))
	f.Write("truncated.yaml", good[:strings.Index(good, "sops:")])
	f.Write("other.yaml", good)
	f.Write("bad-cert.pem", Tamper(f.Encrypt(Canary, encrypt.FormatBinary)))
	badLiteral := SetLiteralEscape(Tamper(f.Encrypt(Canary, encrypt.FormatBinary)))

	cases := []struct {
		name string
		eng  *encrypt.Engine
		opts Sources
		want []string
		is   error
	}{
		{"tampered values file", f.Eng, Sources{ValueFiles: []string{"good.yaml", "tampered.yaml"}}, []string{"values file tampered.yaml: "}, encrypt.ErrTampered},
		{"truncated values file", f.Eng, Sources{ValueFiles: []string{"truncated.yaml"}}, []string{"values file truncated.yaml: "}, nil},
		{"wrong key", other, Sources{ValueFiles: []string{"other.yaml"}}, []string{"values file other.yaml: "}, encrypt.ErrNoKey},
		{"missing file", f.Eng, Sources{ValueFiles: []string{"missing.yaml"}}, []string{"values file missing.yaml: ", "no such file"}, os.ErrNotExist},
		{"tampered --set-file", f.Eng, Sources{FileValues: []string{"cert=bad-cert.pem"}}, []string{"--set-file file bad-cert.pem: "}, encrypt.ErrTampered},
		{"tampered literal", f.Eng, Sources{Values: []string{"pw=" + badLiteral}}, []string{"encrypted literal in --set: "}, encrypt.ErrTampered},
		{"every failure at once", f.Eng, Sources{ValueFiles: []string{"tampered.yaml", "missing.yaml"}, FileValues: []string{"c=bad-cert.pem"}},
			[]string{"values file tampered.yaml", "values file missing.yaml", "--set-file file bad-cert.pem"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vals, err := merge(context.Background(), c.eng, c.opts)
			t.Logf("error: %v", err)
			if err == nil {
				t.Fatalf("no error; values %v", vals)
			}
			if vals != nil {
				t.Errorf("values returned with the error: %v", vals)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %q is not %v", err, c.is)
			}
			if strings.Contains(err.Error(), Canary) {
				t.Errorf("error leaks the plaintext: %v", err)
			}
		})
	}
}

// MergeHonoursContext: a cancelled context stops the merge.
func MergeHonoursContext(t *testing.T, merge Merger) {
	f := New(t)
	f.Write("s.yaml", f.Encrypt("a: 1\n", encrypt.FormatYAML))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := merge(ctx, f.Eng, Sources{ValueFiles: []string{"s.yaml"}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// A GetterMerger is an SDK's MergeValues with one getter for scheme
// "secrets" that calls fetch.
type GetterMerger func(ctx context.Context, eng *encrypt.Engine, o Sources, fetch func(url string) ([]byte, error)) (map[string]interface{}, error)

// MergeWithGetters: a source whose scheme has a getter is fetched by it,
// as helm does; others are local files.
func MergeWithGetters(t *testing.T, merge GetterMerger) {
	f := New(t)
	f.Write("local.yaml", f.Encrypt("a: local\n", encrypt.FormatYAML))
	var fetched []string
	fetch := func(u string) ([]byte, error) {
		fetched = append(fetched, u)
		return []byte("b: " + strings.TrimPrefix(u, "secrets://") + "\n"), nil
	}
	o := Sources{ValueFiles: []string{"local.yaml", "secrets://remote.yaml"}, FileValues: []string{"c=secrets://file.txt"}}
	got, err := merge(context.Background(), f.Eng, o, fetch)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]interface{}{"a": "local", "b": "remote.yaml", "c": "b: file.txt\n"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if len(fetched) != 2 {
		t.Errorf("fetched %v", fetched)
	}
}
