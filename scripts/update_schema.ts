/**
 * `deno task schema:update <file or https URL> [--commit SHA] [--date YYYY-MM-DD]`:
 * replaces `schemas/bifrost-config.schema.json` with a newer copy of
 * Bifrost's `config.json` JSON Schema and updates `schemas/SOURCE.md`.
 *
 * The new file must be a draft 2019-09 JSON Schema of Bifrost's
 * `config.json` (an object schema with `plugins` and `providers`) that ajv
 * compiles, and the `config.json` bifrost-as writes must still validate
 * against it; otherwise nothing is written. The schema is kept verbatim and
 * written atomically; SOURCE.md's commit, size, sha256 and date lines are
 * rewritten. The commit comes from `--commit` or from a 40-hex segment of
 * the URL (e.g. a raw.githubusercontent.com URL pinned to a commit).
 *
 * @module
 */
import { resolve } from "node:path";
import { ConfigError, UsageError } from "../lib/errors.ts";
import { writeFileAtomic } from "../lib/internal/fs.ts";
import { type Command, type CommandInput, runMain } from "../cli/command.ts";
import { bifrostConfig, validateBifrostConfig } from "../lib/config/bifrost_config.ts";
import { sha256Digest } from "../lib/oci/digest.ts";
import { isLoopback } from "../lib/oci/reference.ts";

/** The schema file and its notes, in the schemas directory. */
export const SCHEMA_FILE = "bifrost-config.schema.json";
export const SOURCE_FILE = "SOURCE.md";

const DRAFT_2019_09 = /^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/;

/** Options of {@link updateSchema}. */
export interface UpdateSchemaOptions {
  /** A file path, an https URL, or an http URL on loopback. */
  source: string;
  /** The schemas directory holding {@link SCHEMA_FILE} and {@link SOURCE_FILE}. */
  dir: string;
  /** 40 hex digits; default: found in the URL. */
  commit?: string;
  /** `YYYY-MM-DD`; default: today (UTC). */
  date?: string;
}

/** What {@link updateSchema} wrote. */
export interface UpdatedSchema {
  commit: string;
  date: string;
  size: number;
  sha256: string;
  /** The sha256 of the file it replaced, or `undefined` when there was none. */
  previousSha256: string | undefined;
}

/** Checks, writes the schema atomically and rewrites SOURCE.md's lines; see the module documentation. */
export async function updateSchema(options: UpdateSchemaOptions): Promise<UpdatedSchema> {
  const commit = (options.commit ?? commitOf(options.source))?.toLowerCase();
  if (commit === undefined) {
    throw new UsageError(`Cannot tell which Bifrost commit "${options.source}" is from: give --commit SHA`);
  }
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new UsageError(`Invalid --commit "${commit}": expected 40 hex digits`);
  const date = options.date ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d\d-\d\d$/.test(date) || Number.isNaN(Date.parse(date))) {
    throw new UsageError(`Invalid --date "${date}": expected YYYY-MM-DD`);
  }
  const sourcePath = `${options.dir}/${SOURCE_FILE}`;
  const schemaPath = `${options.dir}/${SCHEMA_FILE}`;
  let notes: string;
  try {
    notes = await Deno.readTextFile(sourcePath);
  } catch (e) {
    throw new UsageError(`Cannot read "${sourcePath}": ${(e as Error).message}`, { cause: e });
  }

  const bytes = await readSource(options.source);
  await checkSchema(bytes, options.source, options.dir);
  const sha256 = (await sha256Digest(bytes)).slice("sha256:".length);
  const updatedNotes = rewriteNotes(notes, sourcePath, { commit, date, size: bytes.length, sha256 });
  let previousSha256: string | undefined;
  try {
    previousSha256 = (await sha256Digest(await Deno.readFile(schemaPath))).slice("sha256:".length);
  } catch { /* no previous schema */ }
  await writeFileAtomic(schemaPath, bytes);
  await writeFileAtomic(sourcePath, updatedNotes);
  return { commit, date, size: bytes.length, sha256, previousSha256 };
}

