// Package health answers the liveness and readiness probes and lists the
// deployment's components for the inventory subcommand.
//
// /healthz says the process is alive and touches nothing else. /readyz asks
// every plane - PostgreSQL and Redis (control), the S3 bucket (storage) and
// LiveKit's API (media) - and answers 503 if any of them does not answer.
package health

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/kernelwork/kernelwork/core/app"
)

// Component is one thing the core depends on, and its state.
type Component struct {
	Name     string `json:"name"`
	Plane    string `json:"plane"`
	Endpoint string `json:"endpoint"`
	Role     string `json:"role"`
	Version  string `json:"version,omitempty"`
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
}

// Statuses of a component.
const (
	StatusUp   = "up"
	StatusDown = "down"
)

// readiness is what /readyz tells about one component.
type readiness struct {
	Plane  string `json:"plane"`
	Status string `json:"status"`
}

// probe checks one component and fills its Status, Version and Error.
type probe struct {
	Component
	check func(ctx context.Context) (version string, err error)
}

// Register mounts /healthz and /readyz.
func Register(mux *http.ServeMux, a *app.App) {
	probes := Probes(a)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		comps := Check(ctx, probes)
		status, code := "ready", http.StatusOK
		for _, c := range comps {
			if c.Status != StatusUp {
				status, code = "not_ready", http.StatusServiceUnavailable
			}
		}
		// the probe is public through the edge: it names each component's plane
		// and state only; endpoints, versions and errors go to the log and to
		// `kwcore inventory`
		byName := map[string]readiness{}
		for _, c := range comps {
			byName[c.Name] = readiness{Plane: c.Plane, Status: c.Status}
			if c.Status != StatusUp {
				a.Log.Warn("component not ready", "component", c.Name,
					"endpoint", c.Endpoint, "error", c.Error)
			}
		}
		writeJSON(w, code, map[string]any{"status": status, "components": byName})
	})
}

// Check runs every probe in parallel and returns the components in order.
// An error's text is kept short and carries no credentials.
func Check(ctx context.Context, probes []probe) []Component {
	out := make([]Component, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := p.Component
			v, err := p.check(ctx)
			c.Version = v
			c.Status = StatusUp
			if err != nil {
				c.Status, c.Error = StatusDown, summarize(err)
			}
			out[i] = c
		}()
	}
	wg.Wait()
	return out
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
