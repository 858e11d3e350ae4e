package realtime

import (
	"context"
	"fmt"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/caller"
)

// maxRooms bounds the conversation rooms one socket joins at connect.
const maxRooms = 5000

// memberRooms returns the user's own room and a room for each conversation
// the user is a member of, in the caller's tenant.
func memberRooms(ctx context.Context, a *app.App, c *caller.Caller) ([]string, error) {
	rows, err := a.DB.Query(ctx, `SELECT conversation_id::text FROM conversation_members
		WHERE user_id = $1 AND tenant_id = $2 ORDER BY conversation_id LIMIT $3`,
		c.UserID, c.TenantID, maxRooms)
	if err != nil {
		return nil, fmt.Errorf("querying memberships: %w", err)
	}
	defer rows.Close()
	rooms := []string{"user:" + c.UserID}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("reading memberships: %w", err)
		}
		rooms = append(rooms, "conversation:"+id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading memberships: %w", err)
	}
	return rooms, nil
}
