package main

import (
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// jwksServer stands in for the core's /.well-known/jwks.json when the
// caddy target runs: kw_socketio fetches its token keys from the core over
// the trusted channel, so this server presents the core's certificate of
// the local PKI and requires an edge client certificate, as the core does.
type jwksServer struct {
	srv *http.Server
	URL string
}

// startJWKS serves the benchmark's public key as a JWKS on a loopback port.
func startJWKS(pkiDir, publicKeyFile string) (*jwksServer, error) {
	body, err := jwksBody(publicKeyFile)
	if err != nil {
		return nil, err
	}
	cfg, err := coreTLS(pkiDir)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the jwks: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	s := &jwksServer{
		srv: &http.Server{Handler: mux, TLSConfig: cfg, ReadHeaderTimeout: 10 * time.Second},
		URL: "https://" + l.Addr().String(),
	}
	go func() { _ = s.srv.ServeTLS(l, "", "") }()
	return s, nil
}

func (s *jwksServer) close() { _ = s.srv.Close() }

// jwksBody is the JWKS (RFC 8037 OKP key) of the PEM public key in file.
func jwksBody(file string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading public key: %w", err)
	}
	pub, err := parsePublicPEM(b)
	if err != nil {
		return nil, err
	}
	key := map[string]string{
		"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": benchKeyID,
		"x": base64.RawURLEncoding.EncodeToString(pub),
	}
	return json.Marshal(map[string]any{"keys": []any{key}})
}

// coreTLS is the core's server side of the trusted channel: its certificate
// and the edge CA required of clients.
func coreTLS(pkiDir string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(pkiDir, "core.pem"), filepath.Join(pkiDir, "core-key.pem"))
	if err != nil {
		return nil, fmt.Errorf("loading the core certificate: %w", err)
	}
	caPEM, err := os.ReadFile(filepath.Join(pkiDir, "ca.pem"))
	if err != nil {
		return nil, fmt.Errorf("reading the edge ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s", filepath.Join(pkiDir, "ca.pem"))
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS13,
	}, nil
}

// parsePublicPEM returns the Ed25519 key of a PEM "PUBLIC KEY" block.
func parsePublicPEM(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("no PEM block in the public key file")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key is a %T, not Ed25519", k)
	}
	return pub, nil
}
