// A Linux router host over SSH, for the drivers of routing daemons that run on a plain Unix
// host (BIRD 2, FRR): commands on exec channels (birdc, vtysh, sh), files over SFTP, on the
// router's pooled connection. Everything that reaches an error passes the redactor: the SSH
// credentials and any BGP password the caller names never appear in a message.
//
// Per-router settings that the Router row has no column for travel in its configPath, after
// the owned file's path, as a query string:
//   /etc/bird/peerbot.conf?socket=/run/bird/bird.ctl&sudo=1
// parseConfigPath splits them; each driver documents the keys it reads.
import type { SFTPWrapper } from "ssh2";
import type { SshConnection, ExecOptions, ExecResult, SshTarget, SshTimeouts } from "../../ssh/connection.js";
import { resolveTimeouts, targetLabel } from "../../ssh/connection.js";
import { DriverError, Redactor } from "../../ssh/errors.js";
import type { SshLease, SshPool } from "../../ssh/pool.js";
import { diffConfigs } from "../../../core/diff.js";
import { SerialDriver, type RouterDescription } from "./serial-driver.js";

/** Quotes a word for the POSIX shell: 'it'\''s'. */
export function shq(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface ConfigPathSpec {
  /** The file peerbot owns on the router host (absolute). */
  path: string;
  /** key=value settings after `?` (URL-decoded). */
  options: Record<string, string>;
}

/**
 * "/etc/bird/peerbot.conf?socket=/run/bird/bird.ctl&sudo=1" to its path and settings.
 * The path must be absolute: a relative one would depend on the SSH user's home.
 */
export function parseConfigPath(raw: string, platform: string): ConfigPathSpec {
  const q = raw.indexOf("?");
  const path = (q >= 0 ? raw.slice(0, q) : raw).trim();
  const options: Record<string, string> = {};
  if (q >= 0) {
    for (const part of raw.slice(q + 1).split("&")) {
      if (!part) continue;
      const eq = part.indexOf("=");
      const k = decodeURIComponent(eq >= 0 ? part.slice(0, eq) : part).trim();
      const v = eq >= 0 ? decodeURIComponent(part.slice(eq + 1)).trim() : "1";
      if (k) options[k] = v;
    }
  }
  if (!path.startsWith("/")) {
    throw new DriverError(
      `a ${platform} router needs the absolute path of the file peerbot owns on it in its configPath (got ${path ? `"${path}"` : "nothing"})`,
    );
  }
  if (/[\n\0]/.test(path)) throw new DriverError(`the ${platform} configPath contains a control character`);
  return { path, options };
}

export function isTrue(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v);
}

export interface UnixHostOptions {
  pool: SshPool;
  target: SshTarget;
  timeouts?: Partial<SshTimeouts>;
  /** Strings that must never appear in an error or output (BGP passwords the caller knows). */
  redact?: string[];
  /** Prefix privileged commands with `sudo -n` (the SSH user is not root). */
  sudo?: boolean;
}

export interface RunOptions extends ExecOptions {
  /** Run through `sudo -n` when the host is configured for it. Default true. */
  privileged?: boolean;
}

/** SFTP status code for "no such file". */
const SFTP_NO_SUCH_FILE = 2;

export class UnixHost {
  readonly redactor: Redactor;
  readonly label: string;
  readonly timeouts: SshTimeouts;
  private lease: SshLease | undefined;
  private leasing: Promise<SshLease> | undefined;

  constructor(private readonly opts: UnixHostOptions) {
    this.redactor = new Redactor([
      opts.target.password,
      opts.target.privateKey,
      opts.target.passphrase,
      ...(opts.redact ?? []),
    ]);
    this.label = targetLabel(opts.target);
    this.timeouts = resolveTimeouts(opts.timeouts);
  }

  error(message: string, transient = false): DriverError {
    return this.redactor.error(message, transient);
  }

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /** Runs a shell command line on the host; one reconnect when the pooled connection had died. */
  async run(command: string, opts: RunOptions = {}): Promise<ExecResult> {
    const line = this.opts.sudo && opts.privileged !== false ? `sudo -n sh -c ${shq(command)}` : command;
    return this.withConnection((c) => c.exec(line, opts));
  }

  /** Runs a command and returns its standard output; a non-zero exit is a DriverError. */
  async check(command: string, what: string, opts: RunOptions = {}): Promise<string> {
    const r = await this.run(command, opts);
    if (r.code !== 0) {
      const said = firstLines(`${r.stderr}\n${r.stdout}`, 6);
      throw this.error(
        `${what} failed on ${this.label} (exit ${r.code ?? r.signal ?? "?"})${said ? `: ${said}` : ""}`,
      );
    }
    return r.stdout;
  }

