/**
 * A client for the OCI distribution API: blobs (skipped when present,
 * mounted across repositories, uploaded whole or in chunks), manifests
 * (pushed last, so a tag only ever points at a complete image), retries with
 * backoff on 5xx answers and dropped connections, and every blob and
 * manifest checked against its digest and size.
 *
 * @module
 */
import { RegistryError } from "../errors.ts";
import { readStreamCapped } from "../internal/fs.ts";
import { type CredentialProvider, RegistryAuth } from "./auth.ts";
import { sha256Digest, verifyContent } from "./digest.ts";
import {
  type Descriptor,
  type Image,
  type ImageBlob,
  imageBlobs,
  imageFromManifest,
  parseManifest,
  type Platform,
} from "./image.ts";
import { MANIFEST_MEDIA_TYPES } from "./media_types.ts";
import { apiHost, formatReference, type ImageReference, isLoopback, manifestReference } from "./reference.ts";

/** How failed requests are repeated. */
export interface RetryOptions {
  /** Tries per request or blob upload, first included (default 4). */
  attempts?: number;
  /** Delay before the first retry, doubled each time (default 250 ms); a `Retry-After` answer overrides it. */
  baseDelayMs?: number;
  /** Longest delay between tries (default 5000 ms). */
  maxDelayMs?: number;
}

/** What the client reports while it works, for progress output. */
export type RegistryEvent =
  | { type: "blob"; digest: string; size: number; status: "exists" | "mounted" | "uploading" | "uploaded" }
  | { type: "chunk"; digest: string; sent: number; size: number }
  | { type: "download"; digest: string; size: number }
  | { type: "manifest"; digest: string; reference: string }
  | { type: "retry"; what: string; attempt: number; attempts: number; error: string; delayMs: number };

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** Speak plain HTTP. Loopback registries (127.0.0.0/8, localhost, ::1) always do. */
  plainHttp?: boolean;
  /** Where credentials come from (default: Docker's config.json). */
  credentials?: CredentialProvider;
  retry?: RetryOptions;
  /** Blobs larger than this are uploaded in chunks of this size (default 8 MiB). */
  chunkSize?: number;
  /** Time limit per HTTP request (default 120 s). */
  timeoutMs?: number;
  /** Cancels every request. */
  signal?: AbortSignal;
  onEvent?: (event: RegistryEvent) => void;
  /** Replaces `fetch`, e.g. to observe requests in tests. */
  fetch?: typeof fetch;
}

/** What {@link RegistryClient.pushImage} did. */
export interface PushResult {
  /** The manifest digest: pull `registry/repository@digest` to get exactly this image. */
  digest: string;
  /** Manifest size in bytes. */
  size: number;
  /** How many blobs were uploaded, found already present, or mounted from another repository. */
  blobs: { uploaded: number; exists: number; mounted: number };
}

/** A manifest as the registry served it, digest checked. */
export interface FetchedManifest {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

/** A failure worth trying again: a 5xx or 429 answer, a dropped connection, a timeout. */
class TransientError extends Error {
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** Longest `Retry-After` worth waiting for; a registry asking for more (a rate limit's reset) fails the command. */
const MAX_RETRY_AFTER_MS = 60_000;

/** `Retry-After` in milliseconds (seconds or an HTTP date), when present and readable. */
function retryAfter(res: Response): number | undefined {
  const value = res.headers.get("Retry-After");
  if (value === null) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const USER_AGENT = "bifrost-as/0.1";

interface SendOptions {
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Token scope the request needs, e.g. `repository:a/b:pull,push`. */
  scope: string;
}

/**
 * Talks to one registry. Construct it with the registry host of a parsed
 * reference; every method takes the repository.
 *
 * @example
 * ```ts
 * import { RegistryClient } from "./registry.ts";
 * import assert from "node:assert/strict";
 * const client = new RegistryClient("127.0.0.1:5000");
 * assert.equal(client.baseUrl, "http://127.0.0.1:5000");
 * assert.equal(new RegistryClient("ghcr.io").baseUrl, "https://ghcr.io");
 * ```
 */
export class RegistryClient {
  /** The registry host as references name it. */
  readonly registry: string;
  /** `http(s)://host[:port]` of the API. */
  readonly baseUrl: string;
  readonly #auth: RegistryAuth;
  readonly #options: RegistryClientOptions;
  readonly #fetch: typeof fetch;

  constructor(registry: string, options: RegistryClientOptions = {}) {
    this.registry = registry;
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
    const scheme = options.plainHttp || isLoopback(registry) ? "http" : "https";
    this.baseUrl = `${scheme}://${apiHost(registry)}`;
    this.#auth = new RegistryAuth(registry, {
      ...(options.credentials ? { credentials: options.credentials } : {}),
      fetch: this.#fetch,
    });
  }

  #emit(event: RegistryEvent): void {
    this.#options.onEvent?.(event);
  }

