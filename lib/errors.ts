/**
 * Typed errors. The CLI maps {@link UsageError} to exit code 2 and every
 * other {@link BifrostAsError} to exit code 1, printing only the message.
 *
 * @module
 */

/** Base class of every error this toolkit throws on purpose. */
export class BifrostAsError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad invocation: unknown flag, missing argument, unreadable input file. */
export class UsageError extends BifrostAsError {
  override readonly exitCode = 2;
}

/** A module that breaks Bifrost's WASM plugin ABI. */
export class AbiError extends BifrostAsError {}

/** AssemblyScript compilation failed. */
export class BuildError extends BifrostAsError {}

/** A plugin trapped, broke a hook's contract, or ran out of time or memory. */
export class PluginError extends BifrostAsError {}

/** A Bifrost `config.json` or plugin config that cannot be used. */
export class ConfigError extends BifrostAsError {}

/** An OCI registry or image layout operation failed. */
export class RegistryError extends BifrostAsError {}
