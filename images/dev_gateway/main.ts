/**
 * Entrypoint of the dev-gateway image, which is NOT Bifrost: the bifrost-as
 * local gateway (the conformance host behind Bifrost's HTTP surface),
 * started the way Bifrost's container starts. It reads `config.json` from
 * the app dir `/app/data`, listens on `APP_HOST:APP_PORT` (default
 * `0.0.0.0:8080`), logs as `LOG_LEVEL` and `LOG_STYLE` say, and calls the
 * config's own upstream (`providers.openai.network_config.base_url`).
 *
 * @module
 */
import { startDev } from "../../lib/gateway/dev.ts";
import { BifrostAsError } from "../../lib/errors.ts";
import { type ContainerSettings, logger, settingsFromEnv } from "./_settings.ts";
import { type Command, runCommand } from "../../cli/command.ts";

/** The image's entry: no arguments, its settings come from the environment as Bifrost's do. */
export const devGatewayEntry: Command = {
  name: "dev-gateway",
  summary: "The bifrost-as dev gateway (NOT Bifrost), configured by APP_PORT, APP_HOST, LOG_LEVEL and LOG_STYLE",
  options: {},
  run: serve,
};

async function serve(): Promise<number> {
  let settings: ContainerSettings;
  try {
    settings = settingsFromEnv((name) => Deno.env.get(name));
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 2;
  }
  const log = logger(settings, (line) => console.log(line));
  log("info", "starting the bifrost-as dev gateway (not Bifrost)", { config: settings.configPath });
  let dev;
  try {
    dev = await startDev({
      configPath: settings.configPath,
      port: settings.port,
      hostname: settings.host,
      useConfigUpstream: true,
      watch: false,
      onLog: (line) => log("info", line),
    });
  } catch (e) {
    const known = e instanceof BifrostAsError;
    log("error", known ? (e as Error).message : `unexpected failure: ${(e as Error).stack ?? e}`);
    return 1;
  }
  log("info", "listening", {
    address: `${settings.host}:${dev.gateway.port}`,
    plugins: dev.gateway.plugins.join(","),
    upstream: dev.upstreamUrl,
  });
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(signal, resolve);
  });
  log("info", "stopping");
  await dev.close();
  return 0;
}

// Exit explicitly: nothing the gateway leaves behind may keep the container alive.
if (import.meta.main) Deno.exit(await runCommand(devGatewayEntry, Deno.args));
