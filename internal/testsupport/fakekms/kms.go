package fakekms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/big"
	"net"
	"regexp"
	"time"

	"cloud.google.com/go/kms/apiv1/kmspb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Limits of the real service for SOFTWARE keys.
const (
	maxPlaintext = 64 * 1024
	maxAAD       = 64 * 1024
)

// Ciphertext layout (opaque to clients, like the real service's):
//
//	byte 0      format version (1)
//	bytes 1-4   CryptoKeyVersion id, big endian (always 1)
//	bytes 5-16  random 96-bit GCM nonce
//	bytes 17-   AES-256-GCM sealed plaintext with 16-byte tag
//
// The GCM additional data binds the CryptoKey name and version:
//
//	"fakekms-v1" | u32 len(name) | name | u32 version | caller's AAD
const (
	formatV1      = 1
	primaryVer    = 1
	nonceSize     = 12
	headerSize    = 1 + 4 + nonceSize
	minCiphertext = headerSize + 16
)

var (
	cryptoKeyRE        = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$`)
	cryptoKeyVersionRE = regexp.MustCompile(`^(projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+)/cryptoKeyVersions/([^/]+)$`)
	crcTable           = crc32.MakeTable(crc32.Castagnoli)
)

type cryptoKey struct {
	name string
	aead cipher.AEAD // AES-256-GCM; safe for concurrent use
}

func newCryptoKey(name string) (*cryptoKey, error) {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &cryptoKey{name: name, aead: aead}, nil
}

// AddKey registers a CryptoKey resource name
// ("projects/P/locations/L/keyRings/R/cryptoKeys/K") with a fresh random
// AES-256 key. Adding an existing name is a no-op (the key is kept).
func (s *Server) AddKey(name string) error {
	if !cryptoKeyRE.MatchString(name) {
		return fmt.Errorf("fakekms: %q is not a CryptoKey resource name", name)
	}
	_, err := s.key(name, true)
	return err
}

// NewKey registers "projects/fake-project/locations/global/keyRings/fake-ring/cryptoKeys/<keyID>"
// and returns that name. It panics if keyID contains a '/'.
func (s *Server) NewKey(keyID string) string {
	name := KeyName("fake-project", "global", "fake-ring", keyID)
	if err := s.AddKey(name); err != nil {
		panic(err)
	}
	return name
}

// KeyName formats a CryptoKey resource name.
func KeyName(project, location, keyRing, cryptoKey string) string {
	return "projects/" + project + "/locations/" + location + "/keyRings/" + keyRing + "/cryptoKeys/" + cryptoKey
}

// HasKey reports whether the CryptoKey exists.
func (s *Server) HasKey(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.keys[name]
	return ok
}

// key returns the key for a valid CryptoKey name, creating it if create.
func (s *Server) key(name string, create bool) (*cryptoKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[name]; ok {
		return k, nil
	}
	if !create {
		return nil, status.Errorf(codes.NotFound, "CryptoKey %s not found.", name)
	}
	k, err := newCryptoKey(name)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "fakekms: %v", err)
	}
	s.keys[name] = k
	return k, nil
}

func aad(name string, version uint32, user []byte) []byte {
	b := make([]byte, 0, 10+4+len(name)+4+len(user))
	b = append(b, "fakekms-v1"...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(name)))
	b = append(b, name...)
	b = binary.BigEndian.AppendUint32(b, version)
	return append(b, user...)
}

func crc(b []byte) int64 { return int64(crc32.Checksum(b, crcTable)) }

// checkCRC verifies an optional client-supplied CRC32C, as the real service
// does. It reports whether a checksum was supplied (and matched).
func checkCRC(field, dataField string, want *wrapperspb.Int64Value, data []byte) (bool, error) {
	if want == nil {
		return false, nil
	}
	if want.GetValue() != crc(data) {
		return false, status.Errorf(codes.InvalidArgument,
			"The checksum in field %s did not match the data in field %s.", field, dataField)
	}
	return true, nil
}

// Encrypt implements kmspb.KeyManagementServiceServer.
func (s *Server) Encrypt(_ context.Context, req *kmspb.EncryptRequest) (*kmspb.EncryptResponse, error) {
	name := req.GetName()
	if m := cryptoKeyVersionRE.FindStringSubmatch(name); m != nil {
		if m[2] != fmt.Sprint(primaryVer) { // every fake key has exactly one version
			return nil, status.Errorf(codes.NotFound, "CryptoKeyVersion %s not found.", name)
		}
		name = m[1]
	} else if !cryptoKeyRE.MatchString(name) {
		return nil, status.Errorf(codes.InvalidArgument,
			"Invalid resource name %q: expected projects/*/locations/*/keyRings/*/cryptoKeys/*[/cryptoKeyVersions/*].", req.GetName())
	}
	pt, userAAD := req.GetPlaintext(), req.GetAdditionalAuthenticatedData()
	switch {
	case len(pt) == 0:
		return nil, status.Error(codes.InvalidArgument, "The plaintext field is required.")
	case len(pt) > maxPlaintext:
		return nil, status.Errorf(codes.InvalidArgument, "The plaintext must be at most %d bytes.", maxPlaintext)
	case len(userAAD) > maxAAD:
		return nil, status.Errorf(codes.InvalidArgument, "The additional_authenticated_data must be at most %d bytes.", maxAAD)
	}
	ptOK, err := checkCRC("plaintext_crc32c", "plaintext", req.GetPlaintextCrc32C(), pt)
	if err != nil {
		return nil, err
	}
	aadOK, err := checkCRC("additional_authenticated_data_crc32c", "additional_authenticated_data",
		req.GetAdditionalAuthenticatedDataCrc32C(), userAAD)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	create := s.autoCreate
	s.mu.Unlock()
	k, err := s.key(name, create)
	if err != nil {
		return nil, err
	}

	out := make([]byte, headerSize, headerSize+len(pt)+k.aead.Overhead())
	out[0] = formatV1
	binary.BigEndian.PutUint32(out[1:5], primaryVer)
	if _, err := rand.Read(out[5:headerSize]); err != nil {
		return nil, status.Errorf(codes.Internal, "fakekms: %v", err)
	}
	out = k.aead.Seal(out, out[5:headerSize], pt, aad(name, primaryVer, userAAD))

	return &kmspb.EncryptResponse{
		Name:                    fmt.Sprintf("%s/cryptoKeyVersions/%d", name, primaryVer),
		Ciphertext:              out,
		CiphertextCrc32C:        wrapperspb.Int64(crc(out)),
		VerifiedPlaintextCrc32C: ptOK,
		VerifiedAdditionalAuthenticatedDataCrc32C: aadOK,
		ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE,
	}, nil
}

// Decrypt implements kmspb.KeyManagementServiceServer.
func (s *Server) Decrypt(_ context.Context, req *kmspb.DecryptRequest) (*kmspb.DecryptResponse, error) {
	name := req.GetName()
	if !cryptoKeyRE.MatchString(name) {
		return nil, status.Errorf(codes.InvalidArgument,
			"Invalid resource name %q: expected projects/*/locations/*/keyRings/*/cryptoKeys/*.", name)
	}
	ct, userAAD := req.GetCiphertext(), req.GetAdditionalAuthenticatedData()
	if len(ct) == 0 {
		return nil, status.Error(codes.InvalidArgument, "The ciphertext field is required.")
	}
	if len(userAAD) > maxAAD {
		return nil, status.Errorf(codes.InvalidArgument, "The additional_authenticated_data must be at most %d bytes.", maxAAD)
	}
	if _, err := checkCRC("ciphertext_crc32c", "ciphertext", req.GetCiphertextCrc32C(), ct); err != nil {
		return nil, err
	}
	if _, err := checkCRC("additional_authenticated_data_crc32c", "additional_authenticated_data",
		req.GetAdditionalAuthenticatedDataCrc32C(), userAAD); err != nil {
		return nil, err
	}
	k, err := s.key(name, false)
	if err != nil {
		return nil, err
	}
	badCT := status.Error(codes.InvalidArgument,
		"Decryption failed: verify that 'name' refers to the correct CryptoKey.")
	if len(ct) < minCiphertext || ct[0] != formatV1 {
		return nil, badCT
	}
	ver := binary.BigEndian.Uint32(ct[1:5])
	if ver != primaryVer {
		return nil, badCT
	}
	pt, err := k.aead.Open(nil, ct[5:headerSize], ct[headerSize:], aad(name, ver, userAAD))
	if err != nil {
		return nil, badCT
	}
	return &kmspb.DecryptResponse{
		Plaintext:       pt,
		PlaintextCrc32C: wrapperspb.Int64(crc(pt)),
		UsedPrimary:     true,
		ProtectionLevel: kmspb.ProtectionLevel_SOFTWARE,
	}, nil
}

// selfSignedCert returns a fresh ECDSA P-256 certificate for tlsServerName
// and 127.0.0.1, and a pool trusting it.
func selfSignedCert() (tls.Certificate, *x509.CertPool, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: tlsServerName},
		DNSNames:              []string{tlsServerName},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv, Leaf: leaf}, pool, nil
}
