/**
 * The mock upstream's files: the server and the modules it imports (only
 * `node:` built-ins besides these), which a container copies or mounts side
 * by side to run it on its own: the mock's image copies these, and tests
 * hold `compose.yaml` files (a plugin project's, written by `init`) to them.
 * Private to the toolkit.
 *
 * @module
 */

/** File names under `lib/mock/`, the server first. */
export const MOCK_UPSTREAM_FILES: readonly string[] = ["mock_upstream.ts", "mock_answers.ts", "openai_stream.ts"];
