package encrypt_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakekms"
	"github.com/helm-secrets/helm-secrets/internal/testsupport/testenv"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

func kmsEngine(t testing.TB, s *fakekms.Server) *encrypt.Engine {
	return encrypt.New(encrypt.Options{Keys: encrypt.Keys{GCPKMS: s.EngineOptions(), NoEnvironment: true}})
}

func TestGCPKMSEncryptDecryptRotate(t *testing.T) {
	testenv.Isolate(t)
	fakekms.ClearSOPSEnv(t)
	s := fakekms.Start(t)
	key := s.NewKey("values")
	eng := kmsEngine(t, s)
	ctx := context.Background()

	enc, err := eng.Encrypt(ctx, []byte("password: "+canary+"\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{GCPKMS: []string{key}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Calls(fakekms.MethodEncrypt); got != 1 {
		t.Fatalf("encrypt calls = %d, want 1", got)
	}
	got, err := eng.Decrypt(ctx, enc, encrypt.FormatYAML)
	if err != nil || string(got) != "password: "+canary+"\n" {
		t.Fatalf("decrypt: %q %v", got, err)
	}
	if got := s.Calls(fakekms.MethodDecrypt); got != 1 {
		t.Fatalf("decrypt calls = %d, want 1", got)
	}
	rot, err := eng.Rotate(ctx, enc, encrypt.FormatYAML)
	if err != nil {
		t.Fatal(err)
	}
	if keepLine(rot, "password:") == keepLine(enc, "password:") {
		t.Fatal("rotate kept ciphertext")
	}
	if got, err := eng.Decrypt(ctx, rot, encrypt.FormatYAML); err != nil || string(got) != "password: "+canary+"\n" {
		t.Fatalf("after rotate: %q %v", got, err)
	}

	// A KMS that refuses: ErrNoKey naming gcp_kms, no plaintext.
	s.FailNext(fakekms.MethodDecrypt, 1, nil)
	if _, err := eng.Decrypt(ctx, enc, encrypt.FormatYAML); !errors.Is(err, encrypt.ErrNoKey) || !contains(err.Error(), "gcp_kms") {
		t.Fatalf("err = %v, want ErrNoKey naming gcp_kms", err)
	}
}

func contains(s, sub string) bool {
	return len(s) >= len(sub) && (s == sub || len(sub) == 0 || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// kmsFiles encrypts n files to one KMS key and returns their paths.
func kmsFiles(t testing.TB, eng *encrypt.Engine, key string, n int) []string {
	dir := t.TempDir()
	var paths []string
	for i := 0; i < n; i++ {
		enc, err := eng.Encrypt(context.Background(), []byte(fmt.Sprintf("num: v%d\n", i)), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{GCPKMS: []string{key}}})
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, testenv.WriteFile(t, dir, fmt.Sprintf("f%02d.yaml", i), string(enc)))
	}
	return paths
}

// TestGCPKMSParallelDecryptOverlapsRoundTrips checks the property behind
// the 50-files-in-3-round-trips target with a wide margin (the timing
// figures themselves come from BenchmarkGCPKMSDecryptFiles50).
func TestGCPKMSParallelDecryptOverlapsRoundTrips(t *testing.T) {
	testenv.Isolate(t)
	fakekms.ClearSOPSEnv(t)
	s := fakekms.Start(t)
	key := s.NewKey("values")
	eng := kmsEngine(t, s)
	paths := kmsFiles(t, eng, key, 20)
	connsBefore := s.Connections()
	const latency = 300 * time.Millisecond
	s.SetLatency(latency)
	start := time.Now()
	res, err := eng.DecryptFiles(context.Background(), paths)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if string(r.Plaintext) != fmt.Sprintf("num: v%d\n", i) {
			t.Fatalf("file %d: %q", i, r.Plaintext)
		}
	}
	// Sequential would take 20 × 300 ms = 6 s.
	if elapsed > 10*latency {
		t.Fatalf("20 files took %v with %v per round trip: round trips are not overlapping", elapsed, latency)
	}
	// One client per engine: 20 data keys over one connection (sops would
	// dial 20, as encryption above did), and a second run reuses it.
	if _, err := eng.DecryptFiles(context.Background(), paths); err != nil {
		t.Fatal(err)
	}
	if calls, conns := s.Calls(fakekms.MethodDecrypt), s.Connections()-connsBefore; calls != 40 || conns != 1 {
		t.Fatalf("%d Decrypt calls over %d new connections; want 40 over 1", calls, conns)
	}
}

// BenchmarkGCPKMSDecryptFiles50 reports the time for 50 KMS-keyed files with
// 50 ms per KMS round trip, as a multiple of one round trip (target ≤ 3).
func BenchmarkGCPKMSDecryptFiles50(b *testing.B) {
	testenv.Isolate(b)
	fakekms.ClearSOPSEnv(b)
	s := fakekms.Start(b)
	key := s.NewKey("values")
	eng := kmsEngine(b, s)
	paths := kmsFiles(b, eng, key, 50)
	const latency = 50 * time.Millisecond
	s.SetLatency(latency)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := eng.DecryptFiles(context.Background(), paths); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(latency), "roundtrips/op")
}

var _ = filepath.Join
