// HTTP transport types: HTTPRequest and HTTPResponse, bodies base64 (Go []byte).
import { decodeBase64, decodeBase64Utf8, decodeBase64Utf8Text, encodeBase64Json } from "./base64";
import { JsonKind, JsonObject } from "./json";
import { problem } from "./problems";

/** A string map (headers, query). Header names keep the client's casing. */
export class StringMap extends JsonObject {
  /** The value of `name` compared case-insensitively (for headers), or null. */
  getIgnoreCase(name: string): string | null {
    const lower = name.toLowerCase();
    const keys = this.keys();
    for (let i = 0; i < keys.length; i++) {
      const k = unchecked(keys[i]);
      if (k.toLowerCase() == lower && this.kind(k) == JsonKind.String) return this.getString(k);
    }
    return null;
  }

  /** Sets `name`, replacing any key equal to it ignoring case. */
  setIgnoreCase(name: string, value: string): void {
    const lower = name.toLowerCase();
    const keys = this.keys();
    for (let i = 0; i < keys.length; i++) {
      const k = unchecked(keys[i]);
      if (k != name && k.toLowerCase() == lower) this.delete(k);
    }
    this.set<string>(name, value);
  }
}

/**
 * Shared by requests and responses: headers and a base64 body. A body is
 * decoded from the input's UTF-8 and encoded into UTF-8, never through a
 * string of its base64 (2 bytes a character): reading or setting one takes
 * memory for its bytes, plus a string for the text methods.
 */
export class HTTPMessage extends JsonObject {
  /** Headers (created empty when the input had none). */
  get headers(): StringMap {
    return this.getOrCreateObject<StringMap>("headers");
  }

  /** A header value, looked up case-insensitively. */
  header(name: string): string | null {
    const h = this.getObject<StringMap>("headers");
    return h === null ? null : h.getIgnoreCase(name);
  }

  setHeader(name: string, value: string): void {
    this.headers.setIgnoreCase(name, value);
  }

  /** The body as base64 text, as it travels ("" when absent). */
  get body(): string {
    return this.getStringOr("body", "");
  }

  set body(base64: string) {
    this.set<string>("body", base64);
  }

  /** The decoded body (empty when absent); null (and a problem) when it is not valid base64. */
  bodyBytes(): Uint8Array | null {
    const i = this.stringMember("body");
    if (i < 0) return new Uint8Array(0);
    const utf8 = this.memberUtf8(i);
    // From the input's UTF-8; a body held as a string, or with JSON escapes, from its decoded string.
    let bytes = utf8 != 0 ? decodeBase64Utf8(<usize> (utf8 >>> 32), <usize> (<u32> utf8)) : null;
    if (bytes === null) bytes = decodeBase64(this.memberString(i));
    if (bytes === null) problem(this.childPath("body") + ": not valid base64");
    return bytes;
  }

  /** The decoded body as UTF-8 text ("" when absent or not base64). */
  bodyText(): string {
    const i = this.stringMember("body");
    if (i < 0) return "";
    const utf8 = this.memberUtf8(i);
    if (utf8 != 0) {
      const text = decodeBase64Utf8Text(<usize> (utf8 >>> 32), <usize> (<u32> utf8));
      if (text !== null) return text;
    }
    const bytes = this.bodyBytes();
    return bytes === null ? "" : String.UTF8.decode(bytes.buffer);
  }

  setBodyBytes(bytes: Uint8Array): void {
    this.setUtf8String("body", encodeBase64Json(bytes.dataStart, <usize> bytes.length));
  }

  setBodyText(text: string): void {
    // Through a block freed at once, not an array kept as garbage until the host's next call.
    const n = <usize> String.UTF8.byteLength(text);
    const utf8 = heap.alloc(n);
    String.UTF8.encodeUnsafe(changetype<usize>(text), text.length, utf8);
    this.setUtf8String("body", encodeBase64Json(utf8, n));
    heap.free(utf8);
  }
}

/** An HTTP request as the transport sees it. */
export class HTTPRequest extends HTTPMessage {
  get method(): string {
    return this.getStringOr("method", "");
  }
  set method(v: string) {
    this.set<string>("method", v);
  }

  get path(): string {
    return this.getStringOr("path", "");
  }
  set path(v: string) {
    this.set<string>("path", v);
  }

  /** Query parameters (created empty when the input had none). */
  get query(): StringMap {
    return this.getOrCreateObject<StringMap>("query");
  }
}

/** An HTTP response. */
export class HTTPResponse extends HTTPMessage {
  get statusCode(): i32 {
    return <i32> this.getIntOr("status_code", 0);
  }
  set statusCode(v: i32) {
    this.set<i32>("status_code", v);
  }

  /** A response with a status, a JSON content type and a UTF-8 body. */
  static withText(status: i32, contentType: string, text: string): HTTPResponse {
    const r = new HTTPResponse();
    r.statusCode = status;
    r.setHeader("Content-Type", contentType);
    r.setBodyText(text);
    return r;
  }
}
