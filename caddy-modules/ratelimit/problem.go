package ratelimit

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// ProblemTypeBase prefixes the RFC 9457 problem types of this module, as in
// the core's problem package.
const ProblemTypeBase = "https://kernelwork.dev/problems/"

type problem struct {
	Type       string `json:"type"`
	Title      string `json:"title"`
	Status     int    `json:"status"`
	Detail     string `json:"detail,omitempty"`
	Zone       string `json:"zone"`
	RetryAfter int64  `json:"retry_after,omitempty"`
}

// writeLimited answers 429 for the zone of x.
func writeLimited(w http.ResponseWriter, x hit, now time.Time) error {
	ra := retryAfter(x.lc, now)
	w.Header().Set("Retry-After", strconv.FormatInt(ra, 10))
	return writeProblem(w, problem{
		Type:  ProblemTypeBase + "rate-limited",
		Title: "Too many requests.", Status: http.StatusTooManyRequests,
		Detail: "Retry after " + strconv.FormatInt(ra, 10) + " s.",
		Zone:   x.zone.Name, RetryAfter: ra,
	})
}

// writeUnavailable answers 503 for a fail-closed zone whose store failed.
func writeUnavailable(w http.ResponseWriter, z *Zone) error {
	w.Header().Set("Retry-After", "1")
	return writeProblem(w, problem{
		Type:  ProblemTypeBase + "rate-limit-unavailable",
		Title: "The rate limiter is unavailable.", Status: http.StatusServiceUnavailable,
		Zone: z.Name, RetryAfter: 1,
	})
}

func writeProblem(w http.ResponseWriter, p problem) error {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	return json.NewEncoder(w).Encode(p)
}
