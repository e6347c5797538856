// Shared pieces of the CLI router drivers (Junos, IOS-XR, EOS): options, the deploy state
// machine, the confirm deadline, error helpers, small parsing helpers for BGP state, and the
// owned-section helpers of the IOS-style configurations (IOS-XR, EOS).
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

  /**
   * A failure whose first line says why: `<what>: <the router's reasons, on one line>` (its
   * first line of output when no reason was recognised), then the router's own lines. The
   * reasons are redacted before they are clipped, so a clip can never leave part of a secret
   * behind; core shows only the first line in chat.
   */
  protected failure(what: string, reasons: string[], detail: string, transient = false): DriverError {
    const rest = detail.trim();
    const why = reasons.length ? reasons : rest.split("\n", 1);
    const summary = oneLineReasons(why.map((r) => this.redact(r)));
    return this.error(`${what}${summary ? `: ${summary}` : ""}${rest ? `\n${rest}` : ""}`, transient);
  }

  /**
   * A candidate with parts peerbot does not own (`parts` as the platform names them): refused
   * before anything is sent, since getConfig would never read them back and the deploy could
   * never be verified.
   */
  protected notOwned(parts: string[], owned: string[]): DriverError {
    const shown = parts.slice(0, 3).join(", ") + (parts.length > 3 ? `, and ${parts.length - 3} more` : "");
    return this.error(
      `the candidate for ${this.label} configures what peerbot does not own (${shown}): it would never be read back, so the deploy could not be verified; peerbot owns ${owned.join(", ")}`,
    );
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

/**
 * Joins a router's reasons into one line for the first line of an error: at most `max`
 * reasons (then "and N more") and `width` characters (cut with an ellipsis).
 */
export function oneLineReasons(reasons: string[], max = 3, width = 220): string {
  const clean = [...new Set(reasons.map((r) => r.replace(/\s+/g, " ").trim()).filter(Boolean))];
  let text = clean.slice(0, max).join("; ");
  if (clean.length > max) text += ` (and ${clean.length - max} more)`;
  return text.length > width ? text.slice(0, width - 1).trimEnd() + "\u2026" : text;
}

/** A glob with `*` (any run of characters) as an anchored RegExp. */
export function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split("*").map(escapeRe).join(".*")}$`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// ---------------------------------------------------------------------------------------
// IOS-style configuration sections (IOS-XR, EOS)
// ---------------------------------------------------------------------------------------

/** A top-level section of IOS-style configuration text: its header line and all its lines. */
export interface IosSection {
  /** The first line, trimmed ("router bgp 65000", "route-map pb-in-1 permit 10"). */
  header: string;
  /** Every line as printed: the header, the indented lines, and the "!" lines that close it. */
  lines: string[];
}

/**
 * Splits IOS-style configuration text (`show running-config`, or a rendered candidate) into
 * its top-level sections. A section starts at an unindented line and takes the indented
 * lines and the bare "!" lines after it; `blocks` names the sections whose body ends with a
 * keyword of their own rather than with the indentation (IOS-XR `route-policy` ...
 * `end-policy`). Comment lines ("! Command: ...", "!! ..."), blank lines and a final `end`
 * belong to no section.
 */
export function splitIosSections(text: string, blocks: Record<string, string> = {}): IosSection[] {
  const out: IosSection[] = [];
  let cur: IosSection | undefined;
  let blockEnd: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, "");
    if (blockEnd) {
      cur!.lines.push(line);
      if (line.trim() === blockEnd) blockEnd = undefined;
      continue;
    }
    if (line.trim() === "") continue;
    if (!/^\s/.test(line)) {
      if (line === "!") {
        cur?.lines.push(line);
        continue;
      }
      if (line.startsWith("!")) continue;
      if (line === "end") break;
      cur = { header: line, lines: [line] };
      out.push(cur);
      blockEnd = blocks[line.split(" ")[0]!];
      continue;
    }
    cur?.lines.push(line);
  }
  return out;
}

/**
 * Whether a section header matches an owned-section pattern: word by word, `*` in a word
 * matching any characters, the header possibly longer ("router bgp" matches
 * "router bgp 65000"; "route-map pb-*" matches "route-map pb-in-1a2b permit 10").
 */
export function sectionMatches(header: string, pattern: string): boolean {
  const h = header.trim().split(/\s+/);
  const p = pattern.trim().split(/\s+/);
  if (h.length < p.length) return false;
  return p.every((w, i) => (w.includes("*") ? globRegExp(w).test(h[i]!) : w === h[i]));
}

/**
 * The owned sections of a configuration, grouped in the order of `owned` (and, within one
 * pattern, in the order the text has them): what getConfig returns for IOS-XR and EOS.
 */
export function ownedIosSections(sections: IosSection[], owned: string[]): IosSection[] {
  const out: IosSection[] = [];
  const taken = new Set<IosSection>();
  for (const pattern of owned) {
    for (const s of sections) {
      if (!taken.has(s) && sectionMatches(s.header, pattern)) {
        taken.add(s);
        out.push(s);
      }
    }
  }
  return out;
}

/** The headers of candidate sections that no owned pattern covers. */
export function unownedIosHeaders(candidate: string, owned: string[], blocks: Record<string, string> = {}) {
  return splitIosSections(candidate, blocks)
    .map((s) => s.header)
    .filter((h) => !owned.some((p) => sectionMatches(h, p)));
}
