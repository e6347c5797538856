// The process's logger: pino, writing one JSON line per record to stderr (or to a function, for
// the tests that keep the lines). Secrets are kept out twice over: every record goes through
// `redact()` first (secret-named keys at any depth, and values that look like a Slack token,
// a PeeringDB `Api-Key` header or a PEM private key, wherever they sit in a string), then
// through pino's own `redact` paths (REDACT_PATHS) for the secret field names.
import { destination, pino, stdTimeFunctions, type DestinationStream, type Logger as Pino } from "pino";

export type Level = "debug" | "info" | "warn" | "error" | "silent";

const SECRET_KEYS =
  /pass(word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|authorization|cookie|credential/i;
const SECRET_VALUES = [
  /xox[abposr]-[A-Za-z0-9-]+/g, // Slack tokens
  /xapp-[A-Za-z0-9-]+/g,
  /Api-Key\s+\S+/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/** `value` with every secret-named field and every secret-looking string masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") {
    let s = value;
    for (const re of SECRET_VALUES) s = s.replace(re, "[redacted]");
    return s;
  }
  if (value instanceof Error)
    return { name: value.name, message: redact(value.message), stack: redact(value.stack) };
  if (Array.isArray(value)) return depth > 5 ? "[…]" : value.map((v) => redact(v, depth + 1));
  if (value && typeof value === "object") {
    if (depth > 5) return "[…]";
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = SECRET_KEYS.test(k) ? "[redacted]" : redact(v, depth + 1);
    return out;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** Field names pino masks at the top level of a record. */
const SECRET_FIELDS = [
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "apiKey",
  "api_key",
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  "privateKey",
  "private_key",
  "credential",
  "credentials",
  "signingSecret",
  "botToken",
  "appToken",
  "accessToken",
  "clientSecret",
  "passwordEnc",
];

/**
 * pino's redact paths: the secret field names at the top level and where the drivers and
 * receivers keep them (HTTP headers, SSH targets, SMTP auth). Exact paths only: a wildcard
 * path costs pino tens of microseconds a line (the ops bench), and `redact()` has already
 * masked secret-named keys at every depth before pino sees a record.
 */
export const REDACT_PATHS: string[] = [
  ...SECRET_FIELDS,
  ...["headers", "req.headers", "request.headers", "res.headers"].flatMap((h) =>
    ["authorization", "cookie", "set-cookie", "x-api-key", "x-slack-signature"].map((k) => `${h}["${k}"]`),
  ),
  ...["target", "auth", "options", "config", "router"].flatMap((o) =>
    ["password", "pass", "privateKey", "passphrase", "token"].map((k) => `${o}.${k}`),
  ),
];

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger whose every line also carries `bindings` (a change id, a job id, an interaction id). */
  child?(bindings: Fields): Logger;
}

/**
 * `log.child(bindings)`, or, for a logger without children (a test's own), one that adds the
 * bindings to the fields of each line.
 */
export function childLogger(log: Logger, bindings: Fields): Logger {
  if (log.child) return log.child(bindings);
  const f = (fields?: Fields): Fields => ({ ...bindings, ...fields });
  return {
    debug: (m, x) => log.debug(m, f(x)),
    info: (m, x) => log.info(m, f(x)),
    warn: (m, x) => log.warn(m, f(x)),
    error: (m, x) => log.error(m, f(x)),
    child: (b) => childLogger(log, { ...bindings, ...b }),
  };
}

function wrap(p: Pino): Logger {
  const at =
    (lvl: "debug" | "info" | "warn" | "error") =>
    (msg: string, fields?: Fields): void => {
      if (!p.isLevelEnabled(lvl)) return;
      p[lvl](fields ? (redact(fields) as Fields) : {}, redact(msg) as string);
    };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (bindings) => wrap(p.child(redact(bindings) as Fields)),
  };
}

/**
 * A logger at `level`. Lines go to stderr, written synchronously so that none is lost when the
 * process exits right after; `write` receives each line instead (without its newline).
 */
export function createLogger(level: Level = "info", write?: (line: string) => void): Logger {
  const dest: DestinationStream = write
    ? { write: (s: string) => write(s.endsWith("\n") ? s.slice(0, -1) : s) }
    : destination({ fd: 2, sync: true });
  const p = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    dest,
  );
  return wrap(p);
}
