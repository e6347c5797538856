// `peerbot secret set router <name> [--key-file <path>]` and `peerbot secret clear router <name>
// [--key]`: a router's SSH credentials stored from the shell, never typed in chat. The password
// is asked for without echo (twice) on a terminal, or read as one line from standard input in a
// script; it is stored AES-256-GCM encrypted (core/router-secrets.ts), and recorded in the
// router's history as actor "cli:<$USER>", via "cli", without its value.
// `peerbot secret set|clear ixapi <endpoint>` does the same for an IX-API endpoint's key and
// secret (asked for one after the other, or two lines on standard input; core/ixapi/endpoints.ts).
import { readFileSync, statSync } from "node:fs";
import type { Config } from "../core/config.js";
import { CliError, cliUser, reportingCliErrors } from "./cli-errors.js";

const USAGE = [
  "peerbot secret set router <name> [--key-file <path>]",
  "       peerbot secret clear router <name> [--key]",
  "       peerbot secret set|clear ixapi <endpoint>",
].join("\n");

/** Longest password or key file peerbot takes. */
const MAX_SECRET = 64 * 1024;

const say = (s: string) => process.stdout.write(`${s}\n`);

/** What a terminal sent beyond the line a prompt took (two lines pasted at once). */
let ahead = "";

/** Reads one line without echo from the terminal; Ctrl-C or Ctrl-D on an empty line aborts. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows: what is typed the moment it appears is never echoed.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = "";
    let finished = false;
    const done = (rest: string, err?: Error) => {
      finished = true;
      ahead = rest;
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const take = (text: string) => {
      const chars = [...text];
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i]!;
        const rest = () =>
          chars
            .slice(i + 1)
            .join("")
            .replace(/^\n/, "");
        if (ch === "\r" || ch === "\n") return done(rest());
        if (ch === "\u0003") return done("", new CliError("Cancelled; nothing was stored.", 130));
        if (ch === "\u0004") {
          if (!value) return done("", new CliError("Cancelled; nothing was stored.", 130));
          continue;
        }
        if (ch === "\u007f" || ch === "\b") {
          value = [...value].slice(0, -1).join("");
          continue;
        }
        if (/[\u0000-\u001f]/.test(ch)) continue;
        value += ch;
        if (value.length > MAX_SECRET) return done("", new CliError("That password is too long.", 1));
      }
    };
    const onData = (chunk: Buffer) => take(chunk.toString("utf8"));
    stdin.on("data", onData);
    const early = ahead;
    ahead = "";
    if (early) take(early);
    if (!finished) stdin.resume();
  });
}

/** What standard input sent beyond the line readLine returned (a script's next line). */
let piped = "";
/** Whether standard input has ended. */
let pipeEnded = false;

/** The next line of standard input (a script's pipe), without its line ending. */
function readLine(): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let buf = piped;
    const finish = (line: string, rest: string) => {
      stdin.removeListener("data", onData);
      stdin.removeListener("end", onEnd);
      stdin.pause();
      piped = rest;
      resolve(line.replace(/\r$/, ""));
    };
    const take = (): boolean => {
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        finish(buf.slice(0, nl), buf.slice(nl + 1));
        return true;
      }
      if (buf.length > MAX_SECRET) {
        stdin.removeListener("data", onData);
        reject(new CliError("The line on standard input is too long (or has no end of line).", 1));
        return true;
      }
      return false;
    };
    const onData = (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      take();
    };
    const onEnd = () => {
      pipeEnded = true;
      finish(buf, "");
    };
    if (take()) return;
    if (pipeEnded) return finish(buf, "");
    stdin.on("data", onData);
    stdin.on("end", onEnd);
    stdin.on("error", reject);
    stdin.resume();
  });
}

async function askPassword(label: string): Promise<string> {
  if (!process.stdin.isTTY) return readLine();
  const first = await promptHidden(`SSH password for ${label}: `);
  if (!first) return first;
  const again = await promptHidden("Again, to be sure: ");
  if (again !== first) throw new CliError("The two passwords differ; nothing was stored.", 1);
  return first;
}

