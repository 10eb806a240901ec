package encrypt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/kms"
)

// AWSKMSOptions configure the AWS client of kms master keys for one engine:
// per-call credentials, for a program that serves several tenants and
// must not use (or have) credentials in its process environment. The
// region is always the one in the key's ARN.
type AWSKMSOptions struct {
	// Credentials, when set, are the credentials of every KMS request:
	// credentials.NewStaticCredentialsProvider(id, secret, sessionToken)
	// from github.com/aws/aws-sdk-go-v2/credentials, or any provider
	// (stscreds.NewAssumeRoleProvider to assume a role, with its own STS
	// client and credentials). The environment's credentials, shared
	// files and instance metadata are then not consulted for credentials.
	Credentials aws.CredentialsProvider
	// Endpoint, when set (scheme://host[:port]), is where the KMS requests
	// are sent instead of the key's regional endpoint, for a
	// KMS-compatible server or proxy (they stay signed for the regional
	// endpoint's host). Without it the endpoint is AWS's, or
	// AWS_ENDPOINT_URL_KMS/AWS_ENDPOINT_URL as for the sops CLI. STS
	// requests (a key's role) are not redirected.
	Endpoint string
	// HTTPClient, when set, sends the KMS requests (and STS requests of a
	// key's role).
	//
	// Endpoint and HTTPClient cannot be used while AWS_CA_BUNDLE is set in
	// the environment: the AWS SDK then refuses any HTTP client it did not
	// build, so the engine fails with a message saying so; give the CA in
	// HTTPClient's TLS configuration instead.
	HTTPClient *http.Client
}

// errNoAWSCredentials: Keys.NoEnvironment without Keys.AWSKMS.Credentials.
var errNoAWSCredentials = errors.New("no AWS KMS credentials given: Keys.NoEnvironment is set, so the environment's (AWS_ACCESS_KEY_ID, AWS_PROFILE, shared files, instance metadata) are not used; pass them in Keys.AWSKMS.Credentials")

// errAWSCABundle: the AWS SDK refuses a custom HTTP client while
// AWS_CA_BUNDLE is set ("unable to add custom RootCAs HTTPClient").
var errAWSCABundle = errors.New("AWS KMS: Keys.AWSKMS.Endpoint and Keys.AWSKMS.HTTPClient cannot be used while AWS_CA_BUNDLE is set (the AWS SDK refuses a custom HTTP client then): unset it and put the CA into the TLS configuration of Keys.AWSKMS.HTTPClient")

// kmsKey builds sops' AWS KMS master key for a request, with the engine's
// options applied. The key's role, encryption context and profile come
// from the file, as with sops' own key service; under NoEnvironment the
// profile (which names credentials in the shared files) is dropped.
func (s *keyServer) kmsKey(k *keyservice.KmsKey) (*kms.MasterKey, error) {
	ctx := make(map[string]*string, len(k.Context))
	for n, v := range k.Context {
		ctx[n] = &v
	}
	mk := kms.NewMasterKeyWithProfile(k.Arn, k.Role, ctx, k.AwsProfile)
	o := s.aws
	if s.ageOnly {
		if o == nil || o.Credentials == nil {
			return nil, errNoAWSCredentials
		}
		mk.AwsProfile = ""
	}
	if o == nil {
		return mk, nil
	}
	if o.Credentials != nil {
		kms.NewCredentialsProvider(o.Credentials).ApplyToMasterKey(mk)
	}
	if o.HTTPClient != nil || o.Endpoint != "" {
		if os.Getenv("AWS_CA_BUNDLE") != "" {
			return nil, errAWSCABundle
		}
		hc, err := awsHTTPClient(o)
		if err != nil {
			return nil, err
		}
		kms.NewHTTPClient(hc).ApplyToMasterKey(mk)
	}
	return mk, nil
}

// awsHTTPClient is the options' HTTP client, sending to Endpoint when set.
func awsHTTPClient(o *AWSKMSOptions) (*http.Client, error) {
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	if o.Endpoint == "" {
		return hc, nil
	}
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("Keys.AWSKMS.Endpoint %q: not scheme://host[:port]", o.Endpoint)
	}
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = endpointTransport{base: base, scheme: u.Scheme, host: u.Host}
	return &c, nil
}

