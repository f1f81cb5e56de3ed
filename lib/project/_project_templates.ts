/**
 * The files of a new plugin project (`bifrost-as init`). Private to
 * `./init.ts`, which decides names and where the SDK is.
 */

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
  /** The import-map target of `bifrost-as/`, ending in `/`. */
  sdkUrl: string;
  /** The toolkit's npm pins, copied so the toolkit's modules resolve the same packages here. */
  pins: Record<string, string>;
  /** The toolkit's compiler options, which its modules need when the project's tests check them. */
  compilerOptions: unknown;
}

/** Path (relative to the project) to contents. */
export function projectFiles(n: ProjectNames): Record<string, string> {
  const build = `--entry ${n.entry} --out ${n.out}`;
  const denoJson = {
    tasks: {
      "bifrost-as": "deno run -A bifrost-as/cli/main.ts",
      build: `deno task bifrost-as build ${build}`,
      test: `deno task bifrost-as test ${build}`,
      "test:deno": "deno test -A test/",
      ok: "deno task test && deno task test:deno",
      watch: `deno task bifrost-as watch ${build}`,
      dev: `deno task bifrost-as dev --plugin ${n.out}`,
      "compose:config":
        `deno task bifrost-as config --plugin /app/plugins/${n.name}.wasm --name ${n.name} --upstream http://upstream:8081 --out build/bifrost --app-dir /app/data`,
      doctor: "deno task bifrost-as doctor",
    },
    imports: { "bifrost-as/": n.sdkUrl, ...n.pins },
    compilerOptions: n.compilerOptions,
    exclude: ["node_modules/", "build/"],
  };
  return {
    "deno.json": `${JSON.stringify(denoJson, null, 2)}\n`,
    "asconfig.json": `${
      JSON.stringify(
        {
          extends: "./node_modules/bifrost-as/asconfig.sdk.json",
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
    const model = input.request.model;
    if (this.blockedModels.includes(model)) {
      output.reject(BifrostError.new("Model " + model + " is blocked").withType("model_blocked").withStatus(403));
    }
  }
}

registerPlugin(new ${n.className}());
`;
}

function denoTest(n: ProjectNames): string {
  return `// Tests in Deno, beside the fixtures: load the built plugin in the conformance host.
// Run \`deno task test\` first (it builds ${n.out}), then \`deno task test:deno\`.
import { FREE_POLICIES, PluginHost, postHookInput, preHookInput } from "bifrost-as/mod.ts";
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
`;
}

function compose(n: ProjectNames): string {
  return `# ${n.name} in a real Bifrost, next to the toolkit's mock OpenAI upstream.
#
#   deno task build && deno task compose:config   # build/${n.name}.wasm and build/bifrost/config.json
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
    command: ["run", "--allow-net", "--allow-env", "/mock/mock_upstream.ts", "--host", "0.0.0.0", "--port", "8081"]
    volumes:
      - ./node_modules/bifrost-as/lib/mock_upstream.ts:/mock/mock_upstream.ts:ro
      - ./node_modules/bifrost-as/integration/healthcheck.ts:/mock/healthcheck.ts:ro
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
AssemblyScript, built with [bifrost-as](${n.sdkUrl}). It refuses the models
listed in its config (\`blocked_models\`, default \`["blocked-model"]\`) with a
403 before the provider is called.

| file | what |
|---|---|
| \`${n.entry}\` | the plugin |
| \`fixtures/<hook>/<case>.json\` | its behaviours: an input, an optional config, the expected output |
| \`test/${n.snake}_test.ts\` | tests in Deno, through the conformance host |
| \`asconfig.json\` | compiler settings; extends the SDK's (\`node_modules/bifrost-as\` links the toolkit) |
| \`compose.yaml\` | the plugin in a real Bifrost |

## Tasks

\`\`\`sh
deno task test             # build, validate, run every fixture under every free policy
deno task test --update    # rewrite the expectations that fail from the plugin's output
deno task test:deno        # the Deno tests (after a build)
deno task watch            # rebuild, validate and re-test on every change
deno task dev              # a local Bifrost-compatible gateway on :8080 with the plugin
deno task dev --record fixtures/recorded   # ... saving the traffic as fixtures
deno task doctor           # check the toolchain, container engine and credentials
\`\`\`

A fixture is \`{"input": ..., "config"?: ..., "expect": ..., "match": "exact" | "partial"}\`;
\`partial\` ignores object keys \`expect\` does not name. A fixture without \`expect\`
gets one from \`deno task test --update\`.

## Ship

\`\`\`sh
deno task bifrost-as package ${n.out} --out build/oci --version 0.1.0
deno task bifrost-as push ${n.out} ghcr.io/you/${n.name}:0.1.0
\`\`\`
`;
}
