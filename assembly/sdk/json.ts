// Lossless JSON views over UTF-8 bytes.
//
// Bifrost's payloads carry fields no typed class names (provider params,
// extra_fields, content blocks, tool calls). A json-as @json class drops them
// on the way back out, so every payload type here is a *view*: an object or
// array indexed in place over the input's UTF-8 bytes (nothing is copied or
// decoded up front), with typed getters that decode one value at a time with
// json-as, and setters that store json-as's output. What a plugin does not
// touch is written back byte for byte; an object nobody changed is copied as
// one span.
//
// Reads never trap: a value of the wrong type is recorded as a problem for the
// current hook call (see problems.ts) and a neutral value is returned; the SDK
// turns recorded problems into the hook's error field.
import { JSON } from "json-as";
import { problem } from "./problems";
import { ScanError, skipString, skipValue, skipWs, tapeEnd, validateJson } from "./scan";
import { decodeJsonString, quoteJsonString, writeJsonString } from "./strings";
import { ByteWriter } from "./writer";

/** What kind of JSON value something holds. */
export enum JsonKind {
  Missing = 0,
  Null = 1,
  Bool = 2,
  Number = 3,
  String = 4,
  Array = 5,
  Object = 6,
}

/** The kind of a JSON value from its first byte or character. */
export function kindOfChar(c: u32): JsonKind {
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

/** Encodes text as UTF-8 and checks it is one JSON value; null when it is not. */
function sourceOf(text: string): ArrayBuffer | null {
  const buf = String.UTF8.encode(text, false, String.UTF8.ErrorMode.REPLACE);
  return validateJson(changetype<usize>(buf), <usize>buf.byteLength) == ScanError.None ? buf : null;
}

/**
 * One member of an object or element of an array: where its key and value sit
 * in the source, or what replaced them.
 */
export class Slot {
  /** The decoded key (set for keys added by the plugin, or once compared). */
  key: string | null = null;
  /** Key body span in the source (without quotes); valid when `inSource`. */
  ks: i32 = 0;
  ke: i32 = 0;
  /** Value span in the source. */
  vs: i32 = 0;
  ve: i32 = 0;
  inSource: bool = false;
  /** Whether the source key is plain ASCII without escapes: -1 not yet known. */
  keyPlain: i8 = -1;
  /** A replacement value as JSON text (json-as output). */
  raw: string | null = null;
  /** A child view (takes precedence over raw and the source). */
  node: JsonNode | null = null;
  deleted: bool = false;
}

/** State shared by every view of one object or array. */
export class Store {
  src: ArrayBuffer | null = null;
  /** The scan tape of `src` (see scan.ts), or -1 when it has none. */
  tape: i32 = -1;
  start: i32 = 0;
  end: i32 = 0;
  slots: Array<Slot> | null = null;
  changed: bool = false;

  @inline get base(): usize {
    return changetype<usize>(this.src);
  }

  /** The end of the value starting at `p` (an absolute address): via the tape for containers, else by scanning. */
  skip(p: usize, end: usize): usize {
    const c = load<u8>(p);
    if (this.tape >= 0 && (c == 0x7b || c == 0x5b)) {
      const base = this.base;
      const e = tapeEnd(this.tape, <i32>(p - base));
      if (e >= 0) return base + <usize>e;
    }
    return skipValue(p, end);
  }
}

/** Any view that can be written back as JSON. */
export abstract class JsonNode {
  store: Store = new Store();
  // Where this value sits in the hook input, computed only for error messages.
  parentNode: JsonNode | null = null;
  keyInParent: string | null = null;
  indexInParent: i32 = -1;

  /** Where this value sits in the hook input, e.g. `request.input[2].content`. */
  get location(): string {
    const p = this.parentNode;
    if (p === null) return "";
    const at = p.location;
    const key = this.keyInParent;
    if (key !== null) return at.length ? at + "." + key : key;
    return at + "[" + this.indexInParent.toString() + "]";
  }

  /** Places this node under `parent` (by key or by index), for error messages. */
  placeAt(parent: JsonNode, name: string | null, pos: i32): void {
    this.parentNode = parent;
    this.keyInParent = name;
    this.indexInParent = pos;
  }

  /** Builds the slot index from the source on first use. */
  protected abstract indexSlots(): Array<Slot>;
  abstract writeTo(w: ByteWriter): void;

  /** True when this value or anything under it was changed. */
  isModified(): bool {
    const st = this.store;
    if (st.changed || st.src === null) return true;
    const slots = st.slots;
    if (slots === null) return false;
    for (let i = 0; i < slots.length; i++) {
      const n = unchecked(slots[i]).node;
      if (n !== null && n.isModified()) return true;
    }
    return false;
  }

  /** Indexes the members (object: `keyed`) or elements of the value in the source, in place. */
  protected indexMembers(keyed: bool): Array<Slot> {
    const st = this.store;
    const slots = new Array<Slot>();
    const base = st.base;
    const end = base + <usize>st.end;
    const close: u8 = keyed ? 0x7d : 0x5d;
    let p = skipWs(base + <usize>st.start + 1, end);
    while (p < end && load<u8>(p) != close) {
      const s = new Slot();
      s.inSource = true;
      if (keyed) {
        s.ks = <i32>(p + 1 - base);
        p = skipString(p, end);
        s.ke = <i32>(p - 1 - base);
        p = skipWs(skipWs(p, end) + 1, end); // past ':'
      }
      s.vs = <i32>(p - base);
      p = st.skip(p, end);
      s.ve = <i32>(p - base);
      slots.push(s);
      p = skipWs(p, end);
      if (p < end && load<u8>(p) == 0x2c) p = skipWs(p + 1, end);
    }
    st.slots = slots;
    return slots;
  }

  protected allSlots(): Array<Slot> {
    const st = this.store;
    const s = st.slots;
    if (s !== null) return s;
    if (st.src === null) {
      const empty = new Array<Slot>();
      st.slots = empty;
      return empty;
    }
    return this.indexSlots();
  }

  protected slotKind(s: Slot): JsonKind {
    const n = s.node;
    if (n !== null) return n instanceof JsonArray ? JsonKind.Array : JsonKind.Object;
    const raw = s.raw;
    if (raw !== null) return kindOfChar(raw.charCodeAt(0));
    return kindOfChar(load<u8>(this.store.base + <usize>s.vs));
  }

  /** The value's JSON text. */
  protected slotText(s: Slot): string {
    const n = s.node;
    if (n !== null) return n.toJSON();
    const raw = s.raw;
    if (raw !== null) return raw;
    return String.UTF8.decodeUnsafe(this.store.base + <usize>s.vs, <usize>(s.ve - s.vs));
  }

  protected slotString(s: Slot): string {
    if (s.node === null && s.raw === null) {
      return decodeJsonString(this.store.base + <usize>s.vs + 1, <usize>(s.ve - s.vs - 2));
    }
    // A value the plugin set: its JSON text, as UTF-8.
    const bytes = String.UTF8.encode(this.slotText(s));
    return decodeJsonString(changetype<usize>(bytes) + 1, <usize>bytes.byteLength - 2);
  }

  /** Writes the source bytes as they came when nothing under this value changed; false otherwise. */
  protected copyUnchanged(w: ByteWriter): bool {
    const st = this.store;
    if (st.src === null || this.isModified()) return false;
    w.bytes(st.base + <usize>st.start, st.end - st.start);
    return true;
  }

  protected writeSlotValue(w: ByteWriter, s: Slot): void {
    const n = s.node;
    if (n !== null) n.writeTo(w);
    else {
      const raw = s.raw;
      if (raw !== null) w.str(raw);
      else w.bytes(this.store.base + <usize>s.vs, s.ve - s.vs);
    }
  }

  /** Wraps a value that is an object as a typed child view. */
  protected childObject<T extends JsonObject>(s: Slot, name: string | null, pos: i32): T {
    const n = s.node;
    if (n !== null) {
      if (n instanceof T) return changetype<T>(n);
      const typed = instantiate<T>();
      typed.store = n.store;
      typed.placeAt(this, name, pos);
      s.node = typed;
      return typed;
    }
    const o = instantiate<T>();
    o.placeAt(this, name, pos);
    this.attach(o.store, s);
    s.node = o;
    return o;
  }

  protected childArray(s: Slot, name: string | null, pos: i32): JsonArray {
    const n = s.node;
    if (n !== null) return changetype<JsonArray>(n);
    const a = new JsonArray();
    a.placeAt(this, name, pos);
    this.attach(a.store, s);
    s.node = a;
    return a;
  }

  /** Points a child's store at the slot's value, to be indexed on first use. */
  private attach(child: Store, s: Slot): void {
    const raw = s.raw;
    if (raw !== null) {
      const src = sourceOf(raw);
      if (src === null) return; // not valid JSON: the child stays empty
      child.src = src;
      child.end = src.byteLength;
    } else {
      child.src = this.store.src;
      child.tape = this.store.tape;
      child.start = s.vs;
      child.end = s.ve;
    }
    child.slots = null;
  }

  /** The JSON text of this value. */
  toJSON(): string {
    const w = new ByteWriter(256);
    this.writeTo(w);
    return w.toString();
  }

  toString(): string {
    return this.toJSON();
  }
}

/**
 * An ordered JSON object. Unknown keys are kept verbatim; child views obtained
 * through it are cached, so changes made through a child show up when the
 * parent is written.
 */
export class JsonObject extends JsonNode {
  /** Parses JSON text; null when it is not a valid JSON object. */
  static parse(text: string): JsonObject | null {
    return JsonObject.parseAs<JsonObject>(text);
  }

  /** Like {@link parse}, as a typed view. */
  static parseAs<T extends JsonObject>(text: string): T | null {
    const src = sourceOf(text);
    if (src === null) return null;
    return JsonObject.over<T>(src, 0, src.byteLength);
  }

  /** A view of validated UTF-8 JSON in `src[start, end)`; null when it is not an object. */
  static over<T extends JsonObject>(src: ArrayBuffer, start: i32, end: i32, tape: i32 = -1): T | null {
    const base = changetype<usize>(src);
    const s = <i32>(skipWs(base + <usize>start, base + <usize>end) - base);
    if (s >= end || load<u8>(base + <usize>s) != 0x7b) return null;
    const o = instantiate<T>();
    o.store.src = src;
    o.store.tape = tape;
    o.store.start = s;
    o.store.end = <i32>(o.store.skip(base + <usize>s, base + <usize>end) - base);
    return o;
  }

  /** Another view of the same data (changes through either show in both). */
  as<T extends JsonObject>(): T {
    if (this instanceof T) return changetype<T>(this);
    const o = instantiate<T>();
    o.store = this.store;
    o.parentNode = this.parentNode;
    o.keyInParent = this.keyInParent;
    o.indexInParent = this.indexInParent;
    return o;
  }

  protected indexSlots(): Array<Slot> {
    return this.indexMembers(true);
  }

  private keyMatches(s: Slot, key: string): bool {
    const k = s.key;
    if (k !== null) return k == key;
    const n = s.ke - s.ks;
    const p = this.store.base + <usize>s.ks;
    if (s.keyPlain < 0) {
      // Plain: ASCII without escapes, so bytes and UTF-16 units map one to one.
      let plain: i8 = 1;
      for (let i = 0; i < n; i++) {
        const b = <u32>load<u8>(p + <usize>i);
        if (b >= 0x80 || b == 0x5c) {
          plain = 0;
          break;
        }
      }
      s.keyPlain = plain;
    }
    if (s.keyPlain == 0) return this.keyOf(s) == key;
    if (n != key.length) return false;
    const q = changetype<usize>(key);
    for (let i = 0; i < n; i++) {
      if (<u32>load<u8>(p + <usize>i) != <u32>load<u16>(q + (<usize>i << 1))) return false;
    }
    return true;
  }

  private keyOf(s: Slot): string {
    let k = s.key;
    if (k === null) {
      const p = this.store.base + <usize>s.ks;
      const n = <usize>(s.ke - s.ks);
      k = decodeJsonString(p, n);
      s.key = k;
    }
    return k!;
  }

  /** The last member named `key` (Go's decoder also keeps the last). */
  protected findSlot(key: string): Slot | null {
    const slots = this.allSlots();
    for (let i = slots.length - 1; i >= 0; i--) {
      const s = unchecked(slots[i]);
      if (!s.deleted && this.keyMatches(s, key)) return s;
    }
    return null;
  }

  private slotFor(key: string): Slot {
    const found = this.findSlot(key);
    if (found !== null) return found;
    const s = new Slot();
    s.key = key;
    this.allSlots().push(s);
    return s;
  }

  has(key: string): bool {
    return this.findSlot(key) !== null;
  }

  keys(): string[] {
    const slots = this.allSlots();
    const out = new Array<string>();
    for (let i = 0; i < slots.length; i++) {
      const s = unchecked(slots[i]);
      if (!s.deleted) out.push(this.keyOf(s));
    }
    return out;
  }

  get size(): i32 {
    return this.keys().length;
  }

  delete(key: string): void {
    const s = this.findSlot(key);
    if (s === null) return;
    s.deleted = true;
    this.store.changed = true;
  }

  kind(key: string): JsonKind {
    const s = this.findSlot(key);
    return s === null ? JsonKind.Missing : this.slotKind(s);
  }

  /** The raw JSON text of a value, or null when the key is absent. */
  getRaw(key: string): string | null {
    const s = this.findSlot(key);
    return s === null ? null : this.slotText(s);
  }

  /** Sets a value from JSON text (the caller vouches that it is valid JSON). */
  setRaw(key: string, raw: string): void {
    const s = this.slotFor(key);
    s.raw = raw;
    s.node = null;
    this.store.changed = true;
  }

  /** Sets any value json-as can stringify (string, bool, numbers, arrays of them). */
  set<T>(key: string, value: T): void {
    if (isBoolean<T>()) this.setRaw(key, value ? "true" : "false");
    else if (isString<T>()) this.setRaw(key, quoteJsonString(changetype<string>(value)));
    else this.setRaw(key, JSON.stringify<T>(value));
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
    const s = this.slotFor(key);
    s.raw = null;
    node.placeAt(this, key, -1);
    s.node = node;
    this.store.changed = true;
  }

  // ---- typed reads; a wrong type is recorded as a problem ----

  /** Records a problem unless `key` holds a `want` (or, when optional, is absent or null). */
  expectKind(key: string, want: JsonKind, optional: bool): void {
    this.expect(key, want, optional);
  }

  private expect(key: string, want: JsonKind, optional: bool): Slot | null {
    const s = this.findSlot(key);
    const k = s === null ? JsonKind.Missing : this.slotKind(s);
    if (k == want) return s;
    if (optional && (k == JsonKind.Missing || k == JsonKind.Null)) return null;
    if (k == JsonKind.Missing) problem(this.childPath(key) + ": missing (expected " + kindName(want) + ")");
    else problem(this.childPath(key) + ": expected " + kindName(want) + ", found " + kindName(k));
    return null;
  }

  /** A required string. */
  getString(key: string): string {
    const s = this.expect(key, JsonKind.String, false);
    return s === null ? "" : this.slotString(s);
  }

  /** An optional string: null when absent or null. */
  getStringOrNull(key: string): string | null {
    const s = this.expect(key, JsonKind.String, true);
    return s === null ? null : this.slotString(s);
  }

  /** An optional string with a default. */
  getStringOr(key: string, fallback: string): string {
    const s = this.expect(key, JsonKind.String, true);
    return s === null ? fallback : this.slotString(s);
  }

  getBoolOr(key: string, fallback: bool): bool {
    const s = this.expect(key, JsonKind.Bool, true);
    if (s === null) return fallback;
    const raw = s.raw;
    if (raw !== null) return raw == "true";
    return load<u8>(this.store.base + <usize>s.vs) == 0x74; // t(rue)
  }

  getNumberOr(key: string, fallback: f64): f64 {
    const s = this.expect(key, JsonKind.Number, true);
    return s === null ? fallback : JSON.parse<f64>(this.slotText(s));
  }

  /** An optional number as json-as's nullable box. */
  getNumberOrNull(key: string): JSON.Box<f64> | null {
    const s = this.expect(key, JsonKind.Number, true);
    return s === null ? null : new JSON.Box<f64>(JSON.parse<f64>(this.slotText(s)));
  }

  getIntOr(key: string, fallback: i64): i64 {
    const v = this.getNumberOr(key, <f64>fallback);
    return isFinite(v) ? <i64>v : fallback;
  }

  /** An optional child object as a typed view (cached). */
  getObject<T extends JsonObject>(key: string): T | null {
    const s = this.expect(key, JsonKind.Object, true);
    return s === null ? null : this.childObject<T>(s, key, -1);
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
    const s = this.expect(key, JsonKind.Array, true);
    return s === null ? null : this.childArray(s, key, -1);
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

  writeTo(w: ByteWriter): void {
    if (this.copyUnchanged(w)) return;
    const st = this.store;
    const slots = this.allSlots();
    w.byte(0x7b);
    let first = true;
    for (let i = 0; i < slots.length; i++) {
      const s = unchecked(slots[i]);
      if (s.deleted) continue;
      if (!first) w.byte(0x2c);
      first = false;
      if (s.inSource) w.bytes(st.base + <usize>s.ks - 1, s.ke - s.ks + 2);
      else writeJsonString(w, s.key!);
      w.byte(0x3a);
      this.writeSlotValue(w, s);
    }
    w.byte(0x7d);
  }
}

/** An ordered JSON array, indexed in place, with cached child views. */
export class JsonArray extends JsonNode {
  /** Parses JSON text; null when it is not a valid JSON array. */
  static parse(text: string): JsonArray | null {
    const src = sourceOf(text);
    if (src === null) return null;
    const base = changetype<usize>(src);
    const s = <i32>(skipWs(base, base + <usize>src.byteLength) - base);
    if (load<u8>(base + <usize>s) != 0x5b) return null;
    const a = new JsonArray();
    a.store.src = src;
    a.store.start = s;
    a.store.end = <i32>(skipValue(base + <usize>s, base + <usize>src.byteLength) - base);
    return a;
  }

  protected indexSlots(): Array<Slot> {
    return this.indexMembers(false);
  }

  get length(): i32 {
    return this.allSlots().length;
  }

  kindAt(i: i32): JsonKind {
    return this.slotKind(unchecked(this.allSlots()[i]));
  }

  rawAt(i: i32): string {
    return this.slotText(unchecked(this.allSlots()[i]));
  }

  stringAt(i: i32): string {
    const s = unchecked(this.allSlots()[i]);
    const k = this.slotKind(s);
    if (k == JsonKind.String) return this.slotString(s);
    problem(this.itemPath(i) + ": expected string, found " + kindName(k));
    return "";
  }

  /** The object at `i` as a typed view (cached); null (and a problem) if not an object. */
  objectAt<T extends JsonObject>(i: i32): T | null {
    const s = unchecked(this.allSlots()[i]);
    const k = this.slotKind(s);
    if (k != JsonKind.Object) {
      problem(this.itemPath(i) + ": expected object, found " + kindName(k));
      return null;
    }
    return this.childObject<T>(s, null, i);
  }

  pushRaw(raw: string): void {
    const s = new Slot();
    s.raw = raw;
    this.allSlots().push(s);
    this.store.changed = true;
  }

  push<T>(value: T): void {
    this.pushRaw(isString<T>() ? quoteJsonString(changetype<string>(value)) : JSON.stringify<T>(value));
  }

  pushNode(node: JsonNode): void {
    const slots = this.allSlots();
    const s = new Slot();
    node.placeAt(this, null, slots.length);
    s.node = node;
    slots.push(s);
    this.store.changed = true;
  }

  itemPath(i: i32): string {
    return this.location + "[" + i.toString() + "]";
  }

  writeTo(w: ByteWriter): void {
    if (this.copyUnchanged(w)) return;
    const slots = this.allSlots();
    w.byte(0x5b);
    for (let i = 0; i < slots.length; i++) {
      if (i > 0) w.byte(0x2c);
      this.writeSlotValue(w, unchecked(slots[i]));
    }
    w.byte(0x5d);
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
