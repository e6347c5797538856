// A router CLI session for a driver: a lease on the router's pooled SSH connection plus one
// interactive shell on it, opened on first use, prepared with the platform's init commands
// (paging off, width), and reopened on a fresh connection when the old one has died.
import type { SshTarget, SshTimeouts } from "./connection.js";
import { resolveTimeouts, targetLabel } from "./connection.js";
import { DriverError, Redactor } from "./errors.js";
import type { SshLease, SshPool } from "./pool.js";
import { CliShell, type LineResult, type PromptSpec, type RunOptions, type RunResult } from "./shell.js";

export interface CliSessionOptions {
  pool: SshPool;
  target: SshTarget;
  prompt: PromptSpec;
  /** Sent once after login, e.g. "set cli screen-length 0". */
  init?: string[];
  timeouts?: Partial<SshTimeouts>;
  /** More strings that must never appear in an error (BGP passwords the caller knows). */
  redact?: string[];
}

export class CliRouterSession {
  readonly redactor: Redactor;
  readonly timeouts: SshTimeouts;
  readonly label: string;
  private lease: SshLease | undefined;
  private current: CliShell | undefined;
  private opening: Promise<CliShell> | undefined;

  constructor(private readonly opts: CliSessionOptions) {
    this.timeouts = resolveTimeouts(opts.timeouts);
    this.label = targetLabel(opts.target);
    this.redactor = new Redactor([
      opts.target.password,
      opts.target.privateKey,
      opts.target.passphrase,
      ...(opts.redact ?? []),
    ]);
  }

  /** True when a shell is open right now (a new one would be a new CLI session on the router). */
  get isOpen(): boolean {
    return !!this.current && !this.current.closed;
  }

  /**
   * The open shell, opening one (and the connection) when needed. `connect` overrides the
   * timeouts of a connection made now (`router test` connects with a short timeout).
   */
  shell(connect?: Partial<SshTimeouts>): Promise<CliShell> {
    if (this.current && !this.current.closed) return Promise.resolve(this.current);
    if (!this.opening) {
      this.opening = this.open(connect).finally(() => {
        this.opening = undefined;
      });
    }
    return this.opening;
  }

  async run(command: string, opts?: RunOptions): Promise<RunResult> {
    const sh = await this.shell();
    return sh.run(command, opts);
  }

  async runLines(
    lines: string[],
    opts?: { batchSize?: number; timeoutMs?: number; stopOn?: RegExp },
  ): Promise<LineResult[]> {
    const sh = await this.shell();
    return sh.runLines(lines, opts);
  }

  async write(data: string): Promise<void> {
    const sh = await this.shell();
    return sh.write(data);
  }

  /** Notices (unsolicited output) gathered so far, emptied. */
  takeNotices(): string[] {
    const sh = this.current;
    if (!sh) return [];
    return sh.notices.splice(0, sh.notices.length);
  }

  /** Closes the shell and gives the connection back to the pool (it stays open for others). */
  async close(): Promise<void> {
    const sh = this.current;
    this.current = undefined;
    if (sh) await sh.close().catch(() => undefined);
    const lease = this.lease;
    this.lease = undefined;
    lease?.release(false);
  }

  private async open(connect?: Partial<SshTimeouts>): Promise<CliShell> {
    // A shell that died (timeout, size limit, router hung up) may have left the connection
    // in doubt: give it back as broken when the connection itself is gone.
    if (this.current) {
      this.current = undefined;
      if (this.lease) {
        const gone = this.lease.connection.closed;
        this.lease.release(gone);
        this.lease = undefined;
      }
    }
    let lastErr: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!this.lease)
        this.lease = await this.opts.pool.acquire(this.opts.target, { ...this.opts.timeouts, ...connect });
      try {
        const sh = await CliShell.open(this.lease.connection, this.opts.prompt, {
          timeoutMs: this.timeouts.commandTimeoutMs,
          maxOutputBytes: this.timeouts.maxOutputBytes,
          label: this.label,
          redactor: this.redactor,
        });
        for (const cmd of this.opts.init ?? []) await sh.run(cmd);
        this.current = sh;
        return sh;
      } catch (err) {
        lastErr = err;
        // The pooled connection may have died since it was last used: reconnect once.
        const gone = this.lease.connection.closed;
        this.lease.release(gone);
        this.lease = undefined;
        if (!gone) break;
      }
    }
    if (lastErr instanceof DriverError) throw lastErr;
    throw this.redactor.error(`could not open a CLI session on ${this.label}: ${String(lastErr)}`, true);
  }
}
