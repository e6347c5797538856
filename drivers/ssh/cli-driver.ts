// Shared pieces of the CLI router drivers (Junos, IOS-XR, EOS): options, the deploy state
// machine, the confirm deadline, error helpers, and small parsing helpers for BGP state.
import type { BgpNeighborState } from "../../core/ports.js";
import { CliRouterSession } from "./cli-session.js";
import type { SshTarget, SshTimeouts } from "./connection.js";
import { DriverError } from "./errors.js";
import type { SshPool } from "./pool.js";
import { SerialDriver, type DeployState } from "./serial-driver.js";
import type { PromptSpec } from "./shell.js";

export interface CliDriverOptions {
  /** The shared pool: one connection per router, used by deploys and polling alike. */
  pool: SshPool;
  /** Where and how to log in (see targetFromRouter). */
  target: SshTarget;
  timeouts?: Partial<SshTimeouts>;
  /** How long a commit (check) may take. Default 5 minutes. */
  commitTimeoutMs?: number;
  /** Strings that must never appear in an error or output (BGP passwords the caller knows). */
  redact?: string[];
  /** Milliseconds since the epoch; tests replace it. */
  now?: () => number;
}

export type { DeployState };

/** The CLI drivers (Junos, IOS-XR, EOS): one CliRouterSession, a confirm deadline on our clock. */
export abstract class CliDriverBase extends SerialDriver {
  protected readonly session: CliRouterSession;
  /** When the router will undo the pending commit by itself (our clock, conservative). */
  protected confirmDeadline = 0;
  protected readonly commitTimeoutMs: number;

  protected constructor(
    protected readonly opts: CliDriverOptions,
    prompt: PromptSpec,
    init: string[],
  ) {
    super(opts.now);
    this.session = new CliRouterSession({
      pool: opts.pool,
      target: opts.target,
      prompt,
      init,
      timeouts: opts.timeouts,
      redact: opts.redact,
    });
    this.commitTimeoutMs = opts.commitTimeoutMs ?? 300_000;
  }

  protected get label(): string {
    return this.session.label;
  }

  /**
   * Confirming twice is harmless; after the router undid the commit by itself (or our clock
   * says it has), confirm says so instead of committing anything. Only a pending commit
   * within its timer reaches doConfirm.
   */
  override confirm(): Promise<void> {
    return this.serial(async () => {
      if (this.state === "confirmed") return;
      if (this.state === "reverted") throw this.rolledBackByRouter();
      this.requireState(["pending"], "confirm");
      if (this.confirmTimerExpired()) throw this.rolledBackByRouter();
      await this.doConfirm();
    });
  }

  protected redact(text: string): string {
    return this.session.redactor.redact(text);
  }

  protected error(message: string, transient = false): DriverError {
    return this.session.redactor.error(message, transient);
  }

  protected requireState(allowed: DeployState[], action: string): void {
    if (!allowed.includes(this.state)) {
      throw new DriverError(`cannot ${action} on ${this.label}: the deploy is ${this.state}`);
    }
  }

  protected startConfirmTimer(seconds: number): void {
    this.state = "pending";
    this.confirmDeadline = this.now() + seconds * 1000;
  }

  /** True when our own clock says the router has already undone the commit. */
  protected confirmTimerExpired(): boolean {
    return this.state === "pending" && this.now() >= this.confirmDeadline;
  }

  protected rolledBackByRouter(detail = ""): DriverError {
    this.state = "reverted";
    return this.error(
      `the confirm timer on ${this.label} expired before the commit was confirmed: the router rolled the change back by itself` +
        (detail ? ` (${detail})` : ""),
    );
  }
}

// ---------------------------------------------------------------------------------------
// Parsing helpers
// ---------------------------------------------------------------------------------------

const STATES: Record<string, BgpNeighborState> = {
  idle: "idle",
  connect: "connect",
  active: "active",
  opensent: "opensent",
  openconfirm: "openconfirm",
  established: "established",
};

/** Maps a router's BGP FSM state name ("Established", "OpenSent", "Idle (Admin)") to ours. */
export function toBgpState(s: string | undefined): BgpNeighborState {
  if (!s) return "idle";
  const key = s
    .trim()
    .split(/[\s(,]/)[0]!
    .toLowerCase();
  return STATES[key] ?? "idle";
}

/** "64500", "4200000000" or asdot "1.10" to a number; NaN when it is neither. */
export function parseAsn(s: string | number | undefined): number {
  if (typeof s === "number") return s;
  if (!s) return NaN;
  const t = s.trim();
  const dot = t.indexOf(".");
  if (dot > 0) {
    const hi = Number(t.slice(0, dot));
    const lo = Number(t.slice(dot + 1));
    return Number.isInteger(hi) && Number.isInteger(lo) ? hi * 65536 + lo : NaN;
  }
  return /^\d+$/.test(t) ? Number(t) : NaN;
}

/**
 * Router durations to seconds: "00:01:23", "1:02:03:04" (d:h:m:s), "1d02h", "3w2d", "1y2w",
 * "5w0d", "17:04:12". Undefined when not recognised ("never").
 */
export function parseDuration(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = s.trim();
  if (/^\d+(:\d+){1,3}$/.test(t)) {
    const parts = t.split(":").map(Number);
    const mult = [1, 60, 3600, 86400];
    let total = 0;
    for (let i = 0; i < parts.length; i++) total += parts[parts.length - 1 - i]! * mult[i]!;
    return total;
  }
  const units: Record<string, number> = { y: 31536000, w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
  const re = /(\d+)\s*([ywdhms])/g;
  let total = 0;
  let any = false;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) {
    total += Number(m[1]) * units[m[2]!]!;
    any = true;
  }
  return any ? total : undefined;
}

/** Keeps the non-empty lines of router output that look like errors, for an error message. */
export function errorLines(output: string, pattern: RegExp, max = 20): string {
  const lines = output.split("\n").filter((l) => pattern.test(l));
  return lines.slice(0, max).join("\n");
}
