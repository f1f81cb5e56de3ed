/** Runs the CLI as a subprocess, the way users run it. Test-only. */

/** What a CLI run printed and returned. */
export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

const MAIN = new URL("../cli/main.ts", import.meta.url).pathname;
const PEAK_MAIN = new URL("./peak_rss_main.ts", import.meta.url).pathname;

/** Runs `bifrost-as ...args` and returns its output and exit code. */
export async function runCli(
  args: string[],
  options: { stdin?: string; cwd?: string; env?: Record<string, string>; main?: string } = {},
): Promise<CliResult> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", options.main ?? MAIN, ...args],
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
  return { stdout: dec.decode(out.stdout), stderr: withoutLockWait(dec.decode(out.stderr)), code: out.code };
}

/**
 * {@link runCli}, also returning the process's peak resident set size in
 * bytes (Linux, from `/proc/self/status` at exit). `stderr` leaves the
 * measurement out.
 */
export async function runCliPeak(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult & { peakRssBytes: number }> {
  const result = await runCli(args, { ...options, main: PEAK_MAIN });
  const m = /peak-rss-bytes (\d+)\n?$/.exec(result.stderr);
  if (!m) throw new Error(`No peak RSS reported (exit ${result.code}): ${result.stderr}`);
  return { ...result, stderr: result.stderr.slice(0, m.index), peakRssBytes: Number(m[1]) };
}

/** A long-running CLI command started by {@link spawnCli}. */
export interface CliProcess extends AsyncDisposable {
  /** The next line printed on stdout; rejects when the command exits first or prints nothing for `timeoutMs`. */
  readLine(timeoutMs?: number): Promise<string>;
  /** Sends `signal`, waits for the exit and returns everything printed. */
  stop(signal?: Deno.Signal): Promise<CliResult>;
}

/** Starts `bifrost-as ...args` in the background, for commands that run until stopped. Dispose kills it. */
export function spawnCli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): CliProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  let handedOut = 0;
  let ended = false;
  const readMore = async () => {
    const { done, value } = await reader.read();
    if (done) ended = true;
    else stdout += value;
  };
  const nextLine = async (): Promise<string> => {
    for (;;) {
      const end = stdout.indexOf("\n", handedOut);
      if (end >= 0) {
        const line = stdout.slice(handedOut, end);
        handedOut = end + 1;
        return line;
      }
      if (ended) throw new Error(`The command exited without printing a line; stderr: ${await stderr}`);
      await readMore();
    }
  };
  const stop = async (signal: Deno.Signal = "SIGTERM"): Promise<CliResult> => {
    try {
      child.kill(signal);
    } catch { /* already exited */ }
    const { code } = await child.status;
    while (!ended) await readMore();
    return { stdout, stderr: withoutLockWait(await stderr), code };
  };
  return {
    async readLine(timeoutMs = 30_000) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`No line on stdout within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        return await Promise.race([nextLine(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop,
    async [Symbol.asyncDispose]() {
      await stop("SIGKILL");
    },
  };
}

/**
 * Deno's own note while another process holds the project's node_modules
 * lock (CLI runs in parallel tests wait on each other): the runtime's, not
 * the CLI's output.
 */
function withoutLockWait(stderr: string): string {
  return stderr.replace(/^Blocking waiting for file lock on node_modules directory\n/gm, "");
}