/** An unencrypted private key from a file, checked before anything is stored. */
async function readKeyFile(file: string): Promise<string> {
  let text: string;
  try {
    if (statSync(file).size > MAX_SECRET)
      throw new CliError(`${file} is too large to be an SSH private key.`);
    text = readFileSync(file, "utf8");
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(
      `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
    );
  }
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
    throw new CliError(`${file} is not an SSH private key (OpenSSH or PEM); nothing was stored.`);
  }
  const { utils } = (await import("ssh2")).default;
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) {
    throw new CliError(
      /passphrase|encrypted/i.test(parsed.message)
        ? `${file} is encrypted with a passphrase, which peerbot has nowhere to keep: store a copy without one (ssh-keygen -p -N "" -f <copy>); nothing was stored.`
        : `${file} is not a private key peerbot can use (${parsed.message}); nothing was stored.`,
    );
  }
  return text;
}

function parseTarget(positionals: string[]): {
  verb: "set" | "clear";
  kind: "router" | "ixapi";
  name: string;
} {
  const [verb, kind, name, ...rest] = positionals;
  if (
    (verb !== "set" && verb !== "clear") ||
    (kind !== "router" && kind !== "ixapi") ||
    !name ||
    rest.length
  ) {
    throw new CliError(`Usage: ${USAGE}`, 2);
  }
  if (name.length > 100)
    throw new CliError(`That ${kind === "router" ? "router" : "endpoint"} name is too long.`, 2);
  return { verb, kind, name };
}

/** An IX-API key and secret: two hidden prompts on a terminal, else two lines of standard input. */
async function askIxApiCredentials(name: string): Promise<{ key: string; secret: string }> {
  if (!process.stdin.isTTY) {
    const key = await readLine();
    const secret = await readLine();
    return { key, secret };
  }
  const key = await promptHidden(`IX-API key of ${name}: `);
  const secret = key ? await promptHidden(`IX-API secret of ${name}: `) : "";
  return { key, secret };
}

async function run(
  opts: Record<string, string | boolean | undefined>,
  config: Config,
  positionals: string[],
) {
  const { verb, kind: target, name } = parseTarget(positionals);
  const keyFile = typeof opts["key-file"] === "string" ? opts["key-file"] : undefined;
  if (target === "ixapi" && (keyFile || opts.key))
    throw new CliError(
      "--key-file and --key are for routers; an IX-API endpoint has a key and a secret, asked for in turn.",
      2,
    );
  if (verb === "clear" && keyFile) throw new CliError("--key-file is for `secret set`.", 2);
  if (verb === "set" && opts.key)
    throw new CliError("--key is for `secret clear`; give --key-file <path> to store a key.", 2);
  // A server database needs the bot's key; the embedded one keeps its own in the data folder.
  if (verb === "set" && config.DATABASE_URL && !config.PEERBOT_SECRET_KEY) {
    throw new CliError(
      `PEERBOT_SECRET_KEY is not set: peerbot stores ${target === "router" ? "router" : "IX-API"} credentials encrypted with it, so nothing was stored. Set it to the key the bot runs with (a new one: openssl rand -base64 32) and run this again.`,
      78,
    );
  }
  const key = keyFile ? await readKeyFile(keyFile) : undefined;

  const { boot } = await import("./runtime.js");
  const { UserError } = await import("../core/errors.js");
  const { processAuthor } = await import("../core/history.js");
  const secrets = await import("../core/router-secrets.js");
  const { createLogger } = await import("../core/log.js");
  // A one-shot command: start-up notes (the mailer, ...) are noise here; warnings still show.
  const log = createLogger(config.PEERBOT_LOG_LEVEL === "debug" ? "debug" : "warn");
  const rt = await boot(config, { allowEmbedded: true, log });
  const user = cliUser();
  const author = processAuthor(`cli:${user}`, "cli", user);
  try {
    if (target === "ixapi") {
      const ep = await import("../core/ixapi/endpoints.js");
      if (verb === "clear") {
        const r = await ep.clearEndpointCredentials(rt.services.db, name, author);
        say(
          r.cleared
            ? `Removed the stored IX-API key and secret of ${r.endpoint.name}.`
            : `${r.endpoint.name} has no stored IX-API key or secret; nothing changed.`,
        );
        return 0;
      }
      const found = await ep.findEndpoint(rt.services.db, name);
      if (!found)
        throw new CliError(
          `There is no IX-API endpoint called "${name.slice(0, 60)}"; in chat, \`ixapi list\` shows them.`,
        );
      const creds = await askIxApiCredentials(found.name);
      const r = await ep.storeEndpointCredentials(rt.services.db, rt.services.secrets, name, creds, author);
      say(
        `Stored the IX-API key and secret of ${r.endpoint.name}, encrypted${r.replaced ? " (they replace the ones stored before)" : ""}.` +
          (r.replacedEnv.length
            ? ` It no longer reads them from ${r.replacedEnv.map((v) => `$${v}`).join(" and ")}.`
            : "") +
          ` In chat, \`ixapi refresh ${r.endpoint.name}\` logs in with them.`,
      );
      return 0;
    }
    const router = await secrets.routerForSecret(rt.services.db, name);
    const label = `${router.username || "?"}@${router.hostname}:${router.port} (${router.name})`;
    if (verb === "clear") {
      const kind = opts.key ? "privateKey" : "password";
      const r = await secrets.clearRouterSecret(rt.services.db, name, kind, author);
      say(
        r.cleared
          ? `Removed the stored SSH ${kind === "password" ? "password" : "private key"} of ${label}.`
          : `${router.name} has no stored SSH ${kind === "password" ? "password" : "private key"}; nothing changed.`,
      );
      return 0;
    }
    const value = key ?? (await askPassword(label));
    const kind = key ? "privateKey" : "password";
    const r = await secrets.storeRouterSecret(rt.services.db, rt.services.secrets, name, kind, value, author);
    const what = kind === "password" ? "password" : "private key";
    say(
      `Stored the SSH ${what} of ${label}, encrypted${r.replaced ? ` (it replaces the one stored before)` : ""}.` +
        (r.replacedEnv ? ` The router no longer reads its password from ${r.replacedEnv}.` : "") +
        ` In chat, \`router test ${router.name}\` checks that it logs in.`,
    );
    return 0;
  } catch (err) {
    if (err instanceof UserError) throw new CliError(err.hint ? `${err.message}\n${err.hint}` : err.message);
    throw err;
  } finally {
    await rt.close();
  }
}

/** The `secret` entry of bot/cli.ts's SUBCOMMANDS. */
export const secretSubcommand = {
  summary:
    "Store a router's SSH password (asked without echo; one line on standard input in scripts) or private key, or an IX-API endpoint's key and secret (two lines), encrypted: credentials are never typed in chat.",
  usage: USAGE,
  positionals: true,
  options: {
    "key-file": {
      type: "string" as const,
      description:
        "set: store the unencrypted OpenSSH/PEM private key in this file instead of a password (tried first; a stored password stays as the fallback). A stored password replaces the environment variable the router named (credential env:<VAR>).",
    },
    key: {
      type: "boolean" as const,
      description: "clear: remove the stored private key instead of the password",
    },
  },
  run: reportingCliErrors("secret", run),
};
