import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { sizesOption } from "./script.ts";

Deno.test("sizesOption() reads sizes in MiB and refuses 0 and what is over 1024 with the range it takes", () => {
  assert.deepEqual(sizesOption({}, "sizes", [1, 10]), [1, 10]);
  assert.deepEqual(sizesOption({ sizes: "0.5, 2,1024" }, "sizes", []), [0.5, 2, 1024]);
  for (const bad of ["0", "1,x", "1025", ""]) {
    assert.throws(
      () => sizesOption({ sizes: bad }, "sizes", []),
      (e) =>
        e instanceof UsageError &&
        e.message === `Invalid --sizes "${bad}": expected sizes in MiB above 0 and up to 1024, comma-separated`,
    );
  }
});
