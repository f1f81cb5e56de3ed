/**
 * One benchmark run of a plugin (and optionally its rivals: the docs-style
 * baseline and the Rust serde plugin): hook cost against the native floor,
 * the host's own floor, memory under every free policy, size, gateway
 * load and inputs up to Bifrost's request limit, each section optional.
 * Shared by `bifrost-as bench` and `deno task bench`.
 *
 * @module
 */
import { PluginHost } from "../host/host.ts";
import { benchGateway } from "./gateway_load.ts";
import { benchRealBifrost } from "./bifrost_load.ts";
import { benchHookCosts, measureHostFloor, type MeasureOptions, measureTransport } from "./hook_cost.ts";
import type { Engine } from "../host/engine.ts";
import { startWazeroBackend } from "../host/prepare.ts";
import { BENCH_INPUTS, SEED_PRE_HOOK } from "./inputs.ts";
import { soakMemory } from "./memory.ts";
import { soakLargeInputs } from "./large_inputs.ts";
import { measureGatewayMemory } from "./gateway_memory.ts";
import { type BenchReport, machineInfo } from "./report.ts";
import type { TwinOptions } from "./native.ts";

/** The parts of a run. */
export type BenchSection = "cost" | "memory" | "size" | "gateway" | "bifrost" | "large";

/** Every section, in report order. */
export const BENCH_SECTIONS: readonly BenchSection[] = ["cost", "memory", "size", "gateway", "bifrost", "large"];

/** How much to measure: a full run takes minutes, a quick one well under one. */
export interface BenchPreset {
  cost: Required<MeasureOptions>;
  /** Calls per free policy in the memory soak. */
  calls: number;
  /** Measured seconds per gateway run. */
  gatewaySeconds: number;
  /** The large-input soak: sizes in MiB and calls per size. */
  large: { sizesMiB: number[]; calls: number };
}

export const FULL: BenchPreset = {
  cost: { rounds: 100, roundMs: 5, warmupMs: 200 },
  calls: 1_000_000,
  gatewaySeconds: 5,
  large: { sizesMiB: [1, 10, 100], calls: 4 },
};

export const QUICK: BenchPreset = {
  cost: { rounds: 15, roundMs: 2, warmupMs: 50 },
  calls: 20_000,
  gatewaySeconds: 1,
  large: { sizesMiB: [1, 2], calls: 2 },
};

/** Options of {@link runBench}. */
export interface RunBenchOptions {
  plugin: string;
  baseline?: string;
  /** The Rust serde plugin to measure (its wasm-opt'd build); `raw` is its plain cargo build, for size. */
  rust?: { path: string; raw?: string; twin?: TwinOptions };
  /** Why the Rust plugin is not measured, for the report (the toolchain is missing, say). */
  rustUnavailable?: string;
  sections?: readonly BenchSection[];
  preset?: BenchPreset;
  /** The rivals' memory cap in pages (the baseline never frees). Default 16384 (1 GiB). */
  baselineMaxPages?: number;
  /** The engines to measure hook costs under. Default: V8 only. */
  engines?: readonly Engine[];
  /** Why wazero is not measured, for the report (its engine is missing, say). */
  wazeroUnavailable?: string;
  /** Where `deno task bifrost:build` put a real Bifrost (default `<cwd>/build/bifrost`); none built skips it. */
  bifrostBuildDir?: string;
  /** Progress lines (for stderr). */
  onProgress?: (line: string) => void;
}

