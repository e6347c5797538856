// The mail settings, read once at start-up: where the SMTP server is, how to talk TLS to it,
// who we are to it, and the DKIM key. A file that cannot be read, or a DKIM setting without
// its two companions, stops start-up with a ConfigError naming the setting (never the key,
// never the password).
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError, type Config } from "../../core/config.js";

export interface SmtpTarget {
  host: string;
  port: number;
  /** smtps://: TLS from the first byte. Otherwise STARTTLS when the server offers it. */
  implicitTls: boolean;
  user?: string;
  pass?: string;
  /** PEM of the private CA (PEERBOT_SMTP_CA_FILE). */
  ca?: string;
  verifyTls: boolean;
  pool: number;
}

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** "SMTP mail.example.net:587": what people are told (no user, no password). */
export function describeTarget(t: Pick<SmtpTarget, "host" | "port">): string {
  return `SMTP ${t.host.includes(":") ? `[${t.host}]` : t.host}:${t.port}`;
}

export function smtpTarget(config: Config): SmtpTarget | undefined {
  const raw = config.PEERBOT_SMTP_URL;
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(["PEERBOT_SMTP_URL: expected smtp://[user@]host[:port] or smtps://…"]);
  }
  const implicitTls = url.protocol === "smtps:";
  if (!url.hostname) throw new ConfigError(["PEERBOT_SMTP_URL: the URL names no host"]);
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new ConfigError(["PEERBOT_SMTP_URL: the user or password is not valid percent-encoding"]);
    }
  };
  const user = url.username ? decode(url.username) : undefined;
  const pass = url.password ? decode(url.password) : config.PEERBOT_SMTP_PASSWORD || undefined;
  if (pass && !user)
    throw new ConfigError([
      "PEERBOT_SMTP_URL: a password is set but the URL names no user (smtp://user@host:587)",
    ]);
  if (user && !pass)
    throw new ConfigError([
      "PEERBOT_SMTP_PASSWORD: PEERBOT_SMTP_URL names a user but no password is given (in the URL or in PEERBOT_SMTP_PASSWORD)",
    ]);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : implicitTls ? 465 : 587,
    implicitTls,
    user,
    pass,
    ca: config.PEERBOT_SMTP_CA_FILE
      ? readSetting("PEERBOT_SMTP_CA_FILE", config.PEERBOT_SMTP_CA_FILE)
      : undefined,
    verifyTls: config.PEERBOT_SMTP_TLS_VERIFY,
    pool: config.PEERBOT_SMTP_POOL,
  };
}

export function dkimSettings(config: Config): DkimSettings | undefined {
  const given = {
    PEERBOT_DKIM_DOMAIN: config.PEERBOT_DKIM_DOMAIN?.trim(),
    PEERBOT_DKIM_SELECTOR: config.PEERBOT_DKIM_SELECTOR?.trim(),
    PEERBOT_DKIM_KEY_FILE: config.PEERBOT_DKIM_KEY_FILE?.trim(),
  };
  const set = Object.entries(given).filter(([, v]) => v);
  if (set.length === 0) return undefined;
  if (set.length < 3) {
    const missing = Object.keys(given).filter((k) => !given[k as keyof typeof given]);
    throw new ConfigError(
      missing.map((k) => `${k}: DKIM signing needs PEERBOT_DKIM_DOMAIN, _SELECTOR and _KEY_FILE together`),
    );
  }
  const domainName = given.PEERBOT_DKIM_DOMAIN as string;
  const keySelector = given.PEERBOT_DKIM_SELECTOR as string;
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(domainName))
    throw new ConfigError(["PEERBOT_DKIM_DOMAIN: expected a domain name such as example.net"]);
  if (!/^[a-z0-9]([a-z0-9._-]{0,62})$/i.test(keySelector))
    throw new ConfigError(["PEERBOT_DKIM_SELECTOR: expected a selector such as peerbot2026"]);
  const file = given.PEERBOT_DKIM_KEY_FILE as string;
  const privateKey = readSetting("PEERBOT_DKIM_KEY_FILE", file);
  try {
    const key = createPrivateKey(privateKey);
    // nodemailer signs rsa-sha256 only (RFC 6376); an Ed25519 key would be skipped unsigned.
    if (key.asymmetricKeyType !== "rsa") throw new Error("not RSA");
  } catch {
    // The parser's message is not repeated: it is about the key's bytes.
    throw new ConfigError([`PEERBOT_DKIM_KEY_FILE: ${file} is not a PEM RSA private key`]);
  }
  return { domainName, keySelector, privateKey };
}

/** The text of a file a setting names, or a ConfigError naming the setting and the reason. */
function readSetting(setting: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code;
    throw new ConfigError([`${setting}: cannot read ${file} (${why})`]);
  }
}
