// A small line logger: JSON lines on stderr, with a redaction pass so that a secret handed
// to it by mistake (password, token, key) is masked before it is written.

export type Level = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

const SECRET_KEYS = /pass(word)?|secret|token|api[-_]?key|private[-_]?key|authorization|credential/i;
const SECRET_VALUES = [
  /xox[abposr]-[A-Za-z0-9-]+/g, // Slack tokens
  /xapp-[A-Za-z0-9-]+/g,
  /Api-Key\s+\S+/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

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

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(
  level: Level = "info",
  write: (line: string) => void = (l) => process.stderr.write(l + "\n"),
): Logger {
  const at = ORDER[level];
  const emit = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < at) return;
    const rec = {
      t: new Date().toISOString(),
      level: lvl,
      msg: redact(msg),
      ...(redact(fields ?? {}) as object),
    };
    write(JSON.stringify(rec));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}
