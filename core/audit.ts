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

/** What is known once an invocation has run: its outcome and what it touched. */
export type AuditResult = Pick<AuditRecord, "outcome" | "message" | "durationMs" | "objects">;

/**
 * What a row opened by `beginAudit` says until `finishAudit` replaces it: if the process dies
 * while the command runs, the row stays honest about it.
 */
export const UNFINISHED: { outcome: Outcome; message: string } = {
  outcome: "error",
  message: "did not finish",
};

/**
 * Text for a column: anything that is not a string (undefined, null, an object from a payload
 * that did not have the expected shape) becomes "" or its plain value, NUL (which PostgreSQL
 * text cannot hold) becomes U+FFFD, and at most `n` UTF-16 units are kept, never half a
 * surrogate pair. Never throws.
 */
function clean(value: unknown, n: number): string {
  const s =
    typeof value === "string"
      ? value
      : typeof value === "number" || typeof value === "bigint" || typeof value === "boolean"
        ? String(value)
        : "";
  let out = s.replace(/\u0000/g, "\uFFFD");
  if (out.length > n) {
    const end = /[\uD800-\uDBFF]/.test(out.charAt(n - 1)) ? n - 1 : n;
    out = out.slice(0, end);
  }
  return out;
}

function identity(r: Pick<AuditRecord, "actor" | "channel">) {
  // The actor comes from a platform payload: a field may be missing whatever its type says.
  const actor = (r.actor ?? {}) as Partial<Actor>;
  const userId = clean(actor.userId, 200);
  return {
    platform: clean(actor.platform, 20),
    userId,
    // A user without a name is still somebody: the row names them by their id.
    userName: clean(actor.userName, 200).trim() || userId,
    channel: clean(r.channel, 200),
  };
}

function result(r: AuditResult) {
  return {
    outcome: r.outcome,
    message: clean(r.message, 2000),
    durationMs: Math.max(0, Math.min(2_147_483_647, Math.round(r.durationMs ?? 0))) || 0,
    objects: (r.objects ?? []).map((o) => clean(o, 200)),
  };
}

/** The columns of one finished AuditEvent, for a write inside a caller's transaction. */
export function auditRow(r: AuditRecord) {
  return { ...identity(r), command: clean(r.command, 100), args: clean(r.args, 2000), ...result(r) };
}

/** Writes one finished AuditEvent. `args` must already be free of secrets. */
export async function audit(db: Database, r: AuditRecord): Promise<void> {
  await db.prisma.auditEvent.create({ data: auditRow(r) });
}

/**
 * Writes the AuditEvent of an invocation before it runs, as `UNFINISHED`, and returns its id
 * for `finishAudit`. When this throws, the invocation must not run. `args` must already be
 * free of secrets.
 */
export async function beginAudit(
  db: Database,
  r: Pick<AuditRecord, "actor" | "channel" | "command" | "args">,
): Promise<bigint> {
  const row = await db.prisma.auditEvent.create({
    data: {
      ...identity(r),
      command: clean(r.command, 100),
      args: clean(r.args, 2000),
      ...result(UNFINISHED),
    },
    select: { id: true },
  });
  return row.id;
}

/** Records how an invocation begun with `beginAudit` ended, in the same row. */
export async function finishAudit(db: Database, id: bigint, r: AuditResult): Promise<void> {
  await db.prisma.auditEvent.update({ where: { id }, data: result(r), select: { id: true } });
}
