/** The command table, in the order `bifrost-as --help` lists them: a plugin's life from start to shipping. */
import type { Command } from "../command.ts";
import { bench } from "./bench.ts";
import { build } from "./build.ts";
import { check } from "./check.ts";
import { config } from "./config.ts";
import { dev } from "./dev.ts";
import { doctor } from "./doctor.ts";
import { init } from "./init.ts";
import { mockUpstream } from "./mock_upstream.ts";
import { packageCommand } from "./package.ts";
import { pull } from "./pull.ts";
import { push } from "./push.ts";
import { run } from "./run.ts";
import { test } from "./test.ts";
import { validate } from "./validate.ts";
import { watch } from "./watch.ts";

export const commands: Command[] = [
  init,
  build,
  validate,
  test,
  run,
  check,
  watch,
  dev,
  mockUpstream,
  config,
  bench,
  packageCommand,
  push,
  pull,
  doctor,
];
