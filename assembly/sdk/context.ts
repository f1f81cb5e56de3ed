// BifrostContext: the request context, an object of string keys.
import { JsonKind, JsonObject } from "./json";

/** The request context. Keys the plugin does not touch are kept as they came. */
export class BifrostContext extends JsonObject {
  /** The request id (`request_id` in the docs, `request-id` in Go), or "". */
  get requestId(): string {
    if (this.kind("request_id") == JsonKind.String) return this.getString("request_id");
    if (this.kind("request-id") == JsonKind.String) return this.getString("request-id");
    return "";
  }

  /** Sets a value the gateway merges into the request context. */
  setValue<T>(key: string, value: T): void {
    this.set<T>(key, value);
  }

  /** A string value, or null when absent or not a string. */
  getStringValue(key: string): string | null {
    return this.kind(key) == JsonKind.String ? this.getString(key) : null;
  }

  /** A boolean value, false when absent or not a boolean. */
  getBoolValue(key: string): bool {
    return this.kind(key) == JsonKind.Bool ? this.getBoolOr(key, false) : false;
  }
}
