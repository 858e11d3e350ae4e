package identitytest_test

import (
	"context"
	"testing"

	"github.com/kernelwork/kernelwork/core/coretest"
	"github.com/kernelwork/kernelwork/core/identity"
	"github.com/kernelwork/kernelwork/core/identity/identitytest"
	"github.com/kernelwork/kernelwork/core/tokens"
)

func TestNewUserGivesAVerifiableToken(t *testing.T) {
	a := coretest.NewApp(t, nil)
	u := identitytest.NewUser(t, a, "acme", identity.RoleAdmin)
	v := identitytest.NewUser(t, a, "acme", identity.RoleMember)
	if u.TenantID != v.TenantID || u.ID == v.ID || u.Role != identity.RoleAdmin {
		t.Fatalf("users %+v and %+v", u.User, v.User)
	}
	c, err := tokens.New(a).VerifyAccess(context.Background(), u.Token)
	if err != nil {
		t.Fatal(err)
	}
	id := u.Identity()
	if c.Subject != id.UserID || c.TenantID != id.TenantID || c.SessionID != id.SessionID {
		t.Fatalf("claims %+v do not match identity %+v", c, id)
	}
}
