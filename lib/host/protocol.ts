/**
 * The JSON-lines protocol the host speaks to a plugin's process: the V8
 * worker (`_host_worker.ts`, which defines it) and the wazero engine
 * (`go/cmd/bifrost-as-engine`). For tools that drive an engine directly,
 * such as `scripts/engine_parity.ts`; not re-exported from `mod.ts`.
 *
 * @module
 */
export { lines, toWire } from "./_host_worker.ts";
export type { WireOptions, WorkerReply, WorkerRequest } from "./_host_worker.ts";
