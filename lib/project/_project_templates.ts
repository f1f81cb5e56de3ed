/**
 * The files of a new plugin project (`bifrost-as init`). Private to
 * `./init.ts`, which decides names and which bifrost-as the project uses.
 */
import { PACKAGE_NAME, SDK_DIR } from "./toolkit.ts";
import { MOCK_UPSTREAM_ENTRY, MOCK_UPSTREAM_FILES } from "../mock/files.ts";

/** What the templates need to know. */
export interface ProjectNames {
  /** The plugin's name (`get_name`), e.g. `my-plugin`. */
  name: string;
  /** Identifier form, e.g. `my_plugin`. */
  snake: string;
  /** Class name, e.g. `MyPlugin`. */
  className: string;
  /** `assembly/my_plugin.ts`. */
  entry: string;
  /** `build/my-plugin.wasm`. */
  out: string;
  /** The `bifrost-as` dependency in `package.json`: a version or a `file:` spec. */
  dependency: string;
  /** The `deno` npm package's version, the toolkit's pin. */
  deno: string;
  /** The toolkit's npm pins, copied so the toolkit's modules resolve the same packages here. */
  pins: Record<string, string>;
  /** The toolkit's compiler options, which its modules need when the project's tests check them. */
  compilerOptions: unknown;
}

/**
 * The project's commands, each a list of steps: `cli` steps run the
 * `bifrost-as` command, others run as written. Both `deno.json` tasks and
 * `package.json` scripts are rendered from here, so they cannot drift.
 */
export function projectCommands(n: ProjectNames): Record<string, { cli?: string; run?: string }[]> {
  const build = `--entry ${n.entry} --out ${n.out}`;
  return {
    build: [{ cli: `build ${build}` }],
    test: [{ cli: `test ${build}` }],
    watch: [{ cli: `watch ${build}` }],
    dev: [{ cli: `dev --plugin ${n.out}` }],
    e2e: [{ cli: `build ${build} --quiet` }, { run: "deno test -A test/" }],
    package: [{ cli: `package ${n.out} --out build/oci` }],
    "compose:config": [{
      cli:
        `config --plugin /app/plugins/${n.name}.wasm --name ${n.name} --upstream http://upstream:8081 --out build/bifrost --app-dir /app/data`,
    }],
    doctor: [{ cli: "doctor" }],
  };
}

/** The commands as shell lines, the `bifrost-as` command spelled `cli`. */
function render(n: ProjectNames, cli: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(projectCommands(n)).map(([name, steps]) => [
      name,
      steps.map((s) => s.cli !== undefined ? `${cli} ${s.cli}` : s.run!).join(" && "),
    ]),
  );
}

