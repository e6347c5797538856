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

/** Writes one AuditEvent. `args` must already be free of secrets. */
export async function audit(db: Database, r: AuditRecord): Promise<void> {
  await db.prisma.auditEvent.create({
    data: {
      platform: r.actor.platform,
      userId: r.actor.userId,
      userName: r.actor.userName,
      channel: r.channel,
      command: r.command,
      args: r.args.slice(0, 2000),
      outcome: r.outcome,
      message: (r.message ?? "").slice(0, 2000),
      durationMs: Math.round(r.durationMs ?? 0),
      objects: r.objects ?? [],
    },
  });
}
