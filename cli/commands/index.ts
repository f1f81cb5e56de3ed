/** The command table, in the order `bifrost-as --help` lists them. */
import type { Command } from "../_command.ts";
import { bench } from "./bench.ts";
import { build } from "./build.ts";
import { config } from "./config.ts";
import { dev } from "./dev.ts";
import { mockUpstream } from "./mock_upstream.ts";
import { validate } from "./validate.ts";
import { run } from "./run.ts";
import { packageCommand } from "./package.ts";
import { push } from "./push.ts";
import { pull } from "./pull.ts";
import { test } from "./test.ts";
import { init } from "./init.ts";
import { watch } from "./watch.ts";
import { doctor } from "./doctor.ts";

export const commands: Command[] = [
  bench,
  build,
  config,
  dev,
  mockUpstream,
  validate,
  run,
  packageCommand,
  push,
  pull,
  test,
  init,
  watch,
  doctor,
];
