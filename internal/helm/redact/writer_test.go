package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"text/template"
)

// filter runs in through a Writer for secrets, writing it in pieces of
// size step (0: at once).
func filter(t testing.TB, secrets []Secret, in string, step int) string {
	t.Helper()
	var out bytes.Buffer
	w := NewWriter(&out, Compile(secrets))
	b := []byte(in)
	if step <= 0 {
		step = len(b) + 1
	}
	for len(b) > 0 {
		n := min(step, len(b))
		if k, err := w.Write(b[:n]); err != nil || k != n {
			t.Fatalf("Write: %d, %v", k, err)
		}
		b = b[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func secret(v string) []Secret { return []Secret{{Name: "s.yaml:k", Value: []byte(v)}} }

func TestMasksEveryForm(t *testing.T) {
	const s = `pa"ss\wo<rd>&é 1`
	jsonEsc, _ := json.Marshal(s)
	cases := map[string]string{
		"raw":          "password: " + s + "\n",
		"inside":       "url: https://user:" + s + "@host/x\n",
		"json":         `{"p":` + string(jsonEsc) + "}\n",
		"json in text": `x = "prefix-` + jsonEscape(s, false) + `-suffix"`,
		"ascii json":   `{"p":"` + asciiJSON(s) + `"}`,
		"yaml dq":      `p: "` + yamlDoubleQuoted(s) + `"`,
		"yaml sq":      `p: '` + strings.ReplaceAll(s, "'", "''") + `'`,
		"url query":    "https://h/?p=" + url.QueryEscape(s) + "&q=1",
		"url path":     "https://h/" + url.PathEscape(s) + "/x",
	}
	for name, in := range cases {
		for _, step := range []int{0, 1, 3, 7} {
			got := filter(t, secret(s), in, step)
			if !strings.Contains(got, Mask) {
				t.Errorf("%s (step %d): not masked: %q", name, step, got)
			}
			assertMaskedOnly(t, in, got)
			if leak := leaks(got, []string{s}); leak != "" {
				t.Errorf("%s (step %d): %s in %q", name, step, leak, got)
			}
		}
	}
}

func TestExactOutput(t *testing.T) {
	got := filter(t, secret("hunter2!"), "a: hunter2!\nb: xhunter2!y\nc: other\n", 1)
	want := "a: [redacted]\nb: x[redacted]y\nc: other\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestMultiLineBlockScalar(t *testing.T) {
	cert := "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2Fu\nYXJ5LWNlcnQtbGluZS10d28=\n-----END CERTIFICATE-----\n"
	var in strings.Builder
	in.WriteString("data:\n  tls.crt: |\n")
	for _, l := range strings.Split(strings.TrimSpace(cert), "\n") {
		in.WriteString("    " + l + "\n")
	}
	in.WriteString("  other: value\n")
	got := filter(t, secret(cert), in.String(), 5)
	for _, l := range strings.Split(strings.TrimSpace(cert), "\n") {
		if strings.Contains(got, l) {
			t.Errorf("line %q survives:\n%s", l, got)
		}
	}
	if !strings.Contains(got, "  other: value\n") || !strings.HasPrefix(got, "data:\n  tls.crt: |\n    [redacted]\n") {
		t.Errorf("non-secret text changed:\n%s", got)
	}
	// JSON prints it on one line with \n escapes.
	j, _ := json.Marshal(map[string]string{"crt": cert})
	got = filter(t, secret(cert), string(j), 0)
	if got != `{"crt":"[redacted]"}` {
		t.Errorf("json: %s", got)
	}
}

func TestBase64AnyAlignmentWholeRun(t *testing.T) {
	s := "s3cr3t-Value"
	for pre := 0; pre < 7; pre++ {
		blob := strings.Repeat("x", pre) + "db.password=" + s + "\nother=1\n"
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding} {
			b64 := enc.EncodeToString([]byte(blob))
			in := "data:\n  app.conf: " + b64 + "\n  k: dmFsdWU=\n"
			for _, step := range []int{0, 1, 5} {
				got := filter(t, secret(s), in, step)
				want := "data:\n  app.conf: " + Mask + "\n  k: dmFsdWU=\n"
				if got != want {
					t.Fatalf("pre %d step %d: got %q, want %q", pre, step, got, want)
				}
			}
		}
	}
}

func TestSplitAcrossWrites(t *testing.T) {
	s := "split-across-writes"
	in := "head " + s + " tail"
	for cut := 1; cut < len(in); cut++ {
		var out bytes.Buffer
		w := NewWriter(&out, Compile(secret(s)))
		_, _ = w.Write([]byte(in[:cut]))
		_, _ = w.Write([]byte(in[cut:]))
		_ = w.Close()
		if out.String() != "head "+Mask+" tail" {
			t.Fatalf("cut %d: %q", cut, out.String())
		}
	}
}

func TestSkippedAreNamed(t *testing.T) {
	set := Compile([]Secret{
		{Name: "a.yaml:enabled", Value: []byte("true")},
		{Name: "a.yaml:n", Value: []byte("1")},
		{Name: "a.yaml:empty", Value: nil},
		{Name: "a.yaml:pw", Value: []byte("long-enough")},
	})
	got := strings.Join(set.Skipped(), ",")
	if got != "a.yaml:empty,a.yaml:enabled,a.yaml:n" {
		t.Fatalf("skipped: %s", got)
	}
}

func TestLeaves(t *testing.T) {
	doc := "db:\n  user: admin-user\n  pass: |\n    line-one\n    line-two\nlist:\n- item-zero\nport: 5432\n"
	var names []string
	for _, s := range Leaves("s.yaml", []byte(doc)) {
		names = append(names, s.Name+"="+string(s.Value))
	}
	want := "s.yaml:db.user=admin-user|s.yaml:db.pass=line-one\nline-two\n|s.yaml:list[0]=item-zero|s.yaml:port=5432"
	if strings.Join(names, "|") != want {
		t.Fatalf("leaves: %q", strings.Join(names, "|"))
	}
	bin := Leaves("f.bin", []byte("\x00\x01not: [yaml"))
	if len(bin) != 1 || bin[0].Name != "f.bin" {
		t.Fatalf("binary: %+v", bin)
	}
}

func TestLongSecretInChunks(t *testing.T) {
	s := strings.Repeat("abcdefghij", 300) // 3000 bytes, longer than ChunkLen
	in := "x " + s + " y"
	got := filter(t, secret(s), in, 100)
	if strings.Contains(got, "abcdefghij") || !strings.HasPrefix(got, "x [redacted]") || !strings.HasSuffix(got, "] y") {
		t.Fatalf("got %q", got)
	}
}

// TestCheckersCatchLeaks makes sure the helpers used by the tests and the
// fuzz target do fail when output is not filtered.
func TestCheckersCatchLeaks(t *testing.T) {
	s := "canary-Value-7"
	b64 := base64.StdEncoding.EncodeToString([]byte("xx" + s + "yy"))
	if leaks("a: value\n", []string{"value"}) == "" || leaks("value", []string{"value"}) == "" {
		t.Fatal("word leak not detected")
	}
	if leak := leaks("values.yaml from-values-yaml", []string{"value"}); leak != "" {
		t.Fatalf("a word inside a longer one is taken for a leak: %s", leak)
	}
	if leaks("a "+b64+" b", []string{s}) == "" {
		t.Fatal("base64 leak not detected")
	}
	if leaks("a "+url.QueryEscape("a b"+s), []string{s}) == "" {
		t.Fatal("raw leak not detected")
	}
	if maskedOnly("abc secret def", "abc "+Mask+" dXf") {
		t.Fatal("changed byte not detected")
	}
	if !maskedOnly("abc secret def", "abc "+Mask+" def") {
		t.Fatal("a correct mask is rejected")
	}
}

// TestBigValueBoundedPatterns: a 4 MiB blob compiles to patterns of a
// few times its size and is still masked as is and in base64.
func TestBigValueBoundedPatterns(t *testing.T) {
	blob := make([]byte, 4<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range blob {
		blob[i] = byte('a' + rng.IntN(26))
	}
	set := Compile([]Secret{{Name: "--set-file blob", Value: blob}})
	total := 0
	for _, p := range set.m.Load().pats {
		total += len(p.b)
	}
	if total > 16*len(blob) {
		t.Fatalf("patterns hold %d bytes for a %d-byte value", total, len(blob))
	}
	in := "x: " + string(blob) + "\ny: " + base64.StdEncoding.EncodeToString(blob) + "\n"
	var out bytes.Buffer
	w := NewWriter(&out, set)
	_, _ = w.Write([]byte(in))
	_ = w.Close()
	// Masks longer than MaxRun are written in parts, one Mask each.
	if !regexp.MustCompile(`^x: (\[redacted\])+\ny: (\[redacted\])+\n$`).MatchString(out.String()) {
		t.Fatalf("got %.200q", out.String())
	}
}

// TestFoldedYAML: toYaml folds a long value with spaces at column 80; each
// line's piece is masked.
func TestFoldedYAML(t *testing.T) {
	s := "word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 word15 end"
	in := "v:\n  long: word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13\n    word14 word15 end\n  other: x\n"
	got := filter(t, secret(s), in, 3)
	if got != "v:\n  long: [redacted]\n    [redacted]\n  other: x\n" {
		t.Fatalf("got %q", got)
	}
}

// TestWordSecretsLeaveTextAlone: with the shell plugin's example secret
// (value) and other word-like ones, text that merely contains them (file
// names, keys, messages, the lines the shell plugin's suite compares) is
// printed byte for byte, and every place where the secret stands as a
// value is masked. Before, values.yaml became [redacted]s.yaml.
func TestWordSecretsLeaveTextAlone(t *testing.T) {
	secrets := []Secret{{Name: "secrets.yaml:podAnnotations.secret", Value: []byte("value")},
		{Name: "secrets.yaml:db", Value: []byte("postgres")}}
	unchanged := []string{
		"apiVersion: v1\nkind: ConfigMap\ndata:\n  values.yaml: |\n    a: 1\n",
		"+  from-values-yaml: x\n",
		"Error: open values.yaml: file does not exist\n",
		"[helm-secrets] Decrypt: tests/assets/values/sops/secrets.yaml\n",
		"image: postgresql:16\nname: postgres-exporter\nurl: jdbc:postgres.internal/db\n",
		"value: 1\n\"value\": 2\n",         // keys are never secret
		"{{ .Values.value }} valueFrom: x", // names
		"VALUE value_x xvalue value-x",     // case and word bytes
	}
	for _, in := range unchanged {
		for _, step := range []int{0, 1, 2, 5} {
			if got := filter(t, secrets, in, step); got != in {
				t.Errorf("step %d: changed:\nin:  %q\nout: %q", step, in, got)
			}
		}
	}
	masked := map[string]string{
		"podAnnotations:\n  secret: value\n":                       "podAnnotations:\n  secret: [redacted]\n",
		`{"secret":"value","db":"postgres"}`:                       `{"secret":"[redacted]","db":"[redacted]"}`,
		"secret: 'value'\n":                                        "secret: '[redacted]'\n",
		"--set secret=value --set db=postgres":                     "--set secret=[redacted] --set db=[redacted]",
		"value":                                                    "[redacted]",
		"The password is value.\n":                                 "The password is [redacted].\n",
		"postgres://app:postgres@db/x":                             "postgres://app:[redacted]@db/x",
		"-  secret: value\n+  secret: value2\n":                    "-  secret: [redacted]\n+  secret: value2\n",
		"k: " + base64.StdEncoding.EncodeToString([]byte("value")): "k: [redacted]",
		`x = "\"value\""`:                                          `x = "\"[redacted]\""`,
	}
	for in, want := range masked {
		for _, step := range []int{0, 1, 3} {
			if got := filter(t, secrets, in, step); got != want {
				t.Errorf("step %d:\nin:   %q\ngot:  %q\nwant: %q", step, in, got, want)
			}
		}
	}
}

// TestDistinctiveSecretsMaskedInside: a value that cannot be ordinary
// text is masked inside longer strings too.
func TestDistinctiveSecretsMaskedInside(t *testing.T) {
	for _, v := range []string{"S3cr3t-pw", "deadbeefcafebabe0042", "a-very-long-passphrase-of-many-words"} {
		if !Distinctive(v) {
			t.Errorf("%q is not distinctive", v)
		}
		in := "file-" + v + "s.yaml"
		if got := filter(t, secret(v), in, 0); got != "file-[redacted]s.yaml" {
			t.Errorf("%q: %q", v, got)
		}
	}
	for _, v := range []string{"value", "postgres", "hunter2", "my-password", "Passw0rd"[:7]} {
		if Distinctive(v) {
			t.Errorf("%q is distinctive", v)
		}
	}
}

// TestJSEscapedForm: Go templates' js function escapes ' " \ < > & = as
// \' \" \\ \u003C \u003E \u0026 \u003D; before, such a value was printed.
func TestJSEscapedForm(t *testing.T) {
	const s = `a=b<c>&'d"e\f-Secret9`
	var b strings.Builder
	if err := template.Must(template.New("").Parse(`var p = '{{ js . }}';`)).Execute(&b, s); err != nil {
		t.Fatal(err)
	}
	in := b.String()
	if !strings.Contains(in, `\u003D`) || !strings.Contains(in, `\'`) {
		t.Fatalf("not the js form: %s", in)
	}
	got := filter(t, secret(s), in, 1)
	if got != "var p = '[redacted]';" {
		t.Errorf("%q -> %q", in, got)
	}
}

// TestSetAddWhileWriting: a secret added to the set while a Writer is in
// use is masked from the next Write on, also when Add runs concurrently
// with writes (run with -race).
func TestSetAddWhileWriting(t *testing.T) {
	set := Compile(nil)
	var out bytes.Buffer
	w := NewWriter(&out, set)
	if _, err := w.Write([]byte("before: evaluated-Secret-1\n")); err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	go func() {
		set.Add([]Secret{{Name: "post-renderer", Value: []byte("evaluated-Secret-1")}})
		close(done)
	}()
	<-done
	if _, err := w.Write([]byte("after: evaluated-Secret-1\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// The first line was decided before the value was known (all but the
	// bytes held back for matching).
	if got := out.String(); !strings.HasSuffix(got, "after: [redacted]\n") || strings.Count(got, "evaluated-Secret-1") > 1 {
		t.Fatalf("%q", got)
	}
}
