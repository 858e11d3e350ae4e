// Drives the official socket.io-client against a gateway for the Go tests.
// Usage: node client.mjs <scenario>; settings come from the environment:
// KW_URL (server origin), KW_NSP, KW_TOKEN, KW_ORIGIN, KW_TRANSPORTS
// (comma-separated), KW_UPGRADE ("0" to disable). It prints one JSON object
// with what it observed and exits 0, or prints {"error": ...} and exits 1.
// Times ("at", "disconnectAt") are milliseconds since the Unix epoch, to
// compare with the test's clock.
import { io } from "socket.io-client";

const env = process.env;
const timeoutMs = Number(env.KW_TIMEOUT_MS || 10000);

function connect(extra = {}) {
  const opts = {
    transports: (env.KW_TRANSPORTS || "polling,websocket").split(","),
    upgrade: env.KW_UPGRADE !== "0",
    reconnection: false,
    extraHeaders: {
      ...(env.KW_ORIGIN ? { Origin: env.KW_ORIGIN } : {}),
      ...(env.KW_AUTHORIZATION ? { Authorization: env.KW_AUTHORIZATION } : {}),
    },
    rejectUnauthorized: false,
    ...extra,
  };
  if (env.KW_TOKEN) opts.auth = { token: env.KW_TOKEN, hello: "world" };
  return io((env.KW_URL || "") + (env.KW_NSP || "/"), opts);
}

function once(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

// ackOf emits with an acknowledgement and resolves with all its arguments.
function ackOf(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(5000).emit(event, ...args, (err, ...reply) => {
      if (err) reject(err); else resolve(reply);
    });
  });
}

function summarize(v) {
  if (Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
    return { binary: Buffer.from(v).toString("hex") };
  }
  if (Array.isArray(v)) return v.map(summarize);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, summarize(x)]));
  }
  return v;
}

// collect waits for events until KW_EXPECT arrived, or a disconnect.
function collect(s) {
  const got = [];
  const expect = Number(env.KW_EXPECT || 1);
  return new Promise((resolve) => {
    s.onAny((event, ...args) => {
      if (event === "auth") return;
      got.push({ event, args: summarize(args) });
      if (got.length >= expect) { s.disconnect(); resolve({ events: got }); }
    });
    s.on("disconnect", (reason) => resolve({ events: got, disconnect: reason, disconnectAt: Date.now() }));
  });
}

