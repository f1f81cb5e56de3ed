/**
 * `deno task package-flow [--keep] [--fresh-deno-dir]`: the npm package as a
 * plugin author meets it, from the tarball alone, in temporary folders:
 *
 * 1. `npm pack` of this checkout, and the wazero engine's package for
 *    linux-x64 (`scripts/build_engine_packages.ts --only linux-x64`) on a
 *    linux-x64 machine;
 * 2. in an empty folder, `npm install <tarball> <engine tarball>`,
 *    `npx bifrost-as --help`, `npx bifrost-as init plug --sdk-spec <tarball>`;
 * 3. the project moved to another folder and the first one deleted, then
 *    `npm install`, `npm test`, `npm run e2e`, and `npm run dev` (started,
 *    asked `/health` and two chat requests, stopped with SIGINT);
 * 4. in another folder, `npm install <tarball> <engine tarball>`: `npx
 *    bifrost-as test` runs the project's fixtures under V8 and wazero, with
 *    Go off `PATH`;
 * 5. the project README's set-up on a clean tree: `npm ci`, `npm test`.
 *
 * Every step is a check; the script prints the package's size, how long the
 * npm steps took, and ends with `N passed, N failed` (exit 1 when a check
 * failed). The checkout's own `node_modules/.bin` is taken off `PATH`, so
 * the package's Deno is the one that runs. With `--fresh-deno-dir`, Deno
 * starts from an empty cache (it downloads its npm packages once, as on a
 * new machine).
 *
 * @module
 */
import { type Command, type CommandInput, runMain } from "../cli/command.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Where the flow happens and with which environment. */
interface Flow {
  work: string;
  env: Record<string, string>;
  tarball?: string;
  /** The linux-x64 engine package's tarball, on a linux-x64 machine. */
  engineTarball?: string;
  project?: string;
  notes: string[];
}

async function run(flow: Flow, cwd: string, cmd: string, ...args: string[]): Promise<Run> {
  const started = performance.now();
  const out = await new Deno.Command(cmd, { args, cwd, env: flow.env, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Throws with the command's output unless it exited 0 and its output matches every pattern. */
function expect(r: Run, what: string, ...patterns: RegExp[]): void {
  const output = `${r.stdout}\n${r.stderr}`;
  const unmatched = patterns.filter((p) => !p.test(output));
  if (r.code === 0 && unmatched.length === 0) return;
  const why = r.code !== 0 ? `exit code ${r.code}` : `no match for ${unmatched.join(", ")}`;
  const tail = output.trim().split("\n").slice(-25).join("\n  ");
  throw new Error(`${what}: ${why}\n  ${tail}`);
}

const size = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

/** The project's files (not node_modules) that name `needle`. */
async function filesNaming(dir: string, needle: string, base = dir): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory && e.name !== "node_modules") found.push(...await filesNaming(path, needle, base));
    else if (e.isFile && (await Deno.readTextFile(path)).includes(needle)) found.push(path.slice(base.length + 1));
  }
  return found;
}

/** `npm run dev` in its own process group: /health and two chat requests through the plugin, then Ctrl-C. */
async function devServes(flow: Flow): Promise<string> {
  const child = new Deno.Command("setsid", {
    args: ["npm", "run", "-s", "dev", "--", "--port", "0"],
    cwd: flow.project!,
    env: flow.env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stop = async () => {
    try {
      Deno.kill(-child.pid, "SIGINT");
    } catch { /* gone */ }
    return await child.status;
  };
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no URL in 120 s")), 120_000);
    });
    let text = "";
    try {
      while (!/\n/.test(text)) {
        const { value, done } = await Promise.race([lines.read(), timeout]);
        if (done) throw new Error(`npm run dev exited: ${(await stderr).trim()}`);
        text += value;
      }
    } finally {
      clearTimeout(timer);
    }
    const url = text.split("\n")[0]!.trim();
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`npm run dev printed "${url}", not its URL`);
    const health = await fetch(`${url}/health`);
    if (health.status !== 200) throw new Error(`GET /health answered ${health.status}`);
    await health.body?.cancel();
    const chat = async (model: string) => {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: `openai/${model}`, messages: [{ role: "user", content: "Hello" }] }),
      });
      return { status: res.status, body: await res.json() };
    };
    const blocked = await chat("blocked-model");
    if (blocked.status !== 403 || blocked.body.error?.message !== "Model blocked-model is blocked") {
      throw new Error(`blocked-model: ${blocked.status} ${JSON.stringify(blocked.body)}`);
    }
    const allowed = await chat("gpt-4o");
    if (allowed.status !== 200 || allowed.body.choices?.[0]?.message?.content !== "Echo: Hello") {
      throw new Error(`gpt-4o: ${allowed.status} ${JSON.stringify(allowed.body)}`);
    }
    // npm itself exits 130 on Ctrl-C; the gateway under it says it stopped.
    const status = await stop();
    const said = (await stderr).trim();
    if (!(status.success || status.code === 130) || !/^Gateway stopped$/m.test(said)) {
      throw new Error(`npm run dev did not stop cleanly on SIGINT (exit code ${status.code}): ${said}`);
    }
    const after = await fetch(`${url}/health`).then(() => "still answering", () => "stopped");
    if (after !== "stopped") throw new Error("the gateway still answers after SIGINT");
    return `${url}: /health 200, blocked-model 403, gpt-4o 200 "Echo: Hello", stopped by SIGINT`;
  } finally {
    await stop();
    await lines.cancel().catch(() => {});
  }
}

