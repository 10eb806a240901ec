package redact

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"
)

// benchSecrets are the leaves of a typical secrets file: 50 values of 12
// to 40 bytes and a certificate.
func benchSecrets() []Secret {
	var doc strings.Builder
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&doc, "key%d: %s\n", i, strings.Repeat(fmt.Sprintf("s%02dX", i), 3+i%8))
	}
	doc.WriteString("cert: |\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&doc, "  %s\n", base64.StdEncoding.EncodeToString([]byte(strings.Repeat(fmt.Sprintf("cert-line-%02d-", i), 4)))[:64])
	}
	return Leaves("secrets.yaml", []byte(doc.String()))
}

// manifests renders about size bytes of YAML manifests: ConfigMaps with
// text, Secrets with base64 data; one secret value in every tenth object.
func manifests(size int, secrets []Secret) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "---\n# Source: app/templates/cm-%d.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-%d\n  labels:\n    app.kubernetes.io/name: app\n    app.kubernetes.io/instance: release-%d\ndata:\n", i, i, i)
		for j := 0; j < 10; j++ {
			fmt.Fprintf(&b, "  setting-%d: \"value %d of object %d, nothing secret here at all\"\n", j, j, i)
		}
		blob := fmt.Sprintf("[server]\nhost = db-%d.internal\nport = 5432\nuser = app\n", i)
		if i%10 == 0 {
			s := secrets[i/10%len(secrets)]
			fmt.Fprintf(&b, "  password: %q\n", s.Value)
			blob += "password = " + string(s.Value) + "\n"
		}
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app-%d\ndata:\n  app.ini: %s\n", i, base64.StdEncoding.EncodeToString([]byte(blob)))
	}
	return b.Bytes()
}

// BenchmarkWriter: throughput of the filter over a 5 MB manifest set,
// written in 32 KiB pieces (as helm's output reaches us through a pipe).
func BenchmarkWriter(b *testing.B) {
	secrets := benchSecrets()
	set := Compile(secrets)
	in := manifests(5<<20, secrets)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		w := NewWriter(io.Discard, set)
		for p := in; len(p) > 0; {
			n := min(32<<10, len(p))
			_, _ = w.Write(p[:n])
			p = p[n:]
		}
		_ = w.Close()
	}
}

// BenchmarkCompile: building the patterns for benchSecrets (once per run).
func BenchmarkCompile(b *testing.B) {
	secrets := benchSecrets()
	for b.Loop() {
		Compile(secrets)
	}
}

// BenchmarkCopy is the floor: the same writes without a filter.
func BenchmarkCopy(b *testing.B) {
	in := manifests(5<<20, benchSecrets())
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		var w io.Writer = io.Discard
		for p := in; len(p) > 0; {
			n := min(32<<10, len(p))
			_, _ = w.Write(p[:n])
			p = p[n:]
		}
	}
}

// TestBenchInputIsMasked keeps the benchmark honest: its input holds the
// secrets, and the filter masks them.
func TestBenchInputIsMasked(t *testing.T) {
	secrets := benchSecrets()
	in := manifests(1<<20, secrets)
	var out bytes.Buffer
	w := NewWriter(&out, Compile(secrets))
	_, _ = w.Write(in)
	_ = w.Close()
	if n := bytes.Count(out.Bytes(), []byte(Mask)); n < 100 {
		t.Fatalf("only %d masks", n)
	}
	var vals []string
	for _, s := range secrets {
		vals = append(vals, string(s.Value))
	}
	if leak := leaks(out.String()[:200000], vals); leak != "" {
		t.Fatalf("leak: %s", leak)
	}
}
