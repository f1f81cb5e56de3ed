/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * Worker entry of the conformance host: runs one plugin `Runner` so that a
 * call past its time budget can be stopped by terminating the worker (a
 * synchronous wasm call cannot be interrupted in its own thread). One
 * request at a time; logs are posted as they happen, before the reply.
 *
 * Private to the host: not re-exported from `mod.ts`.
 *
 * @module
 */
import { Runner, type RunnerOptions, serializeError } from "./_instance.ts";
import type { WorkerReply, WorkerRequest } from "./host.ts";

let runner: Runner | undefined;
const post = (reply: WorkerReply) => self.postMessage(reply);

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const req = event.data;
  try {
    switch (req.type) {
      case "load": {
        const r = new Runner(req.options as RunnerOptions, (line) => post({ type: "log", line }));
        runner = r;
        return post({ type: "loaded", name: r.name, exports: r.exports, pages: r.pages });
      }
      case "call":
        return post({ type: "result", call: loaded().call(req.hook, req.input) });
      case "cleanup":
        return post({ type: "cleanup", code: loaded().cleanup() });
    }
  } catch (e) {
    post({ type: "error", error: serializeError(e) });
  }
};

function loaded(): Runner {
  if (!runner) throw new Error("host worker: no plugin loaded");
  return runner;
}

post({ type: "ready" });
