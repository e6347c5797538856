// Errors of the SSH transport, and the redaction that keeps secrets out of every error text.
//
// Every message built here may end up in a change's chat message or in the log, so it is
// passed through a Redactor first: the exact secrets the caller handed us (SSH password,
// private key, passphrase, BGP passwords) and the secret-bearing statements of the router
// configuration languages (Junos authentication-key, IOS-XR/EOS neighbor passwords, ...).
import { DriverError } from "../../core/ports.js";
import type { ConnectFailure } from "../../core/router-probe.js";

export { DriverError };
export type { ConnectFailure };

/**
 * A connection that failed before it was ready, marked with why (core/router-probe.ts reads
 * `kind` to tell the admin in one sentence): the name did not resolve, the port refused, the
 * handshake timed out, ...
 */
export class ConnectError extends DriverError {
  constructor(
    message: string,
    readonly kind: ConnectFailure,
    transient: boolean,
  ) {
    super(message, transient);
    this.name = "ConnectError";
  }
}

/** The host key the router presented is not the pinned one (or none is pinned yet). */
export class HostKeyError extends DriverError {
  constructor(
    message: string,
    /** What the router presented, as OpenSSH prints it: "SHA256:<base64 without padding>". */
    readonly fingerprint: string,
    /** The key algorithm, e.g. "ssh-ed25519". */
    readonly keyType: string,
    /** "unknown": nothing pinned yet; "changed": a different key is pinned. */
    readonly reason: "unknown" | "changed",
    /** The pinned fingerprint, empty when none. */
    readonly pinned: string,
  ) {
    super(message, false);
    this.name = "HostKeyError";
  }
  readonly kind: ConnectFailure = "host-key";
}

/** The router's SSH credentials cannot be had: a variable unset, a secret that cannot be decrypted. */
export class CredentialsError extends DriverError {
  readonly kind: ConnectFailure = "credentials";
  constructor(message: string) {
    super(message, false);
    this.name = "CredentialsError";
  }
}

/** The router's answer was larger than the configured limit; nothing was parsed. */
export class OutputLimitError extends DriverError {
  constructor(
    message: string,
    readonly limitBytes: number,
  ) {
    super(message, false);
    this.name = "OutputLimitError";
  }
}

/** The SSH server refused every authentication method we had. */
export class AuthenticationError extends DriverError {
  constructor(
    message: string,
    /** "auth": the router refused them; "credentials": there were none to offer. */
    readonly kind: ConnectFailure = "auth",
  ) {
    super(message, false);
    this.name = "AuthenticationError";
  }
}

export const REDACTED = "<redacted>";

// Statements whose value is a secret, in the languages peerbot speaks to routers. Each
// pattern keeps the keyword (so the error still says what was wrong) and masks the value.
const CONFIG_SECRET_PATTERNS: Array<[RegExp, string]> = [
  // Junos: authentication-key "$9$..."; secret "..."; encrypted-password "..."
  [
    /\b(authentication-key|encrypted-password|pre-shared-key\s+ascii-text|secret|simple-password)(\s+)("[^"\n]*"|[^\s;]+)/g,
    `$1$2"${REDACTED}"`,
  ],
  // IOS-XR: password clear|encrypted <value>
  [/\b(password)(\s+)(clear|encrypted)(\s+)(\S+)/gi, `$1$2$3$4${REDACTED}`],
  // EOS / IOS: neighbor X password [0|7|8a] <value>
  [/\b(neighbor\s+\S+\s+password\s+)(?:(0|7|8a)\s+)?(\S+)/gi, `$1$2 ${REDACTED}`],
  // Private keys, wherever they appear.
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, REDACTED],
];

/** Masks secret-bearing configuration statements in router output (diffs, errors). */
export function redactConfigSecrets(text: string): string {
  let out = text;
  for (const [re, by] of CONFIG_SECRET_PATTERNS) out = out.replace(re, by);
  // The EOS pattern leaves "password  <redacted>" when no type digit was given.
  return out.replace(/password {2}</g, "password <");
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Removes known secrets from text. Exact secrets are matched literally (and, for multi-line
 * secrets such as a PEM key, line by line, so that a partial echo is masked too).
 */
export class Redactor {
  private readonly exact: string[] = [];
  private re: RegExp | undefined;

  constructor(secrets: Iterable<string | Buffer | undefined> = []) {
    this.add(secrets);
  }

  add(secrets: Iterable<string | Buffer | undefined>): void {
    for (const s of secrets) {
      if (s === undefined) continue;
      const str = typeof s === "string" ? s : s.toString("utf8");
      // Very short strings would mask ordinary words; a 1-2 character secret is not worth it.
      if (str.length >= 3) this.exact.push(str);
      if (str.includes("\n")) {
        for (const line of str.split(/\r?\n/)) {
          const t = line.trim();
          if (t.length >= 12 && !/^-----(BEGIN|END) /.test(t)) this.exact.push(t);
        }
      }
    }
    const unique = [...new Set(this.exact)].sort((a, b) => b.length - a.length);
    this.re = unique.length ? new RegExp(unique.map(escapeRegExp).join("|"), "g") : undefined;
  }

  redact(text: string): string {
    const masked = this.re ? text.replace(this.re, REDACTED) : text;
    return redactConfigSecrets(masked);
  }

  /** A DriverError whose message has been redacted. */
  error(message: string, transient = false): DriverError {
    return new DriverError(this.redact(message), transient);
  }
}
