/** Runs the CLI as a subprocess, the way users run it. Test-only. */

/** What a CLI run printed and returned. */
export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

const MAIN = new URL("./main.ts", import.meta.url).pathname;

/** Runs `bifrost-as ...args` and returns its output and exit code. */
export async function runCli(
  args: string[],
  options: { stdin?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { NO_COLOR: "1", ...options.env },
  });
  const child = cmd.spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), code: out.code };
}
