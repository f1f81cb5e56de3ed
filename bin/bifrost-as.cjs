#!/usr/bin/env node
// The `bifrost-as` command of the npm package: runs cli/main.ts with the Deno
// of the pinned `deno` npm dependency, under this package's deno.json (its
// import map and npm pins), and exits with the CLI's exit code.
//
// Installed as a dependency (under node_modules), Deno keeps this package's
// npm dependencies in its own node_modules/ (deno.json: nodeModulesDir
// "auto"), laid out from Deno's cache on the first run, and reads neither
// the package.json (whose only dependency is Deno itself) nor a lockfile
// (which it would rewrite inside node_modules). From a checkout it runs as
// `deno task cli` does.
"use strict";
const { spawn } = require("node:child_process");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const installed = root.split(path.sep).includes("node_modules");

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

// The deno package's own installer finds the binary of its platform package;
// it works when npm skipped the package's postinstall, as npm 11 does for
// dependencies' install scripts unless they are approved.
let deno;
try {
  deno = require("deno/install_api.cjs").runInstall();
} catch (e) {
  fail(`Cannot find Deno (the "deno" npm package bifrost-as depends on): ${String(e.message).split("\n")[0]}`);
}

const args = ["run", "--allow-all", "--config", path.join(root, "deno.json")];
if (installed) args.push("--no-lock");
args.push(path.join(root, "cli", "main.ts"), ...process.argv.slice(2));
const env = { ...process.env };
env.DENO_TLS_CA_STORE ??= "system";
if (installed) env.DENO_NO_PACKAGE_JSON = "1";

const child = spawn(deno, args, { stdio: "inherit", env });
const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
for (const signal of signals) process.on(signal, () => child.kill(signal));
child.on("error", (e) => fail(`Cannot run Deno "${deno}": ${e.message}`));
child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal, so callers see what happened.
    for (const s of signals) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
