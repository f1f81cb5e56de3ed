/**
 * Test-only: a registry on 127.0.0.1 that serves images from memory, or
 * whatever a test scripts for a path (a hostile registry: endless bodies,
 * bodies longer than their descriptors, no Content-Length). Counts the
 * bytes it sent per path, so a test can tell how far a client read.
 *
 * @module
 */
import { type Image, imageBlobs } from "../lib/oci/image.ts";

/** What the fake registry answers for one path. */
export type FakeAnswer = () => Response;

/** A running fake registry. */
export interface FakeRegistry extends AsyncDisposable {
  /** `127.0.0.1:PORT`, as references name it. */
  host: string;
  /** Serves `image` as `repository:tag` (manifest by tag and digest, every blob). */
  serve(repository: string, tag: string, image: Image): void;
  /** Answers `path` (e.g. `/v2/a/blobs/sha256:...`) with `answer`. */
  script(path: string, answer: FakeAnswer): void;
  /** Bytes of the body sent so far for `path`, counted as the client pulls them. */
  sent(path: string): number;
  close(): Promise<void>;
}

/**
 * A body of `size` bytes (endless for `Infinity`) made of `chunk` repeated,
 * produced only as the client reads it, counted into `count`.
 */
export function streamedBody(
  size: number,
  count: (n: number) => void,
  chunk = new Uint8Array(1 << 16),
): ReadableStream {
  let left = size;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left <= 0) return controller.close();
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      count(part.length);
      controller.enqueue(part.slice());
    },
  }, { highWaterMark: 0 });
}

/** Starts a fake registry on a free loopback port. */
export function startFakeRegistry(): FakeRegistry {
  const answers = new Map<string, FakeAnswer>();
  const sent = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/v2/" || path === "/v2") return new Response("{}");
    const answer = answers.get(path);
    if (!answer) return Response.json({ errors: [{ code: "NOT_FOUND", message: path }] }, { status: 404 });
    const res = answer();
    if (!res.body || req.method === "HEAD") return res;
    // Counted as the client pulls: a client that stops reading stops the count.
    const reader = res.body.getReader();
    const counted = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        sent.set(path, (sent.get(path) ?? 0) + value.length);
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
    return new Response(counted, { status: res.status, headers: res.headers });
  });
  const close = () => server.shutdown();
  return {
    host: `127.0.0.1:${server.addr.port}`,
    serve(repository, tag, image) {
      const manifest = () =>
        new Response(image.manifestBytes.slice(), {
          headers: { "Content-Type": image.mediaType, "Docker-Content-Digest": image.digest },
        });
      answers.set(`/v2/${repository}/manifests/${tag}`, manifest);
      answers.set(`/v2/${repository}/manifests/${image.digest}`, manifest);
      for (const blob of imageBlobs(image)) {
        answers.set(`/v2/${repository}/blobs/${blob.descriptor.digest}`, () =>
          // An answer is built per request: read() resolves at once for in-memory blobs.
          new Response(ReadableStream.from((async function* () {
            yield await blob.read();
          })())));
      }
    },
    script(path, answer) {
      answers.set(path, answer);
    },
    sent: (path) => sent.get(path) ?? 0,
    close,
    [Symbol.asyncDispose]: close,
  };
}
