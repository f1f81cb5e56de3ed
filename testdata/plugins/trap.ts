// A plugin that traps on purpose, for the e2e and gateway tests: its
// pre_hook hits `unreachable` when the requested model is "trap-model" and
// passes everything else through. It proves a trapping plugin fails only the
// request that made it trap.
import { Plugin, PreHookInput, PreHookOutput, registerPlugin } from "../../assembly/sdk";

export * from "../../assembly/sdk/abi";

class Trap extends Plugin {
  name(): string {
    return "trap-on-demand";
  }

  preHook(input: PreHookInput, output: PreHookOutput): void {
    if (input.model == "trap-model") unreachable();
    output.context.setValue<bool>("trap_plugin_seen", true);
  }
}

registerPlugin(new Trap());