// endpointTransport sends each KMS request (X-Amz-Target TrentService.*)
// to another scheme and host, keeping the Host header the request was
// signed for. Other requests (STS, for a key's role) go where the SDK
// sends them.
type endpointTransport struct {
	base         http.RoundTripper
	scheme, host string
}

func (t endpointTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(r.Header.Get("X-Amz-Target"), "TrentService.") {
		return t.base.RoundTrip(r)
	}
	c := r.Clone(r.Context())
	if c.Host == "" {
		c.Host = r.URL.Host
	}
	c.URL.Scheme, c.URL.Host = t.scheme, t.host
	return t.base.RoundTrip(c)
}

// kmsEncrypt wraps a data key with an AWS KMS key.
func (s *keyServer) kmsEncrypt(ctx context.Context, k *keyservice.KmsKey, plain []byte) ([]byte, error) {
	mk, err := s.kmsKey(k)
	if err != nil {
		return nil, err
	}
	if err := mk.EncryptContext(ctx, plain); err != nil {
		return nil, s.awsHint(err, k)
	}
	return mk.EncryptedDataKey(), nil
}

// kmsDecrypt unwraps a data key with an AWS KMS key.
func (s *keyServer) kmsDecrypt(ctx context.Context, k *keyservice.KmsKey, ciphertext []byte) ([]byte, error) {
	mk, err := s.kmsKey(k)
	if err != nil {
		return nil, err
	}
	mk.EncryptedKey = string(ciphertext)
	out, err := mk.DecryptContext(ctx)
	if err != nil {
		return nil, s.awsHint(err, k)
	}
	return out, nil
}

// awsHint adds to a failed AWS KMS request what to check: credentials
// missing, refused, expired, or not allowed to use the key. AWS's
// messages carry no secret (at most the principal's ARN); nor do ours.
func (s *keyServer) awsHint(err error, k *keyservice.KmsKey) error {
	where := "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or AWS_PROFILE and its shared credentials file"
	if k.AwsProfile != "" && !s.ageOnly {
		where = "the credentials of the profile " + k.AwsProfile + " (the key's aws_profile) in the shared credentials file"
	}
	if s.aws != nil && s.aws.Credentials != nil {
		where = "Keys.AWSKMS.Credentials"
	}
	var api smithy.APIError
	code := ""
	if errors.As(err, &api) {
		code = api.ErrorCode()
	}
	var hint string
	switch {
	case code == "AccessDenied" && k.Role != "":
		hint = "the AWS credentials may not assume the key's role " + k.Role + ": its trust policy must allow them sts:AssumeRole"
	case code == "AccessDeniedException":
		hint = "the AWS credentials are not allowed to use the key " + k.Arn + ": its key policy or an IAM policy must allow kms:Encrypt/kms:Decrypt"
	case code == "ExpiredTokenException" || code == "ExpiredToken" || code == "RequestExpired":
		hint = "the AWS session credentials have expired: renew them (" + where + ")"
	case code == "UnrecognizedClientException" || code == "InvalidClientTokenId" || code == "InvalidSignatureException" || code == "IncompleteSignatureException" || code == "MissingAuthenticationTokenException":
		hint = "AWS refused the credentials: check " + where
	case code == "" && (strings.Contains(err.Error(), "get credentials") || strings.Contains(err.Error(), "failed to refresh cached credentials") || strings.Contains(err.Error(), "failed to get shared config profile")):
		hint = "no usable AWS credentials: set " + where
	case code == "NotFoundException" || code == "DisabledException" || code == "KMSInvalidStateException" || code == "InvalidCiphertextException" || code == "IncorrectKeyException":
		hint = "AWS KMS key " + k.Arn + " (" + code + ")"
	default:
		return err
	}
	return fmt.Errorf("%w (AWS KMS: %s)", err, hint)
}
