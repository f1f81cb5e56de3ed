/** Server-sent events: reading `data:` payloads and writing them. Private to the gateway. */
import { LineSplitter } from "../internal/lines.ts";

/**
 * Yields the `data` of each event of an SSE body, in order, in linear time
 * (a streamed answer's last event may carry the whole answer); a line the
 * body ends in the middle of is dropped. Stopping early (`return()`, a
 * `break` out of `for await`) cancels the body, which ends its request.
 */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const lines = new LineSplitter();
  let data: string[] = [];
  let ended = false;
  try {
    while (true) {
      const { value, done } = await reader.read();
      ended = done;
      if (done) break;
      for (const raw of lines.push(value)) {
        const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
        if (line === "") {
          if (data.length) yield data.join("\n");
          data = [];
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line[5] === " " ? 6 : 5));
        }
      }
    }
    if (data.length) yield data.join("\n");
  } finally {
    if (!ended) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

const encoder = new TextEncoder();

/** One SSE event carrying `data`, named `event` when given (OpenAI names the Responses API's events). */
export function sseEvent(data: string, event?: string): Uint8Array {
  return encoder.encode(event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`);
}
