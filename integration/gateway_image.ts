/**
 * Which gateway image the `compose` and `packaged` targets run, and what it
 * is, said plainly: `BIFROST_IMAGE` when set; else the real-Bifrost image
 * `deno task images` built from `build/bifrost/` (the open-source Bifrost
 * server with bifrost-as's WASM loader); else, as the fallback, the
 * dev-gateway image, which is bifrost-as's own gateway and NOT Bifrost;
 * else Bifrost's public open-source image, which cannot load WASM plugins.
 *
 * @module
 */
import { readBifrostBuild } from "../scripts/bifrost_build.ts";
import { docker, imageExists, imageLabels } from "../images/engine.ts";
import {
  BIFROST_IMAGE_REPOSITORY,
  BIFROST_VERSION_LABEL,
  bifrostImage,
  DEV_GATEWAY_IMAGE,
  NOT_BIFROST_LABEL,
} from "../images/names.ts";

/** Bifrost's public open-source image: the last resort, which loads only Go `.so` plugins. */
export const DEFAULT_BIFROST_IMAGE = "maximhq/bifrost:v1.3.48";

/** The gateway image chosen, and what it is. */
export interface GatewayImage {
  ref: string;
  /** `bifrost`: real Bifrost with bifrost-as's loader; `dev-gateway`: NOT Bifrost; `other`: anything else. */
  kind: "bifrost" | "dev-gateway" | "other";
  /** The Bifrost version the image runs (kind `bifrost`). */
  bifrostVersion?: string;
  /** One line: the image, why it was chosen, what it is. */
  line: string;
}

/** What an image is, from its labels. */
export function describeImage(ref: string, labels: Record<string, string>, why: string): GatewayImage {
  const version = labels[BIFROST_VERSION_LABEL];
  if (version) {
    return {
      ref,
      kind: "bifrost",
      bifrostVersion: version,
      line: `${ref} (${why}): real Bifrost ${version}, the open-source server with bifrost-as's WASM loader`,
    };
  }
  if (labels[NOT_BIFROST_LABEL] === "true") {
    return {
      ref,
      kind: "dev-gateway",
      line: `${ref} (${why}): the FALLBACK, the dev gateway, which is bifrost-as's own gateway (its conformance ` +
        "host packaged like Bifrost's container), NOT Bifrost",
    };
  }
  return { ref, kind: "other", line: `${ref} (${why})` };
}

/** Chooses the gateway image; `given` is `BIFROST_IMAGE`. Never throws: without an engine it names the default. */
export async function chooseGatewayImage(
  given: string | undefined = Deno.env.get("BIFROST_IMAGE") || undefined,
  buildDir?: string,
): Promise<GatewayImage> {
  if (given) return describeImage(given, await imageLabels(given).catch(() => ({})), "BIFROST_IMAGE");
  try {
    const build = await readBifrostBuild(buildDir);
    let real = build ? bifrostImage(build.version) : undefined;
    if (!real || !await imageExists(real)) {
      const listed = await docker(
        ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "--filter", `reference=${BIFROST_IMAGE_REPOSITORY}`],
        { allowFailure: true, timeoutMs: 15_000 },
      );
      real = listed.ok
        ? listed.stdout.split("\n").find((l) => l.startsWith(`${BIFROST_IMAGE_REPOSITORY}:`))
        : undefined;
    }
    if (real) return describeImage(real, await imageLabels(real), "the real-Bifrost image 'deno task images' built");
    if (await imageExists(DEV_GATEWAY_IMAGE)) {
      return describeImage(
        DEV_GATEWAY_IMAGE,
        await imageLabels(DEV_GATEWAY_IMAGE),
        "no real-Bifrost image: 'deno task bifrost:build' then 'deno task images' makes one",
      );
    }
  } catch {
    /* no engine or no CLI: the availability check says so */
  }
  return {
    ref: DEFAULT_BIFROST_IMAGE,
    kind: "other",
    line: `${DEFAULT_BIFROST_IMAGE} (the default: no image of 'deno task images' is here): Bifrost's open-source ` +
      "image, which loads no WASM plugins",
  };
}
