/** Test-only: small images to build on. */
import { sha256Digest } from "../lib/oci/digest.ts";
import { gzip } from "../lib/oci/gzip.ts";
import { createTar } from "../lib/oci/tar.ts";
import { createImage, type Image } from "../lib/oci/image.ts";
import { MediaType } from "../lib/oci/media_types.ts";

const enc = new TextEncoder();

/**
 * A small stand-in for a Bifrost base image: one layer with a fake gateway
 * binary (and `/app/data/config.json` when `configJson` is given), an
 * entrypoint, env, user, a label and history; OCI or Docker schema 2.
 */
export async function baseImage(options: { docker?: boolean; configJson?: unknown } = {}): Promise<Image> {
  const tar = createTar([
    { path: "app/bifrost", data: enc.encode("#!/bin/sh\necho gateway\n"), mode: 0o755 },
    ...(options.configJson
      ? [{ path: "app/data/config.json", data: enc.encode(JSON.stringify(options.configJson)) }]
      : []),
  ]);
  const config = {
    created: "2025-12-01T00:00:00Z",
    architecture: "amd64",
    os: "linux",
    config: { Entrypoint: ["/app/bifrost"], Env: ["APP_PORT=8080"], User: "1000", Labels: { vendor: "test" } },
    rootfs: { type: "layers", diff_ids: [await sha256Digest(tar)] },
    history: [{ created: "2025-12-01T00:00:00Z", created_by: "COPY bifrost /app/bifrost" }],
  };
  const docker = options.docker ?? false;
  return await createImage(
    { mediaType: docker ? MediaType.DockerConfig : MediaType.OciConfig, data: enc.encode(JSON.stringify(config)) },
    [{ mediaType: docker ? MediaType.DockerLayerGzip : MediaType.OciLayerGzip, data: await gzip(tar) }],
    docker ? { mediaType: MediaType.DockerManifest } : {},
  );
}
