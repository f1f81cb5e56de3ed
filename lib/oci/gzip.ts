/** Gzip through the web streams every Deno has. Private to lib/oci. */
import { RegistryError } from "../errors.ts";

async function transform(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const body = new Blob([data as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** Gzips `data`. The header carries no time or name, so output is reproducible. */
export function gzip(data: Uint8Array): Promise<Uint8Array> {
  return transform(data, new CompressionStream("gzip"));
}

/** Gunzips `data`, or throws a {@link RegistryError} naming `what`. */
export async function gunzip(data: Uint8Array, what: string): Promise<Uint8Array> {
  try {
    return await transform(data, new DecompressionStream("gzip"));
  } catch (e) {
    throw new RegistryError(`Cannot decompress ${what}: ${(e as Error).message}`);
  }
}
