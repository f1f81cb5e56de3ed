/**
 * The registry client against a real registry (Debian's docker-registry,
 * distribution 2.8) and its output checked by a real third-party client
 * (skopeo). Needs scripts/install-registry-tools.sh.
 */
import assert from "node:assert/strict";
import { RegistryError } from "../errors.ts";
import { sha256Digest } from "./digest.ts";
import { createImage, type Image } from "./image.ts";
import { readLayout, writeLayout } from "./layout.ts";
import { MediaType } from "./media_types.ts";
import { packagePlugin } from "./package.ts";
import { pullPlugin } from "./pull.ts";
import { RegistryClient, type RegistryEvent } from "./registry.ts";
import { baseImage } from "../../testing/oci_images.ts";
import { anyOf, firstN, startProxy } from "../../testing/registry_proxy.ts";
import { hasRegistry, hasSkopeo, NO_REGISTRY, startRegistry } from "../../testing/registry.ts";

const WASM = await Deno.readFile(new URL("../../build/hello-world.wasm", import.meta.url));
const NAME = "hello-world-wasm-typescript";
const ALICE = () => Promise.resolve({ username: "alice", password: "wonderland" });
const FAST_RETRY = { attempts: 3, baseDelayMs: 10 };
const dec = new TextDecoder();

/** Registry tests: ignored, with the reason in the name, only when the tools are missing. */
function registryTest(name: string, fn: () => Promise<void>): void {
  const missing = !hasRegistry || !hasSkopeo;
  Deno.test({ name: missing ? `${name} (ignored: ${NO_REGISTRY})` : name, ignore: missing, fn });
}

