/** File helpers shared by the library (not re-exported from mod.ts). */

/** Writes `data` to `path` through a temporary file and a rename, so readers never see half a file. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  // The parent directory: "." for a bare file name, "/" for a file in the root.
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const dir = slash === -1 ? "." : path.slice(0, slash) || "/";
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Whether `e` is one of Deno's filesystem/OS errors (not found, permission denied, ...), as opposed to a bug. */
export function isFsError(e: unknown): e is Error {
  return Object.values(Deno.errors).some((cls) => e instanceof cls);
}

/** A new temporary folder, removed with everything in it when disposed. */
export async function tempFolder(prefix: string): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** A file longer than the `limit` given to {@link readFileCapped}. */
export class FileTooLargeError extends Error {}

/**
 * Reads at most `limit` bytes of `path`; a longer file (or an endless one
 * such as `/dev/zero`) throws {@link FileTooLargeError} once `limit` is
 * passed, without reading it whole. Deno's own errors otherwise.
 */
export async function readFileCapped(path: string | URL, limit: number): Promise<Uint8Array> {
  using file = await Deno.open(path);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const buf = new Uint8Array(1 << 16);
  for (;;) {
    const n = await file.read(buf);
    if (n === null) break;
    size += n;
    if (size > limit) throw new FileTooLargeError(`larger than ${limit} bytes`);
    chunks.push(buf.slice(0, n));
  }
  return concat(chunks, size);
}

/**
 * Reads `stream` to its end into one array; once more than `limit` bytes have
 * arrived, cancels it (nothing more is read) and throws `tooLarge()`. The
 * stream's own errors propagate as they are.
 */
export async function readStreamCapped(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

/** `chunks` joined into one array of `size` bytes. */
export function concat(chunks: readonly Uint8Array[], size = chunks.reduce((n, c) => n + c.length, 0)): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === size) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