  #where(repository: string): string {
    return `"${this.registry}/${repository}"`;
  }

  /** Sends one request, answering one auth challenge and following redirects; throws {@link TransientError} on what a retry may fix. */
  async #send(method: string, url: string | URL, options: SendOptions): Promise<Response> {
    const signals = [AbortSignal.timeout(this.#options.timeoutMs ?? 120_000)];
    if (this.#options.signal) signals.push(this.#options.signal);
    const signal = AbortSignal.any(signals);
    let target = new URL(url, this.baseUrl);
    let challenged = false;
    for (let redirects = 0; redirects <= 5;) {
      const sameOrigin = target.origin === new URL(this.baseUrl).origin;
      const authorization = sameOrigin ? this.#auth.header(options.scope) : undefined;
      const headers: Record<string, string> = {
        "User-Agent": USER_AGENT,
        ...options.headers,
        ...(authorization ? { Authorization: authorization } : {}),
      };
      let res: Response;
      try {
        res = await this.#fetch(target, {
          method,
          headers,
          redirect: "manual",
          signal,
          ...(options.body ? { body: options.body as BodyInit } : {}),
        });
      } catch (e) {
        if (this.#options.signal?.aborted) throw new RegistryError(`Cancelled: ${method} ${target.pathname}`);
        const reason = networkReason(e);
        // A TLS failure will not heal with a retry; the usual cause is a registry that speaks plain HTTP.
        if (target.protocol === "https:" && /certificate|InvalidContentType|handshake|\btls\b/i.test(reason)) {
          throw new RegistryError(
            `Cannot reach "${target.host}" over HTTPS: ${reason}; a registry that speaks plain HTTP needs plainHttp`,
            { reference: this.registry, field: "plainHttp" },
          );
        }
        throw new TransientError(`cannot reach "${target.host}": ${reason}`);
      }
      if (res.status === 401) {
        await res.body?.cancel();
        // One challenge per request: a second 401 means the credentials or token were refused.
        if (sameOrigin && !challenged) {
          challenged = true;
          if (await this.#auth.challenge(res.headers.get("WWW-Authenticate"), options.scope, signal)) continue;
        }
        const who = await this.#auth.identity();
        throw new RegistryError(`Authentication failed for "${this.registry}": the registry refused ${who}`, {
          status: res.status,
          reference: this.registry,
        });
      }
      if ([301, 302, 303, 307, 308].includes(res.status) && (method === "GET" || method === "HEAD")) {
        await res.body?.cancel();
        const location = res.headers.get("Location");
        if (!location) throw new RegistryError(`Redirect without a location from "${target.host}"`);
        // Blob storage (S3, CDNs) gets no registry credentials: only same-origin requests carry them.
        target = new URL(location, target);
        redirects++;
        continue;
      }
      if (res.status >= 500 || res.status === 429) {
        const wait = retryAfter(res);
        const detail = await errorDetail(res);
        throw new TransientError(
          `"${target.host}" answered ${res.status}${detail} to ${method} ${target.pathname}`,
          wait,
        );
      }
      return res;
    }
    throw new RegistryError(
      `Too many redirects from "${this.registry}" for ${method} ${new URL(url, this.baseUrl).pathname}`,
    );
  }

  /** Runs `fn`, repeating it with backoff when it fails in a way a retry may fix. */
  async #retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const { attempts = 4, baseDelayMs = 250, maxDelayMs = 5000 } = this.#options.retry ?? {};
    for (let attempt = 1;; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof TransientError)) throw e;
        if (e.retryAfterMs !== undefined && e.retryAfterMs > MAX_RETRY_AFTER_MS) {
          throw new RegistryError(
            `${what}: ${e.message}: it asks to retry after ${Math.ceil(e.retryAfterMs / 1000)} s; try again later`,
          );
        }
        if (attempt >= attempts) {
          throw new RegistryError(`${what}: ${e.message} (gave up after ${attempts} attempts)`);
        }
        // The registry's Retry-After when it sent one, else exponential backoff with jitter.
        const delayMs = e.retryAfterMs ??
          Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);
        this.#emit({ type: "retry", what, attempt, attempts, error: e.message, delayMs: Math.round(delayMs) });
        await abortableDelay(delayMs, this.#options.signal);
      }
    }
  }

  /** Throws a {@link RegistryError} for an unexpected answer, with its status and the registry. */
  async #fail(res: Response, what: string): Promise<never> {
    const detail = await errorDetail(res);
    const fields = { status: res.status, reference: this.registry };
    if (res.status === 403) {
      throw new RegistryError(`${what}: access denied to ${await this.#auth.identity()}${detail}`, fields);
    }
    throw new RegistryError(`${what}: the registry answered ${res.status}${detail}`, fields);
  }

  /**
   * Whether the repository has the blob; a present blob of the wrong size is
   * an error. `scope` lets a push reuse its token.
   */
  async hasBlob(repository: string, descriptor: Descriptor, scope = `repository:${repository}:pull`): Promise<boolean> {
    const what = `Cannot check blob "${descriptor.digest}" in ${this.#where(repository)}`;
    return await this.#retrying(what, async () => {
      const res = await this.#send("HEAD", `/v2/${repository}/blobs/${descriptor.digest}`, { scope });
      await res.body?.cancel();
      if (res.status === 404) return false;
      if (!res.ok) return this.#fail(res, what);
      const length = res.headers.get("Content-Length");
      if (length !== null && Number(length) !== descriptor.size) {
        throw new RegistryError(
          `Size mismatch for blob "${descriptor.digest}" in ${
            this.#where(repository)
          }: expected ${descriptor.size} bytes, the registry has ${length}`,
        );
      }
      return true;
    });
  }

  /**
   * Uploads one blob unless the repository has it, mounting it from its
   * source repository when that is on this registry.
   */
  async pushBlob(repository: string, blob: ImageBlob): Promise<"exists" | "mounted" | "uploaded"> {
    const d = blob.descriptor;
    const mountFrom = blob.source?.registry === this.registry && blob.source.repository !== repository
      ? blob.source.repository
      : undefined;
    const scope = `${pushScope(repository)}${mountFrom ? ` repository:${mountFrom}:pull` : ""}`;
    if (!mountFrom && await this.hasBlob(repository, d, scope)) {
      this.#emit({ type: "blob", digest: d.digest, size: d.size, status: "exists" });
      return "exists";
    }
    const what = `Cannot upload blob "${d.digest}" to ${this.#where(repository)}`;
    let data: Uint8Array | undefined;
    return await this.#retrying(what, async () => {
      const query = mountFrom ? `?mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(mountFrom)}` : "";
      const start = await this.#send("POST", `/v2/${repository}/blobs/uploads/${query}`, { scope });
      await start.body?.cancel();
      if (start.status === 201) {
        this.#checkDigestHeader(start, d.digest, what);
        this.#emit({ type: "blob", digest: d.digest, size: d.size, status: "mounted" });
        return "mounted";
      }
      if (start.status !== 202) return this.#fail(start, what);
      if (!data) {
        data = await blob.read();
        await verifyContent(data, d, `blob "${d.digest}"`);
      }
      this.#emit({ type: "blob", digest: d.digest, size: d.size, status: "uploading" });
      let location = this.#location(start, what);
      const chunkSize = this.#options.chunkSize ?? 8 * 1024 * 1024;
      let body: Uint8Array | undefined = data;
      if (data.length > chunkSize) {
        for (let offset = 0; offset < data.length; offset += chunkSize) {
          const chunk = data.subarray(offset, Math.min(data.length, offset + chunkSize));
          const res = await this.#send("PATCH", location, {
            scope,
            body: chunk,
            headers: {
              "Content-Type": "application/octet-stream",
              "Content-Range": `${offset}-${offset + chunk.length - 1}`,
            },
          });
          await res.body?.cancel();
          if (res.status !== 202) return this.#fail(res, what);
          location = this.#location(res, what);
          this.#emit({ type: "chunk", digest: d.digest, sent: offset + chunk.length, size: d.size });
        }
        body = undefined;
      }
      location.searchParams.set("digest", d.digest);
      const done = await this.#send("PUT", location, {
        scope,
        ...(body ? { body } : {}),
        headers: { "Content-Type": "application/octet-stream" },
      });
      await done.body?.cancel();
      if (done.status !== 201) return this.#fail(done, what);
      this.#checkDigestHeader(done, d.digest, what);
      this.#emit({ type: "blob", digest: d.digest, size: d.size, status: "uploaded" });
      return "uploaded";
    });
  }

  #location(res: Response, what: string): URL {
    const location = res.headers.get("Location");
    if (!location) throw new RegistryError(`${what}: the registry sent no upload location`);
    return new URL(location, this.baseUrl);
  }

  #checkDigestHeader(res: Response, expected: string, what: string): void {
    const got = res.headers.get("Docker-Content-Digest");
    if (got && got !== expected) {
      throw new RegistryError(`${what}: the registry stored "${got}" instead of "${expected}"`);
    }
  }

  /** Downloads a blob and checks its digest and size. */
  async fetchBlob(repository: string, descriptor: Descriptor): Promise<Uint8Array> {
    const what = `Cannot download blob "${descriptor.digest}" from ${this.#where(repository)}`;
    const data = await this.#retrying(what, async () => {
      const res = await this.#send("GET", `/v2/${repository}/blobs/${descriptor.digest}`, {
        scope: `repository:${repository}:pull`,
      });
      if (res.status === 404) {
        await res.body?.cancel();
        throw new RegistryError(`Blob "${descriptor.digest}" not found in ${this.#where(repository)}`, {
          status: 404,
          reference: `${this.registry}/${repository}@${descriptor.digest}`,
        });
      }
      if (!res.ok) return this.#fail(res, what);
      const length = res.headers.get("Content-Length");
      if (length !== null && Number(length) !== descriptor.size) {
        await res.body?.cancel();
        throw new RegistryError(
          `Size mismatch for blob "${descriptor.digest}" from ${
            this.#where(repository)
          }: expected ${descriptor.size} bytes, the registry sends ${length}`,
        );
      }
      // Read no further than the descriptor says: a registry may stream more, with or without Content-Length.
      return await readBody(res, res.url || this.registry, descriptor.size, () =>
        new RegistryError(
          `Size mismatch for blob "${descriptor.digest}" from ${
            this.#where(repository)
          }: expected ${descriptor.size} bytes, the registry sends more`,
        ));
    });
    await verifyContent(data, descriptor, `blob "${descriptor.digest}" from ${this.#where(repository)}`);
    this.#emit({ type: "download", digest: descriptor.digest, size: descriptor.size });
    return data;
  }

  /** Uploads a manifest under a tag or its digest and returns its digest. */
  async pushManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
    const digest = await sha256Digest(bytes);
    const what = `Cannot push manifest to ${this.#where(repository)}`;
    await this.#retrying(what, async () => {
      const res = await this.#send("PUT", `/v2/${repository}/manifests/${reference}`, {
        scope: pushScope(repository),
        body: bytes,
        headers: { "Content-Type": mediaType },
      });
      if (res.status !== 201) return this.#fail(res, what);
      await res.body?.cancel();
      this.#checkDigestHeader(res, digest, what);
    });
    this.#emit({ type: "manifest", digest, reference });
    return digest;
  }

  /** Downloads a manifest by tag or digest; its digest is checked against the reference or the registry's header. */
  async fetchManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const what = `Cannot fetch manifest "${reference}" from ${this.#where(repository)}`;
    const { bytes, mediaType, header } = await this.#retrying(what, async () => {
      const res = await this.#send("GET", `/v2/${repository}/manifests/${reference}`, {
        scope: `repository:${repository}:pull`,
        headers: { Accept: MANIFEST_MEDIA_TYPES.join(", ") },
      });
      if (res.status === 404) {
        await res.body?.cancel();
        throw new RegistryError(`Manifest "${reference}" not found in ${this.#where(repository)}`, {
          status: 404,
          reference: `${this.registry}/${repository}${reference.startsWith("sha256:") ? "@" : ":"}${reference}`,
        });
      }
      if (!res.ok) return this.#fail(res, what);
      if (Number(res.headers.get("Content-Length") ?? 0) > MAX_MANIFEST_BYTES) {
        await res.body?.cancel();
        throw new RegistryError(`${what}: larger than ${MAX_MANIFEST_BYTES} bytes`);
      }
      const bytes = await readBody(
        res,
        this.registry,
        MAX_MANIFEST_BYTES,
        () => new RegistryError(`${what}: larger than ${MAX_MANIFEST_BYTES} bytes`),
      );
      return {
        bytes,
        mediaType: (res.headers.get("Content-Type") ?? "").split(";")[0]!.trim(),
        header: res.headers.get("Docker-Content-Digest"),
      };
    });
    const digest = await sha256Digest(bytes);
    const expected = reference.startsWith("sha256:") ? reference : header;
    if (expected && expected !== digest) {
      throw new RegistryError(
        `Digest mismatch for manifest "${reference}" from ${
          this.#where(repository)
        }: expected "${expected}", the content is "${digest}"`,
      );
    }
    return { bytes, mediaType, digest };
  }

  /**
   * Reads an image: its manifest (choosing `platform` from an index) and
   * blobs that download, verified, when read.
   */
  async readImage(repository: string, reference: string, options: { platform?: Platform } = {}): Promise<Image> {
    const where = `${this.registry}/${repository}:${reference}`;
    let fetched = await this.fetchManifest(repository, reference);
    let parsed = parseManifest(fetched.bytes, fetched.mediaType, `manifest of "${where}"`);
    if (parsed.kind === "index") {
      const want = options.platform ?? { os: "linux", architecture: "amd64" };
      const entries = parsed.index.manifests;
      const match = entries.find((m) =>
        m.platform?.os === want.os && m.platform.architecture === want.architecture &&
        (!want.variant || m.platform.variant === want.variant)
      );
      if (!match) {
        const have = entries.map((m) => m.platform ? `${m.platform.os}/${m.platform.architecture}` : "unknown");
        throw new RegistryError(
          `No "${want.os}/${want.architecture}" image in "${where}": it has ${have.join(", ") || "none"}`,
        );
      }
      fetched = await this.fetchManifest(repository, match.digest);
      parsed = parseManifest(fetched.bytes, fetched.mediaType, `manifest "${match.digest}" of "${where}"`);
      if (parsed.kind !== "manifest") throw new RegistryError(`Nested image index in "${where}" is not supported`);
    }
    const mediaType = fetched.mediaType && fetched.mediaType !== "application/json"
      ? fetched.mediaType
      : parsed.manifest.mediaType ?? "application/vnd.oci.image.manifest.v1+json";
    return await imageFromManifest(
      fetched.bytes,
      parsed.manifest,
      mediaType,
      (d) => this.fetchBlob(repository, d),
      { registry: this.registry, repository },
    );
  }

  /**
   * Pushes every blob of `image`, then its manifest under `tag` (or only by
   * digest when `tag` is undefined). The tag moves only once everything it
   * points at is stored.
   */
  async pushImage(repository: string, tag: string | undefined, image: Image): Promise<PushResult> {
    const blobs = { uploaded: 0, exists: 0, mounted: 0 };
    for (const blob of imageBlobs(image)) blobs[await this.pushBlob(repository, blob)]++;
    const digest = await this.pushManifest(repository, tag ?? image.digest, image.manifestBytes, image.mediaType);
    if (digest !== image.digest) {
      throw new RegistryError(`Pushed manifest digest "${digest}" differs from the image's "${image.digest}"`);
    }
    return { digest, size: image.manifestBytes.length, blobs };
  }
}

