import { initProject } from "../../lib/project/init.ts";
import { type Command, flag, printJson, str } from "../_command.ts";

export const init: Command = {
  name: "init",
  summary: "Create a plugin project that builds, validates and passes its own tests at once",
  description: `
Writes a plugin project into <dir>: assembly/<name>.ts (the plugin),
fixtures/<hook>/<case>.json (its behaviours), test/<name>_test.ts (Deno
tests), asconfig.json, deno.json with tasks (build, test, test:deno, watch,
dev, compose:config, doctor), compose.yaml, README.md and .gitignore.

The SDK is a dependency, not a copy: node_modules/bifrost-as links this
toolkit (or --sdk DIR), asconfig.json extends its asconfig.sdk.json, and
deno.json maps "bifrost-as/" to it. A directory that is not empty is
refused unless --force.`,
  positionals: [{ name: "dir", description: "Where the project goes (created when missing)" }],
  options: {
    name: { type: "string", arg: "NAME", description: "Plugin name (default: the directory's name)" },
    sdk: { type: "string", arg: "DIR", description: "Toolkit checkout to depend on (default: this one)" },
    force: { type: "boolean", description: "Write into a non-empty directory" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  examples: [
    "bifrost-as init my-plugin",
    "bifrost-as init plugins/guard --name prompt-guard",
    "bifrost-as init . --force",
  ],
  async run(input) {
    const { io } = input;
    const name = str(input, "name");
    const sdk = str(input, "sdk");
    const project = await initProject({
      dir: input.positionals[0]!,
      force: flag(input, "force"),
      ...(name !== undefined ? { name } : {}),
      ...(sdk !== undefined ? { sdk } : {}),
    });
    if (flag(input, "json")) {
      printJson(io, project);
      return;
    }
    io.out(
      [
        `Created plugin "${project.name}" in ${project.dir}`,
        ...project.files.map((f) => `  ${f}`),
        "",
        `The SDK: ${project.sdkDir} (linked at node_modules/bifrost-as)`,
        "",
        "Next:",
        `  cd ${input.positionals[0]}`,
        "  deno task test        # build, validate, run the fixtures under every free policy",
        "  deno task watch       # rebuild and re-test on every change",
        "  deno task dev         # a local gateway on :8080 with the plugin",
      ].join("\n"),
    );
  },
};
