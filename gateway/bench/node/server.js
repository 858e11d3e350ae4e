// The Node.js baseline of the realtime benchmark (gateway/bench): the
// official socket.io 4.8 server with the official Redis adapter, doing the
// job the KernelWork edge does for the benchmark. Sockets connect to the
// namespace /bench with an access token in the CONNECT auth payload
// ({"token": "<jwt>"}); the token is verified (EdDSA signature, typ, iss,
// aud, exp) with the public key in KW_BENCH_PUBLIC_KEY, the claims are kept
// on the socket and the socket joins its user room "user:<sub>", as on the
// edge. Broadcasts arrive through Redis from the load generator.
//
// Environment: PORT (listen port on 127.0.0.1), REDIS_URL,
// KW_BENCH_PUBLIC_KEY (PEM file), KW_BENCH_ISSUER, KW_BENCH_AUDIENCE and
// KW_BENCH_PREFIX (the adapter's channel prefix, default socket.io).
"use strict";

const { createServer } = require("node:http");
const crypto = require("node:crypto");
const fs = require("node:fs");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`bench node server: ${name} is not set`);
    process.exit(2);
  }
  return v;
};

const port = Number(env("PORT"));
const publicKey = crypto.createPublicKey(fs.readFileSync(env("KW_BENCH_PUBLIC_KEY")));
const issuer = env("KW_BENCH_ISSUER");
const audience = env("KW_BENCH_AUDIENCE");

// verify returns the claims of a valid access token, or null.
function verify(token) {
  if (typeof token !== "string" || token.length > 4096) return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], "base64url"));
    claims = JSON.parse(Buffer.from(parts[1], "base64url"));
  } catch {
    return null;
  }
  if (header.alg !== "EdDSA" || header.typ !== "at+jwt") return null;
  const signed = Buffer.from(parts[0] + "." + parts[1]);
  const sig = Buffer.from(parts[2], "base64url");
  if (!crypto.verify(null, signed, publicKey, sig)) return null;
  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== issuer || claims.aud !== audience) return null;
  if (typeof claims.exp !== "number" || claims.exp < now) return null;
  if (typeof claims.sub !== "string" || typeof claims.sid !== "string") return null;
  return claims;
}

async function main() {
  const pub = createClient({ url: env("REDIS_URL") });
  const sub = pub.duplicate();
  pub.on("error", (err) => console.error("redis:", err.message));
  sub.on("error", (err) => console.error("redis:", err.message));
  await Promise.all([pub.connect(), sub.connect()]);

  const httpServer = createServer();
  const key = process.env.KW_BENCH_PREFIX || "socket.io";
  const io = new Server(httpServer, { adapter: createAdapter(pub, sub, { key }) });
  const nsp = io.of("/bench");
  nsp.use((socket, next) => {
    const claims = verify(socket.handshake.auth && socket.handshake.auth.token);
    if (!claims) return next(new Error("invalid_token"));
    socket.data = { user: claims.sub, session: claims.sid, tenant: claims.tid };
    next();
  });
  nsp.on("connection", (socket) => socket.join("user:" + socket.data.user));

  httpServer.listen(port, "127.0.0.1", () => {
    console.log(JSON.stringify({ ready: true, port }));
  });
  const stop = () => {
    io.close();
    Promise.allSettled([pub.quit(), sub.quit()]).then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error("bench node server:", err.message);
  process.exit(1);
});
