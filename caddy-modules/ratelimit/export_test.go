package ratelimit

import "net/http"

// Covers exposes Zone.covers to the external tests of this package.
func (z *Zone) Covers(r *http.Request) bool { return z.covers(r) }

// LeaseSize exposes the lease a provisioned zone takes, to the external
// tests of this package.
func (z *Zone) LeaseSize() int64 { return z.leaseSize }

// Prepare provisions z's defaults and patterns and applies h's defaults, for
// the external tests of this package.
func (h *Handler) Prepare() error {
	h.applyDefaults()
	for _, z := range h.Zones {
		if err := z.provision(); err != nil {
			return err
		}
	}
	return nil
}
