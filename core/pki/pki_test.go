package pki

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
)

func TestInitMakesAChainForBothEnds(t *testing.T) {
	dir := t.TempDir()
	wrote, err := Init(dir, []string{"127.0.0.1", "localhost"})
	if err != nil || !wrote {
		t.Fatalf("Init = %v, %v", wrote, err)
	}
	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(filepath.Join(dir, CACert))
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem holds no certificate")
	}
	check := func(cert, key string, usage x509.ExtKeyUsage, name string) {
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, cert), filepath.Join(dir, key))
		if err != nil {
			t.Fatal(err)
		}
		leaf, _ := x509.ParseCertificate(pair.Certificate[0])
		if _, err := leaf.Verify(x509.VerifyOptions{
			Roots: pool, DNSName: name,
			KeyUsages: []x509.ExtKeyUsage{usage},
		}); err != nil {
			t.Fatalf("%s does not verify for its use: %v", cert, err)
		}
		if st, _ := os.Stat(filepath.Join(dir, key)); st.Mode().Perm() != 0o600 {
			t.Fatalf("%s has mode %v, want 0600", key, st.Mode().Perm())
		}
	}
	check(CoreCert, CoreKey, x509.ExtKeyUsageServerAuth, "localhost")
	check(EdgeCert, EdgeKey, x509.ExtKeyUsageClientAuth, "")

	// a second Init keeps the existing CA
	if wrote, err := Init(dir, nil); err != nil || wrote {
		t.Fatalf("second Init = %v, %v; want it to keep the files", wrote, err)
	}
}
