import type { Database } from "./db.js";
import type { Actor } from "./roles.js";

export type Outcome = "ok" | "denied" | "user_error" | "error";

export interface AuditRecord {
  actor: Actor;
  channel: string;
  command: string;
  args: string;
  outcome: Outcome;
  message?: string;
  durationMs?: number;
  objects?: string[];
}

/** PostgreSQL text cannot hold NUL; the audit keeps everything else as typed. */
const clean = (s: string, n: number) => s.replace(/\u0000/g, "\uFFFD").slice(0, n);

/** Writes one AuditEvent. `args` must already be free of secrets. */
export async function audit(db: Database, r: AuditRecord): Promise<void> {
  await db.prisma.auditEvent.create({
    data: {
      platform: r.actor.platform,
      userId: r.actor.userId,
      userName: clean(r.actor.userName, 200),
      channel: r.channel,
      command: clean(r.command, 100),
      args: clean(r.args, 2000),
      outcome: r.outcome,
      message: clean(r.message ?? "", 2000),
      durationMs: Math.round(r.durationMs ?? 0),
      objects: r.objects ?? [],
    },
  });
}
