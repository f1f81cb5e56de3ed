/**
 * The files the mock upstream runs from, on its own in a container: the
 * `mock-upstream` command (its entry, which the command runner runs), the
 * server, and what they import, nothing but `node:` built-ins besides. The
 * mock's image copies them and a plugin project's `compose.yaml` mounts
 * them, each at its place in the package.
 *
 * @module
 */

/** The entry, from the package's root. */
export const MOCK_UPSTREAM_ENTRY = "cli/commands/mock_upstream.ts";

/** Every file, from the package's root, the entry first. */
export const MOCK_UPSTREAM_FILES: readonly string[] = [
  MOCK_UPSTREAM_ENTRY,
  "cli/command.ts",
  "lib/errors.ts",
  "lib/mock/mock_upstream.ts",
  "lib/mock/mock_answers.ts",
  "lib/mock/openai_stream.ts",
  "lib/mock/memory.ts",
  "lib/internal/json_pieces.ts",
  "lib/internal/base64.ts",
];
