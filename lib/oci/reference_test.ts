import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { apiHost, formatReference, isLoopback, manifestReference, parseReference } from "./reference.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;

Deno.test("parseReference() applies Docker's defaults and reads hosts, ports, tags and digests", () => {
  const cases: [string, ReturnType<typeof parseReference>][] = [
    ["alpine", { registry: "docker.io", repository: "library/alpine" }],
    ["acme/plugin:1.0", { registry: "docker.io", repository: "acme/plugin", tag: "1.0" }],
    ["index.docker.io/acme/plugin", { registry: "docker.io", repository: "acme/plugin" }],
    ["ghcr.io/acme/team/plugin:v2", { registry: "ghcr.io", repository: "acme/team/plugin", tag: "v2" }],
    ["localhost/plugin", { registry: "localhost", repository: "plugin" }],
    ["127.0.0.1:5000/p/hello:dev", { registry: "127.0.0.1:5000", repository: "p/hello", tag: "dev" }],
    ["[::1]:5000/p/hello", { registry: "[::1]:5000", repository: "p/hello" }],
    [`ghcr.io/acme/plugin@${DIGEST}`, { registry: "ghcr.io", repository: "acme/plugin", digest: DIGEST }],
    [`ghcr.io/acme/plugin:1@${DIGEST}`, { registry: "ghcr.io", repository: "acme/plugin", tag: "1", digest: DIGEST }],
    ["my.registry:443/a.b/c_d/e__f-g:T_1.x-y", {
      registry: "my.registry:443",
      repository: "a.b/c_d/e__f-g",
      tag: "T_1.x-y",
    }],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(parseReference(input), expected, input);
    assert.equal(parseReference(formatReference(parseReference(input))).repository, expected.repository);
  }
});

Deno.test("parseReference() rejects bad references with the offending part quoted", () => {
  const cases: [string, RegExp][] = [
    ["", /^Invalid image reference "": it is empty$/],
    ["Acme/Plugin", /repository part "Acme" must be lowercase/],
    ["ghcr.io/acme/plugin:", /tag "" must be letters/],
    ["ghcr.io/acme/plugin@sha256:abc", /digest "sha256:abc" is not sha256:/],
    ["ghcr.io/acme//plugin", /repository part ""/],
    ["ghcr.io/acme/-plugin", /repository part "-plugin"/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseReference(input), (e) => {
      assert.ok(e instanceof InputError, input);
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("manifestReference(), apiHost() and isLoopback() pick what the API needs", () => {
  assert.equal(manifestReference({ registry: "r", repository: "a" }), "latest");
  assert.equal(manifestReference({ registry: "r", repository: "a", tag: "1", digest: DIGEST }), DIGEST);
  assert.equal(apiHost("docker.io"), "registry-1.docker.io");
  assert.equal(apiHost("ghcr.io"), "ghcr.io");
  for (const host of ["127.0.0.1:5000", "127.1.2.3", "localhost:8080", "[::1]:5000"]) assert.ok(isLoopback(host), host);
  for (const host of ["10.0.0.1:5000", "ghcr.io", "localhost.example.com"]) assert.ok(!isLoopback(host), host);
});
