package convtest

import "github.com/google/uuid"

// newID returns a random UUID.
func newID() string { return uuid.NewString() }
