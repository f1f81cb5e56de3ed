import { UsageError } from "../../lib/errors.ts";
import { isLayoutArchive, writeLayout } from "../../lib/oci/layout.ts";
import { BIFROST_IMAGE_ENV } from "../../lib/oci/package.ts";
import { parseReference } from "../../lib/oci/reference.ts";
import { type Command, flag, printJson, str } from "../command.ts";
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

export const packageCommand: Command = {
  name: "package",
  summary: "Package a plugin .wasm as an OCI artifact or image, to a registry or an OCI image layout",
  description: `
Formats:
  artifact  the CNCF TAG Runtime wasm artifact: config
            application/vnd.wasm.config.v0+json, one application/wasm layer,
            annotations for title, version, created, source, revision and
            the plugin's get_name() (dev.bifrost-as.plugin.name)
  compat    a one-layer image holding /plugin.wasm, the form Istio, Envoy
            Gateway and init containers copy from
  bifrost   a runnable Bifrost image: the base image (--base, or
            $BIFROST_IMAGE) read from its registry, plus one layer holding
            /app/plugins/<name>.wasm (and /app/data/config.json enabling it
            with --with-config); the image config gets the layer's diff_id, a
            history entry and labels

With --tag the package is pushed (like 'bifrost-as push'); with --out it is
written as an OCI image layout directory, or a layout archive when the path
ends in .tar, named "<plugin name>:<--version or latest>", for
'skopeo copy oci:DIR:NAME ...' and, for the image formats, 'podman load'.
Set SOURCE_DATE_EPOCH for reproducible digests.
${CREDENTIALS_HELP}`,
  positionals: [{ name: "plugin.wasm", description: "The built plugin" }],
  options: {
    ...PACKAGE_OPTIONS,
    tag: { type: "string", arg: "REF", description: "Push to this registry reference" },
    out: { type: "string", arg: "DIR|FILE.tar", description: "Write an OCI image layout here" },
    ...REGISTRY_OPTIONS,
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  examples: [
    "bifrost-as package build/hello-world.wasm --out build/oci --version 1.0.0",
    "bifrost-as package build/hello-world.wasm --format compat --out build/hello-world.tar",
    "bifrost-as package build/hello-world.wasm --tag ghcr.io/acme/hello-world:1.0.0",
    "bifrost-as package build/hello-world.wasm --format bifrost --base ghcr.io/acme/bifrost-enterprise:1.4 --with-config --out build/bifrost.tar",
  ],
  fields: { ...REGISTRY_FIELDS, base: "--base REF", tag: "--tag" },
  async run(input) {
    const { io } = input;
    const [wasmPath] = input.positionals as [string];
    const tag = str(input, "tag");
    const out = str(input, "out");
    if (tag && out) throw new UsageError("Pass either --tag or --out, not both");
    if (!tag && !out) {
      throw new UsageError("Pass --tag REF to push, or --out DIR|FILE.tar to write an OCI image layout");
    }
    const target = tag ? parseReference(tag) : undefined;
    const base = str(input, "base") ?? Deno.env.get(BIFROST_IMAGE_ENV);
    // Without --tag, the only registry involved is the base image's.
    const options = await clientOptions(input, (target ?? (base ? parseReference(base) : undefined))?.registry);
    const pkg = await packageFromInput(input, wasmPath, options);
    if (target) {
      const summary = await pushPackage(pkg, target, options, io);
      if (flag(input, "json")) printJson(io, summary);
      else printPush(io, summary, target, pkg.imagePath);
      return;
    }
    // A full name:tag, so podman load names the image after the plugin.
    const version = str(input, "version") ?? "latest";
    const refName = `${pkg.name}:${version}`;
    await writeLayout(out!, pkg.image, { tag: refName });
    const result = {
      out: out!,
      ref: refName,
      digest: pkg.image.digest,
      format: pkg.format,
      name: pkg.name,
      wasmDigest: pkg.wasmDigest,
      wasmSize: pkg.wasmSize,
      entry: pkg.entry,
    };
    if (flag(input, "json")) return printJson(io, result);
    const kind = isLayoutArchive(out!) ? "oci-archive" : "oci";
    io.out(`Wrote ${pkg.format} package of ${pkg.name} to ${out} (OCI image layout, named "${refName}")`);
    io.out(`Digest: ${pkg.image.digest}`);
    io.out(`Copy it with: skopeo copy ${kind}:${out}:${refName} docker://REGISTRY/REPOSITORY:${version}`);
  },
};
