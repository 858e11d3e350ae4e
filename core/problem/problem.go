// Package problem writes errors as RFC 9457 problem details
// (application/problem+json). Each kind of error has a stable type URI, so that
// clients branch on it; the detail text is short and never internal.
package problem

import (
	"encoding/json"
	"errors"
	"net/http"
)

// TypeBase prefixes every problem type URI.
const TypeBase = "https://kernelwork.dev/problems/"

// Problem is an error that carries its HTTP status and a stable type.
type Problem struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
}

// Error implements error.
func (p *Problem) Error() string { return p.Type + ": " + p.Title }

// New returns a Problem whose type is TypeBase+slug.
func New(status int, slug, title string) *Problem {
	return &Problem{Status: status, Type: TypeBase + slug, Title: title}
}

// WithDetail returns a copy of p with a detail message.
func (p *Problem) WithDetail(detail string) *Problem {
	c := *p
	c.Detail = detail
	return &c
}

// Common problems shared by every feature.
var (
	BadRequest    = New(http.StatusBadRequest, "bad-request", "The request is malformed.")
	Unauthorized  = New(http.StatusUnauthorized, "unauthenticated", "Authentication is required.")
	Forbidden     = New(http.StatusForbidden, "forbidden", "The caller may not do this.")
	NotFound      = New(http.StatusNotFound, "not-found", "No such resource.")
	Conflict      = New(http.StatusConflict, "conflict", "The resource already exists or changed.")
	TooLarge      = New(http.StatusRequestEntityTooLarge, "too-large", "The request body is too large.")
	TooMany       = New(http.StatusTooManyRequests, "rate-limited", "Too many requests.")
	Internal      = New(http.StatusInternalServerError, "internal", "An internal error occurred.")
	Unavailable   = New(http.StatusServiceUnavailable, "unavailable", "A dependency is unavailable.")
	MethodBlocked = New(http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed.")
)

// Write sends err as a problem. An error that is not a *Problem is sent as
// Internal, with none of its text.
func Write(w http.ResponseWriter, err error) {
	var p *Problem
	if !errors.As(err, &p) {
		p = Internal
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
