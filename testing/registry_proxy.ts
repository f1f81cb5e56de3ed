/**
 * Test-only: an HTTP proxy in front of a registry that injects faults:
 * 5xx answers, dropped connections, corrupted bodies. Built on node:http
 * because it can close a connection without answering.
 */
import http from "node:http";

/** What the proxy does with one request. */
export type ProxyAction =
  | "forward"
  /** Close the connection without an answer. */
  | "drop"
  /** Forward, then flip one byte in the middle of the answer's body. */
  | "corrupt"
  /** Answer with this status and a registry-style error body. */
  | number;

/** One request the proxy saw. */
export interface ProxiedRequest {
  method: string;
  path: string;
  action: ProxyAction;
}

/** Decides what to do with a request. */
export type FaultPlan = (req: { method: string; path: string }) => ProxyAction;

/** A running proxy: `host` is what references use instead of the registry's. */
export interface FaultProxy extends AsyncDisposable {
  host: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "host", "content-length", "upgrade"];

/** Starts a proxy on a free 127.0.0.1 port forwarding to `target` (`host:port`), applying `plan`. */
export async function startProxy(target: string, plan: FaultPlan): Promise<FaultProxy> {
  const requests: ProxiedRequest[] = [];
  let host = "";
  const server = http.createServer((req, res) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (c: Uint8Array) => chunks.push(c));
    req.on("end", async () => {
      const method = req.method ?? "GET";
      const path = req.url ?? "/";
      const action = plan({ method, path: new URL(path, "http://x").pathname });
      requests.push({ method, path, action });
      if (action === "drop") {
        req.socket.destroy();
        return;
      }
      if (typeof action === "number") {
        res.writeHead(action, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "UNKNOWN", message: "injected fault" }] }));
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined && !HOP_BY_HOP.includes(k)) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
      }
      // The registry builds upload locations from these, so they point back at the proxy.
      headers.set("X-Forwarded-Host", host);
      headers.set("X-Forwarded-Proto", "http");
      const body = chunks.length ? new Blob(chunks as BlobPart[]) : undefined;
      let upstream: Response;
      try {
        upstream = await fetch(`http://${target}${path}`, {
          method,
          headers,
          redirect: "manual",
          ...(body && method !== "GET" && method !== "HEAD" ? { body } : {}),
        });
      } catch {
        req.socket.destroy();
        return;
      }
      const data = new Uint8Array(await upstream.arrayBuffer());
      if (action === "corrupt" && data.length) data[data.length >> 1] = data[data.length >> 1]! ^ 0xff;
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!HOP_BY_HOP.includes(k)) out[k] = v;
      });
      if (method !== "HEAD") out["content-length"] = String(data.length);
      else if (upstream.headers.get("content-length")) out["content-length"] = upstream.headers.get("content-length")!;
      res.writeHead(upstream.status, out);
      res.end(method === "HEAD" ? undefined : data);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  return { host, requests, close, [Symbol.asyncDispose]: close };
}

/** A plan that applies `action` to the first `times` requests matching `match`, and forwards the rest. */
export function firstN(
  times: number,
  match: (req: { method: string; path: string }) => boolean,
  action: ProxyAction,
): FaultPlan {
  let left = times;
  return (req) => {
    if (left > 0 && match(req)) {
      left--;
      return action;
    }
    return "forward";
  };
}

/** Combines plans: the first that does not forward decides (later ones are not asked). */
export function anyOf(...plans: FaultPlan[]): FaultPlan {
  return (req) => {
    for (const plan of plans) {
      const action = plan(req);
      if (action !== "forward") return action;
    }
    return "forward";
  };
}
