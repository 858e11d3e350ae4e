// Package server runs the core's HTTPS listener: mutual TLS with the edge, the
// caller middleware, the routes of every feature, and a clean shutdown.
package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/kernelwork/kernelwork/config"
	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/caller"
)

// Handler returns the core's whole HTTP handler: every feature's routes behind
// the caller middleware.
func Handler(a *app.App) http.Handler {
	mux := http.NewServeMux()
	for _, register := range features {
		register(mux, a)
	}
	return caller.Middleware(mux)
}

// TLSConfig returns the listener's TLS settings: the core's certificate, and a
// client certificate signed by the edge CA required on every connection.
func TLSConfig(s config.Server) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("loading KW_TLS_CERT_FILE and KW_TLS_KEY_FILE: %w", err)
	}
	caPEM, err := os.ReadFile(s.EdgeCAFile)
	if err != nil {
		return nil, fmt.Errorf("reading KW_EDGE_CA_FILE: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("KW_EDGE_CA_FILE holds no PEM certificate")
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		NextProtos:   []string{"h2", "http/1.1"},
	}, nil
}

// Serve listens on a.Config.Server.Addr until ctx ends, then drains requests
// for up to 10 seconds.
func Serve(ctx context.Context, a *app.App) error {
	tcfg, err := TLSConfig(a.Config.Server)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Config.Server.Addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("KW_LISTEN_ADDR %s is already in use: stop the other process "+
				"or choose another address", a.Config.Server.Addr)
		}
		return fmt.Errorf("listening on KW_LISTEN_ADDR %s: %w", a.Config.Server.Addr, err)
	}
	srv := &http.Server{
		Handler:           Handler(a),
		TLSConfig:         tcfg,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	a.Log.Info("core listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("core stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
