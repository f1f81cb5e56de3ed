/** The command table, in the order `bifrost-as --help` lists them. */
import type { Command } from "../_command.ts";
import { build } from "./build.ts";
import { validate } from "./validate.ts";

export const commands: Command[] = [
  build,
  validate,
];
