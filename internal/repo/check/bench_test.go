package check

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
)

// BenchmarkCheck checks a generated git repository of 5000 files: 500
// encrypted secrets files (10 values each) that .sops.yaml covers, 4500
// other files and .sops.yaml (half of them YAML values files, which the heuristics scan).
//
//	go test ./internal/repo/check/ -run '^$' -bench Check -benchtime 5x
func BenchmarkCheck(b *testing.B) {
	f := newFixture(b)
	enc := f.encrypt(b, "secrets/seed.yaml", plainValues(10))
	for i := range 500 {
		// The same ciphertext in every file: encrypting 500 files would
		// dominate the set-up, and the check reads each one anyway.
		name := fmt.Sprintf("secrets/app%03d/secrets.yaml", i)
		testenv.WriteFile(b, f.root, name, string(enc))
	}
	if err := os.Remove(filepath.Join(f.root, "secrets/seed.yaml")); err != nil {
		b.Fatal(err)
	}
	for i := range 4500 {
		ext := "md"
		if i%2 == 0 {
			ext = "yaml"
		}
		testenv.WriteFile(b, f.root, fmt.Sprintf("charts/c%02d/f%04d.%s", i%50, i, ext), plainValues(20))
	}
	gitRun(b, f.git, f.root, "add", "-A")
	gitRun(b, f.git, f.root, "commit", "-q", "-m", "bench")
	for _, bc := range []struct {
		name string
		o    Options
	}{
		{"structural", Options{}},
		{"mac", Options{Engine: f.eng}},
		{"mac+heuristics", Options{Engine: f.eng, Heuristics: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			o := bc.o
			o.Root, o.InGit, o.Git = f.root, true, f.git
			for b.Loop() {
				r, err := Run(context.Background(), o)
				if err != nil {
					b.Fatal(err)
				}
				if r.Files != 5001 || r.Matched != 500 {
					b.Fatalf("%d files, %d matched", r.Files, r.Matched)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/5001, "µs/file")
		})
	}
}

func plainValues(n int) string {
	s := ""
	for i := range n {
		s += fmt.Sprintf("key%d: value number %d\n", i, i)
	}
	return s
}
