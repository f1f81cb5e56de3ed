import { parseReference } from "../../lib/oci/reference.ts";
import { type Command, flag, printJson } from "../command.ts";
import {
  clientOptions,
  CREDENTIALS_HELP,
  PACKAGE_OPTIONS,
  packageFromInput,
  printPush,
  pushPackage,
  REGISTRY_FIELDS,
  REGISTRY_OPTIONS,
} from "./_oci.ts";

export const push: Command = {
  name: "push",
  summary: "Package a plugin and push it to an OCI registry; print its digest and config.json entry",
  description: `
Packages the plugin like 'bifrost-as package' (see its --help for the
formats) and pushes it: blobs the registry already has are skipped, base
image layers on the same registry are mounted, large blobs go up in chunks,
5xx answers and dropped connections are retried with backoff, and the
manifest goes last, so the tag never points at a half-pushed image. Prints
the manifest digest, the digest-pinned reference, and a Bifrost config.json
plugin entry for the plugin.
${CREDENTIALS_HELP}`,
  positionals: [
    { name: "plugin.wasm", description: "The built plugin" },
    { name: "ref", description: "Where to push, e.g. ghcr.io/acme/hello-world:1.0.0 (tag defaults to latest)" },
  ],
  options: {
    ...PACKAGE_OPTIONS,
    ...REGISTRY_OPTIONS,
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  examples: [
    "bifrost-as push build/hello-world.wasm ghcr.io/acme/hello-world:1.0.0 --version 1.0.0",
    "bifrost-as push build/hello-world.wasm 127.0.0.1:5000/plugins/hello-world:dev",
    'echo "$TOKEN" | bifrost-as push build/hello-world.wasm registry.example.com/p/hello:1 --username ci --password-stdin',
    "bifrost-as push build/hello-world.wasm ghcr.io/acme/bifrost-hello:1 --format bifrost --base ghcr.io/acme/bifrost-enterprise:1.4 --with-config",
  ],
  fields: REGISTRY_FIELDS,
  async run(input) {
    const [wasmPath, ref] = input.positionals as [string, string];
    const target = parseReference(ref);
    const options = await clientOptions(input, target.registry);
    const pkg = await packageFromInput(input, wasmPath, options);
    const summary = await pushPackage(pkg, target, options, input.io);
    if (flag(input, "json")) printJson(input.io, summary);
    else printPush(input.io, summary, target, pkg.imagePath);
  },
};
