// docs/first-plugin.md, run as a reader would: its `sh` blocks in order, in a
// temporary directory, with BIFROST_AS set to a tarball `npm pack` makes of
// this checkout, and the checkout's node_modules/.bin off PATH (the package's
// own Deno runs).
//
// - `sh`: must succeed; `sh fails`: must fail; `sh skip`: shown only.
// - `sh background`: a second terminal. It runs in its own process group
//   and the walkthrough goes on once it prints a URL on stdout; a
//   `<!-- test: stop -->` comment stops it as Ctrl-C would (SIGINT to the
//   group), and so does the end of the test.
// - Each block runs in the directory the previous one ended in (a `cd`
//   carries over, exported variables do not).
// - The walkthrough's port 8080 becomes a free port.
import assert from "node:assert/strict";

const DOC = new URL("./first-plugin.md", import.meta.url);
const TOOLKIT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** A step of the walkthrough. */
type Step = { kind: "run" | "fails" | "background"; script: string; line: number } | { kind: "stop"; line: number };

function steps(markdown: string): Step[] {
  const out: Step[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "<!-- test: stop -->") out.push({ kind: "stop", line: i + 1 });
    const open = line.match(/^```sh(?:\s+(\w+))?\s*$/);
    if (!open) continue;
    const body: string[] = [];
    const start = i + 1;
    while (lines[++i] !== "```") body.push(lines[i]!);
    const tag = open[1] ?? "run";
    if (tag === "skip") continue;
    assert.ok(tag === "run" || tag === "fails" || tag === "background", `Unknown block tag "${tag}" at line ${start}`);
    out.push({ kind: tag, script: body.join("\n"), line: start });
  }
  return out;
}

function freePort(): number {
  const l = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

Deno.test("docs/first-plugin.md works as written", async () => {
  const work = await Deno.makeTempDir({ prefix: "first-plugin-" });
  const state = await Deno.makeTempDir({ prefix: "first-plugin-state-" });
  const port = String(freePort());
  const pack = await new Deno.Command("npm", {
    args: ["pack", "--json", "--ignore-scripts", "--pack-destination", state],
    cwd: TOOLKIT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(pack.code, 0, new TextDecoder().decode(pack.stderr));
  const tarball = `${state}/${JSON.parse(new TextDecoder().decode(pack.stdout))[0].filename}`;
  const env = {
    BIFROST_AS: tarball,
    NO_COLOR: "1",
    PATH: (Deno.env.get("PATH") ?? "").split(":").filter((d) => !d.startsWith(`${TOOLKIT}/`)).join(":"),
    npm_config_prefer_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  };
  const background: { child: Deno.ChildProcess; line: number }[] = [];
  const stopAll = async () => {
    for (const { child } of background.splice(0)) {
      try {
        Deno.kill(-child.pid, "SIGINT");
      } catch { /* already gone */ }
      await child.status;
    }
  };
  await Deno.writeTextFile(`${state}/cwd`, work);
  try {
    for (const step of steps(await Deno.readTextFile(DOC))) {
      if (step.kind === "stop") {
        assert.ok(background.length, `Nothing to stop at line ${step.line}`);
        await stopAll();
        continue;
      }
      const script = step.script.replaceAll("8080", port);
      // Start where the previous block ended; remember where this one ends.
      const wrapped = `set -euo pipefail\ncd "$(cat '${state}/cwd')"\n${script}\npwd > '${state}/cwd'\n`;
      if (step.kind === "background") {
        const child = new Deno.Command("setsid", {
          args: ["bash", "-c", `set -euo pipefail\ncd "$(cat '${state}/cwd')"\n${script}`],
          env,
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        background.push({ child, line: step.line });
        // Drained to the end, so the process never writes into a closed pipe.
        const stderr = new Response(child.stderr).text();
        const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        let printed = "";
        while (!/^https?:\/\/\S+$/m.test(printed)) {
          const next = await lines.read();
          if (next.done) {
            assert.fail(`The background block at line ${step.line} exited without printing a URL: ${await stderr}`);
          }
          printed += next.value;
        }
        (async () => {
          while (!(await lines.read()).done) { /* drain */ }
        })();
        continue;
      }
      const out = await new Deno.Command("bash", { args: ["-c", wrapped], env, stdout: "piped", stderr: "piped" })
        .output();
      const shown = `block at line ${step.line}:\n${script}\n--- stdout\n${
        new TextDecoder().decode(out.stdout)
      }\n--- stderr\n${new TextDecoder().decode(out.stderr)}`;
      if (step.kind === "fails") {
        assert.notEqual(out.code, 0, `Expected a failure from the ${shown}`);
      } else {
        assert.equal(out.code, 0, `Failed: the ${shown}`);
      }
    }
    // What the walkthrough says it leaves behind.
    const project = `${work}/my-plugin`;
    const pkg = JSON.parse(await Deno.readTextFile(`${project}/package.json`));
    assert.equal(pkg.dependencies["bifrost-as"], `file:${tarball}`);
    assert.ok((await Deno.lstat(`${project}/node_modules/bifrost-as`)).isDirectory, "installed from the tarball");
    const updated = JSON.parse(await Deno.readTextFile(`${project}/fixtures/pre_hook/allowed.json`));
    assert.equal(updated.expect.context.my_plugin_model, "gpt-4o");
    const recorded = await Deno.readTextFile(
      `${project}/fixtures/recorded/http_pre_hook/0001-post-v1-chat-completions.json`,
    );
    assert.match(recorded, /"authorization": "\[REDACTED\]"/);
    assert.doesNotMatch(recorded, /sk-my-real-key/);
    const blocked = JSON.parse(
      await Deno.readTextFile(`${project}/fixtures/recorded/pre_hook/0001-blocked-model.json`),
    );
    assert.equal(blocked.expect.short_circuit.error.status_code, 403);
    assert.ok((await Deno.stat(`${project}/build/oci/index.json`)).isFile);
    const config = JSON.parse(await Deno.readTextFile(`${project}/build/bifrost/config.json`));
    assert.equal(config.plugins[0].path, "/app/plugins/my-plugin.wasm");
  } finally {
    await stopAll();
    await Deno.remove(work, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
});
