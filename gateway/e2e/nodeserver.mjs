// A Node socket.io 4.8 server with the official @socket.io/redis-adapter on
// the same Redis and prefix as the edges, with one client of its own.
// Environment: KW_REDIS_URL, KW_PREFIX. It prints {"ready": true} once its
// client is connected, then broadcasts "from-node-server" (a string and a
// Buffer) to every socket of "/" on every server, waits for "from-edge" on
// its own client and prints what arrived.
import http from "node:http";
import { Server } from "socket.io";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { io as connect } from "socket.io-client";

const env = process.env;
const pub = createClient({ url: env.KW_REDIS_URL });
const sub = pub.duplicate();
await Promise.all([pub.connect(), sub.connect()]);
const httpServer = http.createServer();
const io = new Server(httpServer, { adapter: createAdapter(pub, sub, { key: env.KW_PREFIX }) });
await new Promise((r) => httpServer.listen(0, "127.0.0.1", r));
const client = connect(`http://127.0.0.1:${httpServer.address().port}`, { transports: ["websocket"] });
await new Promise((r) => client.once("connect", r));
const fromEdge = new Promise((r) => client.once("from-edge", (...args) => r(args)));
console.log(JSON.stringify({ ready: true }));
io.emit("from-node-server", "hi", Buffer.from([0xbe, 0xef]));
const timer = setTimeout(() => {
  console.log(JSON.stringify({ error: "no broadcast from the edge" }));
  process.exit(1);
}, 5000);
const args = await fromEdge;
clearTimeout(timer);
console.log(JSON.stringify({ fromEdge: args.map((a) => (Buffer.isBuffer(a) ? { binary: a.toString("hex") } : a)) }));
client.close();
io.close();
await Promise.all([pub.quit(), sub.quit()]);
process.exit(0);
