// The RouterDriver port as every SSH driver implements it (Junos, IOS-XR and EOS through
// CliDriverBase, BIRD 2 and FRR through UnixDaemonDriver): each operation runs one at a time
// per driver, so a poll never types into the middle of a deploy step and a rollback never
// overtakes a commit. Subclasses implement the do* steps.
import type { BgpNeighbor, CommitResult, RouterDriver } from "../../../core/ports.js";
import { DriverError } from "../../ssh/errors.js";

/**
 * idle: nothing staged. editing: a candidate is staged in a configuration session.
 * pending: committed with a confirm timer that is running. confirmed: the last commit is
 * permanent. reverted: the router undid the commit by itself (the timer expired); a rollback
 * then has nothing left to do, and must not undo the router's own rollback.
 */
export type DeployState = "idle" | "editing" | "pending" | "confirmed" | "reverted";

/** What a router says it runs (RouterDriver.describe). */
export type RouterDescription = Awaited<ReturnType<NonNullable<RouterDriver["describe"]>>>;

export abstract class SerialDriver implements RouterDriver {
  protected state: DeployState = "idle";
  /** Milliseconds since the epoch; tests replace it. */
  protected readonly now: () => number;
  private queue: Promise<unknown> = Promise.resolve();

  protected constructor(now?: () => number) {
    this.now = now ?? Date.now;
  }

  /** Where the deploy stands on this router, as this driver knows it. */
  get deployState(): DeployState {
    return this.state;
  }

  getConfig(): Promise<string> {
    return this.serial(() => this.doGetConfig());
  }
  loadCandidate(config: string): Promise<void> {
    return this.serial(() => this.doLoadCandidate(config));
  }
  /** The router's own diff of the loaded candidate against what it runs (for a person; not the port). */
  compare(): Promise<string> {
    return this.serial(() => this.doCompare());
  }
  /** Commits with a confirm timer of whole seconds (rounded up). */
  commit(confirmSeconds: number): Promise<CommitResult> {
    if (!Number.isFinite(confirmSeconds) || confirmSeconds <= 0) {
      return Promise.reject(new DriverError(`a commit needs a positive confirm time, not ${confirmSeconds}`));
    }
    return this.serial(() => this.doCommit(Math.ceil(confirmSeconds)));
  }
  confirm(): Promise<void> {
    return this.serial(() => this.doConfirm());
  }
  rollback(): Promise<void> {
    return this.serial(() => this.doRollback());
  }
  getBgpNeighbors(): Promise<BgpNeighbor[]> {
    return this.serial(() => this.doGetBgpNeighbors());
  }
  /** The platform and version the router names (`router test`); connects first when needed. */
  describe(opts: { connectTimeoutMs?: number } = {}): Promise<RouterDescription> {
    return this.serial(() => this.doDescribe(opts));
  }
  close(): Promise<void> {
    return this.serial(() => this.doClose());
  }

  protected abstract doGetConfig(): Promise<string>;
  protected abstract doLoadCandidate(config: string): Promise<void>;
  protected abstract doCompare(): Promise<string>;
  protected abstract doCommit(confirmSeconds: number): Promise<CommitResult>;
  protected abstract doConfirm(): Promise<void>;
  protected abstract doRollback(): Promise<void>;
  protected abstract doGetBgpNeighbors(): Promise<BgpNeighbor[]>;
  protected abstract doDescribe(opts: { connectTimeoutMs?: number }): Promise<RouterDescription>;
  protected abstract doClose(): Promise<void>;

  /** Runs fn after every operation queued before it, whether they succeeded or not. */
  protected serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
