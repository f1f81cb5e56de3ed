import { doctorExitCode, formatDoctor, runDoctor } from "../../lib/project/doctor.ts";
import { type Command, flag, printJson } from "../command.ts";

export const doctor: Command = {
  name: "doctor",
  summary: "Check the toolchain, container engine, Bifrost image and registry credentials, and say what to fix",
  description: `
Required (exit 1 when one fails): Deno 2 (the toolkit pins a version), the
AssemblyScript compiler, json-as and xjb-as at the toolkit's pinned versions.

Optional (warnings): in a plugin project, its node_modules/bifrost-as link;
docker or podman on PATH and an engine API answering on DOCKER_HOST,
CONTAINER_HOST or the usual sockets; BIFROST_IMAGE set (a WASM-capable
Bifrost image) and pulled; registry credentials (BIFROST_AS_REGISTRY_USER
and _PASSWORD, Docker's config.json, Podman's auth.json). Secrets are never
printed, only the registries they are for.`,
  options: {
    json: { type: "boolean", description: "Print the checks as JSON" },
  },
  examples: ["bifrost-as doctor", "bifrost-as doctor --json"],
  async run(input) {
    const checks = await runDoctor();
    if (flag(input, "json")) printJson(input.io, checks);
    else input.io.out(formatDoctor(checks));
    return doctorExitCode(checks);
  },
};
