package fakekms_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"hash/crc32"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/kms/apiv1/kmspb"
	"github.com/getsops/sops/v3/gcpkms"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/oauth"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakekms"
)

// isolate gives the test an empty HOME and no SOPS_GCP_KMS_* overrides.
func isolate(t *testing.T) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	fakekms.ClearSOPSEnv(t)
}

func crc(b []byte) int64 { return int64(crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))) }

func dataKey(t testing.TB) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func wantCode(t *testing.T, err error, codes ...codes.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want one of %v", codes)
	}
	got := status.Code(err)
	for _, c := range codes {
		if got == c {
			return
		}
	}
	t.Fatalf("got code %v (%v), want one of %v", got, err, codes)
}

func TestKMSClientRoundTrip(t *testing.T) {
	isolate(t)
	s := fakekms.Start(t)
	name := s.NewKey("k1")
	ctx := context.Background()
	c, err := s.NewClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	pt, aad := []byte("hello data key"), []byte("context")
	enc, err := c.Encrypt(ctx, &kmspb.EncryptRequest{
		Name:                              name,
		Plaintext:                         pt,
		AdditionalAuthenticatedData:       aad,
		PlaintextCrc32C:                   wrapperspb.Int64(crc(pt)),
		AdditionalAuthenticatedDataCrc32C: wrapperspb.Int64(crc(aad)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := name + "/cryptoKeyVersions/1"; enc.GetName() != want {
		t.Errorf("name = %q, want %q", enc.GetName(), want)
	}
	if !enc.GetVerifiedPlaintextCrc32C() || !enc.GetVerifiedAdditionalAuthenticatedDataCrc32C() {
		t.Errorf("verified CRC flags not set: %v", enc)
	}
	if enc.GetCiphertextCrc32C() == nil || enc.GetCiphertextCrc32C().GetValue() != crc(enc.GetCiphertext()) {
		t.Errorf("ciphertext_crc32c = %v, want %d", enc.GetCiphertextCrc32C(), crc(enc.GetCiphertext()))
	}
	if bytes.Contains(enc.GetCiphertext(), pt) {
		t.Error("ciphertext contains the plaintext")
	}
	if enc.GetProtectionLevel() != kmspb.ProtectionLevel_SOFTWARE {
		t.Errorf("protection level = %v", enc.GetProtectionLevel())
	}

	// Same plaintext twice gives different ciphertexts (random nonce).
	enc2, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: name, Plaintext: pt, AdditionalAuthenticatedData: aad})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(enc.GetCiphertext(), enc2.GetCiphertext()) {
		t.Error("two encryptions gave the same ciphertext")
	}
	if enc2.GetVerifiedPlaintextCrc32C() {
		t.Error("verified_plaintext_crc32c set although no checksum was sent")
	}

	dec, err := c.Decrypt(ctx, &kmspb.DecryptRequest{
		Name:                        name,
		Ciphertext:                  enc.GetCiphertext(),
		AdditionalAuthenticatedData: aad,
		CiphertextCrc32C:            wrapperspb.Int64(crc(enc.GetCiphertext())),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dec.GetPlaintext(), pt) {
		t.Fatalf("plaintext = %q, want %q", dec.GetPlaintext(), pt)
	}
	if dec.GetPlaintextCrc32C().GetValue() != crc(pt) {
		t.Errorf("plaintext_crc32c = %v, want %d", dec.GetPlaintextCrc32C(), crc(pt))
	}

	t.Run("AAD is bound", func(t *testing.T) {
		_, err := c.Decrypt(ctx, &kmspb.DecryptRequest{Name: name, Ciphertext: enc.GetCiphertext()})
		wantCode(t, err, codes.InvalidArgument)
		_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: name, Ciphertext: enc.GetCiphertext(), AdditionalAuthenticatedData: []byte("other")})
		wantCode(t, err, codes.InvalidArgument)
	})
	t.Run("tampered ciphertext", func(t *testing.T) {
		ct := bytes.Clone(enc.GetCiphertext())
		ct[len(ct)-1] ^= 1
		_, err := c.Decrypt(ctx, &kmspb.DecryptRequest{Name: name, Ciphertext: ct, AdditionalAuthenticatedData: aad})
		wantCode(t, err, codes.InvalidArgument)
	})
	t.Run("bad CRC32C", func(t *testing.T) {
		_, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: name, Plaintext: pt, PlaintextCrc32C: wrapperspb.Int64(crc(pt) + 1)})
		wantCode(t, err, codes.InvalidArgument)
		_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: name, Ciphertext: enc.GetCiphertext(), AdditionalAuthenticatedData: aad,
			CiphertextCrc32C: wrapperspb.Int64(crc(enc.GetCiphertext()) + 1)})
		wantCode(t, err, codes.InvalidArgument)
	})
	t.Run("invalid requests", func(t *testing.T) {
		_, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: "projects/p/keyRings/r", Plaintext: pt})
		wantCode(t, err, codes.InvalidArgument)
		_, err = c.Encrypt(ctx, &kmspb.EncryptRequest{Name: name})
		wantCode(t, err, codes.InvalidArgument)
		_, err = c.Encrypt(ctx, &kmspb.EncryptRequest{Name: name, Plaintext: make([]byte, 64*1024+1)})
		wantCode(t, err, codes.InvalidArgument)
		_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: name + "/cryptoKeyVersions/1", Ciphertext: enc.GetCiphertext()})
		wantCode(t, err, codes.InvalidArgument)
	})
	t.Run("encrypt with version name", func(t *testing.T) {
		e, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: name + "/cryptoKeyVersions/1", Plaintext: pt})
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.Decrypt(ctx, &kmspb.DecryptRequest{Name: name, Ciphertext: e.GetCiphertext()})
		if err != nil || !bytes.Equal(d.GetPlaintext(), pt) {
			t.Fatalf("decrypt: %v, %q", err, d.GetPlaintext())
		}
		_, err = c.Encrypt(ctx, &kmspb.EncryptRequest{Name: name + "/cryptoKeyVersions/2", Plaintext: pt})
		wantCode(t, err, codes.NotFound)
	})
}

