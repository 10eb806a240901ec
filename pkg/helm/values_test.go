package helm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"filippo.io/age"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/getter"

	"github.com/helm-secrets/helm-secrets/internal/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
	"github.com/helm-secrets/helm-secrets/pkg/helm"
)

const sdkCanary = "CANARY-sdk-4f2a9d"

// sdkFixture is a working directory (the test's cwd) and an age key.
type sdkFixture struct {
	t   *testing.T
	dir string
	id  *age.X25519Identity
	eng *encrypt.Engine
}

func newSDKFixture(t *testing.T) *sdkFixture {
	t.Helper()
	testenv.Isolate(t)
	id := testenv.AgeKey(t)
	f := &sdkFixture{t: t, dir: t.TempDir(), id: id,
		eng: encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{id}, NoEnvironment: true}})}
	t.Chdir(f.dir)
	return f
}

func (f *sdkFixture) write(name, content string) string {
	f.t.Helper()
	testenv.WriteFile(f.t, f.dir, name, content)
	return name
}

// encrypt returns plain encrypted to the fixture's key.
func (f *sdkFixture) encrypt(plain string, format encrypt.Format) string {
	f.t.Helper()
	enc, err := f.eng.Encrypt(context.Background(), []byte(plain), encrypt.EncryptOptions{Format: format,
		Recipients: &encrypt.Recipients{Age: []string{f.id.Recipient().String()}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return string(enc)
}

// literal is plain as an encrypted literal, escaped for --set as a user
// would escape it.
func (f *sdkFixture) literal(plain string) string {
	return setLiteralEscape(f.encrypt(plain, encrypt.FormatBinary))
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func setLiteralEscape(v string) string {
	v = strings.ReplaceAll(v, `\`, `\\`)
	v = strings.ReplaceAll(v, ",", `\,`)
	return `\` + v // a leading { would start a list
}

// valueArgs turns helm values flags into ValueOptions.
func valueArgs(t *testing.T, args []string) helm.ValueOptions {
	t.Helper()
	var o helm.ValueOptions
	for i := 0; i+1 < len(args); i += 2 {
		v := args[i+1]
		switch args[i] {
		case "-f":
			o.ValueFiles = append(o.ValueFiles, v)
		case "--set":
			o.Values = append(o.Values, v)
		case "--set-string":
			o.StringValues = append(o.StringValues, v)
		case "--set-json":
			o.JSONValues = append(o.JSONValues, v)
		case "--set-file":
			o.FileValues = append(o.FileValues, v)
		case "--set-literal":
			o.LiteralValues = append(o.LiteralValues, v)
		default:
			t.Fatalf("unknown flag %s", args[i])
		}
	}
	return o
}

// precedenceCase is a helm values command line given twice: with plain
// sources (what helm gets) and with encrypted ones (what we get).
type precedenceCase struct {
	name             string
	plain, encrypted []string
}

// precedenceCases writes the files of every case into f.dir.
func precedenceCases(f *sdkFixture) []precedenceCase {
	base := "image:\n  tag: \"2.0\"\nnested:\n  deep:\n    a: 10\n    c: 30\nlist: [x]\nremoveme: null\nreplicas: 2\nsecret: " + sdkCanary + "-base\n"
	over := "nested:\n  keep: override\n  deep:\n    b: 20\nreplicas: 3\nsecret: " + sdkCanary + "-over\nimage: {repository: \"my/nginx\"}\n"
	cert := "-----BEGIN CERT-----\n" + sdkCanary + "-cert\n-----END CERT-----\n"
	f.write("base.yaml", base)
	f.write("over.yaml", over)
	f.write("cert.pem", cert)
	f.write("enc-base.yaml", f.encrypt(base, encrypt.FormatYAML))
	f.write("enc-over.yaml", f.encrypt(over, encrypt.FormatYAML))
	f.write("enc-cert.pem", f.encrypt(cert, encrypt.FormatBinary))
	f.write("plain.json", `{"fromjson": {"n": 1.5, "s": "x"}, "replicas": 4}`)

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
	return []precedenceCase{
		{"files only", []string{"-f", "base.yaml", "-f", "over.yaml"}, []string{"-f", "enc-base.yaml", "-f", "enc-over.yaml"}},
		{"files repeated and mixed", []string{"-f", "base.yaml", "-f", "plain.json", "-f", "over.yaml", "-f", "base.yaml"},
			[]string{"-f", "enc-base.yaml", "-f", "plain.json", "-f", "over.yaml", "-f", "enc-base.yaml"}},
		{"every flag", with("cert.pem", "base.yaml", "over.yaml"), with("enc-cert.pem", "enc-base.yaml", "enc-over.yaml")},
		{"literals", []string{
			"-f", "base.yaml",
			"--set", "a=1,lit1=" + sdkCanary + "-one,b=true",
			"--set-string", "lit2=" + sdkCanary + "-two",
			"--set-json", `lit3="` + sdkCanary + `-three",c={"d":[1]}`,
			"--set", "list[1]=" + sdkCanary + "-four",
			"--set", "arr={x,true,y},five=" + sdkCanary + "-five",
			"--set-string", "lit1=" + sdkCanary + "-one",
		}, []string{
			"-f", "enc-base.yaml",
			"--set", "a=1,lit1=" + f.literal(sdkCanary+"-one") + ",b=true",
			"--set-string", "lit2=" + f.literal(sdkCanary+"-two"),
			"--set-json", `lit3=` + jsonString(f.encrypt(sdkCanary+"-three", encrypt.FormatBinary)) + `,c={"d":[1]}`,
			"--set", "list[1]=" + f.literal(sdkCanary+"-four"),
			"--set", "arr={x,true,y},five=" + f.literal(sdkCanary+"-five"),
			"--set-string", "lit1=" + f.literal(sdkCanary+"-one"),
		}},
	}
}

// TestMergeValuesEqualsHelm compares our merge with Helm's own
// values.Options.MergeValues: identical for plain sources, and identical
// to Helm's result on the plaintext for encrypted sources.
func TestMergeValuesEqualsHelm(t *testing.T) {
	f := newSDKFixture(t)
	ctx := context.Background()
	for _, c := range precedenceCases(f) {
		t.Run(c.name, func(t *testing.T) {
			plain := valueArgs(t, c.plain)
			want, err := (*values.Options)(&plain).MergeValues(getter.Providers{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := plain.MergeValues(ctx, f.eng, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("plain: got\n%v\nwant\n%v", got, want)
			}
			enc := valueArgs(t, c.encrypted)
			got, err = enc.MergeValues(ctx, f.eng, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("encrypted: got\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// TestTemplateEqualsHelmBinary renders with the real `helm template` and
// with Template: the output is byte for byte the same, for plain sources
// and for their encrypted equivalents.
func TestTemplateEqualsHelmBinary(t *testing.T) {
	helmBin := testenv.Tool(t, "HELM3_BIN", "helm")
	chartDir := testChart(t, "values-dump")
	f := newSDKFixture(t)
	for _, c := range precedenceCases(f) {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(helmBin, append([]string{"template", "rel", chartDir, "-n", "ns1"}, c.plain...)...)
			cmd.Dir = f.dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			want, err := cmd.Output()
			if err != nil {
				t.Fatalf("helm template: %v\n%s", err, stderr.String())
			}
			for _, args := range [][]string{c.plain, c.encrypted} {
				tpl := helm.NewTemplate()
				tpl.ReleaseName, tpl.Namespace = "rel", "ns1"
				tpl.Values = valueArgs(t, args)
				tpl.Engine = f.eng
				rel, err := tpl.RunPath(context.Background(), chartDir)
				if err != nil {
					t.Fatal(err)
				}
				if got := tpl.Output(rel); got != string(want) {
					t.Errorf("got\n%s\nwant (helm template)\n%s", got, want)
				}
			}
			if c.name == "literals" && !strings.Contains(string(want), sdkCanary+"-five") {
				t.Error("the case does not exercise literals")
			}
		})
	}
}

// testChart returns the absolute path of a chart under testdata/charts
// (call it before the test changes directory).
func testChart(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "charts", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMergeValuesFailsClosed: every source that cannot be decrypted is
// reported, naming its file or flag, and no values are returned.
func TestMergeValuesFailsClosed(t *testing.T) {
	f := newSDKFixture(t)
	other := encrypt.New(encrypt.Options{Keys: encrypt.Keys{AgeIdentities: []age.Identity{testenv.AgeKey(t)}, NoEnvironment: true}})
	good := f.encrypt("password: "+sdkCanary+"\n", encrypt.FormatYAML)
	f.write("good.yaml", good)
	f.write("tampered.yaml", strings.Replace(good, "ENC[AES256_GCM,data:", "ENC[AES256_GCM,data:AA", 1))
	f.write("truncated.yaml", good[:strings.Index(good, "sops:")])
	f.write("other.yaml", good)
	f.write("bad-cert.pem", strings.Replace(f.encrypt(sdkCanary, encrypt.FormatBinary), "ENC[AES256_GCM,data:", "ENC[AES256_GCM,data:AA", 1))
	badLiteral := setLiteralEscape(strings.Replace(f.encrypt(sdkCanary, encrypt.FormatBinary), "ENC[AES256_GCM,data:", "ENC[AES256_GCM,data:AA", 1))

	cases := []struct {
		name string
		eng  *encrypt.Engine
		opts helm.ValueOptions
		want []string
		is   error
	}{
		{"tampered values file", f.eng, helm.ValueOptions{ValueFiles: []string{"good.yaml", "tampered.yaml"}}, []string{"values file tampered.yaml: "}, encrypt.ErrTampered},
		{"truncated values file", f.eng, helm.ValueOptions{ValueFiles: []string{"truncated.yaml"}}, []string{"values file truncated.yaml: "}, nil},
		{"wrong key", other, helm.ValueOptions{ValueFiles: []string{"other.yaml"}}, []string{"values file other.yaml: "}, encrypt.ErrNoKey},
		{"missing file", f.eng, helm.ValueOptions{ValueFiles: []string{"missing.yaml"}}, []string{"values file missing.yaml: ", "no such file"}, os.ErrNotExist},
		{"tampered --set-file", f.eng, helm.ValueOptions{FileValues: []string{"cert=bad-cert.pem"}}, []string{"--set-file file bad-cert.pem: "}, encrypt.ErrTampered},
		{"tampered literal", f.eng, helm.ValueOptions{Values: []string{"pw=" + badLiteral}}, []string{"encrypted literal in --set: "}, encrypt.ErrTampered},
		{"every failure at once", f.eng, helm.ValueOptions{ValueFiles: []string{"tampered.yaml", "missing.yaml"}, FileValues: []string{"c=bad-cert.pem"}},
			[]string{"values file tampered.yaml", "values file missing.yaml", "--set-file file bad-cert.pem"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vals, err := c.opts.MergeValues(context.Background(), c.eng, nil)
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
			if strings.Contains(err.Error(), sdkCanary) {
				t.Errorf("error leaks the plaintext: %v", err)
			}
		})
	}
}

func TestMergeValuesHonoursContext(t *testing.T) {
	f := newSDKFixture(t)
	f.write("s.yaml", f.encrypt("a: 1\n", encrypt.FormatYAML))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o := helm.ValueOptions{ValueFiles: []string{"s.yaml"}}
	if _, err := o.MergeValues(ctx, f.eng, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestMergeValuesGetters: a source whose scheme has a getter is fetched
// by it, as helm does; others are local files.
func TestMergeValuesGetters(t *testing.T) {
	f := newSDKFixture(t)
	f.write("local.yaml", f.encrypt("a: local\n", encrypt.FormatYAML))
	var fetched []string
	p := getter.Providers{{Schemes: []string{"secrets"}, New: func(...getter.Option) (getter.Getter, error) {
		return getterFunc(func(u string) ([]byte, error) {
			fetched = append(fetched, u)
			return []byte("b: " + strings.TrimPrefix(u, "secrets://") + "\n"), nil
		}), nil
	}}}
	o := helm.ValueOptions{ValueFiles: []string{"local.yaml", "secrets://remote.yaml"}, FileValues: []string{"c=secrets://file.txt"}}
	got, err := o.MergeValues(context.Background(), f.eng, p)
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

type getterFunc func(string) ([]byte, error)

func (g getterFunc) Get(u string, _ ...getter.Option) (*bytes.Buffer, error) {
	b, err := g(u)
	return bytes.NewBuffer(b), err
}

// Helm's values.Options converts to ValueOptions and back.
var _ = helm.ValueOptions(values.Options{})
var _ = values.Options(helm.ValueOptions{})
