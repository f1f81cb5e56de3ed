import assert from "node:assert/strict";
import { pullPlugin } from "../../lib/oci/pull.ts";
import { RegistryClient } from "../../lib/oci/registry.ts";
import { baseImage } from "../../testing/oci_images.ts";
import { hasRegistry, NO_REGISTRY, startRegistry } from "../../testing/registry.ts";
import { runCli } from "../../testing/cli.ts";

const WASM_PATH = new URL("../../build/hello-world.wasm", import.meta.url).pathname;
const WASM = await Deno.readFile(WASM_PATH);
const NAME = "hello-world-wasm-typescript";
const ignore = !hasRegistry;
const suffix = ignore ? ` (ignored: ${NO_REGISTRY})` : "";

/** An environment without the developer's own credentials. */
async function cleanEnv(): Promise<{ env: Record<string, string>; dir: string }> {
  const dir = await Deno.makeTempDir();
  return {
    dir,
    env: { DOCKER_CONFIG: dir, BIFROST_AS_REGISTRY_USER: "", BIFROST_AS_REGISTRY_PASSWORD: "", BIFROST_IMAGE: "" },
  };
}

Deno.test(
  { name: `cli push prints the digest, the pinned reference and a config.json entry${suffix}`, ignore },
  async () => {
    await using reg = await startRegistry();
    const { env, dir } = await cleanEnv();
    try {
      const ref = `${reg.host}/plugins/hello:1.0.0`;
      const r = await runCli(["push", WASM_PATH, ref, "--version", "1.0.0"], { env });
      assert.equal(r.code, 0, r.stderr);
      const digest = r.stdout.match(/^Digest: (sha256:[0-9a-f]{64})$/m)?.[1];
      assert.ok(digest, r.stdout);
      assert.match(r.stdout, new RegExp(`^Pushed ${reg.host}/plugins/hello:1\\.0\\.0 in \\d+\\.\\d\\ds$`, "m"));
      assert.match(r.stdout, new RegExp(`^Reference: ${reg.host}/plugins/hello@${digest}$`, "m"));
      const entry = JSON.parse(r.stdout.split("Bifrost config.json plugin entry:\n")[1]!.split("\n}")[0] + "\n}");
      assert.deepEqual(entry, { enabled: true, name: NAME, path: `/app/plugins/${NAME}.wasm`, config: {} });
      assert.match(
        r.stdout,
        new RegExp(`bifrost-as pull ${reg.host}/plugins/hello@${digest} --out /app/plugins/${NAME}\\.wasm$`, "m"),
      );
      assert.match(r.stderr, /^Pushing hello-world-wasm-typescript \(artifact, [\d.]+ KB\) to .*\.\.\.$/m);
      assert.match(r.stderr, /^ {2}sha256:[0-9a-f]{12} uploaded \([\d.]+ KB\)$/m);

      const pulled = await pullPlugin(`${reg.host}/plugins/hello@${digest}`);
      assert.deepEqual(pulled.wasm, WASM);
      assert.equal(pulled.manifestDigest, digest);

      const json = await runCli(
        ["push", WASM_PATH, `${reg.host}/plugins/hello-compat`, "--format", "compat", "--json"],
        { env },
      );
      assert.equal(json.code, 0, json.stderr);
      const result = JSON.parse(json.stdout);
      assert.equal(result.tag, "latest");
      assert.equal(result.format, "compat");
      assert.deepEqual(result.blobs, { uploaded: 2, exists: 0, mounted: 0 });
      assert.equal((await pullPlugin(`${reg.host}/plugins/hello-compat`)).manifestDigest, result.digest);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test({ name: `cli push --format bifrost builds on --base read from the registry${suffix}`, ignore }, async () => {
  await using reg = await startRegistry();
  const { env, dir } = await cleanEnv();
  try {
    await new RegistryClient(reg.host).pushImage("base/bifrost", "1", await baseImage());
    const r = await runCli([
      "push",
      WASM_PATH,
      `${reg.host}/plugins/bifrost-hello:1`,
      "--format",
      "bifrost",
      "--with-config",
      "--json",
    ], { env: { ...env, BIFROST_IMAGE: `${reg.host}/base/bifrost:1` } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^Reading base image ${reg.host}/base/bifrost:1\\.\\.\\.$`, "m"));
    assert.match(r.stderr, /mounted/);
    const result = JSON.parse(r.stdout);
    assert.deepEqual(result.blobs, { uploaded: 2, exists: 0, mounted: 1 });
    const pulled = await pullPlugin(`${reg.host}/plugins/bifrost-hello:1`);
    assert.equal(pulled.format, "bifrost");
    assert.deepEqual(pulled.wasm, WASM);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(
  { name: `cli push authenticates with --password-stdin, the environment or Docker's config${suffix}`, ignore },
  async () => {
    await using reg = await startRegistry({ auth: "basic" });
    const { env, dir } = await cleanEnv();
    try {
      const push = (tag: string, args: string[], extra: { stdin?: string; env?: Record<string, string> } = {}) =>
        runCli(["push", WASM_PATH, `${reg.host}/plugins/hello:${tag}`, ...args], {
          ...(extra.stdin !== undefined ? { stdin: extra.stdin } : {}),
          env: { ...env, ...extra.env },
        });
      const [stdin, fromEnv, wrong, none, noStdin] = await Promise.all([
        push("stdin", ["--username", "alice", "--password-stdin"], { stdin: "wonderland\n" }),
        push("env", [], { env: { BIFROST_AS_REGISTRY_USER: "alice", BIFROST_AS_REGISTRY_PASSWORD: "wonderland" } }),
        push("wrong", ["--username", "alice", "--password-stdin"], { stdin: "s3cr3t-guess\n" }),
        push("none", []),
        push("nostdin", ["--username", "alice"]),
      ]);
      assert.equal(stdin.code, 0, stdin.stderr);
      assert.equal(fromEnv.code, 0, fromEnv.stderr);
      assert.equal(wrong.code, 1);
      assert.match(
        wrong.stderr,
        new RegExp(`^error: Authentication failed for "${reg.host}": the registry refused user "alice"\\n$`, "m"),
      );
      assert.doesNotMatch(wrong.stdout + wrong.stderr, /s3cr3t-guess/);
      assert.equal(none.code, 1);
      assert.match(none.stderr, new RegExp(`error: Authentication required by "${reg.host}": no credentials found`));
      assert.equal(noStdin.code, 2);
      assert.equal(noStdin.stderr, `error: --username "alice" needs --password-stdin\n`);

      await Deno.writeTextFile(
        `${dir}/config.json`,
        JSON.stringify({ auths: { [reg.host]: { auth: btoa("alice:wonderland") } } }),
      );
      const docker = await push("docker", []);
      assert.equal(docker.code, 0, docker.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
