package sdktest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakekms"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// AWSKMSPerCallCredentials: a values file whose data key is wrapped by an
// AWS KMS key (an AWS KMS endpoint on 127.0.0.1, reached by sops' real AWS
// client) renders through render with an engine holding the key owner's
// credentials per call (Keys.AWSKMS, NoEnvironment; none in the process
// environment), with one Decrypt call; with another principal's
// credentials it fails before rendering, naming AWS KMS and the key,
// without the plaintext or any credential in the error.
func AWSKMSPerCallCredentials(t *testing.T, render Renderer) {
	f := New(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	a := fakekms.StartAWS(t)
	arn, err := a.CreateKey()
	if err != nil {
		t.Fatal(err)
	}
	const ownerID, otherID, secret = "AKIASDKOWNER00000001", "AKIASDKOTHER00000002", "sdk-secret-NEVER-PRINTED"
	a.AddUser("owner", ownerID, secret, arn)
	a.AddUser("other", otherID, secret, "arn:aws:kms:eu-west-2:111122223333:key/none")
	engine := func(id string) *encrypt.Engine {
		return encrypt.New(encrypt.Options{Keys: encrypt.Keys{NoEnvironment: true, AWSKMS: &encrypt.AWSKMSOptions{
			Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
			Endpoint:    a.URL,
		}}})
	}
	ctx := context.Background()
	enc, err := engine(ownerID).Encrypt(ctx, []byte("password: "+Canary+"-kms\n"), encrypt.EncryptOptions{Format: encrypt.FormatYAML, Recipients: &encrypt.Recipients{AWSKMS: []string{arn}}})
	if err != nil {
		t.Fatal(err)
	}
	f.Write("secrets.yaml", string(enc))
	o := Sources{ValueFiles: []string{"secrets.yaml"}}
	out, err := render(ctx, engine(ownerID), Chart(t, "app"), o)
	if err != nil || !strings.Contains(out, Canary+"-kms") {
		t.Fatalf("render with the owner's credentials: %v\n%s", err, out)
	}
	if n := a.Calls("Decrypt", arn); n != 1 {
		t.Fatalf("%d Decrypt calls", n)
	}
	out, err = render(ctx, engine(otherID), Chart(t, "app"), o)
	if !errors.Is(err, encrypt.ErrNoKey) || out != "" || !strings.Contains(err.Error(), "AWS KMS") || !strings.Contains(err.Error(), "not allowed to use the key "+arn) || !strings.Contains(err.Error(), "secrets.yaml") {
		t.Fatalf("render with another principal's credentials: %v\n%s", err, out)
	}
	for _, s := range []string{ownerID, otherID, secret, Canary} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("a secret in the error: %v", err)
		}
	}
}
