/** Gzip through the web streams every Deno has. Private to lib/oci. */
import { RegistryError } from "../errors.ts";
import { readStreamCapped } from "../internal/fs.ts";

/** Gzips `data`. The header carries no time or name, so output is reproducible. */
export async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const body = new Blob([data as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** Compressed bytes inflated at a time: at most ~4 MiB of output each. */
const GUNZIP_SLICE = 4096;

/**
 * Gunzips `data`, stopping as soon as the output passes `limit` bytes (a
 * small layer can inflate to gigabytes); throws a {@link RegistryError}
 * naming `what` when it does or the data is not gzip.
 */
export async function gunzip(data: Uint8Array, what: string, limit: number): Promise<Uint8Array> {
  // Fed in small slices: the stream inflates each input chunk whole, and deflate reaches ~1000:1.
  let at = 0;
  const input = new ReadableStream<BufferSource>({
    pull(controller) {
      if (at >= data.length) return controller.close();
      controller.enqueue(data.subarray(at, at += GUNZIP_SLICE) as BufferSource);
    },
  }, { highWaterMark: 0 });
  const tooLarge = () => new RegistryError(`Cannot decompress ${what}: it inflates to more than ${limit} bytes`);
  try {
    return await readStreamCapped(input.pipeThrough<Uint8Array>(new DecompressionStream("gzip")), limit, tooLarge);
  } catch (e) {
    if (e instanceof RegistryError) throw e;
    throw new RegistryError(`Cannot decompress ${what}: ${(e as Error).message}`);
  }
}