async function cmd(bin: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(bin, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${bin} ${args.join(" ")} exited ${out.code}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

const skopeo = (...args: string[]) => cmd("skopeo", ...args);

/** Extracts a gzipped layer blob with the system's tar, independently of our reader. */
async function untar(blob: string, into: string): Promise<void> {
  await Deno.mkdir(into, { recursive: true });
  await cmd("tar", "-xzf", blob, "-C", into);
}

async function gunzipped(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** An image with a random layer of `size` bytes, for chunking and mid-push faults. */
async function bigImage(size: number): Promise<{ image: Image; data: Uint8Array }> {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(size, i + 65536)));
  const image = await createImage({ mediaType: MediaType.WasmConfig, data: new TextEncoder().encode("{}") }, [
    { mediaType: "application/octet-stream", data },
  ]);
  return { image, data };
}

registryTest("pushImage() stores artifact and compat packages that skopeo reads byte for byte", async () => {
  await using reg = await startRegistry();
  const dir = await Deno.makeTempDir();
  try {
    const client = new RegistryClient(reg.host);
    for (const format of ["artifact", "compat"] as const) {
      const pkg = await packagePlugin(WASM, { format, version: "1.0.0" });
      const repo = `plugins/${format}`;
      const result = await client.pushImage(repo, "1.0.0", pkg.image);
      assert.equal(result.digest, pkg.image.digest);
      assert.deepEqual(result.blobs, { uploaded: 2, exists: 0, mounted: 0 });

      const ref = `docker://${reg.host}/${repo}:1.0.0`;
      assert.equal(await skopeo("inspect", "--tls-verify=false", "--raw", ref), dec.decode(pkg.image.manifestBytes));
      await skopeo("copy", "--src-tls-verify=false", ref, `oci:${dir}/${format}:1.0.0`);
      const copied = JSON.parse(await Deno.readTextFile(`${dir}/${format}/index.json`)).manifests[0];
      assert.equal(copied.digest, pkg.image.digest, "skopeo copied the manifest unchanged");
      const blob = (digest: string) => `${dir}/${format}/blobs/sha256/${digest.slice(7)}`;
      const [layer] = pkg.image.manifest.layers;
      assert.equal(
        pkg.image.manifest.config.mediaType,
        format === "artifact" ? MediaType.WasmConfig : MediaType.OciConfig,
      );
      assert.equal(layer!.mediaType, format === "artifact" ? MediaType.WasmLayer : MediaType.OciLayerGzip);
      if (format === "artifact") {
        assert.deepEqual(await Deno.readFile(blob(layer!.digest)), WASM);
      } else {
        await untar(blob(layer!.digest), `${dir}/rootfs`);
        assert.deepEqual(await Deno.readFile(`${dir}/rootfs/plugin.wasm`), WASM);
        const config = JSON.parse(await skopeo("inspect", "--tls-verify=false", "--config", ref));
        const diffId = await sha256Digest(await gunzipped(await Deno.readFile(blob(layer!.digest))));
        assert.deepEqual(config.rootfs.diff_ids, [diffId]);
        const inspected = JSON.parse(await skopeo("inspect", "--tls-verify=false", ref));
        assert.deepEqual(inspected.Layers, [layer!.digest]);
        assert.equal(inspected.Labels["dev.bifrost-as.plugin.name"], NAME);
      }

      const pulled = await pullPlugin(`${reg.host}/${repo}:1.0.0`);
      assert.deepEqual(pulled.wasm, WASM);
      assert.equal(pulled.format, format);
      assert.equal(pulled.manifestDigest, pkg.image.digest);
      assert.equal(pulled.reference, `${reg.host}/${repo}@${pkg.image.digest}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

registryTest("skopeo copies our OCI layout directory and .tar archive to the registry unchanged", async () => {
  await using reg = await startRegistry();
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [format, out, transport] of [["artifact", "layout", "oci"], [
        "compat",
        "layout.tar",
        "oci-archive",
      ]] as const
    ) {
      const pkg = await packagePlugin(WASM, { format });
      await writeLayout(`${dir}/${out}`, pkg.image, { tag: "v1" });
      await skopeo(
        "copy",
        "--dest-tls-verify=false",
        `${transport}:${dir}/${out}:v1`,
        `docker://${reg.host}/from/${format}:v1`,
      );
      const pulled = await pullPlugin(`${reg.host}/from/${format}:v1`);
      assert.equal(pulled.manifestDigest, pkg.image.digest);
      assert.deepEqual(pulled.wasm, WASM);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

registryTest(
  "pushImage() skips blobs the registry has, uploads large ones in chunks, mounts across repositories",
  async () => {
    await using reg = await startRegistry();
    const requests: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = new URL(input instanceof Request ? input.url : String(input));
      requests.push(
        `${init?.method ?? "GET"} ${url.pathname}${url.searchParams.has("mount") ? " mount" : ""} ${res.status}`,
      );
      return res;
    };
    const events: RegistryEvent[] = [];
    const client = new RegistryClient(reg.host, {
      fetch: recording,
      chunkSize: 64 * 1024,
      onEvent: (e) => events.push(e),
    });
    const { image, data } = await bigImage(200_000);

    assert.deepEqual((await client.pushImage("a/big", "v1", image)).blobs, { uploaded: 2, exists: 0, mounted: 0 });
    assert.equal(requests.filter((r) => r.startsWith("PATCH") && r.endsWith(" 202")).length, 4);
    assert.deepEqual(events.filter((e) => e.type === "chunk").map((e) => e.type === "chunk" && e.sent), [
      65536,
      131072,
      196608,
      200000,
    ]);

    requests.length = 0;
    assert.deepEqual((await client.pushImage("a/big", "v2", image)).blobs, { uploaded: 0, exists: 2, mounted: 0 });
    assert.deepEqual(requests.map((r) => r.split(" ")[0]), ["HEAD", "HEAD", "PUT"]);

    requests.length = 0;
    const remote = await client.readImage("a/big", "v1");
    assert.deepEqual((await client.pushImage("b/big", "v1", remote)).blobs, { uploaded: 0, exists: 0, mounted: 2 });
    assert.equal(requests.filter((r) => r.startsWith("POST") && r.includes(" mount 201")).length, 2);
    assert.deepEqual(await client.fetchBlob("b/big", image.manifest.layers[0]!), data);
  },
);

/** Pushes hello-world as alice, pulls it back byte for byte, and has skopeo read it with the same credentials. */
async function pushPullAsAlice(host: string) {
  const pkg = await packagePlugin(WASM);
  await new RegistryClient(host, { credentials: ALICE }).pushImage("plugins/hello", "1", pkg.image);
  assert.deepEqual((await pullPlugin(`${host}/plugins/hello:1`, { credentials: ALICE })).wasm, WASM);
  await skopeo(
    "inspect",
    "--tls-verify=false",
    "--raw",
    "--creds",
    "alice:wonderland",
    `docker://${host}/plugins/hello:1`,
  );
  return pkg;
}

registryTest("basic auth: the right credentials push and pull, wrong or missing ones fail clearly", async () => {
  await using reg = await startRegistry({ auth: "basic" });
  const pkg = await pushPullAsAlice(reg.host);

  const wrong = () => Promise.resolve({ username: "alice", password: "not-the-password" });
  await assert.rejects(
    new RegistryClient(reg.host, { credentials: wrong }).pushImage("plugins/hello", "2", pkg.image),
    (e) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(e.message, `Authentication failed for "${reg.host}": the registry refused user "alice"`);
      return true;
    },
  );
  await assert.rejects(
    pullPlugin(`${reg.host}/plugins/hello:1`, { credentials: () => Promise.resolve(undefined) }),
    (e) => {
      assert.ok(e instanceof RegistryError);
      assert.match(
        e.message,
        new RegExp(`^Authentication required by "${reg.host}": no credentials found \\(give credentials, set `),
      );
      assert.equal(e.field, "credentials");
      return true;
    },
  );
});

registryTest("token auth: scoped bearer tokens from the issuer the registry names", async () => {
  await using reg = await startRegistry({ auth: "token" });
  const pkg = await pushPullAsAlice(reg.host);
  const granted = reg.issuer!.requests.filter((r) => r.granted);
  assert.ok(granted.some((r) => r.account === "alice" && r.scopes.includes("repository:plugins/hello:pull,push")));
  assert.ok(granted.some((r) => r.account === "alice" && r.scopes.includes("repository:plugins/hello:pull")));

  const wrong = () => Promise.resolve({ username: "alice", password: "nope" });
  await assert.rejects(pullPlugin(`${reg.host}/plugins/hello:1`, { credentials: wrong }), (e) => {
    assert.ok(e instanceof RegistryError);
    assert.equal(e.message, `Authentication failed for "${reg.host}": the token service refused user "alice"`);
    return true;
  });
  await assert.rejects(
    new RegistryClient(reg.host, { credentials: () => Promise.resolve(undefined) }).pushImage(
      "plugins/x",
      "1",
      pkg.image,
    ),
    /^RegistryError: Authentication failed for ".*": the token service refused anonymous access$/,
  );
});

registryTest(
  "faults: 500s and dropped connections from a proxy are retried until the push and pull succeed",
  async () => {
    await using reg = await startRegistry();
    const isUploadPut = (r: { method: string; path: string }) =>
      r.method === "PUT" && r.path.includes("/blobs/uploads/");
    // Deno's HTTP client silently resends a request once when a reused keep-alive connection drops,
    // so three drops in a row make sure some reach the client's own retries.
    await using proxy = await startProxy(
      reg.host,
      anyOf(
        firstN(2, isUploadPut, 500),
        firstN(3, (r) => r.method === "PUT" && r.path.includes("/manifests/"), "drop"),
        firstN(1, (r) => r.method === "GET" && r.path.includes("/manifests/"), 503),
        firstN(3, (r) => r.method === "GET" && r.path.includes("/blobs/sha256:"), "drop"),
      ),
    );
    const retries: string[] = [];
    const onEvent = (e: RegistryEvent) => e.type === "retry" && retries.push(e.error);
    const pkg = await packagePlugin(WASM);
    const result = await new RegistryClient(proxy.host, { retry: FAST_RETRY, onEvent }).pushImage(
      "plugins/hello",
      "1",
      pkg.image,
    );
    assert.equal(result.digest, pkg.image.digest);
    const pulled = await pullPlugin(`${proxy.host}/plugins/hello:1`, { retry: FAST_RETRY, onEvent });
    assert.deepEqual(pulled.wasm, WASM);

    assert.equal(proxy.requests.filter((r) => r.action === "drop").length, 6);
    const answered = retries.filter((r) => r.includes(" answered "));
    assert.equal(answered.length, 3, retries.join("\n"));
    assert.match(answered[0]!, /answered 500: UNKNOWN injected fault to PUT \/v2\/plugins\/hello\/blobs\/uploads\//);
    assert.match(answered[2]!, /answered 503: UNKNOWN injected fault to GET \/v2\/plugins\/hello\/manifests\/1$/);
    const dropped = retries.filter((r) =>
      r.startsWith(`cannot reach "${proxy.host}"`) || r.startsWith("connection to")
    );
    assert.ok(dropped.length >= 2, retries.join("\n"));
  },
);

registryTest(
  "faults: exhausted retries give a clear error and leave no tag; corrupted blobs and manifests are refused",
  async () => {
    await using reg = await startRegistry();
    const direct = new RegistryClient(reg.host);
    const pkg = await packagePlugin(WASM);
    {
      await using proxy = await startProxy(
        reg.host,
        (r) => r.method === "PUT" && r.path.includes("/blobs/uploads/") ? 500 : "forward",
      );
      await assert.rejects(
        new RegistryClient(proxy.host, { retry: FAST_RETRY }).pushImage("plugins/hello", "1", pkg.image),
        (e) => {
          assert.ok(e instanceof RegistryError);
          assert.match(
            e.message,
            /^Cannot upload blob "sha256:[0-9a-f]{64}" to "127\.0\.0\.1:\d+\/plugins\/hello": "127\.0\.0\.1:\d+" answered 500: UNKNOWN injected fault to PUT \/v2\/plugins\/hello\/blobs\/uploads\/\S+ \(gave up after 3 attempts\)$/,
          );
          return true;
        },
      );
      await assert.rejects(direct.fetchManifest("plugins/hello", "1"), (e) => {
        assert.ok(e instanceof RegistryError);
        assert.match(e.message, /Manifest "1" not found in/);
        assert.equal(e.status, 404);
        assert.equal(e.reference, `${reg.host}/plugins/hello:1`);
        return true;
      });
    }
    await direct.pushImage("plugins/hello", "1", pkg.image);
    {
      await using proxy = await startProxy(
        reg.host,
        (r) => r.method === "GET" && r.path.includes("/blobs/") ? "corrupt" : "forward",
      );
      await assert.rejects(pullPlugin(`${proxy.host}/plugins/hello:1`), (e) => {
        assert.ok(e instanceof RegistryError);
        assert.match(
          e.message,
          /^Digest mismatch for blob "sha256:[0-9a-f]{64}" from "127\.0\.0\.1:\d+\/plugins\/hello": expected "sha256:[0-9a-f]{64}", the content is "sha256:[0-9a-f]{64}"$/,
        );
        return true;
      });
    }
    {
      await using proxy = await startProxy(
        reg.host,
        (r) => r.method === "GET" && r.path.includes("/manifests/") ? "corrupt" : "forward",
      );
      for (const ref of ["1", pkg.image.digest]) {
        await assert.rejects(pullPlugin(`${proxy.host}/plugins/hello${ref === "1" ? ":1" : `@${ref}`}`), (e) => {
          assert.ok(e instanceof RegistryError);
          assert.match(
            e.message,
            new RegExp(`^Digest mismatch for manifest "${ref}" from .*: expected "${pkg.image.digest}"`),
          );
          return true;
        });
      }
    }
  },
);

registryTest("faults: a registry stopped mid-push leaves no tag, and the next push completes", async () => {
  await using reg = await startRegistry();
  const { image, data } = await bigImage(1_000_000);
  let killed: Promise<void> | undefined;
  const client = new RegistryClient(reg.host, {
    chunkSize: 64 * 1024,
    retry: FAST_RETRY,
    onEvent: (e) => {
      if (e.type === "chunk" && !killed) killed = reg.kill();
    },
  });
  await assert.rejects(client.pushImage("plugins/big", "v1", image), (e) => {
    assert.ok(e instanceof RegistryError);
    assert.match(
      e.message,
      /^Cannot upload blob "sha256:[0-9a-f]{64}" to ".*": cannot reach "127\.0\.0\.1:\d+": .+ \(gave up after 3 attempts\)$/,
    );
    return true;
  });
  await killed;
  await reg.start(); // same port, same storage
  const again = new RegistryClient(reg.host);
  await assert.rejects(again.fetchManifest("plugins/big", "v1"), /Manifest "v1" not found/);
  const result = await again.pushImage("plugins/big", "v1", image);
  assert.equal(result.blobs.exists, 1, "the config made it before the registry stopped");
  assert.deepEqual(await again.fetchBlob("plugins/big", image.manifest.layers[0]!), data);
});

registryTest(
  "bifrost format: built on a base image from the registry; skopeo sees the added layer, diff_ids and plugin path",
  async () => {
    await using reg = await startRegistry();
    const dir = await Deno.makeTempDir();
    try {
      const client = new RegistryClient(reg.host);
      const base = await baseImage({ configJson: { plugins: [{ enabled: true, name: "telemetry", config: {} }] } });
      await client.pushImage("base/bifrost", "1.0", base);
      const baseName = `${reg.host}/base/bifrost:1.0`;
      const pkg = await packagePlugin(WASM, {
        format: "bifrost",
        base: await client.readImage("base/bifrost", "1.0"),
        baseName,
        withConfig: true,
      });
      const result = await client.pushImage("plugins/bifrost-hello", "1.0", pkg.image);
      assert.deepEqual(result.blobs, { uploaded: 2, exists: 0, mounted: 1 });

      const ref = `docker://${reg.host}/plugins/bifrost-hello:1.0`;
      const inspected = JSON.parse(await skopeo("inspect", "--tls-verify=false", ref));
      const [baseLayer, added] = pkg.image.manifest.layers;
      assert.deepEqual(inspected.Layers, [base.manifest.layers[0]!.digest, added!.digest]);
      assert.equal(baseLayer!.digest, base.manifest.layers[0]!.digest);
      assert.equal(inspected.Labels["dev.bifrost-as.plugin.path"], `/app/plugins/${NAME}.wasm`);
      assert.equal(inspected.Labels["org.opencontainers.image.base.name"], baseName);
      assert.equal(inspected.Labels.vendor, "test");

      const config = JSON.parse(await skopeo("inspect", "--tls-verify=false", "--config", ref));
      const baseConfig = JSON.parse(dec.decode(await base.config.read()));
      await skopeo("copy", "--src-tls-verify=false", ref, `oci:${dir}/img:1.0`);
      const addedBlob = await Deno.readFile(`${dir}/img/blobs/sha256/${added!.digest.slice(7)}`);
      assert.deepEqual(config.rootfs.diff_ids, [
        ...baseConfig.rootfs.diff_ids,
        await sha256Digest(await gunzipped(addedBlob)),
      ]);
      assert.deepEqual(config.config.Entrypoint, ["/app/bifrost"]);
      assert.equal(config.history.length, 2);
      assert.equal(config.history[1].created_by, "bifrost-as package --format bifrost");

      await untar(`${dir}/img/blobs/sha256/${added!.digest.slice(7)}`, `${dir}/rootfs`);
      assert.deepEqual(await Deno.readFile(`${dir}/rootfs/app/plugins/${NAME}.wasm`), WASM);
      assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/rootfs/app/data/config.json`)).plugins, [
        { enabled: true, name: "telemetry", config: {} },
        { enabled: true, name: NAME, path: `/app/plugins/${NAME}.wasm`, config: {} },
      ]);

      const pulled = await pullPlugin(`${reg.host}/plugins/bifrost-hello:1.0`);
      assert.equal(pulled.format, "bifrost");
      assert.equal(pulled.imagePath, `/app/plugins/${NAME}.wasm`);
      assert.deepEqual(pulled.wasm, WASM);
      // The layout skopeo wrote reads back through ours too.
      assert.equal((await readLayout(`${dir}/img`, { tag: "1.0" })).digest, pkg.image.digest);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

// Offline: the client's HTTP behaviour against scripted answers.

const DIGEST = `sha256:${"a".repeat(64)}`;

/** A fetch that answers from a list, recording what was asked. */
function scripted(answers: (() => Response)[]): { fetch: typeof fetch; seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    fetch: (input, init) => {
      seen.push(`${init?.method ?? "GET"} ${new URL(String(input)).pathname}`);
      const next = answers.shift();
      if (!next) throw new Error("unexpected request");
      return Promise.resolve(next());
    },
  };
}

Deno.test("RegistryClient waits as long as Retry-After asks, and gives up at once on a long rate limit", async () => {
  const events: RegistryEvent[] = [];
  const ok = scripted([
    () => new Response("", { status: 429, headers: { "Retry-After": "0" } }),
    () => new Response(null, { status: 200, headers: { "Content-Length": "3" } }),
  ]);
  const client = new RegistryClient("127.0.0.1:5000", {
    fetch: ok.fetch,
    retry: { baseDelayMs: 5000 },
    onEvent: (e) => events.push(e),
  });
  assert.equal(await client.hasBlob("a", { mediaType: "x", digest: DIGEST, size: 3 }), true);
  assert.deepEqual(events.map((e) => e.type === "retry" && e.delayMs), [0]);

  const limited = scripted([() => new Response("", { status: 429, headers: { "Retry-After": "3600" } })]);
  await assert.rejects(
    new RegistryClient("127.0.0.1:5000", { fetch: limited.fetch }).hasBlob("a", {
      mediaType: "x",
      digest: DIGEST,
      size: 3,
    }),
    (e) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(
        e.message,
        `Cannot check blob "${DIGEST}" in "127.0.0.1:5000/a": "127.0.0.1:5000" answered 429 to HEAD /v2/a/blobs/${DIGEST}: it asks to retry after 3600 s; try again later`,
      );
      return true;
    },
  );
  assert.equal(limited.seen.length, 1);
});

Deno.test("RegistryClient follows blob redirects without sending registry credentials to other hosts", async () => {
  const headers: (string | null)[] = [];
  const data = new TextEncoder().encode("abc");
  const digest = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  const answers: ((init?: RequestInit) => Response)[] = [
    () => new Response(null, { status: 401, headers: { "WWW-Authenticate": 'Basic realm="r"' } }),
    () => new Response(null, { status: 307, headers: { Location: "https://cdn.example/blob?sig=1" } }),
    () => new Response(data, { status: 200 }),
  ];
  const fetchFn: typeof fetch = (_input, init) => {
    headers.push(new Headers(init?.headers).get("Authorization"));
    return Promise.resolve(answers.shift()!(init));
  };
  const client = new RegistryClient("registry.example", {
    fetch: fetchFn,
    credentials: () => Promise.resolve({ username: "u", password: "p" }),
  });
  assert.deepEqual(await client.fetchBlob("a", { mediaType: "x", digest, size: 3 }), data);
  assert.deepEqual(headers, [null, `Basic ${btoa("u:p")}`, null]);
});

Deno.test("RegistryClient stops at a TLS failure and names plainHttp", async () => {
  let calls = 0;
  const fetchFn: typeof fetch = () => {
    calls++;
    const error = new TypeError("fetch failed");
    (error as { cause?: unknown }).cause = new Error(
      "error sending request for url (https://10.0.0.5:5000/v2/a/manifests/1): client error (Connect): received corrupt message of type InvalidContentType",
    );
    return Promise.reject(error);
  };
  await assert.rejects(new RegistryClient("10.0.0.5:5000", { fetch: fetchFn }).fetchManifest("a", "1"), (e) => {
    assert.ok(e instanceof RegistryError);
    assert.equal(
      e.message,
      `Cannot reach "10.0.0.5:5000" over HTTPS: received corrupt message of type InvalidContentType; a registry that speaks plain HTTP needs plainHttp`,
    );
    assert.equal(e.field, "plainHttp");
    assert.equal(e.reference, "10.0.0.5:5000");
    return true;
  });
  assert.equal(calls, 1);
});
