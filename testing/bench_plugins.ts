/**
 * The two plugins `deno task bench` compares, built when missing or older
 * than their sources: hello-world (through lib/project/_test_plugins.ts) and the
 * baseline under `testdata/plugins/baseline/` (its own asconfig.json: --runtime stub).
 *
 * @module
 */
import { buildPlugin } from "../lib/project/build.ts";
import { testPlugin } from "./plugins.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const BASELINE_DIR = `${ROOT}/bench/baseline`;

/** The release build of hello-world, rebuilt when stale. */
export function helloWorldPlugin(): Promise<string> {
  return testPlugin("hello-world");
}

/** The release build of the baseline (`build/baseline.wasm`), rebuilt when stale. */
export async function baselinePlugin(): Promise<string> {
  const out = `${ROOT}/build/baseline.wasm`;
  const built = await Deno.stat(out).then((s) => s.mtime?.getTime() ?? 0, () => 0);
  let newest = 0;
  for await (const e of Deno.readDir(BASELINE_DIR)) {
    if (e.isFile && /\.(ts|json)$/.test(e.name)) {
      newest = Math.max(newest, (await Deno.stat(`${BASELINE_DIR}/${e.name}`)).mtime?.getTime() ?? 0);
    }
  }
  if (built < newest) await buildPlugin({ entry: "plugin.ts", out, cwd: BASELINE_DIR });
  return out;
}
