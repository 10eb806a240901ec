package fakekms_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/getsops/sops/v3/kms"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakekms"
)

// awsEnv points the AWS SDK at the server with the given credentials, and
// away from every other source (no shared files, no instance metadata).
func awsEnv(t *testing.T, a *fakekms.AWS, id, secret string) {
	t.Helper()
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "AWS_CONFIG_FILE": home + "/config", "AWS_SHARED_CREDENTIALS_FILE": home + "/credentials",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_KMS": a.URL, "AWS_ENDPOINT_URL": "",
		"AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_ROLE_ARN": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
	} {
		t.Setenv(k, v)
	}
}

// TestAWSWithSopsClient: sops' own AWS KMS master key (the AWS SDK v2
// client) encrypts and decrypts a data key against the server, with the
// encryption context bound; a wrong secret, an unknown access key, an
// expired session, another principal's key and a wrong context are
// refused with AWS's exceptions; calls are counted per key.
func TestAWSWithSopsClient(t *testing.T) {
	a := fakekms.StartAWS(t)
	arn, err := a.CreateKey()
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.CreateKey()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(arn, "arn:aws:kms:"+fakekms.AWSRegion+":"+fakekms.AWSAccount+":key/") {
		t.Fatalf("arn %q", arn)
	}
	a.AddUser("tenant-a", "AKIDTENANTA", "secret-a", arn)
	a.AddSession("expired", "ASIAEXPIRED", "secret-e", "session-e", true)
	awsEnv(t, a, "AKIDTENANTA", "secret-a")

	app := "app"
	ctxMap := map[string]*string{"app": &app}
	dataKey := bytes.Repeat([]byte{7}, 32)
	mk := kms.NewMasterKey(arn, "", ctxMap)
	if err := mk.EncryptContext(context.Background(), dataKey); err != nil {
		t.Fatal(err)
	}
	got, err := mk.DecryptContext(context.Background())
	if err != nil || !bytes.Equal(got, dataKey) {
		t.Fatalf("decrypt: %v", err)
	}
	if a.Calls("Encrypt", arn) != 1 || a.Calls("Decrypt", arn) != 1 {
		t.Fatalf("calls: %d %d", a.Calls("Encrypt", arn), a.Calls("Decrypt", arn))
	}

	fails := func(what, want string, mk *kms.MasterKey) {
		t.Helper()
		_, err := mk.DecryptContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v", what, err)
		}
	}
	wrongCtx := *mk
	x := "x"
	wrongCtx.EncryptionContext = map[string]*string{"app": &x}
	fails("wrong context", "InvalidCiphertextException", &wrongCtx)
	otherKey := *mk
	otherKey.Arn = other
	fails("another key", "AccessDeniedException", &otherKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	fails("wrong secret", "InvalidSignatureException", mk)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDUNKNOWN")
	fails("unknown key", "UnrecognizedClientException", mk)
	awsEnv(t, a, "ASIAEXPIRED", "secret-e")
	t.Setenv("AWS_SESSION_TOKEN", "session-e")
	fails("expired", "ExpiredTokenException", mk)
	if a.Calls("Decrypt", arn) != 2 { // the wrong context reached the key
		t.Fatalf("decrypt calls: %d", a.Calls("Decrypt", arn))
	}
}
