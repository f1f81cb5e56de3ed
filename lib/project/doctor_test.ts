import assert from "node:assert/strict";
import { type DoctorCheck, doctorExitCode, formatDoctor, runDoctor } from "./doctor.ts";

const TOOLKIT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** A fake engine API on a unix socket: answers /_ping, /version and one image. */
function fakeEngine(path: string, image: string): Deno.HttpServer {
  return Deno.serve({ path, onListen() {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/_ping") return new Response("OK");
    if (url.pathname === "/version") {
      return Response.json({ Version: "28.2.2", ApiVersion: "1.50", Components: [{ Name: "Engine" }] });
    }
    if (url.pathname === `/images/${encodeURIComponent(image)}/json`) return Response.json({ Id: "sha256:1" });
    return new Response("no such image", { status: 404 });
  });
}

const byName = (checks: DoctorCheck[]) => Object.fromEntries(checks.map((c) => [c.name, c]));

Deno.test("runDoctor() finds the engine, the image and the registries it has credentials for", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/bin`);
    await Deno.writeTextFile(`${dir}/bin/podman`, "#!/bin/sh\n", { mode: 0o755 });
    await Deno.mkdir(`${dir}/home/.docker`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/home/.docker/config.json`,
      JSON.stringify({ auths: { "https://ghcr.io": { auth: btoa("u:secret-pat") } }, credHelpers: { "quay.io": "x" } }),
    );
    const socket = `${dir}/engine.sock`;
    await using _engine = fakeEngine(socket, "acme/bifrost:1.4");
    const env: Record<string, string> = {
      PATH: `${dir}/bin`,
      HOME: `${dir}/home`,
      DOCKER_HOST: `unix://${socket}`,
      BIFROST_IMAGE: "acme/bifrost:1.4",
    };
    const checks = byName(await runDoctor({ env: (n) => env[n], cwd: dir }));
    assert.deepEqual(checks["Container engine"], {
      name: "Container engine",
      required: false,
      status: "ok",
      detail: `podman (${dir}/bin/podman)`,
    });
    assert.equal(checks["Engine API"]?.status, "ok");
    assert.equal(checks["Engine API"]?.detail, `unix://${socket} (Engine 28.2.2, API 1.50)`);
    assert.deepEqual(checks["BIFROST_IMAGE"], {
      name: "BIFROST_IMAGE",
      required: false,
      status: "ok",
      detail: '"acme/bifrost:1.4", present locally',
    });
    assert.equal(checks["Registry credentials"]?.status, "ok");
    assert.equal(checks["Registry credentials"]?.detail, `${dir}/home/.docker/config.json: ghcr.io, quay.io`);
    assert.doesNotMatch(JSON.stringify(checks), /secret-pat/);
    assert.equal(checks["SDK"], undefined, "not a plugin project");

    env.BIFROST_IMAGE = "acme/other:2";
    const other = byName(await runDoctor({ env: (n) => env[n], cwd: dir }));
    assert.equal(other["BIFROST_IMAGE"]?.status, "warn");
    assert.equal(
      other["BIFROST_IMAGE"]?.fix,
      "docker pull acme/other:2 (or podman pull), after logging in to its registry if it is private",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runDoctor() warns about what is missing and fails on toolchain pins that do not match", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A toolkit whose pins differ from what is installed in it.
    const toolkit = `${dir}/toolkit`;
    await Deno.mkdir(`${toolkit}/node_modules/json-as`, { recursive: true });
    await Deno.writeTextFile(`${toolkit}/package.json`, JSON.stringify({ devDependencies: { deno: "2.0.0" } }));
    await Deno.writeTextFile(
      `${toolkit}/deno.json`,
      JSON.stringify({
        imports: {
          assemblyscript: "npm:assemblyscript@0.0.1",
          "json-as": "npm:json-as@1.6.0",
          "xjb-as": "npm:xjb-as@0.1.0",
        },
      }),
    );
    await Deno.writeTextFile(`${toolkit}/node_modules/json-as/package.json`, JSON.stringify({ version: "1.5.0" }));
    // A plugin project whose SDK is not installed.
    await Deno.writeTextFile(`${dir}/asconfig.json`, '{"extends": "./node_modules/bifrost-as/asconfig.sdk.json"}');
    const env: Record<string, string> = { PATH: "", HOME: `${dir}/nohome`, DOCKER_HOST: `unix://${dir}/none.sock` };
    const list = await runDoctor({ env: (n) => env[n], cwd: dir, toolkitDir: toolkit, timeoutMs: 500 });
    const checks = byName(list);
    assert.equal(checks["Deno"]?.status, Deno.version.deno === "2.0.0" ? "ok" : "warn");
    assert.equal(checks["AssemblyScript"]?.status, "fail");
    assert.match(checks["AssemblyScript"]!.detail, /but the toolkit pins 0\.0\.1$/);
    assert.equal(checks["json-as"]?.detail, `1.5.0, in ${toolkit}/node_modules, but the toolkit pins 1.6.0`);
    assert.equal(checks["xjb-as"]?.status, "fail");
    assert.equal(checks["xjb-as"]?.fix, `run 'deno install' in ${toolkit}`);
    assert.equal(checks["SDK"]?.status, "warn");
    assert.equal(checks["SDK"]?.fix, "run 'npm ci' (or 'npm install') in the project");
    assert.equal(checks["Container engine"]?.status, "warn");
    assert.match(checks["Engine API"]!.detail, new RegExp(`^nothing answers at unix://${dir}/none\\.sock, `));
    assert.equal(checks["BIFROST_IMAGE"]?.detail, "not set");
    assert.equal(checks["Registry credentials"]?.detail, "none found");
    assert.equal(doctorExitCode(list), 1);
    const text = formatDoctor(list);
    assert.match(
      text,
      /^FAIL {2}json-as: 1\.5\.0, in .*, but the toolkit pins 1\.6\.0\n {6}fix: run 'deno install' in the toolkit/m,
    );
    assert.match(text, /3 required checks failed: building and testing plugins will not work$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runDoctor() passes the toolkit it runs from, and a project that has it installed", async () => {
  const env: Record<string, string> = { PATH: "", HOME: "/nonexistent", DOCKER_HOST: "unix:///nonexistent.sock" };
  const list = await runDoctor({ env: (n) => env[n], toolkitDir: TOOLKIT, cwd: TOOLKIT, timeoutMs: 500 });
  assert.equal(doctorExitCode(list), 0, formatDoctor(list));
  for (const name of ["AssemblyScript", "json-as", "xjb-as"]) assert.equal(byName(list)[name]?.status, "ok");

  const project = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${project}/asconfig.json`, '{"extends": "./node_modules/bifrost-as/asconfig.sdk.json"}');
    await Deno.mkdir(`${project}/node_modules`);
    await Deno.symlink(TOOLKIT, `${project}/node_modules/bifrost-as`);
    const version = JSON.parse(await Deno.readTextFile(`${TOOLKIT}/package.json`)).version;
    const sdk = byName(await runDoctor({ env: (n) => env[n], cwd: project, timeoutMs: 500 }))["SDK"];
    assert.deepEqual(sdk, {
      name: "SDK",
      required: false,
      status: "ok",
      detail: `node_modules/bifrost-as -> ${await Deno.realPath(TOOLKIT)}, version ${version}`,
    });
  } finally {
    await Deno.remove(project, { recursive: true });
  }
});
