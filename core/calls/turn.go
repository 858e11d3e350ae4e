package calls

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"github.com/kernelwork/kernelwork/core/conversations"
	"github.com/kernelwork/kernelwork/core/jsonio"
	"github.com/kernelwork/kernelwork/core/problem"
)

// TURNCredentials are TURN REST API credentials (the form of
// draft-uberti-behave-turn-rest-00 that coturn's use-auth-secret mode checks):
// the username is "<expiry unix time>:<user id>" and the password is
// base64(HMAC-SHA1(shared secret, username)). coturn refuses them once the
// expiry has passed.
type TURNCredentials struct {
	URIs      []string  `json:"uris"`
	Username  string    `json:"username"`
	Password  string    `json:"password"`
	ExpiresAt time.Time `json:"expires_at"`
}

// TURN returns credentials for userID valid for KW_TURN_CREDENTIAL_TTL from
// the App's clock.
func (s *Service) TURN(userID string) TURNCredentials {
	exp := s.a.Now().Add(s.a.Config.Calls.TURNTTL).Truncate(time.Second)
	user := strconv.FormatInt(exp.Unix(), 10) + ":" + userID
	mac := hmac.New(sha1.New, []byte(s.a.Config.TURN.Secret))
	mac.Write([]byte(user))
	return TURNCredentials{
		URIs: s.a.Config.TURN.URIs, Username: user, ExpiresAt: exp,
		Password: base64.StdEncoding.EncodeToString(mac.Sum(nil)),
	}
}

// handleTURN gives a member of the conversation TURN credentials for its
// call.
func (s *Service) handleTURN(w http.ResponseWriter, r *http.Request) {
	u, err := conversations.User(r)
	if err != nil {
		problem.Write(w, err)
		return
	}
	id := r.PathValue("conversation")
	if err := conversations.RequireMember(r.Context(), s.a.DB, u.TenantID, id, u.UserID); err != nil {
		s.fail(w, r, err)
		return
	}
	jsonio.Write(w, http.StatusOK, s.TURN(u.UserID))
}
