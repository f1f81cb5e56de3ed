import assert from "node:assert/strict";
import { defaultCredentials, dockerCredentials, parseChallenges } from "./auth.ts";

Deno.test("parseChallenges() reads basic and bearer challenges, quoted or not", () => {
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [
    { scheme: "basic", params: { realm: "Registry Realm" } },
  ]);
  assert.deepEqual(
    parseChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull",error="insufficient_scope"',
    ),
    [{
      scheme: "bearer",
      params: {
        realm: "https://auth.docker.io/token",
        service: "registry.docker.io",
        scope: "repository:library/alpine:pull",
        error: "insufficient_scope",
      },
    }],
  );
  assert.deepEqual(parseChallenges('Bearer realm=https://a.example/t, service=reg, Basic realm="x \\"y\\""'), [
    { scheme: "bearer", params: { realm: "https://a.example/t", service: "reg" } },
    { scheme: "basic", params: { realm: 'x "y"' } },
  ]);
  assert.deepEqual(parseChallenges(""), []);
});

Deno.test("dockerCredentials() reads auths entries in every form Docker writes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/config.json`,
      JSON.stringify({
        auths: {
          "https://index.docker.io/v1/": { auth: btoa("hub-user:hub:pass") },
          "127.0.0.1:5000": { username: "alice", password: "wonderland" },
          "http://registry.example.com/v2/": { auth: btoa("bob:builder") },
        },
      }),
    );
    assert.deepEqual(await dockerCredentials("docker.io", dir), { username: "hub-user", password: "hub:pass" });
    assert.deepEqual(await dockerCredentials("127.0.0.1:5000", dir), { username: "alice", password: "wonderland" });
    assert.deepEqual(await dockerCredentials("registry.example.com", dir), { username: "bob", password: "builder" });
    assert.equal(await dockerCredentials("ghcr.io", dir), undefined);
    assert.equal(await dockerCredentials("ghcr.io", `${dir}/missing`), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dockerCredentials() asks a credential helper named by credHelpers", async () => {
  const dir = await Deno.makeTempDir();
  const path = Deno.env.get("PATH") ?? "";
  try {
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ credHelpers: { "ghcr.io": "fake" } }));
    // The helper echoes the server it was asked about, proving the protocol (server URL on stdin).
    await Deno.writeTextFile(
      `${dir}/docker-credential-fake`,
      '#!/bin/sh\nread server\nprintf \'{"ServerURL":"%s","Username":"helper-user","Secret":"s-%s"}\' "$server" "$server"\n',
    );
    await Deno.chmod(`${dir}/docker-credential-fake`, 0o755);
    Deno.env.set("PATH", `${dir}:${path}`);
    assert.deepEqual(await dockerCredentials("ghcr.io", dir), { username: "helper-user", password: "s-ghcr.io" });
  } finally {
    Deno.env.set("PATH", path);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("defaultCredentials() gives explicit credentials only to the registry they were given for", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ auths: { "docker.io": { auth: btoa("d:p") } } }));
    const provider = defaultCredentials({ registry: "ghcr.io", credentials: { username: "u", password: "p" } }, dir);
    assert.deepEqual(await provider("ghcr.io"), { username: "u", password: "p" });
    assert.deepEqual(await provider("docker.io"), { username: "d", password: "p" });
    assert.equal(await provider("quay.io"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