const scenarios = {
  // connect, read the connect-time emit, emit with and without ack, binary.
  async exchange() {
    const s = connect();
    const out = {};
    const auth = once(s, "auth");
    await Promise.race([once(s, "connect"), once(s, "connect_error").then(([e]) => {
      throw new Error("connect_error: " + e.message);
    })]);
    out.connected = true;
    out.auth = (await auth)[0];
    const back = once(s, "message-back");
    s.emit("message", 1, "two", { three: [3] });
    out.messageBack = await back;
    out.ack = summarize(await ackOf(s, "message-with-ack", "x", Buffer.from([1, 2, 3])));
    const binBack = once(s, "message-back");
    s.emit("message", Buffer.from([9, 8, 7]), { nested: Buffer.from("hi") });
    out.binaryBack = summarize(await binBack);
    if (env.KW_ASK === "1") {
      // the server emits with an ack; the client answers with binary
      s.on("question", (q, bin, ack) => ack("answer", bin));
      const answered = once(s, "client-answered");
      s.emit("please-ask");
      out.clientAnswered = summarize(await answered);
    }
    out.transport = s.io.engine.transport.name;
    if (env.KW_UPGRADE !== "0" && s.io.engine.transport.name !== "websocket" &&
      (env.KW_TRANSPORTS || "polling,websocket").includes("websocket")) {
      await once(s.io.engine, "upgrade");
      out.transport = s.io.engine.transport.name;
    }
    const pingAck = await ackOf(s, "message-with-ack", "after-upgrade");
    out.afterUpgrade = pingAck;
    s.disconnect();
    return out;
  },

  // connect and report the outcome only.
  async connectOnly() {
    const s = connect();
    const r = await Promise.race([
      once(s, "connect").then(() => ({ connected: true, id: s.id, at: Date.now() })),
      once(s, "connect_error").then(([e]) => ({
        connected: false, message: e.message, data: e.data, at: Date.now(),
      })),
    ]);
    s.disconnect();
    return r;
  },

  // connect, then wait for broadcasts until KW_EXPECT events arrived, or a
  // disconnect.
  async listen() {
    const s = connect();
    await Promise.race([once(s, "connect"), once(s, "connect_error").then(([e]) => {
      throw new Error("connect_error: " + e.message);
    })]);
    console.log(JSON.stringify({ ready: true, id: s.id }));
    return await collect(s);
  },

  // connect with reconnection on, have the server drop the transport, and
  // report that the client came back.
  async reconnect() {
    const s = connect({ reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
    await once(s, "connect");
    const first = s.id;
    const back = once(s, "connect");
    s.io.engine.close();
    await back;
    const ok = await ackOf(s, "message-with-ack", "again");
    s.disconnect();
    return { first, second: s.id, recovered: first !== s.id, ack: ok };
  },
};

// emit a relay event to KW_ROOM and report the acknowledgement.
scenarios.relay = async function relay() {
  const s = connect();
  await once(s, "connect");
  const ack = await ackOf(s, env.KW_EVENT || "typing", env.KW_ROOM, { state: "on" });
  s.disconnect();
  return { ack };
};

// emit what a client might send to join KW_ROOM (no event joins a room),
// then wait for events as listen does.
scenarios.tryJoin = async function tryJoin() {
  const s = connect();
  await once(s, "connect");
  const room = env.KW_ROOM;
  for (const [event, ...args] of [
    ["join", room], ["join", [room]], ["join", { room }], ["subscribe", room],
    ["kw:join", { room }], ["joinRoom", room], ["room:join", room], ["typing", room],
  ]) {
    s.emit(event, ...args);
  }
  // the server handles a socket's events in order: once this is answered,
  // every attempt above was
  await ackOf(s, "message-with-ack", "after-the-attempts");
  console.log(JSON.stringify({ ready: true, id: s.id }));
  return await collect(s);
};

// send a fresh token with kw:reauth, outlive the first token, and emit.
scenarios.reauth = async function reauth() {
  const s = connect();
  const events = [];
  s.onAny((event) => events.push(event));
  await once(s, "connect");
  const [answer] = await ackOf(s, "kw:reauth", { token: env.KW_TOKEN2 });
  await new Promise((r) => setTimeout(r, Number(env.KW_WAIT_MS || 2500)));
  const connected = s.connected;
  const ack = connected ? await ackOf(s, "message-with-ack", "still-here") : null;
  s.disconnect();
  return { answer, connected, ack, events };
};

// stay connected with reconnection on; report the first disconnect and
// whether the client came back by itself.
scenarios.survive = async function survive() {
  const s = connect({ reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 500,
    withCredentials: true });
  await once(s, "connect");
  console.log(JSON.stringify({ ready: true, id: s.id, transport: s.io.engine.transport.name }));
  const [reason] = await once(s, "disconnect");
  await once(s, "connect");
  const [ack] = await ackOf(s, "message-with-ack", "back");
  s.disconnect();
  return { reason, reconnected: true, ack };
};

// transportFailure describes a failed Engine.IO request: the HTTP status
// and the body of the answer, when there was one.
function transportFailure(e) {
  const ctx = e && e.context;
  return { error: "connect_error: " + e.message, status: e && e.description,
    body: ctx && typeof ctx.responseText === "string" ? ctx.responseText : undefined };
}

// send KW_COUNT acknowledged events one after the other (many long-polling
// requests), and report how many were answered. A failure of the transport
// is reported with its status and body, and the program exits 1.
scenarios.many = async function many() {
  const s = connect({ withCredentials: true });
  const failed = new Promise((resolve) => {
    s.on("connect_error", (e) => resolve(transportFailure(e)));
    // d is the transport's error, with the HTTP status and request
    s.on("disconnect", (reason, d) => resolve(d && d.description ?
      transportFailure({ message: reason, description: d.description, context: d.context }) :
      { error: "disconnect: " + reason }));
  });
  const ok = await Promise.race([once(s, "connect").then(() => null), failed]);
  if (ok) {
    console.log(JSON.stringify(ok));
    process.exit(1);
  }
  let answered = 0;
  for (let i = 0; i < Number(env.KW_COUNT || 20); i++) {
    const r = await Promise.race([ackOf(s, "message-with-ack", i), failed]);
    if (!Array.isArray(r)) {
      console.log(JSON.stringify({ ...r, answered }));
      process.exit(1);
    }
    if (r[0] === i) answered++;
  }
  s.disconnect();
  return { answered, transport: s.io.engine.transport.name };
};

// emit KW_EVENT with an ack, and collect KW_EXPECT events sent meanwhile.
scenarios.drive = async function drive() {
  const s = connect();
  const events = [];
  s.onAny((event, ...args) => events.push({ event, args: summarize(args) }));
  await once(s, "connect");
  const ack = summarize(await ackOf(s, env.KW_EVENT, "arg"));
  const deadline = Date.now() + 3000;
  while (events.length < Number(env.KW_EXPECT || 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  s.disconnect();
  return { ack, events };
};

const name = process.argv[2];
const timer = setTimeout(() => {
  console.log(JSON.stringify({ error: "timeout in scenario " + name }));
  process.exit(1);
}, timeoutMs);
try {
  const result = await scenarios[name]();
  console.log(JSON.stringify(result));
  clearTimeout(timer);
  process.exit(0);
} catch (e) {
  console.log(JSON.stringify({ error: String(e && e.message || e) }));
  process.exit(1);
}
