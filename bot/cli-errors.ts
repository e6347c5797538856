// What the one-shot subcommands of bot/cli.ts (`peerbot import`, `peerbot secret`) share: the
// error that ends one with a sentence and an exit code, and who runs it, for the history.
import os from "node:os";
import type { Config } from "../core/config.js";

/** A refusal the subcommand prints as `peerbot <name>: <message>`, exiting with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/** Who runs this, for the history: $USER, or the OS account. */
export function cliUser(): string {
  const u = process.env.USER || process.env.LOGNAME;
  if (u) return u.slice(0, 100);
  try {
    return os.userInfo().username.slice(0, 100);
  } catch {
    return "unknown";
  }
}

type Run = (
  opts: Record<string, string | boolean | undefined>,
  config: Config,
  positionals: string[],
) => Promise<number>;

/** The `run` of subcommand `name`: a CliError is printed on stderr and its code returned. */
export function reportingCliErrors(name: string, run: Run): Run {
  return async (opts, config, positionals) => {
    try {
      return await run(opts, config, positionals);
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      process.stderr.write(`peerbot ${name}: ${err.message}\n`);
      return err.code;
    }
  };
}
