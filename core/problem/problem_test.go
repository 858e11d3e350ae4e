package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWriteSendsProblemJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, fmt.Errorf("finding user: %w", NotFound.WithDetail("no such user")))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status = %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type = %q", ct)
	}
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != TypeBase+"not-found" || p.Status != 404 || p.Detail != "no such user" {
		t.Fatalf("problem = %+v", p)
	}
}

func TestWriteHidesInternalErrors(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, errors.New("pq: password authentication failed for user kernelwork"))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "password") || strings.Contains(rec.Body.String(), "pq:") {
		t.Fatalf("internal text leaked: %s", rec.Body.String())
	}
}
