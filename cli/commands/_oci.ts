/**
 * What `package`, `push` and `pull` share: option declarations, credential
 * and client setup, packaging from a file, pushing with progress, and the
 * result printing. Private to the CLI.
 */
import type { BifrostPluginJson } from "../../lib/config/bifrost_config.ts";
import { UsageError } from "../../lib/errors.ts";
import { type Credentials, credentialsFromEnv, defaultCredentials } from "../../lib/oci/auth.ts";
import {
  BIFROST_IMAGE_ENV,
  PACKAGE_FORMATS,
  type PackagedPlugin,
  type PackageFormat,
  packagePlugin,
} from "../../lib/oci/package.ts";
import { type ImageReference, parseReference } from "../../lib/oci/reference.ts";
import { clientFor, type PushResult, type RegistryClientOptions, type RegistryEvent } from "../../lib/oci/registry.ts";
import { type CommandInput, flag, type Io, type OptionSpec, str } from "../command.ts";

/** Options that shape the package. */
export const PACKAGE_OPTIONS: Record<string, OptionSpec> = {
  format: {
    type: "string",
    arg: "FORMAT",
    description:
      "artifact (CNCF wasm artifact), compat (one-layer image holding /plugin.wasm) or bifrost (base image + plugin)",
    default: "artifact",
  },
  base: { type: "string", arg: "REF", description: `bifrost format: the base image (default: $${BIFROST_IMAGE_ENV})` },
  "with-config": {
    type: "boolean",
    description: "bifrost format: also write /app/data/config.json enabling the plugin (merged into the base's)",
  },
  version: { type: "string", arg: "V", description: "Version annotation (org.opencontainers.image.version)" },
  source: { type: "string", arg: "URL", description: "Source repository URL annotation" },
  revision: { type: "string", arg: "SHA", description: "Source revision annotation, e.g. a git commit" },
};

/** Options for talking to a registry. */
/** The flags that set the registry client's options, for the library's errors that name one. */
export const REGISTRY_FIELDS: Record<string, string> = {
  plainHttp: "--plain-http",
  credentials: "--username with --password-stdin",
};

export const REGISTRY_OPTIONS: Record<string, OptionSpec> = {
  "plain-http": { type: "boolean", description: "Use HTTP instead of HTTPS (automatic for 127.0.0.1 and localhost)" },
  username: { type: "string", arg: "USER", description: "Registry user; the password comes from --password-stdin" },
  "password-stdin": { type: "boolean", description: "Read the registry password from stdin" },
};

/** Shared description of where credentials come from. */
export const CREDENTIALS_HELP = `
Credentials, first found: --username with --password-stdin, the
BIFROST_AS_REGISTRY_USER and BIFROST_AS_REGISTRY_PASSWORD environment
variables (both for the registry named on the command line), then Docker's
config.json ($DOCKER_CONFIG or ~/.docker: "auths", credHelpers, credsStore).
Bearer-token registries are followed through their WWW-Authenticate
challenge. Credentials are never printed.`;

async function readStdin(): Promise<string> {
  return (await new Response(Deno.stdin.readable).text()).replace(/\r?\n$/, "");
}

/** Explicit credentials from flags or the environment. */
async function explicitCredentials(input: CommandInput): Promise<Credentials | undefined> {
  const username = str(input, "username");
  if (flag(input, "password-stdin")) {
    if (!username) throw new UsageError("--password-stdin needs --username");
    return { username, password: await readStdin() };
  }
  if (username) throw new UsageError(`--username "${username}" needs --password-stdin`);
  return credentialsFromEnv();
}

function formatSize(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(1)} KB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const short = (digest: string) => digest.slice(0, 19);

/** Progress lines on stderr for the client's events. */
function progress(io: Io): (e: RegistryEvent) => void {
  return (e) => {
    if (e.type === "blob" && e.status !== "uploading") {
      const verb = { exists: "already in the registry", mounted: "mounted", uploaded: "uploaded" }[e.status];
      io.err(`  ${short(e.digest)} ${verb} (${formatSize(e.size)})`);
    } else if (e.type === "retry") {
      io.err(`  Retrying (${e.attempt + 1}/${e.attempts}) in ${(e.delayMs / 1000).toFixed(1)}s: ${e.error}`);
    } else if (e.type === "download") {
      io.err(`  ${short(e.digest)} downloaded (${formatSize(e.size)})`);
    }
  };
}