// sopsRoundTrip encrypts dk with a fresh sops master key and decrypts it with
// another fresh one, as sops does across separate invocations.
func sopsRoundTrip(t testing.TB, s *fakekms.Server, name string, dk []byte) error {
	t.Helper()
	enc := s.NewMasterKey(name)
	if err := enc.Encrypt(dk); err != nil {
		return err
	}
	if enc.EncryptedKey == "" {
		t.Fatal("EncryptedKey is empty")
	}
	dec := gcpkms.NewMasterKeyFromResourceID(name)
	for _, o := range s.SOPSOptions() {
		o.ApplyToMasterKey(dec)
	}
	dec.EncryptedKey = enc.EncryptedKey
	got, err := dec.Decrypt()
	if err != nil {
		return err
	}
	if !bytes.Equal(got, dk) {
		t.Fatalf("decrypted data key differs")
	}
	return nil
}

func TestSOPSMasterKeyRoundTrip(t *testing.T) {
	isolate(t)
	s := fakekms.Start(t)
	name := s.NewKey("sops")

	// The same master key used repeatedly: sops makes and closes a client
	// (and its connection) in every call.
	mk := s.NewMasterKey(name)
	const n = 5
	for i := range n {
		dk := dataKey(t)
		if err := mk.Encrypt(dk); err != nil {
			t.Fatalf("encrypt #%d: %v", i, err)
		}
		got, err := mk.Decrypt()
		if err != nil {
			t.Fatalf("decrypt #%d: %v", i, err)
		}
		if !bytes.Equal(got, dk) {
			t.Fatalf("round trip #%d: data key differs", i)
		}
		if _, err := base64.StdEncoding.DecodeString(mk.EncryptedKey); err != nil {
			t.Fatalf("EncryptedKey is not base64: %v", err)
		}
	}
	for i := range n {
		if err := sopsRoundTrip(t, s, name, dataKey(t)); err != nil {
			t.Fatalf("fresh keys #%d: %v", i, err)
		}
	}
	if got := s.Calls(fakekms.MethodEncrypt); got != 2*n {
		t.Errorf("Encrypt calls = %d, want %d", got, 2*n)
	}
	if got := s.Calls(fakekms.MethodDecrypt); got != 2*n {
		t.Errorf("Decrypt calls = %d, want %d", got, 2*n)
	}
}

