// A plugin that runs a script of JsonObject/JsonArray calls (and HTTP body ones), for the SDK's
// view tests: the stream chunk hook gets {"doc": {...}, "ops": [[op, args...]]},
// applies each op to views of the doc and answers the chunk
// {"doc": <the doc view, written back>, "results": [<one JSON value per op>]}.
// Registers: objects live in `objs` (0 is the doc), arrays in `arrs`; ops that
// return a view answer its register number (-1 for none).
import {
  HTTPMessage,
  HTTPStreamChunkInput,
  HTTPStreamChunkOutput,
  JsonArray,
  JsonKind,
  JsonObject,
  Plugin,
  registerPlugin,
} from "../../assembly/sdk";
import { hasProblems, problemText, resetProblems } from "../../assembly/sdk/problems";
import { quoteJsonString } from "../../assembly/sdk/strings";

export * from "../../assembly/sdk/abi";

function q(s: string | null): string {
  return s === null ? "null" : quoteJsonString(s);
}

function strings(a: string[] | null): string {
  if (a === null) return "null";
  const parts = new Array<string>();
  for (let i = 0; i < a.length; i++) parts.push(q(a[i]));
  return "[" + parts.join(",") + "]";
}

/** Keeps `view` in `regs` and answers its register number, or -1 for none. */
function reg<T>(regs: T[], view: T | null): string {
  if (view === null) return "-1";
  regs.push(view);
  return (regs.length - 1).toString();
}

function flag(b: bool): string {
  return b ? "true" : "false";
}

class Views extends Plugin {
  name(): string {
    return "views";
  }

