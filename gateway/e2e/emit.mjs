// Broadcasts one event with the official @socket.io/redis-emitter.
// Environment: KW_REDIS_URL, KW_PREFIX (the adapter key), KW_NSP, KW_ROOM
// (optional), KW_EVENT. The arguments are a string, a number and a Buffer.
import { createClient } from "redis";
import { Emitter } from "@socket.io/redis-emitter";

const env = process.env;
const client = createClient({ url: env.KW_REDIS_URL });
await client.connect();
let e = new Emitter(client, { key: env.KW_PREFIX || "socket.io" }).of(env.KW_NSP || "/");
let target = env.KW_ROOM ? e.to(env.KW_ROOM) : e;
target.emit(env.KW_EVENT || "news", "from-node", 42, Buffer.from([0xca, 0xfe]));
await new Promise((r) => setTimeout(r, 100));
await client.quit();
console.log(JSON.stringify({ sent: true }));
