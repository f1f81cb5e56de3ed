/** File helpers shared by the library (not re-exported from mod.ts). */

/** Writes `data` to `path` through a temporary file and a rename, so readers never see half a file. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = path.replace(/[\\/][^\\/]*$/, "") || ".";
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
