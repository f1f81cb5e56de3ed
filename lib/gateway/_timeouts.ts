/**
 * Connection timeouts for the gateway, after fasthttp's server (Bifrost's):
 * `ReadTimeout` bounds reading a whole request, header and body, from its
 * first byte (from the connection's opening for the first request);
 * `IdleTimeout` bounds the wait for the next request on a kept-alive
 * connection (fasthttp uses `ReadTimeout` when it is zero). A request read
 * past its deadline gets 408 and the connection is closed; an idle one is
 * closed.
 *
 * Deno's HTTP server has no such settings, so connections go through a small
 * TCP front: it accepts them, follows each request's framing (header, then
 * a `Content-Length` or chunked body) as the bytes pass, and hands them on
 * to the HTTP server on a loopback port. The server tells the front when a
 * connection's request is answered (see {@link ConnectionFront.track}), so
 * a slow upstream or a long stream is never taken for an idle client.
 * Private to the gateway.
 *
 * @module
 */

/** Timeouts in ms; 0 or absent: none. */
export interface ConnectionTimeouts {
  /** The most a request may take to arrive, header and body (fasthttp's `ReadTimeout`). */
  readTimeoutMs?: number;
  /** The most a kept-alive connection may wait for its next request (fasthttp's `IdleTimeout`). Default: `readTimeoutMs`. */
  idleTimeoutMs?: number;
}

/** One client connection as the HTTP server sees it: its requests being answered. */
interface Tracked {
  answering: number;
  /** Called when the last request being answered is done. */
  onAnswered(): void;
}

const REQUEST_TIMEOUT = new TextEncoder().encode(
  "HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\nContent-Length: 24\r\nConnection: close\r\n\r\n" +
    "request read timed out\r\n",
);
const latin1 = new TextDecoder("latin1");
/** A header larger than this is handed on as it is: the HTTP server refuses it (431). */
const MAX_HEADER = 1 << 20;

/** The front: listening on the public address, handing connections to the server's loopback port. */
export class ConnectionFront {
  readonly #listener: Deno.TcpListener;
  readonly #conns = new Set<Deno.Conn>();
  /** Connections to the server, by their local port (the server sees it as the client's port). */
  readonly #byPort = new Map<number, Tracked>();
  #closed = false;
  #accepting: Promise<void> = Promise.resolve();

  /** Listens on `hostname:port`; throws Deno's error when it cannot. */
  constructor(
    hostname: string,
    port: number,
    readonly timeouts: { readMs: number; idleMs: number },
  ) {
    this.#listener = Deno.listen({ hostname, port, transport: "tcp" });
  }

  get addr(): Deno.NetAddr {
    return this.#listener.addr as Deno.NetAddr;
  }

  /** Starts handing connections to the server at `target` (its loopback port). */
  start(target: Deno.NetAddr): void {
    this.#accepting = (async () => {
      for await (const client of this.#listener) {
        if (this.#closed) {
          client.close();
          break;
        }
        void this.#serve(client, target);
      }
    })().catch(() => {});
  }

  /**
   * The server's side of a request from `remote` (its address as the server
   * sees it): call the returned function once the request is answered.
   */
  track(remote: Deno.Addr): () => void {
    const t = remote.transport === "tcp" ? this.#byPort.get(remote.port) : undefined;
    if (!t) return () => {};
    t.answering++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--t.answering === 0) t.onAnswered();
    };
  }

  async #serve(client: Deno.Conn, target: Deno.NetAddr): Promise<void> {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: target.hostname, port: target.port });
    } catch {
      client.close();
      return;
    }
    this.#conns.add(client).add(server);
    const localPort = (server.localAddr as Deno.NetAddr).port;
    const framing = new RequestFraming();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ended = false;
    let answered = true;
    const close = () => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      this.#byPort.delete(localPort);
      for (const c of [client, server]) {
        this.#conns.delete(c);
        try {
          c.close();
        } catch { /* already closed */ }
      }
    };
    const { readMs, idleMs } = this.timeouts;
    const arm = (ms: number, onTimeout: () => void) => {
      clearTimeout(timer);
      // A request answered after the connection closed (the gateway stopping) must not arm a timer again.
      if (ended) return;
      timer = ms > 0 ? setTimeout(onTimeout, ms) : undefined;
    };
    const readTimedOut = async () => {
      // A request begun and not finished gets 408 (no answer to it has started); a connection that sent nothing is
      // only closed.
      if (framing.state !== "start") await client.write(REQUEST_TIMEOUT).catch(() => {});
      close();
    };
    // Between requests: idle once the server has answered, else waiting on it (no timer).
    const between = () => {
      if (framing.state !== "start") return;
      if (answered) arm(idleMs, close);
      else clearTimeout(timer);
    };
    this.#byPort.set(localPort, {
      answering: 0,
      onAnswered: () => {
        answered = true;
        between();
      },
    });
    // A new connection's first request has the read timeout from the opening.
    arm(readMs, readTimedOut);
    let first = true;

    const upstream = (async () => {
      const buf = new Uint8Array(64 * 1024);
      for (;;) {
        const n = await client.read(buf);
        if (n === null) break;
        const chunk = buf.subarray(0, n);
        for (const event of framing.feed(chunk)) {
          if (event === "begin") {
            if (!first) arm(readMs, readTimedOut);
            answered = false;
          } else {
            first = false;
            clearTimeout(timer);
            between();
          }
        }
        await writeAll(server, chunk);
      }
      await server.closeWrite().catch(() => {});
    })();
    const downstream = (async () => {
      const buf = new Uint8Array(64 * 1024);
      for (;;) {
        const n = await server.read(buf);
        if (n === null) break;
        await writeAll(client, buf.subarray(0, n));
      }
    })();
    // The answer's end (or a reset either way) ends the connection; a client's half-close only ends its side.
    upstream.catch(close);
    await downstream.catch(() => {});
    close();
    await upstream.catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    try {
      this.#listener.close();
    } catch { /* closed */ }
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    this.#conns.clear();
    await this.#accepting;
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/**
 * Follows HTTP/1.1 request framing over the bytes a client sends: `feed`
 * returns `"begin"` when a request's first byte arrives and `"end"` when its
 * last one has (after the header with no body, the `Content-Length` bytes,
 * or the chunked body's last chunk and trailers).
 */
