/**
 * OpenAI's streamed form of a complete Responses API answer, the event
 * sequence `response.created` ... `response.output_text.delta` ...
 * `response.completed`, with which the mock upstream streams its answers,
 * and the events that end such a stream, which the gateway's provider call
 * waits for.
 *
 * Imports nothing: the mock upstream's container runs it as it is.
 * Private to the gateway and the mock.
 *
 * @module
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Event types that end a Responses API stream. */
export const TERMINAL_RESPONSE_EVENTS: ReadonlySet<string> = new Set([
  "response.completed",
  "response.failed",
  "response.incomplete",
  "error",
]);

/**
 * The events OpenAI streams for a Responses API answer, in order, each with
 * its `type` and `sequence_number`. Message items stream their
 * `output_text` parts as the deltas `split` cuts the text into; other
 * items are announced whole. The last event is `response.completed` with
 * the answer as given.
 *
 * @example
 * ```ts
 * import { responsesEvents } from "./openai_stream.ts";
 * import assert from "node:assert/strict";
 *
 * const answer = {
 *   id: "resp-1", object: "response", created_at: 0, status: "completed", model: "m",
 *   output: [{ type: "message", id: "msg-1", status: "completed", role: "assistant",
 *     content: [{ type: "output_text", text: "Hi you", annotations: [] }] }],
 * };
 * const events = responsesEvents(answer, (t) => t.match(/\S+\s{0,}/g) ?? []);
 * assert.deepEqual(events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta), ["Hi ", "you"]);
 * assert.equal(events.at(-1)?.type, "response.completed");
 * ```
 */
export function responsesEvents(response: Json, split: (text: string) => string[] = (t) => [t]): Json[] {
  const events: Json[] = [];
  const emit = (type: string, fields: Json) => events.push({ type, sequence_number: events.length, ...fields });
  const started = { ...response, status: "in_progress", output: [] };
  emit("response.created", { response: started });
  emit("response.in_progress", { response: started });
  const output = Array.isArray(response.output) ? response.output : [];
  output.forEach((item, output_index) => {
    if (!isObject(item)) return;
    const parts = item.type === "message" && Array.isArray(item.content) ? item.content : undefined;
    emit("response.output_item.added", {
      output_index,
      item: parts ? { ...item, status: "in_progress", content: [] } : item,
    });
    parts?.forEach((part, content_index) => {
      if (!isObject(part)) return;
      const at = { item_id: item.id, output_index, content_index };
      const text = part.type === "output_text" && typeof part.text === "string" ? part.text : undefined;
      emit("response.content_part.added", { ...at, part: text === undefined ? part : { ...part, text: "" } });
      if (text !== undefined) {
        for (const delta of split(text)) emit("response.output_text.delta", { ...at, delta, logprobs: [] });
        emit("response.output_text.done", { ...at, text, logprobs: [] });
      }
      emit("response.content_part.done", { ...at, part });
    });
    emit("response.output_item.done", { output_index, item });
  });
  emit("response.completed", { response });
  return events;
}
