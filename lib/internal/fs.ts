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
