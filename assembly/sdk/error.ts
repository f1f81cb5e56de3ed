// asc cannot parse `import type`: a type is imported as its class.
// deno-lint-ignore-file verbatim-module-syntax
// Error types: ErrorField, BifrostError (with its builder), LLMPluginShortCircuit.
import { JsonObject } from "./json";
import { BifrostResponse } from "./response";

/** The `error` object inside a BifrostError. */
export class ErrorField extends JsonObject {
  get message(): string {
    return this.getStringOr("message", "");
  }
  set message(v: string) {
    this.set<string>("message", v);
  }
  get type(): string | null {
    return this.getStringOrNull("type");
  }
  get code(): string | null {
    return this.getStringOrNull("code");
  }
}

/** An error as Bifrost returns it to the client. */
export class BifrostError extends JsonObject {
  /** A new error with a message; chain withType/withCode/withStatus. */
  // deno-lint-ignore no-misused-new -- a static factory named as the SDK documents it, not a constructor
  static new(message: string): BifrostError {
    const e = new BifrostError();
    const f = new ErrorField();
    f.message = message;
    e.setNode("error", f);
    return e;
  }

  withType(type: string): BifrostError {
    this.error.set<string>("type", type);
    return this;
  }
  withCode(code: string): BifrostError {
    this.error.set<string>("code", code);
    return this;
  }
  withStatus(status: i32): BifrostError {
    this.set<i32>("status_code", status);
    return this;
  }
  withAllowFallbacks(allow: bool): BifrostError {
    this.set<bool>("allow_fallbacks", allow);
    return this;
  }

  /** The error details (created empty when absent). */
  get error(): ErrorField {
    return this.getOrCreateObject<ErrorField>("error");
  }
  /** The HTTP status, 0 when unset. */
  get statusCode(): i32 {
    return <i32> this.getIntOr("status_code", 0);
  }
  get allowFallbacks(): bool {
    return this.getBoolOr("allow_fallbacks", false);
  }
}

/** What a pre_hook returns to answer without calling the provider. */
export class LLMPluginShortCircuit extends JsonObject {
  get response(): BifrostResponse | null {
    return this.getObject<BifrostResponse>("response");
  }
  get error(): BifrostError | null {
    return this.getObject<BifrostError>("error");
  }

  static ofResponse(response: BifrostResponse): LLMPluginShortCircuit {
    const s = new LLMPluginShortCircuit();
    s.setNode("response", response);
    return s;
  }

  static ofError(error: BifrostError): LLMPluginShortCircuit {
    const s = new LLMPluginShortCircuit();
    s.setNode("error", error);
    return s;
  }
}
