package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/gateway"
)

// maxHookResponse bounds a hook's answer.
const maxHookResponse = 4 << 20

// Hooks calls the core over the trusted channel.
type Hooks struct {
	// BaseURL is the core's URL, such as https://127.0.0.1:18443.
	BaseURL string
	// Client presents the edge's client certificate
	// (tokencheck.NewTLSClient).
	Client *http.Client
	// Timeout bounds each call. Default: 5s.
	Timeout time.Duration
	// Metrics records each call's latency; nil records nothing.
	Metrics *gateway.Metrics
}

// ErrHookFailed is returned when the core did not answer a hook with 200.
var ErrHookFailed = errors.New("realtime hook failed")

// call posts body to path with id's identity headers and decodes the answer
// into out.
func (h *Hooks) call(ctx context.Context, path string, id Identity, body, out any) error {
	start := time.Now()
	err := h.do(ctx, path, id, body, out)
	if h.Metrics != nil && h.Metrics.HookLatency != nil {
		outcome := "ok"
		if err != nil {
			outcome = "error"
		}
		h.Metrics.HookLatency.WithLabelValues(strings.TrimPrefix(path, "/internal/realtime/"),
			outcome).Observe(time.Since(start).Seconds())
	}
	return err
}

func (h *Hooks) do(ctx context.Context, path string, id Identity, body, out any) error {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	buf, err := json.Marshal(ToWire(body))
	if err != nil {
		return fmt.Errorf("encoding %s hook: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.BaseURL+path, bytes.NewReader(buf))
	if err != nil {
		return fmt.Errorf("building %s hook: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	setIdentity(req.Header, id)
	resp, err := h.Client.Do(req)
	if err != nil {
		return fmt.Errorf("calling %s hook: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %d", ErrHookFailed, path, resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	return decodeHookResponse(resp.Body, path, out)
}

func decodeHookResponse(r io.Reader, path string, out any) error {
	var raw any
	dec := json.NewDecoder(io.LimitReader(r, maxHookResponse))
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("decoding %s hook answer: %w", path, err)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return fmt.Errorf("decoding %s hook answer: %w", path, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decoding %s hook answer: %w", path, err)
	}
	return nil
}

// setIdentity writes the identity headers of docs/interfaces.md.
func setIdentity(h http.Header, id Identity) {
	h.Set(caller.HeaderAuth, id.Auth)
	for k, v := range map[string]string{
		caller.HeaderUser:   id.UserID,
		caller.HeaderTenant: id.TenantID, caller.HeaderSession: id.SessionID,
	} {
		if v != "" {
			h.Set(k, v)
		}
	}
}
