// Package gateway is a Socket.IO-compatible realtime server: Engine.IO
// protocol version 4 (HTTP long-polling, WebSocket through
// github.com/olahol/melody, the upgrade between them, heartbeats) and
// Socket.IO protocol version 5 (namespaces, CONNECT with an auth payload,
// events, acknowledgements in both directions, binary attachments,
// DISCONNECT), as the published protocol documents describe them, so the
// official socket.io-client 4.x works with its default options.
//
// A Server is an http.Handler mounted at Options.Path. Namespaces are served
// only when a Handler is registered for them with Server.Handle; a CONNECT to
// any other namespace is refused with the standard "Invalid namespace" error.
// Rooms live in each namespace; an Adapter (see RedisAdapter) carries
// broadcasts between server processes in the wire format of Socket.IO's own
// Redis adapter.
//
// Defences built in: the Origin of every request is checked against an
// allowlist that fails closed, every incoming payload is bounded by
// Options.MaxPayload, each connection's outgoing queue is bounded (a client
// that cannot keep up is disconnected), each socket's event rate is limited,
// and a malformed packet closes only the connection that sent it.
package gateway
