package calls

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kernelwork/kernelwork/config"
	"github.com/kernelwork/kernelwork/core/app"
)

// FuzzWebhookSignature feeds arbitrary bodies and Authorization values to the
// webhook handler: without a valid signature it always answers 401 and never
// reaches the database (the App here has none).
func FuzzWebhookSignature(f *testing.F) {
	f.Add(`{"event":"room_started","id":"EV_1","room":{"name":"x"}}`, "")
	f.Add(`{}`, "eyJhbGciOiJub25lIn0.eyJzaGEyNTYiOiIifQ.")
	f.Add(`{}`, "Bearer abc.def.ghi")
	s := &Service{a: &app.App{
		Config: config.Core{LiveKit: config.LiveKit{APIKey: "APIkey", APISecret: strings.Repeat("s", 32)}},
		Log:    slog.New(slog.DiscardHandler),
	}}
	f.Fuzz(func(t *testing.T, body, authz string) {
		r := httptest.NewRequest(http.MethodPost, WebhookPath, strings.NewReader(body))
		r.Header.Set("Authorization", authz)
		w := httptest.NewRecorder()
		s.handleWebhook(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("status %d for an unsigned webhook", w.Code)
		}
	})
}