/** `deno task package-flow`. */
export const packageFlowScript: Command = {
  name: "deno task package-flow",
  summary: "Pack this checkout, install the tarball in an empty folder and run a new project's npm scripts from it",
  description: `
Packs this checkout with npm, installs the tarball in an empty folder,
creates a plugin project from it with 'npx bifrost-as init', moves the project
elsewhere, and checks that 'npm install', 'npm test', 'npm run e2e', 'npm run
dev' and then 'npm ci' + 'npm test' work. On linux-x64 it also builds the
wazero engine's package, installs it beside the main tarball and checks that
'npx bifrost-as test' runs the project's fixtures under V8 and wazero with Go
off PATH. Prints the tarballs' sizes and the npm steps' times, and "N passed,
N failed".`,
  options: {
    keep: { type: "boolean", description: "Keep the temporary folder (its path is printed)" },
    "fresh-deno-dir": { type: "boolean", description: "Run with an empty Deno cache (DENO_DIR), as on a new machine" },
  },
  run: (input) => packageFlow(input.values),
};

async function packageFlow(values: CommandInput["values"]): Promise<number> {
  const work = await Deno.makeTempDir({ prefix: "bifrost-as-package-" });
  const path = (Deno.env.get("PATH") ?? "").split(":").filter((d) => !d.startsWith(`${ROOT}/`)).join(":");
  const flow: Flow = {
    work,
    env: {
      PATH: path,
      NO_COLOR: "1",
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
      ...(values["fresh-deno-dir"] ? { DENO_DIR: `${work}/deno-dir` } : {}),
    },
    notes: [],
  };
  const empty = `${work}/empty`;
  const elsewhere = `${work}/elsewhere`;
  let passed = 0;
  let failed = 0;
  const check = async (name: string, fn: () => Promise<string | void>) => {
    const started = performance.now();
    try {
      const note = await fn();
      passed++;
      console.log(`ok    ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)${note ? `: ${note}` : ""}`);
    } catch (e) {
      failed++;
      console.log(`FAIL  ${name}: ${(e as Error).message}`);
    }
  };
  const needs = (what: string | undefined, step: string) => {
    if (!what) throw new Error(`skipped: ${step} failed`);
    return what;
  };

  try {
    console.log(`In ${work}${values["fresh-deno-dir"] ? ", with an empty Deno cache" : ""}`);
    await check("npm pack", async () => {
      const r = await run(flow, ROOT, "npm", "pack", "--json", "--ignore-scripts", "--pack-destination", work);
      expect(r, "npm pack");
      const [pack] = JSON.parse(r.stdout) as {
        filename: string;
        size: number;
        unpackedSize: number;
        entryCount: number;
      }[];
      flow.tarball = `${work}/${pack!.filename}`;
      flow.notes.push(
        `tarball ${pack!.filename}: ${size(pack!.size)} packed, ${size(pack!.unpackedSize)} unpacked, ` +
          `${pack!.entryCount} files`,
      );
      return pack!.filename;
    });
    const linuxX64 = Deno.build.os === "linux" && Deno.build.arch === "x86_64";
    if (linuxX64) {
      await check("the wazero engine's package for linux-x64: built and packed", async () => {
        const r = await run(
          { ...flow, env: { ...flow.env, PATH: Deno.env.get("PATH") ?? "" } }, // Go builds it: the checkout's PATH
          ROOT,
          Deno.execPath(),
          "run",
          "-A",
          `${ROOT}/scripts/build_engine_packages.ts`,
          "--only",
          "linux-x64",
          "--out",
          `${work}/engine`,
          "--json",
        );
        expect(r, "build_engine_packages.ts");
        const [built] = JSON.parse(r.stdout) as { tarball: string; packedBytes: number; unpackedBytes: number }[];
        flow.engineTarball = built!.tarball;
        flow.notes.push(
          `engine tarball ${built!.tarball.replace(/^.*\//, "")}: ${size(built!.packedBytes)} packed, ` +
            `${size(built!.unpackedBytes)} unpacked`,
        );
      });
    } else console.log("(the engine package steps run on linux-x64 only)");
    await check("npm install <tarball> <engine tarball> in an empty folder", async () => {
      await Deno.mkdir(empty);
      const tarballs = [needs(flow.tarball, "npm pack"), ...(flow.engineTarball ? [flow.engineTarball] : [])];
      const r = await run(flow, empty, "npm", "install", ...tarballs);
      expect(r, "npm install");
      if (flow.engineTarball) {
        const bin = `${empty}/node_modules/@bifrost-as/engine-linux-x64/bin/bifrost-as-engine`;
        const v = await run(flow, empty, bin, "--version");
        expect(v, "bifrost-as-engine --version", /^bifrost-as-engine 0\.1\.0$/m);
      }
      flow.notes.push(`npm install <tarball>: ${r.seconds.toFixed(1)} s`);
      return `${r.seconds.toFixed(1)} s`;
    });
    await check("npx bifrost-as --help", async () => {
      const r = await run(flow, empty, "npx", "bifrost-as", "--help");
      expect(r, "npx bifrost-as --help", /^Commands:$/m, /^ {2}init {2,}Create a plugin project/m);
      flow.notes.push(
        `first npx bifrost-as --help: ${r.seconds.toFixed(1)} s`,
      );
    });
    await check("npx bifrost-as init plug --sdk-spec <tarball>", async () => {
      const r = await run(
        flow,
        empty,
        "npx",
        "bifrost-as",
        "init",
        "plug",
        "--sdk-spec",
        needs(flow.tarball, "npm pack"),
      );
      expect(r, "init", /^Created plugin "plug" in /m);
    });
    await check("the project moved to another folder, the first folder deleted", async () => {
      await Deno.mkdir(elsewhere);
      flow.project = `${elsewhere}/plug`;
      await Deno.rename(`${empty}/plug`, flow.project);
      await Deno.remove(empty, { recursive: true });
      for (const needle of [ROOT, empty]) {
        const naming = await filesNaming(flow.project, needle);
        if (naming.length) throw new Error(`${naming.join(", ")} name ${needle}`);
      }
    });
    await check("npm install", async () => {
      const r = await run(flow, needs(flow.project, "init"), "npm", "install");
      expect(r, "npm install");
      // The project's allowScripts covers deno's postinstall and the tarball's prepare.
      if (/install-scripts/.test(r.stderr)) throw new Error(`npm warned about install scripts:\n  ${r.stderr.trim()}`);
      const sdk = await Deno.lstat(`${flow.project}/node_modules/bifrost-as`);
      if (!sdk.isDirectory) throw new Error("node_modules/bifrost-as is not a directory");
      await Deno.stat(`${flow.project}/package-lock.json`);
      return `${r.seconds.toFixed(1)} s`;
    });
    await check("npm test", async () => {
      const r = await run(flow, needs(flow.project, "init"), "npm", "test");
      expect(
        r,
        "npm test",
        /^4 fixtures, each under 4 free policies \(both, input, none, double\): 4 passed, 0 failed$/m,
      );
      return `${r.seconds.toFixed(1)} s`;
    });
    if (linuxX64) {
      await check(
        "the engine package beside the main tarball: npx bifrost-as test runs under V8 and wazero",
        async () => {
          const project = needs(flow.project, "init");
          const beside = `${work}/beside`;
          await Deno.mkdir(beside);
          const install = await run(
            flow,
            beside,
            "npm",
            "install",
            needs(flow.tarball, "npm pack"),
            needs(flow.engineTarball, "engine"),
          );
          expect(install, "npm install <tarball> <engine tarball>");
          // Go off PATH: the engine must come from the package, not from a build.
          const noGo = flow.env.PATH!.split(":").filter((d) => !/\/go\/bin$/.test(d)).join(":");
          const r = await run(
            { ...flow, env: { ...flow.env, PATH: noGo } },
            beside,
            "npx",
            "bifrost-as",
            "test",
            "--plugin",
            `${project}/build/plug.wasm`,
            "--fixtures",
            `${project}/fixtures`,
          );
          expect(
            r,
            "npx bifrost-as test",
            /^Engines: v8, wazero$/m,
            /^4 fixtures, each under 4 free policies \(both, input, none, double\) and 2 engines \(v8, wazero\): 8 passed, 0 failed$/m,
          );
          return `${r.seconds.toFixed(1)} s`;
        },
      );
    }
    await check("npm run e2e", async () => {
      const r = await run(flow, needs(flow.project, "init"), "npm", "run", "e2e");
      expect(r, "npm run e2e", /^ok \| 3 passed \| 0 failed/m);
      return `${r.seconds.toFixed(1)} s`;
    });
    await check("npm run dev serves the plugin", () => devServes({ ...flow, project: needs(flow.project, "init") }));
    await check("the project README's set-up on a clean tree: npm ci, npm test", async () => {
      const project = needs(flow.project, "init");
      await Deno.remove(`${project}/node_modules`, { recursive: true });
      await Deno.remove(`${project}/build`, { recursive: true });
      const ci = await run(flow, project, "npm", "ci");
      expect(ci, "npm ci");
      const test = await run(flow, project, "npm", "test");
      expect(test, "npm test", /: 4 passed, 0 failed$/m);
      flow.notes.push(
        `npm ci: ${ci.seconds.toFixed(1)} s, then the first npm test: ${test.seconds.toFixed(1)} s ` +
          `(${(ci.seconds + test.seconds).toFixed(1)} s in all)`,
      );
      return `npm ci ${ci.seconds.toFixed(1)} s, npm test ${test.seconds.toFixed(1)} s`;
    });
  } finally {
    console.log("");
    for (const note of flow.notes) console.log(note);
    if (values.keep) console.log(`Kept ${work}`);
    else await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  console.log("");
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

if (import.meta.main) await runMain(packageFlowScript);