  /** A file's text, or null when it does not exist. */
  async readText(path: string): Promise<string | null> {
    return this.withConnection(async (c) => {
      const sftp = await c.sftp();
      const exists = await statExists(sftp, path);
      if (exists === "no") return null;
      if (exists === "error") {
        // Not readable over SFTP as this user: try through the shell (sudo when configured).
        const r = await c.exec(this.opts.sudo ? `sudo -n cat ${shq(path)}` : `cat ${shq(path)}`);
        if (r.code !== 0) {
          if (/No such file/i.test(r.stderr)) return null;
          throw this.error(`cannot read ${path} on ${this.label}: ${firstLines(r.stderr, 2)}`);
        }
        return r.stdout;
      }
      return (await c.readFile(path)).toString("utf8");
    });
  }

  /** Writes a file over SFTP (through a temporary file and a rename). */
  async writeText(path: string, text: string, mode = 0o640): Promise<void> {
    await this.withConnection((c) => c.writeFile(path, text, { atomic: true, mode }));
  }

  /**
   * Connects now (when not connected yet), with `timeouts` overriding the host's own for this
   * connection (`router test` connects with a short timeout).
   */
  async connect(timeouts?: Partial<SshTimeouts>): Promise<void> {
    await this.connection(timeouts);
  }

  /** Gives the connection back to the pool (it stays open for other users of the router). */
  async close(): Promise<void> {
    const lease = this.lease ?? (await this.leasing?.catch(() => undefined));
    this.lease = undefined;
    this.leasing = undefined;
    lease?.release(false);
  }

  private async connection(connect?: Partial<SshTimeouts>): Promise<SshLease> {
    if (this.lease && !this.lease.connection.closed) return this.lease;
    if (this.lease) {
      this.lease.release(true);
      this.lease = undefined;
    }
    const timeouts = { ...this.opts.timeouts, ...connect };
    this.leasing ??= this.opts.pool.acquire(this.opts.target, timeouts).finally(() => {
      this.leasing = undefined;
    });
    this.lease = await this.leasing;
    return this.lease;
  }

  private async withConnection<T>(fn: (c: SshConnection) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const lease = await this.connection();
      try {
        return await fn(lease.connection);
      } catch (err) {
        // The pooled connection may have died since it was last used: reconnect once.
        if (attempt === 0 && lease.connection.closed) {
          if (this.lease === lease) this.lease = undefined;
          lease.release(true);
          continue;
        }
        if (err instanceof DriverError) throw err;
        throw this.error(`${this.label}: ${err instanceof Error ? err.message : String(err)}`, true);
      }
    }
  }
}

function statExists(sftp: SFTPWrapper, path: string): Promise<"yes" | "no" | "error"> {
  return new Promise((resolve) =>
    sftp.stat(path, (err) => {
      if (!err) return resolve("yes");
      resolve((err as Error & { code?: number }).code === SFTP_NO_SUCH_FILE ? "no" : "error");
    }),
  );
}

/** The first non-empty lines of a text, for an error message. */
export function firstLines(text: string, n = 8): string {
  return text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim())
    .slice(0, n)
    .join("\n");
}

/** What both Linux-daemon drivers (BIRD 2, FRR) take. */
export interface UnixDriverOptions {
  pool: SshPool;
  target: SshTarget;
  timeouts?: Partial<SshTimeouts>;
  /** The file peerbot owns (absolute path on the router host). */
  configPath: string;
  sudo?: boolean;
  /** Strings that must never appear in an error (BGP passwords). */
  redact?: string[];
  /** Milliseconds since the epoch; tests replace it. */
  now?: () => number;
}

/**
 * The RouterDriver shape shared by the BIRD 2 and FRR drivers: one UnixHost, and every
 * operation run one at a time (SerialDriver: a poll never interleaves with a deploy step).
 */
export abstract class UnixDaemonDriver extends SerialDriver {
  protected readonly host: UnixHost;
  protected candidate: string | null = null;

  protected constructor(opts: UnixDriverOptions) {
    super(opts.now);
    this.host = new UnixHost({
      pool: opts.pool,
      target: opts.target,
      timeouts: opts.timeouts,
      redact: opts.redact,
      sudo: opts.sudo,
    });
  }

  protected get label(): string {
    return this.host.label;
  }

  /** The configuration the daemon runs for the owned part. */
  protected abstract running(): Promise<{ config: string }>;
  /** The daemon's own version command, parsed. */
  protected abstract identify(): Promise<RouterDescription>;

  /** Connects (within `connectTimeoutMs`), then asks the daemon what it is. */
  protected async doDescribe(opts: { connectTimeoutMs?: number }): Promise<RouterDescription> {
    await this.host.connect(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : undefined);
    return this.identify();
  }
  /** Masks what the daemon's own syntax can carry beyond the host's redaction. */
  protected redactDiff(text: string): string {
    return text;
  }

  protected async doGetConfig(): Promise<string> {
    return (await this.running()).config;
  }
  protected async doCompare(): Promise<string> {
    if (this.candidate === null) return "";
    const now = await this.running();
    return this.redactDiff(
      this.host.redact(
        diffConfigs(now.config, this.candidate, { fromName: "running", toName: "candidate" }).diff,
      ),
    );
  }
  protected doClose(): Promise<void> {
    return this.host.close();
  }
}
