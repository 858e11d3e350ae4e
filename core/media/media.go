// Package media wires the storage and media planes into the core: the
// conversation API (core/conversations), attachments in the S3-compatible
// store (core/attachments) and call credentials (core/calls), with the hooks
// that join them: posting a message binds its attachments, deleting it
// schedules theirs for removal, and a member who leaves is removed from the
// conversation's call.
package media

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/kernelwork/kernelwork/core/app"
	"github.com/kernelwork/kernelwork/core/attachments"
	"github.com/kernelwork/kernelwork/core/calls"
	"github.com/kernelwork/kernelwork/core/conversations"
	"github.com/kernelwork/kernelwork/core/problem"
)

// SweepInterval is how often Start's sweeper looks for attachments to
// remove.
const SweepInterval = time.Minute

// Planes are the three services, wired together.
type Planes struct {
	Conversations *conversations.Service
	Attachments   *attachments.Service
	Calls         *calls.Service
}

// New builds the planes over a. announce publishes call events to realtime
// rooms; nil leaves them unannounced.
func New(a *app.App, announce calls.Announcer) (*Planes, error) {
	att, err := attachments.New(a)
	if err != nil {
		return nil, err
	}
	cl := calls.New(a, announce)
	conv := conversations.New(a, conversations.Hooks{
		Attach:        att.Attach,
		Detach:        att.Detach,
		MemberRemoved: cl.MemberRemoved,
	})
	return &Planes{Conversations: conv, Attachments: att, Calls: cl}, nil
}

// Register mounts the routes of the three planes on mux; call events are
// announced through the realtime emitter. When the store is
// misconfigured (a malformed KW_S3_ENDPOINT, already refused by the
// configuration loader) every route answers 503.
func Register(mux *http.ServeMux, a *app.App) {
	p, err := New(a, NewAnnouncer(a))
	if err != nil {
		a.Log.Error("storage and media planes unavailable", "error", err)
		mux.HandleFunc("/api/v1/conversations/", func(w http.ResponseWriter, _ *http.Request) {
			problem.Write(w, problem.Unavailable)
		})
		return
	}
	p.Conversations.Routes(mux)
	p.Attachments.Routes(mux)
	p.Calls.Routes(mux)
}

// Start checks the store (a server-side encryption mode it cannot do stops
// the core) and then runs, until ctx ends, the attachment sweeper, the pruning
// of old call grants and the subscription that removes revoked sessions from
// their calls.
func Start(ctx context.Context, a *app.App) error {
	p, err := New(a, NewAnnouncer(a))
	if err != nil {
		return err
	}
	if err := p.Attachments.CheckStore(ctx); err != nil {
		return fmt.Errorf("checking the attachment store: %w", err)
	}
	go p.Attachments.Run(ctx, SweepInterval)
	go p.prune(ctx, a)
	go p.watch(ctx, a)
	return nil
}

// prune forgets old call grants every SweepInterval until ctx ends.
func (p *Planes) prune(ctx context.Context, a *app.App) {
	t := time.NewTicker(SweepInterval)
	defer t.Stop()
	for {
		if _, err := p.Calls.PruneGrants(ctx); err != nil && ctx.Err() == nil {
			a.Log.Error("pruning call grants failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// watch keeps the revocation subscription alive until ctx ends.
func (p *Planes) watch(ctx context.Context, a *app.App) {
	for ctx.Err() == nil {
		if err := p.Calls.WatchRevocations(ctx, nil); err != nil && ctx.Err() == nil {
			a.Log.Warn("revocation subscription lost; retrying", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
		}
	}
}
