/**
 * The images `deno task images` builds, by name. Only the real-Bifrost image
 * ({@link BIFROST_IMAGE_REPOSITORY}, built from `build/bifrost/`) is Bifrost:
 * the dev-gateway image is the bifrost-as local gateway packaged to behave
 * like Bifrost's container, for tests where no WASM-capable Bifrost image is
 * at hand.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };

/** The version the project's own images are tagged with (deno.json's). */
export const IMAGE_VERSION: string = denoJson.version;

/**
 * The Deno runtime base (the Deno binary running the build, its libraries,
 * busybox for `sh` and `wget`), tagged with that Deno's version. compose.yaml
 * runs the mock upstream in it (`DENO_IMAGE`).
 */
export const DENO_IMAGE = `localhost/bifrost-as-deno:${Deno.version.deno}`;
/** The mock OpenAI upstream, on port 8081. */
export const MOCK_UPSTREAM_IMAGE = `localhost/bifrost-as-mock-upstream:${IMAGE_VERSION}`;
/** The dev gateway standing in for Bifrost: port 8080, app dir /app/data. NOT Bifrost. */
export const DEV_GATEWAY_IMAGE = `localhost/bifrost-as-dev-gateway:${IMAGE_VERSION}`;
/** Label holding the digest of everything an image was built from, to skip rebuilding it. */
export const INPUTS_LABEL = "dev.bifrost-as.inputs";
/** The open-source Bifrost server with bifrost-as's WASM loader, from `build/bifrost/`: tagged with Bifrost's version. */
export const BIFROST_IMAGE_REPOSITORY = "localhost/bifrost-as-bifrost";
/** The real-Bifrost image for the Bifrost `version` built (`v1.6.2` or `1.6.2`). */
export function bifrostImage(version: string): string {
  return `${BIFROST_IMAGE_REPOSITORY}:v${version.replace(/^v/, "")}`;
}
/** Label of the real-Bifrost image: the Bifrost version it runs. */
export const BIFROST_VERSION_LABEL = "dev.bifrost-as.bifrost-version";
/** Label of the dev-gateway image, which is not Bifrost. */
export const NOT_BIFROST_LABEL = "dev.bifrost-as.not-bifrost";
