// A pure pass-through plugin that registers under the name of this toolkit's
// hello-world (and of Bifrost's AssemblyScript example), for the e2e suite's
// own tests: the suite must judge a plugin by the behaviours it is told to
// expect, never by its name, and a plugin that changes nothing must pass
// every check that holds of any correct plugin.
import { Plugin, registerPlugin } from "../../assembly/sdk";

export * from "../../assembly/sdk/abi";

class PassThrough extends Plugin {
  name(): string {
    return "hello-world-wasm-typescript";
  }
}

registerPlugin(new PassThrough());
