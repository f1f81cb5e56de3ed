// deno fmt drops decorators on functions (not TypeScript), and @inline is AssemblyScript's.
// deno-fmt-ignore-file
// Lossless JSON views over UTF-8 bytes.
//
// Bifrost's payloads carry fields no typed class names (provider params,
// extra_fields, content blocks, tool calls). A json-as @json class drops them
// on the way back out, so every payload type here is a *view*: an object or
// array indexed in place over the input's UTF-8 bytes (nothing is copied or
// decoded up front), with typed getters that decode one value at a time
// (strings here, numbers with json-as), and setters that keep the value to
// write (numbers as json-as writes them). What a plugin does not
// touch is written back byte for byte; an object nobody changed is copied as
// one span.
//
// Reads never trap: a value of the wrong type is recorded as a problem for the
// current hook call (see problems.ts) and a neutral value is returned; the SDK
// turns recorded problems into the hook's error field.
//
// Layout, for speed: a view indexes its members into one flat array of spans
// (four i32 per member: key start and end, value start and end, offsets into
// the source), not one object per member. Members the plugin touched have an
// entry in a second array, `edits`: the cached child view of that value, or a
// JsonText holding the value the plugin set (and, for a member it added, the
// key). A hook that reads a few fields and sets a few allocates a handful of
// objects, whatever the size of the input.
import { JSON } from "json-as";
import { problem } from "./problems";
import { ScanError, skipString, skipValue, skipWs, tapeEnd, validateJson } from "./scan";
import { decodeJsonString, jsonStringEquals, quoteJsonString, writeJsonString } from "./strings";
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
function kindOfChar(c: u32): JsonKind {
  if (c == 0x7b) return JsonKind.Object; // {
  if (c == 0x5b) return JsonKind.Array; // [
  if (c == 0x22) return JsonKind.String; // "
  if (c == 0x6e) return JsonKind.Null; // n
  if (c == 0x74 || c == 0x66) return JsonKind.Bool; // t f
  return JsonKind.Number;
}