/** Path (relative to the project) to contents. */
export function projectFiles(n: ProjectNames): Record<string, string> {
  const denoJson = {
    // Deno reads bifrost-as's TypeScript from node_modules/bifrost-as, and its npm packages from its cache.
    nodeModulesDir: "none",
    tasks: {
      [PACKAGE_NAME]: `node ${SDK_DIR}/bin/${PACKAGE_NAME}.cjs`,
      ...render(n, `deno task ${PACKAGE_NAME}`),
    },
    imports: { [`${PACKAGE_NAME}/`]: `./${SDK_DIR}/`, ...n.pins },
    compilerOptions: n.compilerOptions,
    exclude: ["node_modules/", "build/"],
  };
  const packageJson = {
    name: n.name,
    version: "0.1.0",
    private: true,
    description: `${n.name}: a Bifrost gateway plugin in AssemblyScript, built with bifrost-as`,
    scripts: render(n, PACKAGE_NAME),
    dependencies: { [PACKAGE_NAME]: n.dependency },
    devDependencies: { deno: n.deno },
    // npm runs a dependency's install scripts only when allowed: deno's postinstall puts its binary in place; the
    // prepare script of a bifrost-as tarball or folder (its own `deno install`) is not needed, the command does that.
    allowScripts: { deno: true, ...(n.dependency.startsWith("file:") ? { [n.dependency]: false } : {}) },
  };
  return {
    "package.json": `${JSON.stringify(packageJson, null, 2)}\n`,
    "deno.json": `${JSON.stringify(denoJson, null, 2)}\n`,
    "asconfig.json": `${
      JSON.stringify(
        {
          extends: `./${SDK_DIR}/asconfig.sdk.json`,
          targets: {
            release: { outFile: n.out },
            debug: { outFile: n.out.replace(/\.wasm$/, ".debug.wasm") },
          },
        },
        null,
        2,
      )
    }\n`,
    [n.entry]: plugin(n),
    "fixtures/pre_hook/allowed.json": fixture({
      description: "A model that is not blocked passes through; the context notes the check",
      input: preInput("gpt-4o"),
      expect: {
        context: { "request-id": "req-1", [`${n.snake}_checked`]: true },
        request: null,
        short_circuit: null,
        has_short_circuit: false,
        error: "",
      },
      match: "exact",
    }),
    "fixtures/pre_hook/blocked.json": fixture({
      description: "The default blocked model is refused with a 403 before the provider is called",
      input: preInput("blocked-model"),
      expect: {
        context: { "request-id": "req-1", [`${n.snake}_checked`]: true },
        request: null,
        short_circuit: {
          error: { error: { message: "Model blocked-model is blocked", type: "model_blocked" }, status_code: 403 },
        },
        has_short_circuit: true,
        error: "",
      },
      match: "exact",
    }),
    "fixtures/pre_hook/blocked_by_config.json": fixture({
      description: "config.blocked_models replaces the default list",
      config: { blocked_models: ["gpt-4o"] },
      input: preInput("gpt-4o"),
      expect: { has_short_circuit: true, short_circuit: { error: { status_code: 403 } } },
      match: "partial",
    }),
    "fixtures/post_hook/passes_through.json": fixture({
      description: "The post hook is not overridden: the response passes through unchanged",
      input: {
        context: { "request-id": "req-1" },
        response: {
          chat_response: {
            id: "chatcmpl-1",
            model: "gpt-4o",
            choices: [{ index: 0, message: { role: "assistant", content: "Hi!" }, finish_reason: "stop" }],
          },
        },
        error: null,
        has_error: false,
      },
      expect: { context: { "request-id": "req-1" }, response: null, error: null, has_error: false, hook_error: "" },
      match: "exact",
    }),
    [`test/${n.snake}_test.ts`]: denoTest(n),
    "compose.yaml": compose(n),
    "README.md": readme(n),
    ".gitignore": "node_modules/\nbuild/\n",
  };
}

function preInput(model: string): unknown {
  return {
    context: { "request-id": "req-1" },
    request: { provider: "openai", model, input: [{ role: "user", content: "Hello" }] },
  };
}

function fixture(f: Record<string, unknown>): string {
  return `${JSON.stringify(f, null, 2)}\n`;
}

function plugin(n: ProjectNames): string {
  return `// ${n.name}: a Bifrost gateway plugin, written with bifrost-as.
//
// Override the hooks you need (httpPreHook, httpPostHook,
// httpStreamChunkHook, preHook, postHook); the others pass everything
// through. An output arrives pre-filled as a pass-through, so a hook only
// states what it changes. Never throw: report problems through the output.
import {
  BifrostError,
  JsonObject,
  Plugin,
  PreHookInput,
  PreHookOutput,
  registerPlugin,
} from "bifrost-as/assembly/sdk";

// The ABI exports (malloc, free, get_name, init, the hooks, ...).
export * from "bifrost-as/assembly/sdk/abi";

const NAME = "${n.name}";

class ${n.className} extends Plugin {
  blockedModels: string[] = ["blocked-model"];

  name(): string {
    return NAME;
  }

  // Receives the plugin's "config" object from Bifrost's config.json.
  // Return a message to refuse it.
  init(config: JsonObject): string | null {
    const blocked = config.getStringsOrNull("blocked_models");
    if (blocked !== null) this.blockedModels = blocked;
    return null;
  }

  // Before the provider is called: note the check, refuse blocked models.
  preHook(input: PreHookInput, output: PreHookOutput): void {
    output.context.setValue<bool>("${n.snake}_checked", true);
    const model = input.model; // whatever the request kind, and under a wrapper such as chat_request
    if (this.blockedModels.includes(model)) {
      output.reject(BifrostError.new("Model " + model + " is blocked").withType("model_blocked").withStatus(403));
    }
  }
}

registerPlugin(new ${n.className}());
`;
}

