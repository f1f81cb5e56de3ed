// asc cannot parse `import type`: a type is imported as its class.
// deno-lint-ignore-file verbatim-module-syntax
// Embedding types (POST /v1/embeddings): EmbeddingRequest,
// EmbeddingParameters, EmbeddingResponse, EmbeddingData. Go's
// BifrostEmbeddingRequest/Response [src]; the open-source core changed the
// input's JSON in 2026 (docs/abi-request-kinds.md), and which shape the WASM
// host sends, flat or wrapped, is a guess: the views read every shape and
// keep the JSON as it came.
import { JSON } from "json-as";
import { LLMRequest, LLMUsage } from "./common";
import { JsonArray, JsonKind, JsonList, JsonObject } from "./json";

/** Embedding parameters: the named ones typed, every other key kept. */
export class EmbeddingParameters extends JsonObject {
  /** `"float"` or `"base64"`. */
  get encodingFormat(): string | null {
    return this.getStringOrNull("encoding_format");
  }
  get dimensions(): JSON.Box<f64> | null {
    return this.getNumberOrNull("dimensions");
  }
}

/** The text parts of one embedding input item (an array of parts, or `{content: parts}`), joined with a space. */
function itemText(item: JsonArray): string | null {
  const texts = new Array<string>();
  for (let i = 0; i < item.length; i++) {
    if (item.kindAt(i) != JsonKind.Object) continue;
    const part = item.objectAt<JsonObject>(i)!;
    if (part.kind("text") == JsonKind.String) texts.push(part.getString("text"));
  }
  return texts.length ? texts.join(" ") : null;
}

/** The embeddings request a pre_hook sees. */
export class EmbeddingRequest extends LLMRequest {
  /**
   * The texts to embed, whatever the input's shape: a string, strings
   * (OpenAI's and the older core's), or items that are arrays of parts
   * (`{"type":"text","text":...}`) or `{content: parts}` (the core since
   * 2026). Token inputs and media parts have no text and are left out.
   */
  texts(): string[] {
    const out = new Array<string>();
    const k = this.kind("input");
    if (k == JsonKind.String) out.push(this.getString("input"));
    if (k != JsonKind.Array) return out;
    const input = this.getArray("input")!;
    for (let i = 0; i < input.length; i++) {
      const kind = input.kindAt(i);
      if (kind == JsonKind.String) out.push(input.stringAt(i));
      let parts: JsonArray | null = null;
      if (kind == JsonKind.Array) parts = input.arrayAt(i);
      else if (kind == JsonKind.Object) {
        const item = input.objectAt<JsonObject>(i)!;
        if (item.kind("content") == JsonKind.Array) parts = item.getArray("content");
      }
      if (parts === null) continue;
      const text = itemText(parts);
      if (text !== null) out.push(text);
    }
    return out;
  }

  get params(): EmbeddingParameters | null {
    return this.getObject<EmbeddingParameters>("params");
  }
}

/** One vector of an embeddings answer. */
export class EmbeddingData extends JsonObject {
  get index(): i64 {
    return this.getIntOr("index", 0);
  }
  /** The vector as floats; null when it is absent or base64 (see {@link embeddingBase64}). */
  vector(): f64[] | null {
    if (this.kind("embedding") != JsonKind.Array) return null;
    const a = this.getArray("embedding")!;
    const out = new Array<f64>(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a.kindAt(i) == JsonKind.Number ? JSON.parse<f64>(a.rawAt(i)) : 0;
    return out;
  }
  /** The vector as base64 float32s (`encoding_format: "base64"`), or null. */
  embeddingBase64(): string | null {
    return this.kind("embedding") == JsonKind.String ? this.getString("embedding") : null;
  }
}

/** An embeddings answer: one vector per input. */
export class EmbeddingResponse extends JsonObject {
  get model(): string {
    return this.getStringOr("model", "");
  }
  set model(v: string) {
    this.set<string>("model", v);
  }
  get data(): JsonList<EmbeddingData> {
    return new JsonList<EmbeddingData>(this.getOrCreateArray("data"));
  }
  /** Usage: `prompt_tokens` and `total_tokens`. */
  get usage(): LLMUsage | null {
    return this.getObject<LLMUsage>("usage");
  }
}
