package encrypt_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/helm-secrets/helm-secrets/internal/testsupport/fakekms"
	"github.com/helm-secrets/helm-secrets/pkg/encrypt"
)

// Per-call credentials: a program serving several tenants gives each
// engine one tenant's AWS credentials instead of putting any in its
// environment. NoEnvironment makes sure no ambient credential (variables,
// shared files, instance metadata) is used instead. Here a local KMS
// stands in for AWS; with AWS itself, leave Endpoint empty.
func ExampleAWSKMSOptions() {
	kmsServer, keyA, stop := startExampleKMS()
	defer stop()

	engineFor := func(id, secret string) *encrypt.Engine {
		return encrypt.New(encrypt.Options{Keys: encrypt.Keys{
			NoEnvironment: true,
			AWSKMS: &encrypt.AWSKMSOptions{
				Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
				Endpoint:    kmsServer.URL,
			},
		}})
	}
	tenantA := engineFor("AKIAEXAMPLETENANTA01", "secret-a")
	tenantB := engineFor("AKIAEXAMPLETENANTB01", "secret-b")

	ctx := context.Background()
	enc, err := tenantA.Encrypt(ctx, []byte("password: hunter2\n"), encrypt.EncryptOptions{
		Format:     encrypt.FormatYAML,
		Recipients: &encrypt.Recipients{AWSKMS: []string{keyA}},
	})
	if err != nil {
		panic(err)
	}
	plain, err := tenantA.Decrypt(ctx, enc, encrypt.FormatYAML)
	fmt.Print(string(plain), err, "\n")
	_, err = tenantB.Decrypt(ctx, enc, encrypt.FormatYAML)
	fmt.Println(errors.Is(err, encrypt.ErrNoKey))
	// Output:
	// password: hunter2
	// <nil>
	// true
}

// startExampleKMS starts a local AWS KMS with a key for tenant A (the
// only one its credentials may use) and one for tenant B. The example's
// Endpoint needs AWS_CA_BUNDLE unset (see AWSKMSOptions.HTTPClient).
func startExampleKMS() (*fakekms.AWS, string, func()) {
	dir, _ := os.MkdirTemp("", "example")
	kmsServer, err := fakekms.NewAWS(dir)
	if err != nil {
		panic(err)
	}
	keyA, _ := kmsServer.CreateKey()
	keyB, _ := kmsServer.CreateKey()
	kmsServer.AddUser("tenant-a", "AKIAEXAMPLETENANTA01", "secret-a", keyA)
	kmsServer.AddUser("tenant-b", "AKIAEXAMPLETENANTB01", "secret-b", keyB)
	bundle, had := os.LookupEnv("AWS_CA_BUNDLE")
	os.Unsetenv("AWS_CA_BUNDLE")
	return kmsServer, keyA, func() {
		if had {
			os.Setenv("AWS_CA_BUNDLE", bundle)
		}
		kmsServer.Close()
		os.RemoveAll(dir)
	}
}
