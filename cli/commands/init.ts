import { initProject } from "../../lib/project/init.ts";
import { type Command, flag, printJson, str } from "../command.ts";

export const init: Command = {
  name: "init",
  summary: "Create a plugin project that builds, validates and passes its own tests at once",
  description: `
Writes a plugin project into <dir>: assembly/<name>.ts (the plugin),
fixtures/<hook>/<case>.json (its behaviours), test/<name>_test.ts (Deno
tests), package.json and deno.json with the same commands (build, test,
watch, dev, e2e, package, compose:config, doctor), asconfig.json,
compose.yaml, README.md and .gitignore.

The SDK is an npm dependency, not a copy: package.json depends on bifrost-as
(this version, or --sdk-spec: another version, a tarball from 'npm pack', or
a folder) and on deno; asconfig.json and deno.json reach it as
node_modules/bifrost-as, never by an absolute path, so the project can be
committed and cloned. Run 'npm install' in it, then 'npm test'.

--sdk DIR is for working on bifrost-as itself: the project depends on the
checkout DIR, and node_modules/bifrost-as links it at once.

A directory that is not empty is refused unless --force.`,
  positionals: [{ name: "dir", description: "Where the project goes (created when missing)" }],
  options: {
    name: { type: "string", arg: "NAME", description: "Plugin name (default: the directory's name)" },
    "sdk-spec": {
      type: "string",
      arg: "SPEC",
      description: "The bifrost-as dependency: a version, a .tgz or a folder (default: this version)",
    },
    sdk: { type: "string", arg: "DIR", description: "Developer option: depend on this checkout and link it now" },
    force: { type: "boolean", description: "Write into a non-empty directory" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  examples: [
    "bifrost-as init my-plugin",
    "bifrost-as init my-plugin --sdk-spec ./bifrost-as-0.1.0.tgz",
    "bifrost-as init plugins/guard --name prompt-guard",
    "bifrost-as init . --force",
  ],
  fields: { name: "--name", sdk: "--sdk DIR", sdkSpec: "--sdk-spec", force: "--force writes anyway" },
  async run(input) {
    const { io } = input;
    const name = str(input, "name");
    const sdkSpec = str(input, "sdk-spec");
    const sdk = str(input, "sdk");
    const project = await initProject({
      dir: input.positionals[0]!,
      force: flag(input, "force"),
      ...(name !== undefined ? { name } : {}),
      ...(sdkSpec !== undefined ? { sdkSpec } : {}),
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
        project.linked
          ? `It depends on bifrost-as ${project.dependency}, linked at node_modules/bifrost-as`
          : `It depends on bifrost-as ${project.dependency}`,
        "",
        "Next:",
        `  cd ${input.positionals[0]}`,
        ...(project.linked ? [] : ["  npm install          # bifrost-as and Deno into node_modules"]),
        "  npm test             # build, validate, run the fixtures under every free policy",
        "  npm run watch        # rebuild and re-test on every change",
        "  npm run dev          # a local gateway on :8080 with the plugin",
      ].join("\n"),
    );
  },
};
