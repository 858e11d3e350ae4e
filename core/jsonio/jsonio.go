// Package jsonio reads JSON request bodies and writes JSON responses for the
// core's handlers, with a size limit and strict decoding.
package jsonio

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/kernelwork/kernelwork/core/problem"
)

// MaxBody is the largest request body Decode reads.
const MaxBody = 64 << 10

// Decode reads r's JSON body into v. Unknown fields, trailing data and bodies
// over MaxBody are refused with a problem the handler can write as is.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return problem.TooLarge
		}
		return problem.BadRequest.WithDetail("The body is not the expected JSON object.")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return problem.BadRequest.WithDetail("The body holds more than one JSON value.")
	}
	return nil
}

// Write sends v as JSON with status, never cached.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
