// Lossless JSON views.
//
// Bifrost's payloads carry fields no typed class names (provider params,
// extra_fields, content blocks, tool calls). A json-as @json class drops
// them on the way back out, so every payload type here is a *view*: an
// ordered map of key -> raw JSON text (parsed by json-as), with typed
// getters and setters that parse or stringify one value at a time, also
// with json-as. What a plugin does not touch is written back as it came in.
//
// Reads never trap: a value of the wrong type is recorded as a problem for
// the current hook call (see problems.ts) and a neutral value is returned;
// the SDK turns recorded problems into the hook's error field.
import { JSON } from "json-as";
import { problem } from "./problems";

/** What kind of JSON value a raw text holds (by its first character). */
export enum JsonKind {
  Missing = 0,
  Null = 1,
  Bool = 2,
  Number = 3,
  String = 4,
  Array = 5,
  Object = 6,
}

/** The kind of a raw JSON value that is known to be well-formed. */
export function kindOf(raw: string): JsonKind {
  if (raw.length == 0) return JsonKind.Missing;
  const c = raw.charCodeAt(0);
  if (c == 0x7b) return JsonKind.Object; // {
  if (c == 0x5b) return JsonKind.Array; // [
  if (c == 0x22) return JsonKind.String; // "
  if (c == 0x6e) return JsonKind.Null; // n
  if (c == 0x74 || c == 0x66) return JsonKind.Bool; // t f
  return JsonKind.Number;
}

/** Human name of a kind, for error messages. */
export function kindName(kind: JsonKind): string {
  switch (kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return "boolean";
    case JsonKind.Number: return "number";
    case JsonKind.String: return "string";
    case JsonKind.Array: return "array";
    case JsonKind.Object: return "object";
    default: return "nothing";
  }
}

/** Any view that can be written back as JSON text. */
export abstract class JsonNode {
  /** Where this value sits in the hook input, for error messages. */
  location: string = "";
  abstract toJSON(): string;
}

/**
 * An ordered JSON object. Unknown keys are kept verbatim; child objects and
 * arrays obtained through it are cached, so changes made through a child view
 * show up when the parent is written.
 */
export class JsonObject extends JsonNode {
  fields: Map<string, JSON.Raw> = new Map<string, JSON.Raw>();
  children: Map<string, JsonNode> = new Map<string, JsonNode>();

  /** Parses well-formed JSON text; returns null when it is not an object. */
  static parse(text: string, path: string = ""): JsonObject | null {
    return JsonObject.parseAs<JsonObject>(text, path);
  }

  /** Like {@link parse}, as a typed view. */
  static parseAs<T extends JsonObject>(text: string, path: string): T | null {
    if (kindOf(text) != JsonKind.Object) return null;
    const o = instantiate<T>();
    o.fields = JSON.parse<Map<string, JSON.Raw>>(text);
    o.location = path;
    return o;
  }

  /** Another view of the same data (shares storage: changes show in both). */
  as<T extends JsonObject>(): T {
    if (this instanceof T) return changetype<T>(this);
    const o = instantiate<T>();
    o.fields = this.fields;
    o.children = this.children;
    o.location = this.location;
    return o;
  }

  has(key: string): bool {
    return this.fields.has(key);
  }

  keys(): string[] {
    return this.fields.keys();
  }

  get size(): i32 {
    return this.fields.size;
  }

  delete(key: string): void {
    this.fields.delete(key);
    this.children.delete(key);
  }

  kind(key: string): JsonKind {
    if (this.children.has(key)) {
      return this.children.get(key) instanceof JsonArray ? JsonKind.Array : JsonKind.Object;
    }
    if (!this.fields.has(key)) return JsonKind.Missing;
    return kindOf(this.fields.get(key).data);
  }

  /** The raw JSON text of a value, or null when the key is absent. */
  getRaw(key: string): string | null {
    if (this.children.has(key)) return this.children.get(key).toJSON();
    if (!this.fields.has(key)) return null;
    return this.fields.get(key).data;
  }

