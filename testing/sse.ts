/**
 * Server-sent events read back from a whole response body, for tests.
 *
 * @module
 */

/** The events of an SSE body: the `event:` name, if any, and the `data:`. */
export function sseEvents(text: string): { event?: string; data: string }[] {
  return text.split("\n\n").filter((e) => e !== "").map((e) => {
    const lines = e.split("\n");
    const name = lines.find((l) => l.startsWith("event: "))?.slice(7);
    const data = lines.find((l) => l.startsWith("data: "))!.slice(6);
    return name === undefined ? { data } : { event: name, data };
  });
}
