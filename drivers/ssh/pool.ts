// One pooled SSH connection per router key, shared by deploys and polling.
//
// acquire() hands out a lease on the router's connection, connecting when there is none (or
// when the old one died: keepalives close dead connections, and a lease released as broken
// drops it). Concurrent acquires while a connection is being made share that attempt. When
// the last lease is released the connection stays open for `idleMs`, then closes.
// Each user of a lease opens its own channels (shell, exec, SFTP) on the shared connection.
import { DriverError } from "./errors.js";
import { SshConnection, resolveTimeouts, targetKey, type SshTarget, type SshTimeouts } from "./connection.js";
import { normalizeFingerprint } from "./fingerprint.js";

export interface SshLease {
  readonly connection: SshConnection;
  /** Give the connection back. `broken`: it misbehaved, close it so the next acquire reconnects. */
  release(broken?: boolean): void;
}

export interface SshPoolOptions {
  /** How long an unused connection stays open. Default 60 s. */
  idleMs?: number;
  timeouts?: Partial<SshTimeouts>;
  /** Replaces SshConnection.connect (tests). */
  connect?: (target: SshTarget, timeouts: SshTimeouts) => Promise<SshConnection>;
}

interface Entry {
  key: string;
  pinned: string;
  pending: Promise<SshConnection> | undefined;
  connection: SshConnection | undefined;
  refs: number;
  idleTimer: NodeJS.Timeout | undefined;
  connects: number;
}

export class SshPool {
  private readonly entries = new Map<string, Entry>();
  private readonly idleMs: number;
  private readonly timeouts: SshTimeouts;
  private readonly connectFn: (target: SshTarget, timeouts: SshTimeouts) => Promise<SshConnection>;
  private closedFlag = false;

  constructor(opts: SshPoolOptions = {}) {
    this.idleMs = opts.idleMs ?? 60_000;
    this.timeouts = resolveTimeouts(opts.timeouts);
    this.connectFn = opts.connect ?? ((t, to) => SshConnection.connect(t, to));
  }

  async acquire(target: SshTarget, timeouts?: Partial<SshTimeouts>): Promise<SshLease> {
    if (this.closedFlag) throw new DriverError("the SSH connection pool is closed");
    const key = targetKey(target);
    const pinned = normalizeFingerprint(target.hostKeyFingerprint);
    let entry = this.entries.get(key);
    // A re-pinned host key invalidates the connection made under the old pin.
    if (entry && entry.pinned !== pinned) {
      this.drop(entry);
      entry = undefined;
    }
    if (!entry) {
      entry = {
        key,
        pinned,
        pending: undefined,
        connection: undefined,
        refs: 0,
        idleTimer: undefined,
        connects: 0,
      };
      this.entries.set(key, entry);
    }
    entry.refs++;
    if (entry.idleTimer) {
      clearTimeout(entry.idleTimer);
      entry.idleTimer = undefined;
    }
    try {
      const connection = await this.connectionFor(entry, target, timeouts);
      let released = false;
      const e = entry;
      return {
        connection,
        release: (broken = false) => {
          if (released) return;
          released = true;
          this.release(e, connection, broken);
        },
      };
    } catch (err) {
      entry.refs--;
      if (entry.refs <= 0 && this.entries.get(key) === entry && !entry.connection) this.entries.delete(key);
      throw err;
    }
  }

  /** Connections made per key since the pool started (for tests and metrics). */
  stats(): Array<{ key: string; refs: number; open: boolean; connects: number }> {
    return [...this.entries.values()].map((e) => ({
      key: e.key,
      refs: e.refs,
      open: !!e.connection && !e.connection.closed,
      connects: e.connects,
    }));
  }

  async closeAll(): Promise<void> {
    this.closedFlag = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      all.map(async (e) => {
        if (e.idleTimer) clearTimeout(e.idleTimer);
        const c = e.connection ?? (await e.pending?.catch(() => undefined));
        await c?.close();
      }),
    );
  }

  private async connectionFor(
    entry: Entry,
    target: SshTarget,
    timeouts?: Partial<SshTimeouts>,
  ): Promise<SshConnection> {
    if (entry.connection && !entry.connection.closed) return entry.connection;
    entry.connection = undefined;
    if (!entry.pending) {
      entry.connects++;
      const attempt = this.connectFn(target, { ...this.timeouts, ...(timeouts ?? {}) });
      entry.pending = attempt;
      attempt.then(
        (c) => {
          if (entry.pending !== attempt) return;
          entry.pending = undefined;
          entry.connection = c;
          c.onClose(() => {
            if (entry.connection === c) entry.connection = undefined;
            if (entry.refs <= 0 && this.entries.get(entry.key) === entry) {
              if (entry.idleTimer) clearTimeout(entry.idleTimer);
              this.entries.delete(entry.key);
            }
          });
        },
        () => {
          if (entry.pending === attempt) entry.pending = undefined;
        },
      );
    }
    return entry.pending;
  }

  private release(entry: Entry, connection: SshConnection, broken: boolean): void {
    entry.refs = Math.max(0, entry.refs - 1);
    if (broken) {
      if (entry.connection === connection) entry.connection = undefined;
      void connection.close();
    }
    if (entry.refs > 0) return;
    if (this.entries.get(entry.key) !== entry) {
      void connection.close();
      return;
    }
    if (!entry.connection) {
      this.entries.delete(entry.key);
      return;
    }
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = undefined;
      if (entry.refs > 0) return;
      this.entries.delete(entry.key);
      void entry.connection?.close();
      entry.connection = undefined;
    }, this.idleMs);
    entry.idleTimer.unref?.();
  }

  private drop(entry: Entry): void {
    this.entries.delete(entry.key);
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    // Leases still out keep using their connection; it closes when they release it.
    if (entry.refs <= 0) void entry.connection?.close();
  }
}
