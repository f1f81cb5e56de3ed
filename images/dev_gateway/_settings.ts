/**
 * The dev-gateway container's settings, from the environment variables
 * Bifrost's image reads (`APP_PORT`, `APP_HOST`, `LOG_LEVEL`, `LOG_STYLE`),
 * and its log line format.
 *
 * @module
 */
import { UsageError } from "../../lib/errors.ts";

/** Bifrost's app dir in its image: holds `config.json`. */
export const APP_DIR = "/app/data";

const LEVELS = ["debug", "info", "warn", "error"] as const;
/** A log level, lowest first. */
export type LogLevel = typeof LEVELS[number];
/** How log lines look. */
export type LogStyle = "json" | "pretty";

/** What the container runs with. */
export interface ContainerSettings {
  configPath: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  logStyle: LogStyle;
}

/**
 * Reads the settings; throws a {@link UsageError} naming the variable for a
 * bad value.
 *
 * @example
 * ```ts
 * import { settingsFromEnv } from "./_settings.ts";
 * import assert from "node:assert/strict";
 * const env: Record<string, string> = { APP_PORT: "9000", LOG_STYLE: "pretty" };
 * const s = settingsFromEnv((name) => env[name]);
 * assert.deepEqual(s, {
 *   configPath: "/app/data/config.json",
 *   port: 9000,
 *   host: "0.0.0.0",
 *   logLevel: "info",
 *   logStyle: "pretty",
 * });
 * assert.throws(() => settingsFromEnv((n) => (n === "APP_PORT" ? "http" : undefined)), /APP_PORT "http"/);
 * ```
 */
export function settingsFromEnv(get: (name: string) => string | undefined): ContainerSettings {
  const rawPort = get("APP_PORT") || "8080";
  const port = Number(rawPort);
  if (!/^\d{1,5}$/.test(rawPort) || port > 65535) {
    throw new UsageError(`Invalid APP_PORT "${rawPort}": expected an integer from 0 to 65535`);
  }
  const host = get("APP_HOST") || "0.0.0.0";
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new UsageError(`Invalid APP_HOST "${host}": expected an address`);
  const logLevel = (get("LOG_LEVEL") || "info").toLowerCase();
  if (!(LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`Invalid LOG_LEVEL "${logLevel}": expected one of ${LEVELS.join(", ")}`);
  }
  const logStyle = (get("LOG_STYLE") || "json").toLowerCase();
  if (logStyle !== "json" && logStyle !== "pretty") {
    throw new UsageError(`Invalid LOG_STYLE "${logStyle}": expected json or pretty`);
  }
  return { configPath: `${APP_DIR}/config.json`, port, host, logLevel: logLevel as LogLevel, logStyle };
}

/**
 * A logger writing lines at or above the configured level, as JSON objects
 * or plain text.
 *
 * @example
 * ```ts
 * import { logger } from "./_settings.ts";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const log = logger({ logLevel: "warn", logStyle: "json" }, (l) => lines.push(l));
 * log("info", "dropped");
 * log("error", "kept", { plugin: "x" });
 * assert.equal(lines.length, 1);
 * const { level, message, plugin } = JSON.parse(lines[0]!);
 * assert.deepEqual([level, message, plugin], ["error", "kept", "x"]);
 * ```
 */
export function logger(
  settings: Pick<ContainerSettings, "logLevel" | "logStyle">,
  write: (line: string) => void,
): (level: LogLevel, message: string, fields?: Record<string, string>) => void {
  const min = LEVELS.indexOf(settings.logLevel);
  return (level, message, fields = {}) => {
    if (LEVELS.indexOf(level) < min) return;
    const time = new Date().toISOString();
    if (settings.logStyle === "json") {
      write(JSON.stringify({ level, time, message, ...fields }));
    } else {
      const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${v}`).join("");
      write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${extra}`);
    }
  };
}