  httpStreamChunkHook(input: HTTPStreamChunkInput, output: HTTPStreamChunkOutput): void {
    const chunk = input.chunk;
    const objs = new Array<JsonObject>();
    objs.push(chunk.getOrCreateObject<JsonObject>("doc"));
    const arrs = new Array<JsonArray>();
    const results = new JsonArray();
    const ops = chunk.getArray("ops");
    if (ops === null) return;
    for (let i = 0; i < ops.length; i++) {
      const op = JsonArray.parse(ops.rawAt(i));
      if (op === null) continue;
      const name = op.stringAt(0);
      const o = op.length > 1 && op.kindAt(1) == JsonKind.Number && <i32>parseInt(op.rawAt(1)) < objs.length
        ? objs[<i32>parseInt(op.rawAt(1))]
        : objs[0];
      const a = op.length > 1 && op.kindAt(1) == JsonKind.Number && <i32>parseInt(op.rawAt(1)) < arrs.length
        ? arrs[<i32>parseInt(op.rawAt(1))]
        : null;
      const key = op.length > 2 && op.kindAt(2) == JsonKind.String ? op.stringAt(2) : "";
      const at = op.length > 2 && op.kindAt(2) == JsonKind.Number ? <i32>parseInt(op.rawAt(2)) : 0;
      let r = "null";
      if (name == "has") r = flag(o.has(key));
      else if (name == "kind") r = (<i32>o.kind(key)).toString();
      else if (name == "keys") r = strings(o.keys());
      else if (name == "size") r = o.size.toString();
      else if (name == "getRaw") r = q(o.getRaw(key));
      else if (name == "getString") r = q(o.getString(key));
      else if (name == "getStringOrNull") r = q(o.getStringOrNull(key));
      else if (name == "getStringOr") r = q(o.getStringOr(key, op.stringAt(3)));
      else if (name == "getBoolOr") r = flag(o.getBoolOr(key, op.rawAt(3) == "true"));
      else if (name == "getNumberOr") r = o.getNumberOr(key, -1).toString();
      else if (name == "getIntOr") r = o.getIntOr(key, -1).toString();
      else if (name == "getNumberOrNull") {
        const n = o.getNumberOrNull(key);
        r = n === null ? "null" : n.value.toString();
      } else if (name == "getStringsOrNull") r = strings(o.getStringsOrNull(key));
      else if (name == "getObject") r = reg<JsonObject>(objs, o.getObject<JsonObject>(key));
      else if (name == "getOrCreateObject") r = reg<JsonObject>(objs, o.getOrCreateObject<JsonObject>(key));
      else if (name == "getArray") r = reg<JsonArray>(arrs, o.getArray(key));
      else if (name == "getOrCreateArray") r = reg<JsonArray>(arrs, o.getOrCreateArray(key));
      else if (name == "setString") o.set<string>(key, op.stringAt(3));
      else if (name == "setNullable") o.set<string | null>(key, op.kindAt(3) == JsonKind.Null ? null : op.stringAt(3));
      else if (name == "setNumber") o.set<f64>(key, parseFloat(op.rawAt(3)));
      else if (name == "setInt") o.set<i32>(key, <i32>parseInt(op.rawAt(3)));
      else if (name == "setBool") o.set<bool>(key, op.rawAt(3) == "true");
      else if (name == "setRaw") o.setRaw(key, op.stringAt(3));
      else if (name == "setNull") o.setNull(key);
      else if (name == "delete") o.delete(key);
      else if (name == "setNode") o.setNode(key, objs[<i32>parseInt(op.rawAt(3))]);
      else if (name == "setArray") o.setNode(key, arrs[<i32>parseInt(op.rawAt(3))]);
      else if (name == "new") r = reg<JsonObject>(objs, new JsonObject());
      else if (name == "newArray") r = reg<JsonArray>(arrs, new JsonArray());
      else if (name == "parse") r = reg<JsonObject>(objs, JsonObject.parse(op.stringAt(1)));
      else if (name == "parseArray") r = reg<JsonArray>(arrs, JsonArray.parse(op.stringAt(1)));
      else if (name == "as") r = reg<JsonObject>(objs, o.as<JsonObject>());
      else if (name == "json") r = q(o.toJSON());
      else if (name == "isModified") r = flag(o.isModified());
      else if (name == "location") r = q(o.location);
      else if (name == "setBodyText") o.as<HTTPMessage>().setBodyText(key);
      else if (name == "bodyText") r = q(o.as<HTTPMessage>().bodyText());
      else if (name == "bodyBytes") {
        const bytes = o.as<HTTPMessage>().bodyBytes();
        r = bytes === null ? "null" : "[" + bytes.join(",") + "]";
      } else if (name == "bodyLength") {
        const bytes = o.as<HTTPMessage>().bodyBytes();
        r = bytes === null ? "-1" : bytes.length.toString();
      } else if (name == "bodyTextLength") r = o.as<HTTPMessage>().bodyText().length.toString();
      else if (name == "setBodyBytes") {
        const bytes = JsonArray.parse(op.stringAt(3));
        const out = new Uint8Array(bytes === null ? 0 : bytes.length);
        for (let j = 0; j < out.length; j++) out[j] = <u8>parseInt(bytes!.rawAt(j));
        o.as<HTTPMessage>().setBodyBytes(out);
      } else if (name == "copyBody") {
        const m = o.as<HTTPMessage>();
        m.setBodyBytes(m.bodyBytes()!);
      } else if (name == "copyBodyText") {
        const m = o.as<HTTPMessage>();
        m.setBodyText(m.bodyText());
      }
      else if (a !== null) {
        if (name == "length") r = a.length.toString();
        else if (name == "kindAt") r = (<i32>a.kindAt(at)).toString();
        else if (name == "rawAt") r = q(a.rawAt(at));
        else if (name == "stringAt") r = q(a.stringAt(at));
        else if (name == "objectAt") r = reg<JsonObject>(objs, a.objectAt<JsonObject>(at));
        else if (name == "arrayAt") r = reg<JsonArray>(arrs, a.arrayAt(at));
        else if (name == "pushRaw") a.pushRaw(op.stringAt(2));
        else if (name == "pushString") a.push<string>(op.stringAt(2));
        else if (name == "pushNumber") a.push<f64>(parseFloat(op.rawAt(2)));
        else if (name == "pushNode") a.pushNode(objs[at]);
        else if (name == "arrayJson") r = q(a.toJSON());
        else if (name == "arrayLocation") r = q(a.location);
        else r = q("unknown op " + name);
      } else r = q("unknown op " + name);
      if (name == "problems") {
        r = q(hasProblems() ? problemText() : "");
        resetProblems();
      }
      results.pushRaw(r);
    }
    resetProblems();
    const out = new JsonObject();
    out.setNode("doc", objs[0]);
    out.setNode("results", results);
    output.chunk = out;
  }
}

registerPlugin(new Views());