/** Client options for a command; flag or environment credentials are for `registry` only. */
export async function clientOptions(input: CommandInput, registry: string | undefined): Promise<RegistryClientOptions> {
  const explicit = await explicitCredentials(input);
  return {
    plainHttp: flag(input, "plain-http"),
    credentials: defaultCredentials(explicit && registry ? { registry, credentials: explicit } : undefined),
    signal: input.signal,
    onEvent: progress(input.io),
  };
}

/** Reads the plugin file, resolves the base image if needed, and packages it. */
export async function packageFromInput(
  input: CommandInput,
  wasmPath: string,
  options: RegistryClientOptions,
): Promise<PackagedPlugin> {
  const format = str(input, "format") as PackageFormat;
  if (!PACKAGE_FORMATS.includes(format)) {
    throw new UsageError(`Unknown --format "${format}": expected ${PACKAGE_FORMATS.join(", ")}`);
  }
  let wasm: Uint8Array;
  try {
    wasm = await Deno.readFile(wasmPath);
  } catch (e) {
    throw new UsageError(`Cannot read "${wasmPath}": ${(e as Error).message.split(":")[0]}`);
  }
  const baseArg = str(input, "base") ?? Deno.env.get(BIFROST_IMAGE_ENV);
  if (format !== "bifrost" && str(input, "base")) throw new UsageError(`--base only applies to --format bifrost`);
  if (format !== "bifrost" && flag(input, "with-config")) {
    throw new UsageError(`--with-config only applies to --format bifrost`);
  }
  let base;
  if (format === "bifrost" && baseArg) {
    const ref = parseReference(baseArg);
    const { client, repository, reference, name } = clientFor(ref, options);
    input.io.err(`Reading base image ${name}...`);
    base = { base: await client.readImage(repository, reference), baseName: name };
  }
  const epoch = Deno.env.get("SOURCE_DATE_EPOCH");
  const version = str(input, "version"), source = str(input, "source"), revision = str(input, "revision");
  return await packagePlugin(wasm, {
    format,
    label: wasmPath,
    ...(version ? { version } : {}),
    ...(source ? { source } : {}),
    ...(revision ? { revision } : {}),
    // SOURCE_DATE_EPOCH makes the same input give the same digests.
    ...(epoch && /^\d+$/.test(epoch) ? { created: new Date(Number(epoch) * 1000) } : {}),
    ...(base ?? {}),
    withConfig: flag(input, "with-config"),
  });
}

/** What a push printed, as `--json` gives it. */
export interface PushSummary {
  reference: string;
  tag: string | undefined;
  digest: string;
  format: PackageFormat;
  name: string;
  wasmDigest: string;
  wasmSize: number;
  blobs: PushResult["blobs"];
  durationMs: number;
  entry: BifrostPluginJson;
}

/** Pushes a packaged plugin to `target` and returns the summary. */
export async function pushPackage(
  pkg: PackagedPlugin,
  target: ImageReference,
  options: RegistryClientOptions,
  io: Io,
): Promise<PushSummary> {
  const { client, repository, name } = clientFor(target, options);
  const tag = target.tag ?? (target.digest ? undefined : "latest");
  if (target.digest && target.digest !== pkg.image.digest) {
    throw new UsageError(
      `Cannot push to "${name}": the package's digest is "${pkg.image.digest}"; push to a tag, not a digest`,
    );
  }
  io.err(`Pushing ${pkg.name} (${pkg.format}, ${formatSize(pkg.wasmSize)}) to ${name}...`);
  const started = performance.now();
  const result = await client.pushImage(repository, tag, pkg.image);
  return {
    reference: `${target.registry}/${repository}@${result.digest}`,
    tag,
    digest: result.digest,
    format: pkg.format,
    name: pkg.name,
    wasmDigest: pkg.wasmDigest,
    wasmSize: pkg.wasmSize,
    blobs: result.blobs,
    durationMs: Math.round(performance.now() - started),
    entry: pkg.entry,
  };
}

/** Prints a push summary: the digest, the pinned reference and the config.json entry. */
export function printPush(io: Io, s: PushSummary, target: ImageReference, imagePath: string | undefined): void {
  io.out(
    `Pushed ${target.registry}/${target.repository}${s.tag ? `:${s.tag}` : ""} in ${(s.durationMs / 1000).toFixed(2)}s`,
  );
  io.out(`Digest: ${s.digest}`);
  io.out(`Reference: ${s.reference}`);
  io.out("Bifrost config.json plugin entry:");
  io.out(JSON.stringify(s.entry, null, 2));
  if (s.format === "bifrost") {
    io.out(`The image holds the plugin at ${imagePath}; run it with: ${s.reference}`);
  } else {
    io.out(`Fetch the plugin to that path with: bifrost-as pull ${s.reference} --out ${s.entry.path}`);
  }
}