/** Human name of a kind, for error messages. */
function kindName(kind: JsonKind): string {
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

/** Records the problem of finding `found` at `path` where a `want` was expected. */
function mismatch(path: string, want: JsonKind, found: JsonKind): void {
  if (found == JsonKind.Missing) problem(path + ": missing (expected " + kindName(want) + ")");
  else problem(path + ": expected " + kindName(want) + ", found " + kindName(found));
}

/** Encodes text as UTF-8 and checks it is one JSON value; null when it is not. */
function sourceOf(text: string): ArrayBuffer | null {
  const buf = String.UTF8.encode(text, false, String.UTF8.ErrorMode.REPLACE);
  return validateJson(changetype<usize>(buf), <usize>buf.byteLength) == ScanError.None ? buf : null;
}

// What a JsonNode is: a view (indexes a source or what was built), or a value
// the plugin set (a JsonText).
const VIEW: u8 = 0;
/** JsonText holding JSON text (setRaw, json-as output, literals). */
const TEXT_RAW: u8 = 1;
/** JsonText holding a string value, written as a JSON string. */
const TEXT_STRING: u8 = 2;
/** JsonText holding a view (an added member whose value is a view). */
const TEXT_NODE: u8 = 3;
/** JsonText holding a JSON string's text as UTF-8, quotes included (a large value without a UTF-16 copy). */
const TEXT_UTF8: u8 = 4;

// Spans: four i32 per member.
const KS = 0; // key body start (after the quote); ADDED for a member the plugin added
const KE = 1; // key body end
const VS = 2; // value start
const VE = 3; // value end; DELETED for a deleted member
const ADDED: i32 = -1;
const DELETED: i32 = -1;

@inline
function spanAt(at: usize, i: i32, field: i32): i32 {
  return load<i32>(at + ((<usize>(i << 2) + <usize>field) << 2));
}

@inline
function setSpan(at: usize, i: i32, field: i32, v: i32): void {
  store<i32>(at + ((<usize>(i << 2) + <usize>field) << 2), v);
}

// Spans live in shared chunks: each view indexes its members into the free
// end of the current chunk, so indexing allocates nothing most of the time.
// A view's block belongs to it alone; a full chunk is replaced by a new one
// (the views that point into the old one keep it alive), never reused.
const CHUNK_MEMBERS = 512;
let chunk = new StaticArray<i32>(CHUNK_MEMBERS << 2);
/** i32s used in `chunk`. */
let chunkUsed = 0;

/** A fresh chunk with room for at least `members`, holding the `keep` i32s at `from` of the current one. */
function nextChunk(members: i32, from: i32, keep: i32): void {
  let size = CHUNK_MEMBERS;
  if (size < members << 1) size = members << 1;
  const fresh = new StaticArray<i32>(size << 2);
  memory.copy(changetype<usize>(fresh), changetype<usize>(chunk) + (<usize>from << 2), <usize>keep << 2);
  chunk = fresh;
  chunkUsed = keep;
}

/** Any view that can be written back as JSON. */
export abstract class JsonNode {
  /**
   * The view holding this value's data: itself, or, for another view of the
   * same data (`as<T>()`), the first one. Every data field below is read
   * through it.
   */
  _owner!: JsonNode;
  /** The source bytes (UTF-8 JSON), or null for a value built by the plugin. */
  _src: ArrayBuffer | null = null;
  /** The scan tape of `src` (see scan.ts), or -1 when it has none. */
  _tape: i32 = -1;
  _start: i32 = 0;
  _end: i32 = 0;
  /** The array holding the member spans (see above): a shared chunk or the view's own; null until indexed. */
  _spans: StaticArray<i32> | null = null;
  /** Where member 0's spans start in `_spans`, as an address. */
  _at: usize = 0;
  /** Members that fit at `_at` without moving. */
  _cap: i32 = 0;
  /** Per member: its cached child view or the value the plugin set; null until something is. */
  _edits: StaticArray<JsonNode | null> | null = null;
  /** Members indexed or added, deleted ones included. */
  _count: i32 = 0;
  _changed: bool = false;
  /** VIEW, or what a JsonText holds. */
  _textKind: u8 = VIEW;
  /** True for an object view (members have keys), false for an array. */
  _keyed: bool = false;
  // Where this value sits in the hook input, computed only for error messages.
  parentNode: JsonNode | null = null;
  keyInParent: string | null = null;
  indexInParent: i32 = -1;

  constructor() {
    this._owner = this;
  }

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

  abstract writeTo(w: ByteWriter): void;

  /** True when this value or anything under it was changed. */
  isModified(): bool {
    const o = this._owner;
    if (o._changed || o._src === null || o._textKind != VIEW) return true;
    const edits = o._edits;
    if (edits === null) return false;
    for (let i = 0, n = o._count; i < n; i++) {
      const e = unchecked(edits[i]);
      if (e !== null && e.isModified()) return true;
    }
    return false;
  }

  /** The end of the value starting at `p` (an absolute address): via the tape for containers, else by scanning. */
  protected skipFrom(p: usize, end: usize): usize {
    const o = this._owner;
    const c = load<u8>(p);
    if (o._tape >= 0 && (c == 0x7b || c == 0x5b)) {
      const base = changetype<usize>(o._src);
      const e = tapeEnd(o._tape, <i32>(p - base));
      if (e >= 0) return base + <usize>e;
    }
    return skipValue(p, end);
  }

  /** The number of members (deleted ones included), indexing the source on first use. */
  protected members(): i32 {
    const o = this._owner;
    if (o._spans === null) o.indexSource(this._keyed);
    return o._count;
  }

  /** Indexes the members (object: `keyed`) or elements of the value in the source, in place. */
  private indexSource(keyed: bool): void {
    let first = chunkUsed;
    let n = 0;
    const src = this._src;
    if (src !== null) {
      const base = changetype<usize>(src);
      const end = base + <usize>this._end;
      const close: u8 = keyed ? 0x7d : 0x5d;
      let p = skipWs(base + <usize>this._start + 1, end);
      let at = changetype<usize>(chunk) + (<usize>first << 2);
      while (p < end && load<u8>(p) != close) {
        if (first + ((n + 1) << 2) > chunk.length) {
          nextChunk(n + 1, first, n << 2);
          first = 0;
          at = changetype<usize>(chunk);
        }
        if (keyed) {
          setSpan(at, n, KS, <i32>(p + 1 - base));
          p = skipString(p, end);
          setSpan(at, n, KE, <i32>(p - 1 - base));
          p = skipWs(skipWs(p, end) + 1, end); // past ':'
        }
        setSpan(at, n, VS, <i32>(p - base));
        p = this.skipFrom(p, end);
        setSpan(at, n, VE, <i32>(p - base));
        n++;
        p = skipWs(p, end);
        if (p < end && load<u8>(p) == 0x2c) p = skipWs(p + 1, end);
      }
    }
    chunkUsed = first + (n << 2);
    this._spans = chunk;
    this._at = changetype<usize>(chunk) + (<usize>first << 2);
    this._cap = n;
    this._count = n;
  }

  /** Makes room for one more member and returns its number (spans zeroed, no edit). */
  protected addMember(): i32 {
    this.members();
    const o = this._owner;
    const n = o._count;
    if (n == o._cap) {
      if (o._spans === chunk && o._at + (<usize>n << 4) == changetype<usize>(chunk) + (<usize>chunkUsed << 2) &&
        chunkUsed + 4 <= chunk.length) {
        // The last block of the current chunk grows in place.
        chunkUsed += 4;
        o._cap = n + 1;
      } else {
        // Anywhere else: moved to an array of the view's own, with room to grow.
        const cap = n < 2 ? 4 : n << 1;
        const own = new StaticArray<i32>(cap << 2);
        memory.copy(changetype<usize>(own), o._at, <usize>n << 4);
        o._spans = own;
        o._at = changetype<usize>(own);
        o._cap = cap;
      }
    }
    setSpan(o._at, n, KS, 0);
    setSpan(o._at, n, KE, 0);
    setSpan(o._at, n, VS, 0);
    setSpan(o._at, n, VE, 0);
    const edits = o._edits;
    if (edits !== null && edits.length <= n) o._edits = grownEdits(edits, n + 4);
    o._count = n + 1;
    return n;
  }

  /** The edit of member `i`, or null. */
  protected editAt(i: i32): JsonNode | null {
    const edits = this._owner._edits;
    return edits === null ? null : unchecked(edits[i]);
  }

  protected setEdit(i: i32, e: JsonNode | null): void {
    const o = this._owner;
    let edits = o._edits;
    if (edits === null) {
      edits = new StaticArray<JsonNode | null>(o._count + 4);
      o._edits = edits;
    }
    unchecked((edits[i] = e));
  }

  /** The value of member `i` as the plugin left it: a view, a JsonText, or null for the source's bytes. */
  protected valueAt(i: i32): JsonNode | null {
    const e = this.editAt(i);
    if (e !== null && e._textKind == TEXT_NODE) return changetype<JsonText>(e).node;
    return e;
  }

  /** Replaces the value of member `i` (keeps an added member's key). */
  protected setValueAt(i: i32, v: JsonNode): void {
    if (spanAt(this._owner._at, i, KS) == ADDED) {
      const holder = changetype<JsonText>(this.editAt(i));
      holder.setValue(v);
    } else {
      this.setEdit(i, v);
    }
  }

  protected memberKind(i: i32): JsonKind {
    const v = this.valueAt(i);
    if (v === null) {
      const o = this._owner;
      return kindOfChar(load<u8>(changetype<usize>(o._src) + <usize>spanAt(o._at, i, VS)));
    }
    const k = v._textKind;
    if (k == VIEW) return v._keyed ? JsonKind.Object : JsonKind.Array;
    if (k == TEXT_STRING || k == TEXT_UTF8) return JsonKind.String;
    return kindOfChar(changetype<JsonText>(v).text.charCodeAt(0));
  }

  /** The value's JSON text. */
  protected memberText(i: i32): string {
    const v = this.valueAt(i);
    if (v === null) {
      const o = this._owner;
      const vs = spanAt(o._at, i, VS);
      return String.UTF8.decodeUnsafe(changetype<usize>(o._src) + <usize>vs, <usize>(spanAt(o._at, i, VE) - vs));
    }
    const k = v._textKind;
    if (k == VIEW) return v.toJSON();
    if (k == TEXT_UTF8) return String.UTF8.decode(changetype<JsonText>(v).utf8!);
    const text = changetype<JsonText>(v).text;
    return k == TEXT_STRING ? quoteJsonString(text) : text;
  }

  /** The value of a member whose kind is String, decoded. */
  protected memberString(i: i32): string {
    const v = this.valueAt(i);
    if (v === null) {
      const o = this._owner;
      const vs = spanAt(o._at, i, VS);
      return decodeJsonString(changetype<usize>(o._src) + <usize>vs + 1, <usize>(spanAt(o._at, i, VE) - vs - 2));
    }
    const t = changetype<JsonText>(v);
    if (v._textKind == TEXT_STRING) return t.text;
    // JSON text the plugin set: decode it.
    const bytes = v._textKind == TEXT_UTF8 ? t.utf8! : String.UTF8.encode(t.text);
    return decodeJsonString(changetype<usize>(bytes) + 1, <usize>bytes.byteLength - 2);
  }

  /**
   * Where the body of member `i`, a string, lies when it is held as UTF-8
   * (the source's, or set so): the address and length of its JSON text
   * between the quotes, escapes undecoded, packed as `ptr << 32 | len`; 0 when
   * it is held as a string. Reads a large value (base64) without a UTF-16
   * copy; the bytes live as long as this view.
   */
  protected memberUtf8(i: i32): u64 {
    const v = this.valueAt(i);
    let p: usize;
    let n: i32;
    if (v === null) {
      const o = this._owner;
      const vs = spanAt(o._at, i, VS);
      p = changetype<usize>(o._src) + <usize>vs;
      n = spanAt(o._at, i, VE) - vs;
    } else if (v._textKind == TEXT_UTF8) {
      const bytes = changetype<JsonText>(v).utf8!;
      p = changetype<usize>(bytes);
      n = bytes.byteLength;
    } else return 0;
    return ((<u64>(p + 1)) << 32) | <u64>(<u32>(n - 2));
  }

  /** Writes the source bytes as they came when nothing under this value changed; false otherwise. */
  protected copyUnchanged(w: ByteWriter): bool {
    const o = this._owner;
    if (o._src === null || this.isModified()) return false;
    w.bytes(changetype<usize>(o._src) + <usize>o._start, o._end - o._start);
    return true;
  }

  protected writeMemberValue(w: ByteWriter, i: i32): void {
    const v = this.valueAt(i);
    if (v === null) {
      const o = this._owner;
      const vs = spanAt(o._at, i, VS);
      w.bytes(changetype<usize>(o._src) + <usize>vs, spanAt(o._at, i, VE) - vs);
    } else v.writeTo(w);
  }

  /** Wraps a member that is an object as a typed child view (cached). */
  protected childObject<T extends JsonObject>(i: i32, name: string | null, pos: i32): T {
    const v = this.valueAt(i);
    if (v !== null && v._textKind == VIEW) {
      if (v instanceof T) return changetype<T>(v);
      const typed = instantiate<T>();
      typed._owner = v._owner;
      typed.placeAt(this, name, pos);
      this.setValueAt(i, typed);
      return typed;
    }
    const o = instantiate<T>();
    o.placeAt(this, name, pos);
    this.attach(o, i, v);
    this.setValueAt(i, o);
    return o;
  }

  protected childArray(i: i32, name: string | null, pos: i32): JsonArray {
    const v = this.valueAt(i);
    if (v !== null && v._textKind == VIEW) return changetype<JsonArray>(v);
    const a = new JsonArray();
    a.placeAt(this, name, pos);
    this.attach(a, i, v);
    this.setValueAt(i, a);
    return a;
  }

  /** Points a new child view at member `i`'s value (`v`: JSON text the plugin set, or null for the source). */
  private attach(child: JsonNode, i: i32, v: JsonNode | null): void {
    if (v !== null) {
      const src = sourceOf(changetype<JsonText>(v).text);
      if (src === null) return; // not valid JSON: the child stays empty
      child._src = src;
      child._end = src.byteLength;
    } else {
      const o = this._owner;
      child._src = o._src;
      child._tape = o._tape;
      child._start = spanAt(o._at, i, VS);
      child._end = spanAt(o._at, i, VE);
    }
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

function grownEdits(edits: StaticArray<JsonNode | null>, members: i32): StaticArray<JsonNode | null> {
  const grown = new StaticArray<JsonNode | null>(members);
  for (let i = 0, n = edits.length; i < n; i++) unchecked((grown[i] = unchecked(edits[i])));
  return grown;
}

/**
 * A value the plugin set: JSON text, a string (written quoted), a string's
 * JSON text as UTF-8 (for large ones: half the memory of a string), or, for a
 * member the plugin added, the member's key with its value (text or a view).
 * Internal to the views; never handed to a plugin.
 */
class JsonText extends JsonNode {
  text: string = "";
  /** TEXT_UTF8's JSON text. */
  utf8: ArrayBuffer | null = null;
  node: JsonNode | null = null;
  /** The key of a member the plugin added. */
  name: string | null = null;

  static of(kind: u8, text: string): JsonText {
    const t = new JsonText();
    t._textKind = kind;
    t.text = text;
    return t;
  }

  /** Holds `v` (text or a view) as this added member's value. */
  setValue(v: JsonNode): void {
    if (v._textKind == VIEW) {
      this._textKind = TEXT_NODE;
      this.node = v;
      this.text = "";
    } else {
      const t = changetype<JsonText>(v);
      this._textKind = t._textKind;
      this.text = t.text;
      this.utf8 = t.utf8;
      this.node = t.node;
    }
  }

  isModified(): bool {
    return true;
  }

  writeTo(w: ByteWriter): void {
    const k = this._textKind;
    if (k == TEXT_NODE) this.node!.writeTo(w);
    else if (k == TEXT_STRING) writeJsonString(w, this.text);
    else if (k == TEXT_UTF8) w.bytes(changetype<usize>(this.utf8), this.utf8!.byteLength);
    else w.str(this.text);
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
    o._src = src;
    o._tape = tape;
    o._start = s;
    o._end = <i32>(o.skipFrom(base + <usize>s, base + <usize>end) - base);
    return o;
  }

  /** Another view of the same data (changes through either show in both). */
  as<T extends JsonObject>(): T {
    if (this instanceof T) return changetype<T>(this);
    const o = instantiate<T>();
    o._owner = this._owner;
    o.parentNode = this.parentNode;
    o.keyInParent = this.keyInParent;
    o.indexInParent = this.indexInParent;
    return o;
  }

  constructor() {
    super();
    this._keyed = true;
  }

  private keyMatches(i: i32, key: string): bool {
    const o = this._owner;
    const spans = o._at;
    const ks = spanAt(spans, i, KS);
    if (ks == ADDED) return changetype<JsonText>(unchecked(o._edits![i])).name! == key;
    const n = spanAt(spans, i, KE) - ks;
    const units = key.length;
    // Every UTF-16 unit of a key takes at least one byte of its JSON text.
    if (n < units) return false;
    const p = changetype<usize>(o._src) + <usize>ks;
    const q = changetype<usize>(key);
    if (n == units) {
      // As many bytes as units: equal only byte for unit, with no escape or multi-byte sequence (either would
      // decode to fewer units than bytes).
      for (let j = 0; j < n; j++) {
        const b = <u32>load<u8>(p + <usize>j);
        if (b != <u32>load<u16>(q + (<usize>j << 1)) || b >= 0x80 || b == 0x5c) return false;
      }
      return true;
    }
    const b = <u32>load<u8>(p);
    if (b < 0x80 && b != 0x5c && (units == 0 || b != <u32>load<u16>(q))) return false;
    return jsonStringEquals(p, <usize>n, key);
  }

  private keyOf(i: i32): string {
    const o = this._owner;
    const spans = o._at;
    const ks = spanAt(spans, i, KS);
    if (ks == ADDED) return changetype<JsonText>(unchecked(o._edits![i])).name!;
    return decodeJsonString(changetype<usize>(o._src) + <usize>ks, <usize>(spanAt(spans, i, KE) - ks));
  }

  /** The last member named `key` (Go's decoder also keeps the last), or -1. */
  protected find(key: string): i32 {
    const n = this.members();
    const spans = this._owner._at;
    for (let i = n - 1; i >= 0; i--) {
      if (spanAt(spans, i, VE) != DELETED && this.keyMatches(i, key)) return i;
    }
    return -1;
  }

  /** Sets member `key` to `v`, adding it after the others when absent. */
  private put(key: string, v: JsonNode): void {
    const i = this.find(key);
    if (i >= 0) {
      this.setValueAt(i, v);
    } else {
      const added = this.addMember();
      // The added member's key lives in the JsonText holding its value: a fresh one for text (never shared), a
      // holder around a view.
      let holder: JsonText;
      if (v._textKind == VIEW) {
        holder = new JsonText();
        holder.setValue(v);
      } else holder = changetype<JsonText>(v);
      holder.name = key;
      setSpan(this._owner._at, added, KS, ADDED);
      this.setEdit(added, holder);
    }
    this._owner._changed = true;
  }

  has(key: string): bool {
    return this.find(key) >= 0;
  }

  keys(): string[] {
    const n = this.members();
    const spans = this._owner._at;
    const out = new Array<string>();
    for (let i = 0; i < n; i++) {
      if (spanAt(spans, i, VE) != DELETED) out.push(this.keyOf(i));
    }
    return out;
  }

  get size(): i32 {
    const n = this.members();
    const spans = this._owner._at;
    let size = 0;
    for (let i = 0; i < n; i++) if (spanAt(spans, i, VE) != DELETED) size++;
    return size;
  }

  delete(key: string): void {
    const i = this.find(key);
    if (i < 0) return;
    setSpan(this._owner._at, i, VE, DELETED);
    this._owner._changed = true;
  }

  kind(key: string): JsonKind {
    const i = this.find(key);
    return i < 0 ? JsonKind.Missing : this.memberKind(i);
  }

  /** The raw JSON text of a value, or null when the key is absent. */
  getRaw(key: string): string | null {
    const i = this.find(key);
    return i < 0 ? null : this.memberText(i);
  }

  /** Sets a value from JSON text (the caller vouches that it is valid JSON). */
  setRaw(key: string, raw: string): void {
    this.put(key, JsonText.of(TEXT_RAW, raw));
  }

  /** Sets a string from its JSON text in UTF-8, quotes included (the caller vouches that it is one). */
  protected setUtf8String(key: string, json: ArrayBuffer): void {
    const t = new JsonText();
    t._textKind = TEXT_UTF8;
    t.utf8 = json;
    this.put(key, t);
  }

  /** Sets any value json-as can stringify (string, bool, numbers, arrays of them); a null (nullable T) as null. */
  set<T>(key: string, value: T): void {
    if (isNullable<T>()) {
      if (value === null) {
        this.setNull(key);
        return;
      }
    }
    if (isBoolean<T>()) this.setRaw(key, value ? "true" : "false");
    else if (isString<T>()) this.put(key, JsonText.of(TEXT_STRING, changetype<string>(value)));
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
    node.placeAt(this, key, -1);
    this.put(key, node);
  }

  // ---- typed reads; a wrong type is recorded as a problem ----

  /** Records a problem unless `key` holds a `want` (or, when optional, is absent or null). */
  expectKind(key: string, want: JsonKind, optional: bool): void {
    this.expect(key, want, optional);
  }

  /** The member holding a `want` at `key`, or -1 (with a problem unless optional and absent or null). */
  private expect(key: string, want: JsonKind, optional: bool): i32 {
    const i = this.find(key);
    const k = i < 0 ? JsonKind.Missing : this.memberKind(i);
    if (k == want) return i;
    if (optional && (k == JsonKind.Missing || k == JsonKind.Null)) return -1;
    mismatch(this.childPath(key), want, k);
    return -1;
  }

  /** The member holding a string at `key`, or -1 (with a problem unless it is absent or null). */
  protected stringMember(key: string): i32 {
    return this.expect(key, JsonKind.String, true);
  }

  /** A required string. */
  getString(key: string): string {
    const i = this.expect(key, JsonKind.String, false);
    return i < 0 ? "" : this.memberString(i);
  }

  /** An optional string: null when absent or null. */
  getStringOrNull(key: string): string | null {
    const i = this.expect(key, JsonKind.String, true);
    return i < 0 ? null : this.memberString(i);
  }

  /** An optional string with a default. */
  getStringOr(key: string, fallback: string): string {
    const i = this.expect(key, JsonKind.String, true);
    return i < 0 ? fallback : this.memberString(i);
  }

  getBoolOr(key: string, fallback: bool): bool {
    const i = this.expect(key, JsonKind.Bool, true);
    if (i < 0) return fallback;
    const v = this.valueAt(i);
    if (v !== null) return changetype<JsonText>(v).text == "true";
    return load<u8>(changetype<usize>(this._owner._src) + <usize>spanAt(this._owner._at, i, VS)) == 0x74; // t(rue)
  }

  getNumberOr(key: string, fallback: f64): f64 {
    const i = this.expect(key, JsonKind.Number, true);
    return i < 0 ? fallback : JSON.parse<f64>(this.memberText(i));
  }

  /** An optional number as json-as's nullable box. */
  getNumberOrNull(key: string): JSON.Box<f64> | null {
    const i = this.expect(key, JsonKind.Number, true);
    return i < 0 ? null : new JSON.Box<f64>(JSON.parse<f64>(this.memberText(i)));
  }

  getIntOr(key: string, fallback: i64): i64 {
    const v = this.getNumberOr(key, <f64>fallback);
    return isFinite(v) ? <i64>v : fallback;
  }

  /** An optional child object as a typed view (cached). */
  getObject<T extends JsonObject>(key: string): T | null {
    const i = this.expect(key, JsonKind.Object, true);
    return i < 0 ? null : this.childObject<T>(i, key, -1);
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
    const i = this.expect(key, JsonKind.Array, true);
    return i < 0 ? null : this.childArray(i, key, -1);
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
    const n = this.members();
    const o = this._owner;
    const spans = o._at;
    const base = changetype<usize>(o._src);
    w.byte(0x7b);
    let first = true;
    for (let i = 0; i < n; i++) {
      if (spanAt(spans, i, VE) == DELETED) continue;
      if (!first) w.byte(0x2c);
      first = false;
      const ks = spanAt(spans, i, KS);
      if (ks != ADDED) w.bytes(base + <usize>ks - 1, spanAt(spans, i, KE) - ks + 2);
      else writeJsonString(w, changetype<JsonText>(unchecked(o._edits![i])).name!);
      w.byte(0x3a);
      this.writeMemberValue(w, i);
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
    a._src = src;
    a._start = s;
    a._end = <i32>(skipValue(base + <usize>s, base + <usize>src.byteLength) - base);
    return a;
  }

  get length(): i32 {
    return this.members();
  }

  /** The kind of element `i`; Missing when `i` is out of range. */
  kindAt(i: i32): JsonKind {
    return <u32>i < <u32>this.members() ? this.memberKind(i) : JsonKind.Missing;
  }

  /** The JSON text of element `i`; "null" (and a problem) when `i` is out of range. */
  rawAt(i: i32): string {
    if (<u32>i < <u32>this.members()) return this.memberText(i);
    problem(this.itemPath(i) + ": missing (out of range)");
    return "null";
  }

  /** The string at `i`; "" (and a problem) when it is not a string or `i` is out of range. */
  stringAt(i: i32): string {
    const k = this.kindAt(i);
    if (k == JsonKind.String) return this.memberString(i);
    mismatch(this.itemPath(i), JsonKind.String, k);
    return "";
  }

  /** The object at `i` as a typed view (cached); null (and a problem) if not an object or `i` is out of range. */
  objectAt<T extends JsonObject>(i: i32): T | null {
    const k = this.kindAt(i);
    if (k != JsonKind.Object) {
      mismatch(this.itemPath(i), JsonKind.Object, k);
      return null;
    }
    return this.childObject<T>(i, null, i);
  }

  /** The array at `i` (cached); null (and a problem) if not an array or `i` is out of range. */
  arrayAt(i: i32): JsonArray | null {
    const k = this.kindAt(i);
    if (k != JsonKind.Array) {
      mismatch(this.itemPath(i), JsonKind.Array, k);
      return null;
    }
    return this.childArray(i, null, i);
  }

  pushRaw(raw: string): void {
    this.setEdit(this.addMember(), JsonText.of(TEXT_RAW, raw));
    this._owner._changed = true;
  }

  push<T>(value: T): void {
    if (isString<T>()) {
      this.setEdit(this.addMember(), JsonText.of(TEXT_STRING, changetype<string>(value)));
      this._owner._changed = true;
    } else this.pushRaw(JSON.stringify<T>(value));
  }

  pushNode(node: JsonNode): void {
    const i = this.addMember();
    node.placeAt(this, null, i);
    this.setEdit(i, node);
    this._owner._changed = true;
  }

  itemPath(i: i32): string {
    return this.location + "[" + i.toString() + "]";
  }

  writeTo(w: ByteWriter): void {
    if (this.copyUnchanged(w)) return;
    const n = this.members();
    w.byte(0x5b);
    for (let i = 0; i < n; i++) {
      if (i > 0) w.byte(0x2c);
      this.writeMemberValue(w, i);
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

  /** The item at `i`; a non-object item, or none (out of range), is a problem and reads as an empty object. */
  at(i: i32): T {
    const o = this.array.objectAt<T>(i);
    return o !== null ? o : instantiate<T>();
  }

  push(item: T): void {
    this.array.pushNode(item);
  }
}