/** A 40-hex path segment of a URL, the commit a raw GitHub URL is pinned to. */
function commitOf(source: string): string | undefined {
  if (!/^https?:\/\//.test(source)) return undefined;
  return new URL(source).pathname.split("/").find((segment) => /^[0-9a-f]{40}$/i.test(segment));
}

async function readSource(source: string): Promise<Uint8Array> {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    try {
      return await Deno.readFile(source);
    } catch (e) {
      const why = e instanceof Deno.errors.NotFound ? "file not found" : (e as Error).message;
      throw new UsageError(`Cannot read "${source}": ${why}`, { cause: e });
    }
  }
  const url = new URL(source);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.host))) {
    throw new UsageError(`Invalid source "${source}": expected a file, an https URL, or an http URL on loopback`);
  }
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new ConfigError(`Cannot download "${source}": ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new ConfigError(`Cannot download "${source}": HTTP ${res.status}`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

/** Throws a {@link ConfigError} unless `bytes` is a draft 2019-09 schema of config.json our configs satisfy. */
async function checkSchema(bytes: Uint8Array, source: string, dir: string): Promise<void> {
  const refuse = (why: string): never => {
    throw new ConfigError(`Refusing "${source}": ${why}`);
  };
  let schema: { $schema?: unknown; type?: unknown; properties?: Record<string, unknown> };
  try {
    schema = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    return refuse(`not UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return refuse("not a JSON object");
  if (typeof schema.$schema !== "string" || !DRAFT_2019_09.test(schema.$schema)) {
    return refuse(`"$schema" is ${JSON.stringify(schema.$schema)}, not draft 2019-09`);
  }
  if (schema.type !== "object") return refuse('not a schema of a JSON object ("type" is not "object")');
  for (const key of ["plugins", "providers"]) {
    if (typeof schema.properties?.[key] !== "object") {
      return refuse(`no "properties.${key}": not Bifrost's config.json`);
    }
  }
  // Compiled and tried from a file beside the target, so a failure leaves the target alone.
  const trial = `${dir}/.${SCHEMA_FILE}.check-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.writeFile(trial, bytes);
  try {
    const sample = bifrostConfig({
      upstreamUrl: "http://127.0.0.1:8081",
      plugins: [{ path: "/app/plugins/example.wasm", name: "example", config: { key: "value" } }],
    });
    const { valid, errors } = validateBifrostConfig(sample, { schemaPath: trial });
    if (!valid) refuse(`the config.json bifrost-as writes does not validate against it:\n  ${errors.join("\n  ")}`);
  } finally {
    await Deno.remove(trial).catch(() => {});
  }
}

/** SOURCE.md with its commit/date and size/sha256 lines replaced; throws when either line is missing. */
function rewriteNotes(
  notes: string,
  path: string,
  facts: { commit: string; date: string; size: number; sha256: string },
): string {
  const lines: [RegExp, string][] = [
    [/^- Commit: .*$/m, `- Commit: \`${facts.commit}\` (retrieved ${facts.date})`],
    [/^- Size: .*$/m, `- Size: ${facts.size.toLocaleString("en-US")} bytes, sha256 \`${facts.sha256}\``],
  ];
  for (const [pattern, line] of lines) {
    if (!pattern.test(notes)) {
      throw new ConfigError(`Cannot update "${path}": no line like "${pattern.source.slice(1, -4)}" in it`);
    }
    notes = notes.replace(pattern, line);
  }
  return notes;
}

/** `deno task schema:update`. */
export const updateSchemaScript: Command = {
  name: "deno task schema:update",
  summary: "Replace Bifrost's config.json JSON Schema with a newer copy, after checking it",
  description: `
Replaces schemas/bifrost-config.schema.json with the given copy of Bifrost's
config.json JSON Schema (transports/config.schema.json in maximhq/bifrost) and
updates the commit, size, sha256 and date in schemas/SOURCE.md. The file must
be a draft 2019-09 JSON Schema of config.json that the config bifrost-as
writes still satisfies; otherwise nothing changes. Plain http is accepted for
loopback addresses only.`,
  positionals: [{ name: "file or https URL", description: "The new schema" }],
  options: {
    commit: {
      type: "string",
      arg: "SHA",
      description: "The Bifrost commit the file is from (default: read from the URL)",
    },
    date: { type: "string", arg: "YYYY-MM-DD", description: "When it was retrieved (default: today, UTC)" },
    dir: { type: "string", arg: "DIR", description: "The schemas directory (default: this repository's schemas/)" },
  },
  examples: [
    "deno task schema:update https://raw.githubusercontent.com/maximhq/bifrost/<commit>/transports/config.schema.json",
  ],
  run: update,
};

async function update(input: CommandInput): Promise<number> {
  const { values, positionals } = input;
  const dir = typeof values.dir === "string"
    ? resolve(values.dir)
    : new URL("../schemas", import.meta.url).pathname.replace(/\/$/, "");
  const result = await updateSchema({
    source: positionals[0]!,
    dir,
    ...(typeof values.commit === "string" ? { commit: values.commit } : {}),
    ...(typeof values.date === "string" ? { date: values.date } : {}),
  });
  const changed = result.previousSha256 === result.sha256 ? " (unchanged)" : "";
  input.io.out(
    `Updated ${dir}/${SCHEMA_FILE}${changed}: ${result.size.toLocaleString("en-US")} bytes, sha256 ${result.sha256}, ` +
      `commit ${result.commit}, retrieved ${result.date}`,
  );
  return 0;
}

if (import.meta.main) await runMain(updateSchemaScript);