function denoTest(n: ProjectNames): string {
  return `// Tests in Deno, beside the fixtures: the built plugin in the conformance host,
// then end to end in the local gateway with a mock OpenAI upstream.
// \`npm run e2e\` (or \`deno task e2e\`) builds ${n.out} and runs them.
import { FREE_POLICIES, PluginHost, postHookInput, preHookInput, startGateway, startMockUpstream } from "bifrost-as/mod.ts";
import assert from "node:assert/strict";

const WASM = new URL("../${n.out}", import.meta.url);

Deno.test("${n.name} refuses every model its config blocks, under every free policy", async () => {
  for (const freePolicy of FREE_POLICIES) {
    const host = await PluginHost.load(WASM, { config: { blocked_models: ["a", "b"] }, freePolicy });
    try {
      for (const model of ["a", "b", "a"]) {
        const { output } = await host.preHook(preHookInput({ model }));
        assert.equal(output.short_circuit?.error?.status_code, 403);
        assert.equal(output.short_circuit?.error?.error.message, \`Model \${model} is blocked\`);
      }
      const { output } = await host.preHook(preHookInput({ model: "c" }));
      assert.equal(output.has_short_circuit, false);
    } finally {
      host.close();
    }
  }
});

Deno.test("${n.name} passes errors through unchanged", async () => {
  const host = await PluginHost.load(WASM);
  try {
    const input = postHookInput({ error: "Upstream failed", statusCode: 502 });
    const { output } = await host.postHook(input);
    assert.equal(output.has_error, true);
    assert.deepEqual(output.error, input.error);
  } finally {
    host.close();
  }
});

Deno.test("${n.name} in the local gateway: a blocked model never reaches the upstream, others do", async () => {
  await using upstream = await startMockUpstream({ port: 0 });
  await using gateway = await startGateway({
    plugins: [{ name: "${n.name}", path: WASM.pathname, config: {} }],
    upstreamUrl: upstream.url,
    port: 0,
  });
  const chat = (model: string) =>
    fetch(\`\${gateway.url}/v1/chat/completions\`, {
      method: "POST",
      body: JSON.stringify({ model: \`openai/\${model}\`, messages: [{ role: "user", content: "Hello" }] }),
    });
  const blocked = await chat("blocked-model");
  assert.equal(blocked.status, 403);
  assert.equal((await blocked.json()).error.message, "Model blocked-model is blocked");
  assert.equal(upstream.requests.length, 0);

  const allowed = await chat("gpt-4o");
  assert.equal(allowed.status, 200);
  assert.equal((await allowed.json()).choices[0].message.content, "Echo: Hello");
  assert.equal(upstream.requests.length, 1);
});
`;
}