  /** Sets a value from raw JSON text (the caller vouches that it is valid). */
  setRaw(key: string, raw: string): void {
    this.children.delete(key);
    this.fields.set(key, new JSON.Raw(raw));
  }

  /** Sets any value json-as can stringify (string, bool, numbers, arrays of them). */
  set<T>(key: string, value: T): void {
    this.setRaw(key, JSON.stringify<T>(value));
  }

  setNull(key: string): void {
    this.setRaw(key, "null");
  }

  /** Sets a child view (kept by reference: later changes to it are written too). */
  setNode(key: string, node: JsonNode | null): void {
    if (node === null) {
      this.setNull(key);
      return;
    }
    this.fields.set(key, new JSON.Raw("null"));
    node.location = this.childPath(key);
    this.children.set(key, node);
  }

  // ---- typed reads; a wrong type is recorded as a problem ----

  private expect(key: string, want: JsonKind, optional: bool): bool {
    const k = this.kind(key);
    if (k == want) return true;
    if (optional && (k == JsonKind.Missing || k == JsonKind.Null)) return false;
    if (k == JsonKind.Missing) problem(this.childPath(key) + ": missing (expected " + kindName(want) + ")");
    else problem(this.childPath(key) + ": expected " + kindName(want) + ", found " + kindName(k));
    return false;
  }

  /** A required string. */
  getString(key: string): string {
    return this.expect(key, JsonKind.String, false) ? JSON.parse<string>(this.fields.get(key).data) : "";
  }

  /** An optional string: null when absent or null. */
  getStringOrNull(key: string): string | null {
    return this.expect(key, JsonKind.String, true) ? JSON.parse<string>(this.fields.get(key).data) : null;
  }

  /** An optional string with a default. */
  getStringOr(key: string, fallback: string): string {
    const s = this.getStringOrNull(key);
    return s === null ? fallback : s;
  }

  getBoolOr(key: string, fallback: bool): bool {
    return this.expect(key, JsonKind.Bool, true) ? this.fields.get(key).data == "true" : fallback;
  }

  getNumberOr(key: string, fallback: f64): f64 {
    return this.expect(key, JsonKind.Number, true) ? JSON.parse<f64>(this.fields.get(key).data) : fallback;
  }

  /** An optional number as json-as's nullable box. */
  getNumberOrNull(key: string): JSON.Box<f64> | null {
    return this.expect(key, JsonKind.Number, true) ? new JSON.Box<f64>(JSON.parse<f64>(this.fields.get(key).data)) : null;
  }

  getIntOr(key: string, fallback: i64): i64 {
    const v = this.getNumberOr(key, <f64>fallback);
    return isFinite(v) ? <i64>v : fallback;
  }

  /** An optional child object as a typed view (cached). */
  getObject<T extends JsonObject>(key: string): T | null {
    if (this.children.has(key)) {
      const c = this.children.get(key);
      if (c instanceof JsonObject) {
        const typed = changetype<JsonObject>(c).as<T>();
        if (changetype<usize>(typed) != changetype<usize>(c)) this.children.set(key, typed);
        return typed;
      }
    }
    if (!this.expect(key, JsonKind.Object, true)) return null;
    const o = JsonObject.parseAs<T>(this.fields.get(key).data, this.childPath(key))!;
    this.children.set(key, o);
    return o;
  }

  /** A child object, created empty when absent or null. */
  getOrCreateObject<T extends JsonObject>(key: string): T {
    const o = this.getObject<T>(key);
    if (o !== null) return o;
    const created = instantiate<T>();
    this.setNode(key, created);
    return created;
  }

  /** An optional child array (cached). */
  getArray(key: string): JsonArray | null {
    if (this.children.has(key)) {
      const c = this.children.get(key);
      if (c instanceof JsonArray) return changetype<JsonArray>(c);
    }
    if (!this.expect(key, JsonKind.Array, true)) return null;
    const a = JsonArray.parse(this.fields.get(key).data, this.childPath(key))!;
    this.children.set(key, a);
    return a;
  }

