// `peerbot` as a child process, as a shell script runs it: bin/peerbot.js under this Node, with
// nothing of the developer's environment but PATH and HOME, and no .env file read.
import { execFile } from "node:child_process";
import path from "node:path";

/** The checkout, where `peerbot` runs from unless told otherwise. */
export const ROOT = path.resolve(import.meta.dirname, "../..");
export const PEERBOT_BIN = path.join(ROOT, "bin/peerbot.js");

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** The environment of a `peerbot` child: PATH, HOME, PEERBOT_NO_ENV_FILE, then `env` (undefined unsets). */
export function peerbotEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    PEERBOT_NO_ENV_FILE: "true",
    ...env,
  } as NodeJS.ProcessEnv;
}

/** Runs `peerbot <args>` with `input` on its standard input; its exit code (1 when killed) and output. */
export function runPeerbot(
  args: string[],
  opts: { input?: string; env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [PEERBOT_BIN, ...args],
      { cwd: opts.cwd ?? ROOT, env: peerbotEnv(opts.env), timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
    child.stdin?.end(opts.input ?? "");
  });
}