function compose(n: ProjectNames): string {
  return `# ${n.name} in a real Bifrost, next to the toolkit's mock OpenAI upstream.
#
#   npm run build && npm run compose:config   # build/${n.name}.wasm and build/bifrost/config.json
#   BIFROST_IMAGE=<a WASM-capable Bifrost image> docker compose up
#   curl localhost:8080/v1/chat/completions -d '{"model":"openai/blocked-model","messages":[]}'
#
# The open-source maximhq/bifrost image loads only Go plugins: WASM plugins
# need a WASM-capable (Enterprise) build, hence BIFROST_IMAGE. Bifrost's app
# dir /app/data holds config.json and the offline pricing files; build/ is
# mounted as a directory at /app/plugins, so rebuilds (atomic renames) show.
name: ${n.name}

services:
  upstream:
    image: \${DENO_IMAGE:-denoland/deno:alpine-2.5.6}
    command:
      ["run", "--allow-net", "--allow-env", "/mock/${MOCK_UPSTREAM_ENTRY}", "--host", "0.0.0.0", "--port", "8081"]
    volumes:
${
    MOCK_UPSTREAM_FILES.map((f) => `      - ./${SDK_DIR}/${f}:/mock/${f}:ro\n`).join("")
  }      - ./${SDK_DIR}/integration/healthcheck.ts:/mock/healthcheck.ts:ro
    healthcheck:
      test: ["CMD", "deno", "run", "--allow-net", "/mock/healthcheck.ts", "http://127.0.0.1:8081/health"]
      interval: 2s
      timeout: 5s
      retries: 30

  bifrost:
    image: \${BIFROST_IMAGE:?Set BIFROST_IMAGE to a WASM-capable Bifrost image}
    depends_on:
      upstream:
        condition: service_healthy
    environment:
      APP_PORT: "8080"
      APP_HOST: "0.0.0.0"
      LOG_LEVEL: info
    volumes:
      - ./build/bifrost:/app/data
      - ./build:/app/plugins:ro
    ports:
      - "127.0.0.1:8080:8080"
`;
}

function readme(n: ProjectNames): string {
  return `# ${n.name}

A [Bifrost](https://github.com/maximhq/bifrost) gateway plugin in
AssemblyScript, built with bifrost-as. It refuses the models listed in its
config (\`blocked_models\`, default \`["blocked-model"]\`) with a 403 before the
provider is called.

## Set up

You need Node 20 and npm; Deno comes from npm.

\`\`\`sh
npm ci      # bifrost-as ${n.dependency} and Deno ${n.deno}, at the versions in package-lock.json
npm test    # build the plugin, validate it, run every fixture under every free policy
\`\`\`

The first time, before a \`package-lock.json\` exists, run \`npm install\` instead of
\`npm ci\`, and commit the lockfile it writes.

| file | what |
|---|---|
| \`${n.entry}\` | the plugin |
| \`fixtures/<hook>/<case>.json\` | its behaviours: an input, an optional config, the expected output |
| \`test/${n.snake}_test.ts\` | Deno tests: the conformance host, and the local gateway end to end |
| \`asconfig.json\` | compiler settings; extends the SDK's in \`node_modules/bifrost-as\` |
| \`package.json\`, \`deno.json\` | the same commands as npm scripts and Deno tasks |
| \`compose.yaml\` | the plugin in a real Bifrost |

## Commands

\`\`\`sh
npm test                      # build, validate, run every fixture under every free policy
npm test -- --update          # rewrite the expectations that fail from the plugin's output
npm run e2e                   # build, then the Deno tests (conformance host and local gateway)
npm run watch                 # rebuild, validate and re-test on every change
npm run dev                   # a local Bifrost-compatible gateway on :8080 with the plugin
npm run dev -- --record fixtures/recorded   # ... saving the traffic as fixtures
npm run doctor                # check the toolchain, container engine and credentials
npx bifrost-as --help         # every command
\`\`\`

With Deno on your PATH, \`deno task <name>\` runs the same commands.

A fixture is \`{"input": ..., "config"?: ..., "expect": ..., "match": "exact" | "partial"}\`;
\`partial\` ignores object keys \`expect\` does not name. A fixture without \`expect\`
gets one from \`npm test -- --update\`.

## Ship

\`\`\`sh
npm run package                                   # an OCI image layout in build/oci
npx bifrost-as push ${n.out} ghcr.io/you/${n.name}:0.1.0
\`\`\`
`;
}
