/**
 * Lines of text that arrives in chunks, in linear time: each chunk is
 * searched once, and a line that spans many chunks is joined once. A line of
 * 100 MiB (a large hook input or output, one SSE event carrying a large
 * answer) arrives in thousands of chunks, and searching what came before
 * again at every chunk makes a reader quadratic. Private to the library.
 *
 * @example
 * ```ts
 * import { LineSplitter } from "./lines.ts";
 * import assert from "node:assert/strict";
 *
 * const lines = new LineSplitter();
 * assert.deepEqual([...lines.push("a"), ...lines.push("b\nc"), ...lines.push("\n\nd")], ["ab", "c", ""]);
 * assert.equal(lines.rest(), "d");
 * ```
 */
export class LineSplitter {
  #pending: string[] = [];

  /** The lines `chunk` completes, without their `\n`. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf("\n"); end !== -1; end = chunk.indexOf("\n", start)) {
      if (this.#pending.length === 0) lines.push(chunk.slice(start, end));
      else {
        this.#pending.push(chunk.slice(start, end));
        lines.push(this.#pending.join(""));
        this.#pending = [];
      }
      start = end + 1;
    }
    if (start < chunk.length) this.#pending.push(chunk.slice(start));
    return lines;
  }

  /** The text after the last `\n`: a line not ended yet. */
  rest(): string {
    return this.#pending.join("");
  }
}