  /** A child array, created empty when absent or null. */
  getOrCreateArray(key: string): JsonArray {
    const a = this.getArray(key);
    if (a !== null) return a;
    const created = new JsonArray();
    this.setNode(key, created);
    return created;
  }

  /** An optional array of strings. */
  getStringsOrNull(key: string): string[] | null {
    const a = this.getArray(key);
    if (a === null) return null;
    const out = new Array<string>();
    for (let i = 0; i < a.length; i++) out.push(a.stringAt(i));
    return out;
  }

  childPath(key: string): string {
    return this.location.length ? this.location + "." + key : key;
  }

  toJSON(): string {
    const keys = this.children.keys();
    for (let i = 0; i < keys.length; i++) {
      const k = unchecked(keys[i]);
      this.fields.set(k, new JSON.Raw(this.children.get(k).toJSON()));
    }
    return JSON.stringify(this.fields);
  }

  toString(): string {
    return this.toJSON();
  }
}

/** An ordered JSON array of raw values, with cached child views. */
export class JsonArray extends JsonNode {
  items: JSON.Raw[] = [];
  children: Map<i32, JsonNode> = new Map<i32, JsonNode>();

  static parse(text: string, path: string = ""): JsonArray | null {
    if (kindOf(text) != JsonKind.Array) return null;
    const a = new JsonArray();
    a.items = JSON.parse<JSON.Raw[]>(text);
    a.location = path;
    return a;
  }

  get length(): i32 {
    return this.items.length;
  }

  kindAt(i: i32): JsonKind {
    if (this.children.has(i)) return this.children.get(i) instanceof JsonArray ? JsonKind.Array : JsonKind.Object;
    return kindOf(unchecked(this.items[i]).data);
  }

  rawAt(i: i32): string {
    if (this.children.has(i)) return this.children.get(i).toJSON();
    return unchecked(this.items[i]).data;
  }

  stringAt(i: i32): string {
    const k = this.kindAt(i);
    if (k == JsonKind.String) return JSON.parse<string>(unchecked(this.items[i]).data);
    problem(this.itemPath(i) + ": expected string, found " + kindName(k));
    return "";
  }

  /** The object at `i` as a typed view (cached); null (and a problem) if not an object. */
  objectAt<T extends JsonObject>(i: i32): T | null {
    if (this.children.has(i)) {
      const c = this.children.get(i);
      if (c instanceof JsonObject) {
        const typed = changetype<JsonObject>(c).as<T>();
        this.children.set(i, typed);
        return typed;
      }
    }
    const k = this.kindAt(i);
    if (k != JsonKind.Object) {
      problem(this.itemPath(i) + ": expected object, found " + kindName(k));
      return null;
    }
    const o = JsonObject.parseAs<T>(unchecked(this.items[i]).data, this.itemPath(i))!;
    this.children.set(i, o);
    return o;
  }

  pushRaw(raw: string): void {
    this.items.push(new JSON.Raw(raw));
  }

  push<T>(value: T): void {
    this.pushRaw(JSON.stringify<T>(value));
  }

  pushNode(node: JsonNode): void {
    const i = this.items.length;
    this.items.push(new JSON.Raw("null"));
    node.location = this.itemPath(i);
    this.children.set(i, node);
  }

  itemPath(i: i32): string {
    return this.location + "[" + i.toString() + "]";
  }

  toJSON(): string {
    const keys = this.children.keys();
    for (let j = 0; j < keys.length; j++) {
      const i = unchecked(keys[j]);
      unchecked((this.items[i] = new JSON.Raw(this.children.get(i).toJSON())));
    }
    return JSON.stringify(this.items);
  }

  toString(): string {
    return this.toJSON();
  }
}

/** A typed, lossless list of object views (e.g. the messages of a request). */
export class JsonList<T extends JsonObject> {
  constructor(public array: JsonArray) {}

  get length(): i32 {
    return this.array.length;
  }

  /** The item at `i`; a non-object item is recorded as a problem and read as an empty object. */
  at(i: i32): T {
    const o = this.array.objectAt<T>(i);
    return o !== null ? o : instantiate<T>();
  }

  push(item: T): void {
    this.array.pushNode(item);
  }
}
