import { formatReport, parseProfile, PROFILE_OPTIONS, validateFile } from "../../lib/wasm/validate.ts";
import { type Command, flag, printJson, str } from "../command.ts";

export const validate: Command = {
  name: "validate",
  summary: "Check a .wasm plugin against Bifrost's plugin ABI without running it",
  description: `
Reads the module and checks its exports and their signatures, its memory and
its imports (only wasi_snapshot_preview1 can be provided), and which export
profiles it satisfies: legacy (http_intercept) or current (http_pre_hook,
http_post_hook, http_stream_chunk_hook). Exits 0 when valid, 1 when not.`,
  positionals: [{ name: "plugin.wasm", description: "The module to check" }],
  options: {
    profile: {
      type: "string",
      arg: "PROFILE",
      description: `Profile to require: ${PROFILE_OPTIONS.join(", ")}`,
      default: "any",
    },
    json: { type: "boolean", description: "Print the report as JSON" },
  },
  examples: [
    "bifrost-as validate build/hello-world.wasm",
    "bifrost-as validate plugin.wasm --profile current",
    "bifrost-as validate plugin.wasm --json",
  ],
  async run(input) {
    const path = input.positionals[0]!;
    const profile = parseProfile(str(input, "profile")!);
    const report = await validateFile(path, { profile });
    if (flag(input, "json")) printJson(input.io, report);
    else input.io.out(formatReport(report));
    return report.valid ? 0 : 1;
  },
};
