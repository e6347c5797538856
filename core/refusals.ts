// Refused requests in the audit log without a flood of rows. A refusal (a replayed request, an
// origin that is not allowed) is noted here and written off the caller's path: the first of its
// kind (platform and reason) in a window is one row at once; the rest of that window become one
// more row with their count when the window ends. A flood of a thousand replays in ten seconds
// is two rows, and the request that caused them is answered without waiting for either.
import { audit } from "./audit.js";
import type { Database } from "./db.js";
import type { Logger } from "./log.js";

export interface RefusalNote {
  platform: string;
  /** replay, origin, … : the args of the row. */
  reason: string;
  userId?: string;
  userName?: string;
  channel?: string;
  /** The row's command: the command refused, or "(refused request)". */
  command?: string;
  /** One sentence: what was refused and why. */
  detail: string;
}

interface Window {
  until: number;
  more: number;
  last: RefusalNote;
  timer: NodeJS.Timeout;
}

export const REFUSAL_WINDOW_MS = 10_000;

export class RefusalAudit {
  private readonly windows = new Map<string, Window>();
  private readonly writing = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly windowMs = REFUSAL_WINDOW_MS,
  ) {}

  /** Notes one refusal; returns at once and never throws. */
  note(n: RefusalNote): void {
    const key = `${n.platform}\u0000${n.reason}`;
    const open = this.windows.get(key);
    if (open && Date.now() < open.until) {
      open.more++;
      open.last = n;
      return;
    }
    this.write(n, n.detail);
    const w: Window = {
      until: Date.now() + this.windowMs,
      more: 0,
      last: n,
      timer: setTimeout(() => this.close(key), this.windowMs),
    };
    w.timer.unref();
    this.windows.set(key, w);
  }

  private close(key: string): void {
    const w = this.windows.get(key);
    if (!w) return;
    clearTimeout(w.timer);
    this.windows.delete(key);
    if (w.more > 0) {
      const s = this.windowMs / 1000;
      this.write(w.last, `${w.more} more refused like this within ${s} s; the last: ${w.last.detail}`);
    }
  }

  private write(n: RefusalNote, message: string): void {
    const p = audit(this.db, {
      actor: {
        platform: n.platform as "slack" | "discord",
        userId: n.userId || "(unknown)",
        userName: n.userName || n.userId || "(unknown)",
      },
      channel: n.channel ?? "",
      command: n.command ?? "(refused request)",
      args: n.reason,
      outcome: "denied",
      message,
    })
      .catch((err: unknown) => this.log.error("audit write of a refusal failed", { reason: n.reason, err }))
      .finally(() => this.writing.delete(p));
    this.writing.add(p);
  }

  /** Writes the counts of the open windows now and waits for every write (tests, shutdown). */
  async flush(): Promise<void> {
    for (const key of [...this.windows.keys()]) this.close(key);
    await this.idle();
  }

  /** Waits for the writes under way. */
  async idle(): Promise<void> {
    while (this.writing.size) await Promise.all([...this.writing]);
  }
}

const byDb = new WeakMap<Database, RefusalAudit>();

/** The one refusal log of a database in this process (dispatch and the HTTP receivers share it). */
export function refusalAudit(db: Database, log: Logger): RefusalAudit {
  let r = byDb.get(db);
  if (!r) {
    r = new RefusalAudit(db, log);
    byDb.set(db, r);
  }
  return r;
}
