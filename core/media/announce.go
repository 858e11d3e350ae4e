package media

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/gateway/emitter"
)

// Announcer publishes call events to realtime rooms through the Go emitter
// (gateway/emitter), in the Redis wire format every edge listens to, on the
// namespace "/".
type Announcer struct {
	e *emitter.Emitter
}

// NewAnnouncer returns an Announcer over a's Redis.
func NewAnnouncer(a *app.App) *Announcer {
	return &Announcer{e: emitter.New(a.Redis)}
}

// Announce emits event with payload, as a JSON object, to the sockets of room.
func (an *Announcer) Announce(ctx context.Context, room, event string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", event, err)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("encoding %s: %w", event, err)
	}
	return an.e.To(room).Emit(ctx, event, obj)
}
