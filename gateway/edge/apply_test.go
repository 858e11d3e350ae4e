package edge_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kernelwork/kernelwork/caddy-modules/tokencheck"
	"github.com/kernelwork/kernelwork/gateway"
	"github.com/kernelwork/kernelwork/gateway/e2e"
	"github.com/kernelwork/kernelwork/gateway/edge"
	"github.com/kernelwork/kernelwork/gateway/hooks"
)

// refuseAll is a verifier for a public namespace's anonymous sockets.
type refuseAll struct{}

func (refuseAll) Verify(context.Context, string) (*tokencheck.Claims, error) {
	return nil, errors.New("no tokens here")
}

// TestEventAnswerIsApplied checks that the edge carries out every part of an
// event hook's answer: ack, emits, joins, leaves (a broadcast to the room
// left does not arrive) and a broadcast with a binary argument. The core of this repository answers none of its events with
// joins or broadcasts yet, so a TLS test server stands in for it.
func TestEventAnswerIsApplied(t *testing.T) {
	var gotEvent hooks.EventRequest
	core := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case hooks.PathConnect:
			_, _ = fmt.Fprint(w, `{"accept":true,"rooms":["room-b"]}`)
		case hooks.PathEvent:
			_ = json.NewDecoder(r.Body).Decode(&gotEvent)
			_, _ = fmt.Fprint(w, `{"ack":["done"],"emits":[{"event":"emitted","args":[]}],
				"join":["room-a"],"leave":["room-b"],
				"broadcasts":[{"rooms":["room-b"],"event":"to-room-b","args":[]},
					{"rooms":["room-a"],"event":"to-room-a","args":[{"$binary":"AQI="}]}]}`)
		default:
			_, _ = fmt.Fprint(w, `{}`)
		}
	}))
	t.Cleanup(core.Close)
	h, err := edge.New(edge.Config{
		Verifier: refuseAll{}, Public: true,
		Hooks: &edge.Hooks{BaseURL: core.URL, Client: core.Client()},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := gateway.New(gateway.Options{AllowedOrigins: []string{testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/", h)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { _ = srv.Close(); hs.Close() })

	r := e2e.Run(t, "client.mjs", map[string]string{
		"KW_URL": hs.URL, "KW_ORIGIN": testOrigin,
		"KW_EVENT": "go", "KW_EXPECT": "2",
	}, "drive")
	if fmt.Sprint(r["ack"]) != "[done]" {
		t.Errorf("ack %v", r["ack"])
	}
	if ev := fmt.Sprint(r["events"]); ev != "[map[args:[] event:emitted] map[args:[map[binary:0102]] event:to-room-a]]" {
		t.Errorf("events %s", ev)
	}
	if gotEvent.Event != "go" || !gotEvent.WantsAck || fmt.Sprint(gotEvent.Rooms) == "[]" {
		t.Errorf("event hook body %+v", gotEvent)
	}
}