// TestSOPSMasterKeyHostileEnv checks that SOPSOptions win over whatever a
// developer or CI machine has in its environment.
func TestSOPSMasterKeyHostileEnv(t *testing.T) {
	google := map[string]string{
		"GOOGLE_CREDENTIALS":                `{"type":"service_account","project_id":"x"}`,
		"GOOGLE_OAUTH_ACCESS_TOKEN":         "real-looking-token",
		"GOOGLE_APPLICATION_CREDENTIALS":    "/nonexistent/creds.json",
		"GOOGLE_CLOUD_UNIVERSE_DOMAIN":      "example.com",
		"GOOGLE_CLOUD_QUOTA_PROJECT":        "quota",
		"GOOGLE_API_USE_CLIENT_CERTIFICATE": "true",
		"GOOGLE_API_USE_MTLS_ENDPOINT":      "always",
		"GOOGLE_CLOUD_DISABLE_DIRECT_PATH":  "false",
	}
	cases := map[string]map[string]string{
		"GOOGLE_*":             {},
		"old auth library":     {"GOOGLE_API_GO_EXPERIMENTAL_DISABLE_NEW_AUTH_LIB": "true"},
		"new auth library env": {"GOOGLE_API_GO_EXPERIMENTAL_ENABLE_NEW_AUTH_LIB": "true"},
		"sops endpoint":        {gcpkms.SopsGCPKMSEndpointEnv: "cloudkms.invalid:443"},
		"sops universe domain": {gcpkms.SopsGCPKMSUniverseDomainEnv: "s3nsapis.fr"},
		"sops endpoint and universe domain": {
			gcpkms.SopsGCPKMSEndpointEnv:       "cloudkms.invalid:443",
			gcpkms.SopsGCPKMSUniverseDomainEnv: "s3nsapis.fr",
		},
	}
	for cname, extra := range cases {
		t.Run(cname, func(t *testing.T) {
			isolate(t)
			for k, v := range google {
				t.Setenv(k, v)
			}
			for k, v := range extra {
				t.Setenv(k, v)
			}
			s := fakekms.Start(t)
			name := s.NewKey("env")
			for i := range 3 {
				if err := sopsRoundTrip(t, s, name, dataKey(t)); err != nil {
					t.Fatalf("#%d: %v", i, err)
				}
			}
			c, err := s.NewClient(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Encrypt(context.Background(), &kmspb.EncryptRequest{Name: name, Plaintext: []byte("x")}); err != nil {
				t.Fatalf("kms client: %v", err)
			}
		})
	}
}

func TestSOPSRESTClientIsNotSupported(t *testing.T) {
	isolate(t)
	t.Setenv(gcpkms.SopsGCPKMSClientTypeEnv, "rest")
	s := fakekms.Start(t)
	mk := s.NewMasterKey(s.NewKey("rest"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := mk.EncryptContext(ctx, dataKey(t)); err == nil {
		t.Fatal("REST client unexpectedly reached the gRPC-only fake")
	}
}

func TestWrongKeyName(t *testing.T) {
	isolate(t)
	s := fakekms.Start(t)
	a, b := s.NewKey("a"), s.NewKey("b")

	mk := s.NewMasterKey(a)
	if err := mk.Encrypt(dataKey(t)); err != nil {
		t.Fatal(err)
	}
	other := s.NewMasterKey(b)
	other.EncryptedKey = mk.EncryptedKey
	_, err := other.Decrypt()
	wantCode(t, err, codes.InvalidArgument, codes.FailedPrecondition)

	ct, _ := base64.StdEncoding.DecodeString(mk.EncryptedKey)
	c, err := s.NewClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Decrypt(context.Background(), &kmspb.DecryptRequest{Name: b, Ciphertext: ct})
	wantCode(t, err, codes.InvalidArgument, codes.FailedPrecondition)
	// And the right name still works.
	if _, err := c.Decrypt(context.Background(), &kmspb.DecryptRequest{Name: a, Ciphertext: ct}); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownKey(t *testing.T) {
	isolate(t)
	unknown := fakekms.KeyName("p", "global", "r", "nope")

	t.Run("strict", func(t *testing.T) {
		s := fakekms.Start(t)
		known := s.NewKey("known")
		err := s.NewMasterKey(unknown).Encrypt(dataKey(t))
		wantCode(t, err, codes.NotFound)

		mk := s.NewMasterKey(known)
		if err := mk.Encrypt(dataKey(t)); err != nil {
			t.Fatal(err)
		}
		dec := s.NewMasterKey(unknown)
		dec.EncryptedKey = mk.EncryptedKey
		_, err = dec.Decrypt()
		wantCode(t, err, codes.NotFound)
		if s.HasKey(unknown) {
			t.Error("unknown key was created")
		}
	})
	t.Run("auto-create", func(t *testing.T) {
		s := fakekms.Start(t, fakekms.WithAutoCreateKeys())
		other := fakekms.KeyName("p", "global", "r", "other")
		mk := s.NewMasterKey(other)
		if err := mk.Encrypt(dataKey(t)); err != nil {
			t.Fatal(err)
		}
		// Decrypt never creates keys.
		dec := s.NewMasterKey(unknown)
		dec.EncryptedKey = mk.EncryptedKey
		_, err := dec.Decrypt()
		wantCode(t, err, codes.NotFound)
		if s.HasKey(unknown) {
			t.Error("Decrypt created a key")
		}
		if err := sopsRoundTrip(t, s, unknown, dataKey(t)); err != nil {
			t.Fatal(err)
		}
		if !s.HasKey(unknown) {
			t.Error("Encrypt did not create the key")
		}
	})
	t.Run("AddKey validates names", func(t *testing.T) {
		s := fakekms.Start(t)
		if err := s.AddKey("projects/p/locations/l/keyRings/r"); err == nil {
			t.Error("AddKey accepted a key ring name")
		}
		if err := s.AddKey(unknown); err != nil || !s.HasKey(unknown) {
			t.Errorf("AddKey: %v", err)
		}
	})
}

func TestLatency(t *testing.T) {
	isolate(t)
	const latency = 150 * time.Millisecond
	s := fakekms.Start(t, fakekms.WithLatency(latency))
	name := s.NewKey("slow")
	c, err := s.NewClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	start := time.Now()
	if _, err := c.Encrypt(context.Background(), &kmspb.EncryptRequest{Name: name, Plaintext: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < latency {
		t.Errorf("kms client call took %v, want >= %v", d, latency)
	}

	mk := s.NewMasterKey(name)
	start = time.Now()
	if err := mk.Encrypt(dataKey(t)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < latency {
		t.Errorf("sops Encrypt took %v, want >= %v", d, latency)
	}

	s.SetLatency(0)
	start = time.Now()
	if _, err := mk.Decrypt(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d >= latency {
		t.Logf("note: call without latency took %v", d) // not an error: slow machines exist
	}

	t.Run("context deadline", func(t *testing.T) {
		s.SetLatency(5 * time.Second)
		defer s.SetLatency(0)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.NewMasterKey(name).EncryptContext(ctx, dataKey(t))
		if !errors.Is(err, context.DeadlineExceeded) {
			wantCode(t, err, codes.DeadlineExceeded)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("cancelled call took %v", d)
		}
	})
}

func TestCallCounters(t *testing.T) {
	isolate(t)
	s := fakekms.Start(t)
	name := s.NewKey("count")
	c, err := s.NewClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	if s.Calls(fakekms.AnyMethod) != 0 {
		t.Fatalf("fresh server has calls: %v", s.CallCounts())
	}
	for range 3 {
		if _, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: name, Plaintext: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	mk := s.NewMasterKey(name)
	if err := mk.Encrypt(dataKey(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := mk.Decrypt(); err != nil {
		t.Fatal(err)
	}
	// Failed calls count too.
	_, err = c.Decrypt(ctx, &kmspb.DecryptRequest{Name: name, Ciphertext: []byte("garbage")})
	wantCode(t, err, codes.InvalidArgument)
	// So do calls to methods the fake does not implement.
	_, err = c.GetCryptoKey(ctx, &kmspb.GetCryptoKeyRequest{Name: name})
	wantCode(t, err, codes.Unimplemented)

	want := map[string]int64{fakekms.MethodEncrypt: 4, fakekms.MethodDecrypt: 2, "GetCryptoKey": 1}
	for m, n := range want {
		if got := s.Calls(m); got != n {
			t.Errorf("Calls(%s) = %d, want %d (all: %v)", m, got, n, s.CallCounts())
		}
	}
	if got := s.Calls(fakekms.AnyMethod); got != 7 {
		t.Errorf("total calls = %d, want 7", got)
	}
	s.ResetCalls()
	if got := s.Calls(fakekms.AnyMethod); got != 0 {
		t.Errorf("after reset: %d calls", got)
	}
}

func TestFailureInjection(t *testing.T) {
	isolate(t)
	s := fakekms.Start(t)
	name := s.NewKey("fail")
	dk := dataKey(t)

	t.Run("FailNext fails exactly n calls", func(t *testing.T) {
		s.ResetCalls()
		s.FailNext(fakekms.MethodEncrypt, 2, status.Error(codes.PermissionDenied, "nope"))
		mk := s.NewMasterKey(name)
		for range 2 {
			wantCode(t, mk.Encrypt(dk), codes.PermissionDenied)
		}
		if err := mk.Encrypt(dk); err != nil {
			t.Fatalf("third call: %v", err)
		}
		// Decrypt was not affected.
		if _, err := mk.Decrypt(); err != nil {
			t.Fatal(err)
		}
		if got := s.Calls(fakekms.MethodEncrypt); got != 3 {
			t.Errorf("Encrypt calls = %d, want 3", got)
		}
	})
	t.Run("nil error means Internal", func(t *testing.T) {
		s.FailNext(fakekms.AnyMethod, 1, nil)
		wantCode(t, s.NewMasterKey(name).Encrypt(dk), codes.Internal)
	})
	t.Run("client retries Unavailable", func(t *testing.T) {
		s.ResetCalls()
		s.FailNext(fakekms.MethodEncrypt, 1, status.Error(codes.Unavailable, "blip"))
		if err := s.NewMasterKey(name).Encrypt(dk); err != nil {
			t.Fatalf("retry did not hide the failure: %v", err)
		}
		if got := s.Calls(fakekms.MethodEncrypt); got != 2 {
			t.Errorf("Encrypt calls = %d, want 2 (one failed + one retry)", got)
		}
	})
	t.Run("FailFunc", func(t *testing.T) {
		bad := s.NewKey("bad")
		s.SetFailFunc(func(method, n string) error {
			if n == bad && method == fakekms.MethodDecrypt {
				return status.Error(codes.FailedPrecondition, "key disabled")
			}
			return nil
		})
		defer s.SetFailFunc(nil)
		mk := s.NewMasterKey(bad)
		if err := mk.Encrypt(dk); err != nil {
			t.Fatal(err)
		}
		_, err := mk.Decrypt()
		wantCode(t, err, codes.FailedPrecondition)
		if err := sopsRoundTrip(t, s, name, dk); err != nil {
			t.Fatalf("other key affected: %v", err)
		}
	})
	t.Run("WithFailFunc", func(t *testing.T) {
		s2 := fakekms.Start(t, fakekms.WithFailFunc(func(string, string) error {
			return status.Error(codes.ResourceExhausted, "quota")
		}))
		wantCode(t, s2.NewMasterKey(s2.NewKey("k")).Encrypt(dk), codes.ResourceExhausted)
	})
}

func TestAuthentication(t *testing.T) {
	isolate(t)
	s := fakekms.Start(t)
	name := s.NewKey("auth")
	dial := s.GRPCDialOptions()
	// TLS and dialer only, no token.
	conn, err := grpc.NewClient("passthrough:///fakekms", dial[0], dial[1])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = kmspb.NewKeyManagementServiceClient(conn).Encrypt(context.Background(),
		&kmspb.EncryptRequest{Name: name, Plaintext: []byte("x")})
	wantCode(t, err, codes.Unauthenticated)

	// With the token, a raw connection works.
	conn2, err := grpc.NewClient("passthrough:///fakekms", dial...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	if _, err := kmspb.NewKeyManagementServiceClient(conn2).Encrypt(context.Background(),
		&kmspb.EncryptRequest{Name: name, Plaintext: []byte("x")}); err != nil {
		t.Fatal(err)
	}

	// A wrong token is rejected.
	conn3, err := grpc.NewClient("passthrough:///fakekms", dial[0], dial[1],
		grpc.WithPerRPCCredentials(oauth.TokenSource{TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "wrong"})}))
	if err != nil {
		t.Fatal(err)
	}
	defer conn3.Close()
	_, err = kmspb.NewKeyManagementServiceClient(conn3).Encrypt(context.Background(),
		&kmspb.EncryptRequest{Name: name, Plaintext: []byte("x")})
	wantCode(t, err, codes.Unauthenticated)
}

func TestConcurrent(t *testing.T) {
	isolate(t)
	s := fakekms.Start(t, fakekms.WithLatency(10*time.Millisecond))
	keys := []string{s.NewKey("c0"), s.NewKey("c1"), s.NewKey("c2")}
	c, err := s.NewClient(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	const workers = 50
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for i := range workers {
		wg.Go(func() {
			name := keys[i%len(keys)]
			if err := sopsRoundTrip(t, s, name, dataKey(t)); err != nil {
				errs <- err
				return
			}
			pt := []byte{byte(i)}
			e, err := c.Encrypt(context.Background(), &kmspb.EncryptRequest{Name: name, Plaintext: pt})
			if err != nil {
				errs <- err
				return
			}
			d, err := c.Decrypt(context.Background(), &kmspb.DecryptRequest{Name: name, Ciphertext: e.GetCiphertext()})
			if err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(d.GetPlaintext(), pt) {
				errs <- status.Error(codes.DataLoss, "plaintext mismatch")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, m := range []string{fakekms.MethodEncrypt, fakekms.MethodDecrypt} {
		if got := s.Calls(m); got != 2*workers {
			t.Errorf("Calls(%s) = %d, want %d", m, got, 2*workers)
		}
	}
}

func TestShutdown(t *testing.T) {
	isolate(t)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := fakekms.StartContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	name := s.NewKey("k")
	if err := sopsRoundTrip(t, s, name, dataKey(t)); err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		cctx, ccancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := s.NewMasterKey(name).EncryptContext(cctx, dataKey(t))
		ccancel()
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server still serving after its context was cancelled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	t.Run("Close aborts injected latency", func(t *testing.T) {
		s, err := fakekms.StartContext(context.Background(), fakekms.WithLatency(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		name := s.NewKey("k")
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			done <- s.NewMasterKey(name).EncryptContext(ctx, []byte("x"))
		}()
		for s.Calls(fakekms.MethodEncrypt) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		start := time.Now()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Close took %v", d)
		}
		if err := <-done; err == nil {
			t.Error("call succeeded although the server closed")
		}
	})
}

// BenchmarkSOPSRoundTrip measures one sops Encrypt plus one Decrypt, each
// with its own client and TLS connection, as sops does them.
func BenchmarkSOPSRoundTrip(b *testing.B) {
	b.Setenv("HOME", b.TempDir())
	fakekms.ClearSOPSEnv(b)
	s := fakekms.Start(b)
	mk := s.NewMasterKey(s.NewKey("bench"))
	dk := dataKey(b)
	for b.Loop() {
		if err := mk.Encrypt(dk); err != nil {
			b.Fatal(err)
		}
		if _, err := mk.Decrypt(); err != nil {
			b.Fatal(err)
		}
	}
}
