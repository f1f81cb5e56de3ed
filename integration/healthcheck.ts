// Container healthcheck for images with Deno but no shell or wget:
// `deno run --allow-net healthcheck.ts URL` exits 0 when URL answers 2xx.
// (A script file, because podman 4.3 splits healthcheck arguments on spaces.)
const url = Deno.args[0] ?? "http://127.0.0.1:8081/health";
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.body?.cancel();
  Deno.exit(res.ok ? 0 : 1);
} catch {
  Deno.exit(1);
}
