// Package fakekms is an in-process fake of Google Cloud KMS for tests and
// benchmarks. It serves the real gRPC protocol
// (google.cloud.kms.v1.KeyManagementService) over TLS on 127.0.0.1, so the
// real cloud.google.com/go/kms/apiv1 client and sops' own
// github.com/getsops/sops/v3/gcpkms master key talk to it unchanged.
//
// # What it implements
//
// Encrypt and Decrypt only (every other method returns codes.Unimplemented,
// and is still counted). Each CryptoKey has one random AES-256 key and one
// version ("cryptoKeyVersions/1"). Ciphertexts are AES-256-GCM with a random
// nonce; the GCM additional data binds the CryptoKey name, the version and
// the caller's additional_authenticated_data, so decrypting with another key
// name, another AAD or a tampered ciphertext fails with
// codes.InvalidArgument ("Decryption failed: verify that 'name' refers to
// the correct CryptoKey."), like the real service. Responses carry name
// (the CryptoKeyVersion used), ciphertext_crc32c, plaintext_crc32c,
// verified_*_crc32c (set when the request carried the matching checksum;
// a wrong checksum gives codes.InvalidArgument) and protection_level
// SOFTWARE. Size limits are those of SOFTWARE keys (64 KiB plaintext/AAD);
// an empty plaintext is rejected. Keys live in memory only.
//
// # Keys
//
// By default only registered keys exist: [Server.AddKey] (a full
// "projects/P/locations/L/keyRings/R/cryptoKeys/K" name), [Server.NewKey]
// (a key ID under a fixed fake project) or [WithKeys]. Any other well-formed
// name gets codes.NotFound ("CryptoKey ... not found."); a malformed one gets
// codes.InvalidArgument. [WithAutoCreateKeys] makes Encrypt create unknown
// keys on first use (Decrypt never creates one: it has nothing it could
// decrypt).
//
// # Authentication
//
// Every call must carry the metadata "authorization: Bearer " + [Server.Token], else
// codes.Unauthenticated. This proves the client used the fake's credentials
// and not whatever GOOGLE_* credentials the machine has.
// [WithoutAuthCheck] disables the check.
//
// # Test controls
//
// [WithLatency]/[Server.SetLatency] delay every call (before it is handled,
// aborted by the caller's deadline or by Close). [Server.Calls] counts the
// calls that reached the server per method (failed and retried ones
// included; [Server.ResetCalls] zeroes them). [Server.FailNext] fails the
// next n calls of a method; [WithFailFunc]/[Server.SetFailFunc] decide per
// call. Note that the real client retries codes.Unavailable and
// codes.DeadlineExceeded on Encrypt/Decrypt for up to 60 s: inject
// e.g. codes.Internal or codes.PermissionDenied to fail fast, or Unavailable
// once to test that a retry happens (Calls then shows 2).
//
// # Usage with the KMS client
//
//	s := fakekms.Start(t)             // closed by t.Cleanup
//	name := s.NewKey("my-key")
//	c, err := s.NewClient(ctx)        // or kms.NewKeyManagementClient(ctx, s.ClientOptions()...)
//	...
//	defer c.Close()
//	resp, err := c.Encrypt(ctx, &kmspb.EncryptRequest{Name: name, Plaintext: pt})
//
// Outside tests, [StartContext] runs the server until its context is done or
// [Server.Close] is called.
//
// # Usage with sops
//
// sops' gcpkms.MasterKey builds a new KMS client for every Encrypt/Decrypt
// and closes it (and its connection) afterwards, and reads credentials and
// endpoints from the environment unless options are injected per key.
// [Server.SOPSOptions] returns those per-key options:
//
//	mk := gcpkms.NewMasterKeyFromResourceID(name)
//	for _, o := range s.SOPSOptions() { // gcpkms.TokenSource + gcpkms.ClientOptions
//		o.ApplyToMasterKey(mk)
//	}
//	err := mk.Encrypt(dataKey)           // mk.EncryptedKey is set
//	plain, err := mk.Decrypt()
//
// ([Server.NewMasterKey] and [Server.ApplyToMasterKey] do the same.) In a
// custom keyservice.KeyServiceServer, apply them to the fresh master key the
// server builds for each request. Apply them last: each gcpkms option type
// replaces, not appends to, the previous value of its kind, so a later
// gcpkms.ClientOptions would drop the fake's endpoint and credentials.
//
// The options are robust against the environment: GOOGLE_CREDENTIALS,
// GOOGLE_OAUTH_ACCESS_TOKEN, GOOGLE_APPLICATION_CREDENTIALS,
// GOOGLE_CLOUD_UNIVERSE_DOMAIN, GOOGLE_API_USE_CLIENT_CERTIFICATE,
// GOOGLE_API_USE_MTLS_ENDPOINT, GOOGLE_API_GO_EXPERIMENTAL_DISABLE_NEW_AUTH_LIB
// (old auth library), SOPS_GCP_KMS_ENDPOINT (connections always go to the
// fake) and SOPS_GCP_KMS_UNIVERSE_DOMAIN. They cannot work with
// SOPS_GCP_KMS_CLIENT_TYPE=rest or gcpkms.UseRESTClient (the fake speaks gRPC
// only); [ClearSOPSEnv] blanks the SOPS_GCP_KMS_* variables for a test.
//
// Traps this design avoids (each verified against sops v3.13.3,
// google.golang.org/api v0.304.0, cloud.google.com/go/auth v0.24.x):
//   - A shared option.WithGRPCConn works once: sops closes the client after
//     the first operation and the next fails with "grpc: the client
//     connection is closing". The options here carry a dialer instead, so
//     every client opens its own connection.
//   - option.WithoutAuthentication conflicts with any credential sops finds
//     in GOOGLE_CREDENTIALS or GOOGLE_OAUTH_ACCESS_TOKEN ("incompatible with
//     any option that provides credentials"). Injecting gcpkms.TokenSource
//     makes sops skip those variables.
//   - Plaintext (insecure) gRPC works with the new auth library but the old
//     one refuses to send a token over it ("the credentials require transport
//     level security"); hence TLS with a per-server self-signed certificate.
//   - The new auth library refuses a token whose universe domain differs
//     from the client's (GOOGLE_CLOUD_UNIVERSE_DOMAIN,
//     SOPS_GCP_KMS_UNIVERSE_DOMAIN): the client's universe is pinned and the
//     credentials report the universe sops will configure.
//   - Without the dialer, SOPS_GCP_KMS_ENDPOINT would send the calls (and
//     the fake token and plaintext data key) elsewhere.
//
// # AWS KMS
//
// [StartAWS] serves AWS KMS on 127.0.0.1 for the real AWS SDK v2 client
// (sops' kms master keys): local-kms's handlers behind a SigV4-checking
// front; see [AWS].
//
// Importing this package links sops and the Google client libraries; use it
// from tests only.
package fakekms
