// Package pki makes the private CA and the two certificates of the trusted
// channel between the edge and the core: the core's server certificate and the
// edge's client certificate. Operators with their own PKI can skip it and point
// KW_TLS_CERT_FILE, KW_TLS_KEY_FILE and KW_EDGE_CA_FILE at their files.
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// File names written by Init, inside its directory.
const (
	CACert     = "ca.pem"
	CAKey      = "ca-key.pem"
	CoreCert   = "core.pem"
	CoreKey    = "core-key.pem"
	EdgeCert   = "edge.pem"
	EdgeKey    = "edge-key.pem"
	EdgeCN     = "kernelwork-edge"
	coreCN     = "kernelwork-core"
	validFor   = 365 * 24 * time.Hour
	fileMode   = 0o600
	publicMode = 0o644
)

// Init writes a CA and both certificates into dir, unless the CA is already
// there. It returns true when it wrote new files. hosts are the names and IP
// addresses the core's certificate covers.
func Init(dir string, hosts []string) (bool, error) {
	if _, err := os.Stat(filepath.Join(dir, CACert)); err == nil {
		return false, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("creating %s: %w", dir, err)
	}
	caKey, caCert, err := newCA()
	if err != nil {
		return false, err
	}
	if err := writePair(dir, CACert, CAKey, caCert.Raw, caKey); err != nil {
		return false, err
	}
	server := leafTemplate(coreCN, x509.ExtKeyUsageServerAuth)
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			server.IPAddresses = append(server.IPAddresses, ip)
		} else {
			server.DNSNames = append(server.DNSNames, h)
		}
	}
	if err := issue(dir, CoreCert, CoreKey, server, caCert, caKey); err != nil {
		return false, err
	}
	client := leafTemplate(EdgeCN, x509.ExtKeyUsageClientAuth)
	if err := issue(dir, EdgeCert, EdgeKey, client, caCert, caKey); err != nil {
		return false, err
	}
	return true, nil
}

func newCA() (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating ca key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "KernelWork edge-to-core CA"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(validFor),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("signing ca certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	return key, cert, err
}

func leafTemplate(cn string, usage x509.ExtKeyUsage) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(validFor),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
}

func issue(dir, certName, keyName string, tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generating %s key: %w", tmpl.Subject.CommonName, err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("signing %s certificate: %w", tmpl.Subject.CommonName, err)
	}
	return writePair(dir, certName, keyName, der, key)
}

func writePair(dir, certName, keyName string, der []byte, key *ecdsa.PrivateKey) error {
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("encoding key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	return errors.Join(
		os.WriteFile(filepath.Join(dir, certName), certPEM, publicMode),
		os.WriteFile(filepath.Join(dir, keyName), keyPEM, fileMode),
	)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}
