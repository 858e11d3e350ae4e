package calls

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"

	"github.com/kernelwork/kernelwork/core/caller"
	"github.com/kernelwork/kernelwork/core/conversations"
	"github.com/kernelwork/kernelwork/core/problem"
)

// Attributes set on an embed's participant.
const (
	AttrEmbed  = "kw.embed"
	AttrOrigin = "kw.origin"
)

var errNotEmbed = problem.New(http.StatusUnauthorized, "not-embed",
	"Only an embed bound to an origin may join this way.")

// EmbedJoin returns a token for an embed's visitor to join conversation
// conversationID's call. c must be an embed caller as the edge asserts it
// (X-Kw-Auth "embed", with its embed id, tenant and the origin its token is
// bound to, which the edge has checked against the request's Origin). The
// conversation must belong to the embed's tenant; the caller of EmbedJoin has
// already checked that the embed is allowed to show it. The participant's
// identity is "embed:<embed id>:<random>", and its attributes kw.embed and
// kw.origin name the embed and the origin, so every call records where an
// embed visitor came from. The same grants and lifetime as members' tokens
// apply.
func (s *Service) EmbedJoin(ctx context.Context, c *caller.Caller, conversationID,
	displayName string,
) (Join, error) {
	if c.Auth != caller.AuthEmbed || !validOrigin(c.Origin) || c.EmbedID == "" ||
		len(c.EmbedID) > 100 {
		return Join{}, errNotEmbed
	}
	if _, err := conversations.Get(ctx, s.a.DB, c.TenantID, conversationID); err != nil {
		return Join{}, err
	}
	if displayName == "" || len(displayName) > 100 {
		displayName = "Guest"
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return s.join(conversationID, Participant{
		Identity:   "embed:" + c.EmbedID + ":" + hex.EncodeToString(b),
		Name:       displayName,
		Attributes: map[string]string{AttrEmbed: c.EmbedID, AttrOrigin: c.Origin},
	})
}

// validOrigin reports whether o is a serialized origin: scheme://host[:port].
func validOrigin(o string) bool {
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil &&
		u.Scheme+"://"+u.Host == o
}
