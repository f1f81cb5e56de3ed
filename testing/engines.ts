/**
 * The engines tests run under: V8 always, wazero when its engine is there or
 * can be built (a checkout with Go on PATH). Test-only.
 *
 * @module
 */
import { type Engine, engineAvailability } from "../lib/host/engine.ts";

const wazero = await engineAvailability({ onProgress: (line) => console.error(line) });

/** Whether the wazero engine runs here. */
export const hasWazero: boolean = "path" in wazero;

/** Why wazero tests are skipped (for test names), or `""`. */
export const NO_WAZERO: string = "missing" in wazero ? `the wazero engine is not available: ${wazero.missing}` : "";

/** The engines to run a test under. */
export const TEST_ENGINES: Engine[] = hasWazero ? ["v8", "wazero"] : ["v8"];