/** A client for the registry of `ref`, and the repository and tag or digest to use there. */
export function clientFor(
  ref: ImageReference,
  options: RegistryClientOptions = {},
): { client: RegistryClient; repository: string; reference: string; name: string } {
  return {
    client: new RegistryClient(ref.registry, options),
    repository: ref.repository,
    reference: manifestReference(ref),
    name: formatReference(ref),
  };
}

const pushScope = (repository: string) => `repository:${repository}:pull,push`;

/** The last, most specific clause of a fetch failure, e.g. `Connection refused (os error 111)`. */
function networkReason(e: unknown): string {
  if (e instanceof DOMException && e.name === "TimeoutError") return "timed out";
  const error = e as Error;
  const text = error.cause instanceof Error ? error.cause.message : error.message;
  return text.split(": ").pop() || text;
}

/**
 * Reads a response body of at most `limit` bytes: past it, stops reading
 * (the connection is dropped) and throws `tooLarge()`. A dropped connection
 * is a {@link TransientError}.
 */
async function readBody(res: Response, where: string, limit: number, tooLarge: () => Error): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  try {
    return await readStreamCapped(res.body, limit, tooLarge);
  } catch (e) {
    if (e instanceof RegistryError) throw e;
    throw new TransientError(`connection to "${where}" dropped while reading: ${networkReason(e)}`);
  }
}

/** The `errors` a registry puts in a failure body, as `: CODE message` (or nothing). */
async function errorDetail(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const { errors } = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = errors?.[0];
    if (first) return `: ${[first.code, first.message].filter(Boolean).join(" ")}`;
  } catch { /* not a registry error body */ }
  return "";
}

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RegistryError("Cancelled"));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RegistryError("Cancelled"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
