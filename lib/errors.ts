/**
 * Typed errors. The library throws domain errors that name what is wrong
 * ({@link InputError} names the field); the CLI maps {@link UsageError},
 * {@link InputError} and {@link AbiError} (a file that is no module) to exit
 * code 2 and every other {@link BifrostAsError} to exit code 1, printing
 * only the message.
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

/** A bad invocation: unknown flag, missing argument, unreadable input file. Thrown by commands, not the library. */
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

/** Fixture tests that cannot run: no fixtures, an unreadable fixtures directory. */
export class FixtureError extends BifrostAsError {}

/**
 * A value the library was given and cannot use. `field` names the option
 * or argument it came in, as the API names it (`format`, `sdkSpec`,
 * `base`...): the command line reports it as a usage error and names the
 * flag that sets the field instead.
 */
export class InputError extends BifrostAsError {
  constructor(message: string, readonly field: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** What a {@link RegistryError} knows beyond its message. */
export interface RegistryErrorOptions extends ErrorOptions {
  /** The HTTP status the registry answered, when it answered. */
  status?: number | undefined;
  /** The image reference, repository or registry the operation was on. */
  reference?: string | undefined;
  /** The option that would change the outcome (`plainHttp`, `credentials`), for the caller to name its way. */
  field?: string | undefined;
}

/** An OCI registry or image layout operation failed. */
export class RegistryError extends BifrostAsError {
  /** The HTTP status the registry answered, when it answered. */
  readonly status: number | undefined;
  /** The image reference, repository or registry the operation was on. */
  readonly reference: string | undefined;
  /** The option that would change the outcome, if one would. */
  readonly field: string | undefined;
  constructor(message: string, options: RegistryErrorOptions = {}) {
    const { status, reference, field, ...rest } = options;
    super(message, rest);
    this.status = status;
    this.reference = reference;
    this.field = field;
  }
}

/** The local gateway cannot serve: its address cannot be bound. `code` is Deno's error name, e.g. `AddrInUse`. */
export class ListenError extends BifrostAsError {
  constructor(message: string, readonly code: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** How a plugin's call ended abnormally. */
export type TrapKind =
  | "unreachable"
  | "out_of_bounds"
  | "stack_overflow"
  | "out_of_memory"
  | "divide_by_zero"
  | "integer_overflow"
  | "invalid_conversion"
  | "indirect_call"
  | "proc_exit"
  | "other";

/**
 * A plugin trapped (or called `proc_exit`) in `hook` (an ABI export name such
 * as `pre_hook` or `init`). The host has re-instantiated it by the time this
 * is thrown.
 */
export class PluginTrapError extends PluginError {
  constructor(
    message: string,
    readonly hook: string,
    readonly kind: TrapKind,
    /** The wasm function that trapped, when the stack and the name or export sections tell. */
    readonly functionName: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A plugin ran out of memory: it hit its page limit (the host's cap or its own maximum), or malloc refused there. */
export class PluginMemoryError extends PluginTrapError {
  constructor(
    message: string,
    hook: string,
    functionName: string | undefined,
    /** The page limit it hit. */
    readonly limitPages: number,
    options?: ErrorOptions,
  ) {
    super(message, hook, "out_of_memory", functionName, options);
  }
}

/** A plugin call ran past its time budget; the host stopped and re-instantiated the plugin. */
export class PluginTimeoutError extends PluginError {
  constructor(message: string, readonly hook: string, readonly timeoutMs: number, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A plugin's output broke the ABI or the hook's contract (bounds, UTF-8, JSON, field types and rules). */
export class PluginContractError extends PluginError {
  constructor(message: string, readonly hook: string, readonly violations: readonly string[], options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * An input larger than the plugin takes: over the limit it declares (the SDK's
 * `max_input_size` export, a bifrost-as extension) or more than fits under the
 * host's memory cap. The host refuses it before writing it; nothing ran, and
 * the plugin stays loaded. The local gateway answers 413.
 */
export class PluginInputTooLargeError extends PluginError {
  constructor(
    message: string,
    readonly hook: string,
    /** The input's size in bytes. */
    readonly inputBytes: number,
    /** The most the plugin takes, in bytes. */
    readonly limitBytes: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