export class RequestFraming {
  state: "start" | "header" | "length" | "chunk-size" | "chunk-data" | "chunk-crlf" | "trailer" = "start";
  #header: number[] = [];
  #left = 0;
  #line: number[] = [];

  *feed(bytes: Uint8Array): Generator<"begin" | "end"> {
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i]!;
      switch (this.state) {
        case "start":
          // Stray CRLFs between requests are allowed (RFC 9112, 2.2).
          if (b === 0x0d || b === 0x0a) {
            i++;
            break;
          }
          this.state = "header";
          this.#header = [];
          yield "begin";
          break;
        case "header": {
          this.#header.push(b);
          i++;
          const h = this.#header;
          const n = h.length;
          if (n >= 4 && h[n - 1] === 0x0a && h[n - 2] === 0x0d && h[n - 3] === 0x0a && h[n - 4] === 0x0d) {
            yield* this.#headerDone();
          } else if (n > MAX_HEADER) {
            // The server refuses it and closes; framing is lost, so stop following.
            this.state = "trailer";
          }
          break;
        }
        case "length": {
          const take = Math.min(this.#left, bytes.length - i);
          this.#left -= take;
          i += take;
          if (this.#left === 0) {
            this.state = "start";
            yield "end";
          }
          break;
        }
        case "chunk-size":
        case "trailer":
          i++;
          if (b !== 0x0a) {
            if (this.#line.length < 4096) this.#line.push(b);
            break;
          }
          {
            const line = latin1.decode(Uint8Array.from(this.#line)).replace(/\r$/, "");
            this.#line = [];
            if (this.state === "trailer") {
              if (line === "") {
                this.state = "start";
                yield "end";
              }
              break;
            }
            const size = parseInt(line.split(";")[0]!.trim(), 16);
            if (!Number.isFinite(size) || size < 0) {
              // Malformed: the server answers 400 and closes; stop following.
              this.state = "trailer";
              break;
            }
            this.#left = size;
            this.state = size === 0 ? "trailer" : "chunk-data";
          }
          break;
        case "chunk-data": {
          const take = Math.min(this.#left, bytes.length - i);
          this.#left -= take;
          i += take;
          if (this.#left === 0) this.state = "chunk-crlf";
          break;
        }
        case "chunk-crlf":
          i++;
          if (b === 0x0a) this.state = "chunk-size";
          break;
      }
    }
  }

  *#headerDone(): Generator<"begin" | "end"> {
    const text = latin1.decode(Uint8Array.from(this.#header)).toLowerCase();
    this.#header = [];
    const chunked = /\r\ntransfer-encoding:[^\r]*chunked/.test(text);
    const length = /\r\ncontent-length:\s*(\d+)/.exec(text);
    if (chunked) {
      this.state = "chunk-size";
    } else if (length && Number(length[1]) > 0) {
      this.#left = Number(length[1]);
      this.state = "length";
    } else {
      this.state = "start";
      yield "end";
    }
  }
}
