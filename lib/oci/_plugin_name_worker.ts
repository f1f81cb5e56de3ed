/**
 * Reads a plugin's name in a process of its own: the module's bytes on
 * stdin, `{"name": [bytes]}` or `{"error": "..."}` on stdout. The parent
 * kills it past its deadline. Private to lib/oci.
 *
 * @module
 */
import { callGetName } from "./_plugin_name.ts";

if (import.meta.main) {
  const wasm = new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
  const result = callGetName(wasm);
  console.log(JSON.stringify("name" in result ? { name: [...result.name] } : result));
}
