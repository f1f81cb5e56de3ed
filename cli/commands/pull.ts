import { join, resolve } from "node:path";
import { isFsError, writeFileAtomic } from "../../lib/internal/fs.ts";
import { UsageError } from "../../lib/errors.ts";
import { pluginEntry } from "../../lib/oci/package.ts";
import { pullPlugin } from "../../lib/oci/pull.ts";
import { parseReference } from "../../lib/oci/reference.ts";
import { type Command, flag, printJson, str } from "../command.ts";
import { clientOptions, CREDENTIALS_HELP, REGISTRY_FIELDS, REGISTRY_OPTIONS } from "./_oci.ts";

export const pull: Command = {
  name: "pull",
  summary: "Fetch a plugin from an OCI registry (any package format) and write the .wasm, every digest verified",
  description: `
Reads the manifest at <ref> and takes the plugin out of it, whichever format
it was pushed in: a wasm artifact's application/wasm layer, a compat image's
/plugin.wasm, or a bifrost image's plugin path (from its
dev.bifrost-as.plugin.path label). The manifest and every blob read are
checked against their digests (layers also against the config's diff_ids);
any mismatch stops the pull and nothing is written. The .wasm is written
atomically: to --out (into it as <plugin name>.wasm when it is a folder), or
to ./<plugin name>.wasm.
${CREDENTIALS_HELP}`,
  positionals: [{ name: "ref", description: "e.g. ghcr.io/acme/hello-world:1.0.0 or ...@sha256:<digest>" }],
  options: {
    out: {
      type: "string",
      arg: "FILE",
      description: "Where to write the .wasm, or a folder for <plugin name>.wasm (default: ./<plugin name>.wasm)",
    },
    ...REGISTRY_OPTIONS,
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  examples: [
    "bifrost-as pull ghcr.io/acme/hello-world:1.0.0",
    "bifrost-as pull ghcr.io/acme/hello-world@sha256:<digest> --out /app/plugins/hello-world.wasm",
    "bifrost-as pull 127.0.0.1:5000/plugins/hello-world:dev --json",
  ],
  fields: REGISTRY_FIELDS,
  async run(input) {
    const { io } = input;
    const target = parseReference(input.positionals[0]!);
    const options = await clientOptions(input, target.registry);
    const started = performance.now();
    const plugin = await pullPlugin(target, options);
    const fallbackName = target.repository.split("/").pop()!;
    const out = await outPath(str(input, "out"), `${plugin.name ?? fallbackName}.wasm`);
    try {
      await writeFileAtomic(out, plugin.wasm);
    } catch (e) {
      if (!isFsError(e)) throw e;
      throw new UsageError(`Cannot write "${out}": ${e.message.split(":")[0]}`);
    }
    const result = {
      reference: plugin.reference,
      digest: plugin.manifestDigest,
      format: plugin.format,
      name: plugin.name ?? null,
      out,
      wasmDigest: plugin.wasmDigest,
      wasmSize: plugin.wasm.length,
      durationMs: Math.round(performance.now() - started),
      entry: pluginEntry(plugin.name ?? fallbackName, resolve(out)),
    };
    if (flag(input, "json")) return printJson(io, result);
    io.out(`Pulled ${result.reference} (${plugin.format}) to ${out}: ${result.wasmSize} bytes, ${result.wasmDigest}`);
    io.out("Bifrost config.json plugin entry:");
    io.out(JSON.stringify(result.entry, null, 2));
  },
};

/** `--out` as a file: a folder (`.`, `..`, `/`, `dir/` or an existing one) gets `name` in it. */
async function outPath(out: string | undefined, name: string): Promise<string> {
  if (out === undefined) return name;
  const folder = /(^|\/)\.{0,2}$/.test(out) || await Deno.stat(out).then((s) => s.isDirectory, () => false);
  return folder ? join(out, name) : out;
}