/** Runs the chosen sections; see the module documentation. */
export async function runBench(options: RunBenchOptions): Promise<BenchReport> {
  const preset = options.preset ?? FULL;
  const sections = new Set(options.sections ?? BENCH_SECTIONS);
  const log = options.onProgress ?? (() => {});
  const baselineMaxPages = options.baselineMaxPages ?? 16384;
  const report: BenchReport = {
    date: new Date().toISOString().slice(0, 10),
    machine: machineInfo(),
    plugin: await pluginName(options.plugin),
    ...(options.baseline ? { baseline: await pluginName(options.baseline) } : {}),
    ...(options.rust ? { rust: await pluginName(options.rust.path) } : {}),
    ...(options.rustUnavailable ? { rustUnavailable: options.rustUnavailable } : {}),
    ...(options.wazeroUnavailable ? { wazeroUnavailable: options.wazeroUnavailable } : {}),
  };
  const engines = options.engines ?? ["v8"];

  if (sections.has("cost")) {
    report.hookCosts = [];
    for (const engine of engines) {
      report.hookCosts.push(
        ...await benchHookCosts({
          plugin: options.plugin,
          ...(options.baseline ? { baseline: options.baseline } : {}),
          ...(options.rust ? { rust: options.rust.path, rustTwin: options.rust.twin ?? {} } : {}),
          inputs: BENCH_INPUTS,
          host: { engine },
          ...preset.cost,
          onInput: (i) => log(`hook cost (${engine}): ${i.label}`),
        }),
      );
    }
    log("hook cost: host floor");
    const seed = BENCH_INPUTS[0]!;
    const host = await PluginHost.load(options.plugin);
    const { raw } = await host.call(seed.hook, seed.text).finally(() => host.close());
    report.hostFloor = await measureHostFloor(seed.text, raw, preset.cost);
    const wazero = engines.includes("wazero");
    if (wazero) {
      log("hook cost: the wazero engine's floor");
      report.wazeroFloor = await measureHostFloor(seed.text, raw, { ...preset.cost, host: { engine: "wazero" } });
      const engine = await startWazeroBackend(options.plugin);
      try {
        report.throughput = [];
        for (const goroutines of [1, 2]) {
          log(`wazero pool throughput: ${goroutines} goroutine${goroutines === 1 ? "" : "s"}`);
          const durationMs = preset.gatewaySeconds * 1000;
          const r = await engine.throughput({
            type: "throughput",
            hook: seed.hook,
            input: seed.text,
            goroutines,
            durationMs,
          });
          report.throughput.push({
            hook: seed.hook,
            goroutines,
            calls: r.calls,
            seconds: r.seconds,
            callsPerSec: r.callsPerSec,
          });
        }
      } finally {
        engine.close();
      }
    }
    log("transport: in-process V8, V8 in a child process" + (wazero ? ", wazero" : ""));
    report.transport = await measureTransport(options.plugin, seed.hook, seed.text, {
      calls: Math.max(200, preset.cost.rounds * 20),
      wazero,
    });
  }

  if (sections.has("memory")) {
    const input = JSON.stringify(SEED_PRE_HOOK);
    const what = { hook: "pre_hook", input: "Rust example's request", calls: preset.calls };
    log(`memory: ${preset.calls.toLocaleString("en-US")} pre_hook calls per free policy`);
    report.memory = {
      plugin: {
        ...what,
        results: await soakMemory(options.plugin, {
          hook: "pre_hook",
          input,
          calls: preset.calls,
          onPolicy: (r) => log(`memory: ${report.plugin} under "${r.policy}": ${r.highWaterPages} pages`),
        }),
      },
    };
    // The rivals run under the same page cap: the baseline never frees, the Rust plugin leaks what is not freed.
    for (const [key, path] of [["baseline", options.baseline], ["rust", options.rust?.path]] as const) {
      if (!path) continue;
      report.memory[key] = {
        ...what,
        maxMemoryPages: baselineMaxPages,
        results: await soakMemory(path, {
          hook: "pre_hook",
          input,
          calls: preset.calls,
          maxMemoryPages: baselineMaxPages,
          onPolicy: (r) => log(`memory: ${report[key]} under "${r.policy}": ${r.highWaterPages} pages`),
        }),
      };
    }
  }

  if (sections.has("size")) {
    const size = async (path: string) => (await Deno.stat(path)).size;
    report.size = {
      plugin: await size(options.plugin),
      ...(options.baseline ? { baseline: await size(options.baseline) } : {}),
      ...(options.rust ? { rust: await size(options.rust.path) } : {}),
      ...(options.rust?.raw ? { rustRaw: await size(options.rust.raw) } : {}),
    };
  }

  if (sections.has("gateway")) {
    log(`gateway: every route at concurrency 1, chat also at 32, ${preset.gatewaySeconds} s per run`);
    report.gateway = {
      durationMs: preset.gatewaySeconds * 1000,
      rows: await benchGateway({
        plugin: options.plugin,
        durationMs: preset.gatewaySeconds * 1000,
        warmupMs: Math.min(500, preset.gatewaySeconds * 200),
      }),
    };
  }

  if (sections.has("bifrost")) {
    log(
      `bifrost: a real Bifrost without and with the plugin, chat at concurrency 1 and 32, ${preset.gatewaySeconds} s per run`,
    );
    report.bifrost = await benchRealBifrost({
      plugin: options.plugin,
      buildDir: options.bifrostBuildDir ?? `${Deno.cwd()}/build/bifrost`,
      durationMs: preset.gatewaySeconds * 1000,
      warmupMs: Math.min(500, preset.gatewaySeconds * 200),
    });
    if ("skipped" in report.bifrost) log(`bifrost: skipped: ${report.bifrost.skipped}`);
  }

  if (sections.has("large")) {
    const { sizesMiB, calls } = preset.large;
    log(`large inputs: ${sizesMiB.join(", ")} MiB, ${calls} calls per size, hook and free policy`);
    report.large = {
      ...preset.large,
      rows: await soakLargeInputs(options.plugin, {
        sizesMiB,
        calls,
        onRow: (r) => log(`large inputs: ${r.hook} under "${r.policy}"${r.error ? `: ${r.error}` : ""}`),
      }),
      gateway: await measureGatewayMemory(options.plugin, sizesMiB, {
        onRow: (r) =>
          log(
            `large inputs: ${r.sizeMiB} MiB through the gateway (${r.engine}) ${
              r.error ??
                `peaks at ${(r.peakRssBytes / 1e6).toFixed(0)} MB RSS, ${
                  (r.peakRssBytes / r.bodyBytes).toFixed(1)
                } times the body`
            }`,
          ),
      }),
    };
  }
  return report;
}

/** Loads the plugin once: its name, and a clear PluginError before any measuring when it cannot load. */
async function pluginName(path: string): Promise<string> {
  const host = await PluginHost.load(path);
  const name = host.name;
  host.close();
  return name;
}
