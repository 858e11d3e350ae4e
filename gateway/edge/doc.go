// Package edge is the KernelWork session layer of the realtime gateway: a
// gateway.Handler that authenticates every socket with the access token the
// HTTP edge accepts (caddy-modules/tokencheck), ends sockets whose session is
// revoked or whose token expires, relays the events an operator names to the
// rooms of their sender, and hands every other decision to the core through
// the realtime hooks described in docs/realtime.md.
//
// A socket joins the room "user:<user id>" and the rooms the core names on
// connect or in answer to an event; a client has no way to join a room by
// itself.
package edge
