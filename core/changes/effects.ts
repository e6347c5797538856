// Effects: the session status changes a change carries, applied on deploy and undone on
// reject, expiry or failure, always in the same transaction as the change's own status.
import { z } from "zod";
import type { Database, Prisma } from "../db.js";
import { processAuthor, recordChanges, type HistoryEntry } from "../history.js";
import { repr } from "../objects/repr.js";
import { SESSION_STATUSES } from "../sessions.js";
import {
  transitionAuditIn,
  type ChangeServices,
  type ChangeStatus,
  type Effect,
  type TransitionAudit,
} from "./model.js";

// ---------------------------------------------------------------------------
// Effects: session status changes a change carries, validated when read back
// ---------------------------------------------------------------------------

const sessionStatus = z.enum(SESSION_STATUSES);
const effectSchema = z.object({
  kind: z.enum(["ixp", "direct"]),
  id: z.number().int().positive(),
  onDeploy: z.union([sessionStatus, z.literal("delete")]),
  onRevert: z.union([sessionStatus, z.literal("delete")]),
});

/** The effects stored on a change; a row that does not hold valid effects is a bug, said loudly. */
export function effectsOf(c: { id: number; effects: unknown }): Effect[] {
  const r = z.array(effectSchema).safeParse(c.effects);
  if (!r.success) throw new Error(`change #${c.id} holds effects that are not valid: ${r.error.message}`);
  return r.data;
}

export type Tx = Prisma.TransactionClient;

/**
 * Applies a change's session effects in bulk inside `tx`: one statement per target status and
 * kind, and one history row per session whose status changed or that was removed (via "deploy",
 * by the change: `change #12 deployed`, `change #12 rejected`).
 */
export async function applyEffects(
  tx: Tx,
  effects: Effect[],
  which: "onDeploy" | "onRevert",
  change?: { id: number; to: ChangeStatus },
): Promise<void> {
  const groups = new Map<string, { kind: Effect["kind"]; to: Effect["onDeploy"]; ids: number[] }>();
  for (const e of effects) {
    const to = e[which];
    const key = `${e.kind}:${to}`;
    const g = groups.get(key) ?? { kind: e.kind, to, ids: [] };
    g.ids.push(e.id);
    groups.set(key, g);
  }
  if (change && effects.length) await recordEffects(tx, effects, which, change);
  for (const { kind, to, ids } of groups.values()) {
    const where = { id: { in: ids } };
    if (kind === "ixp") {
      if (to === "delete") await tx.ixpSession.deleteMany({ where });
      else await tx.ixpSession.updateMany({ where, data: { status: to } });
    } else if (to === "delete") await tx.directSession.deleteMany({ where });
    else await tx.directSession.updateMany({ where, data: { status: to } });
  }
}

/** The history rows of the effects about to be applied: each session as it is, and what it becomes. */
async function recordEffects(
  tx: Tx,
  effects: Effect[],
  which: "onDeploy" | "onRevert",
  change: { id: number; to: ChangeStatus },
): Promise<void> {
  const target = new Map(effects.map((e) => [`${e.kind}:${e.id}`, e[which]]));
  const byKind = (k: Effect["kind"]) => effects.filter((e) => e.kind === k).map((e) => e.id);
  const [ixp, direct] = await Promise.all([
    tx.ixpSession.findMany({
      where: { id: { in: byKind("ixp") } },
      include: { connection: { select: { ixp: { select: { name: true } } } } },
    }),
    tx.directSession.findMany({
      where: { id: { in: byKind("direct") } },
      include: { router: { select: { name: true } } },
    }),
  ]);
  const entries: HistoryEntry[] = [];
  const add = (
    type: "ixp-session" | "direct-session",
    key: string,
    name: string,
    row: { id: number; status: string } & Record<string, unknown>,
  ) => {
    const to = target.get(key);
    if (to === undefined) return;
    if (to === "delete") entries.push({ type, id: row.id, repr: name, action: "delete", before: row });
    else if (to !== row.status)
      entries.push({
        type,
        id: row.id,
        repr: name,
        action: "update",
        before: { status: row.status },
        after: { status: to },
      });
  };
  for (const { connection, ...row } of ixp)
    add("ixp-session", `ixp:${row.id}`, repr.ixpSession(connection.ixp.name, row.ipAddress), row);
  for (const { router, ...row } of direct)
    add("direct-session", `direct:${row.id}`, repr.directSession(router?.name, row.ipAddress), row);
  const verb = change.to.replace(/_/g, " ");
  await recordChanges(
    tx,
    processAuthor(`change:${change.id}`, "deploy", `change #${change.id} ${verb}`),
    entries,
  );
}

/**
 * Moves a change from one of `from` to `to`, applies its effects and writes the transition's
 * audit rows (`audits`) in the same transaction, so that no crash leaves a change ended with its
 * sessions half-way or without its audit row. Returns false when the change was no longer in
 * `from` (someone else ended it): nothing was changed or written.
 */
export async function endChange(
  s: ChangeServices,
  c: { id: number; effects: unknown; routerId?: number | null; connectionId?: number | null },
  from: readonly ChangeStatus[],
  to: ChangeStatus,
  data: Prisma.ChangeRequestUpdateManyMutationInput,
  effects: "onDeploy" | "onRevert" | "keep",
  ...audits: TransitionAudit[]
): Promise<boolean> {
  return s.db.prisma.$transaction(async (tx) => {
    const n = await tx.changeRequest.updateMany({
      where: { id: c.id, status: { in: [...from] } },
      data: { ...data, status: to },
    });
    if (n.count === 0) return false;
    if (effects !== "keep") await applyEffects(tx, effectsOf(c), effects, { id: c.id, to });
    await transitionAuditIn(
      tx,
      { id: c.id, routerId: c.routerId ?? null, connectionId: c.connectionId },
      ...audits,
    );
    return true;
  });
}

export function mergeEffects(older: Effect[], newer: Effect[]): Effect[] {
  const key = (e: Effect) => `${e.kind}:${e.id}`;
  const out = new Map<string, Effect>();
  for (const e of older) out.set(key(e), e);
  for (const e of newer) {
    const prev = out.get(key(e));
    // The revert of the oldest change wins: that is the state before any of them.
    out.set(key(e), prev ? { ...e, onRevert: prev.onRevert } : e);
  }
  return [...out.values()];
}

export const revertEffects = (db: Database, effects: Effect[]) =>
  db.prisma.$transaction((tx) => applyEffects(tx, effects, "onRevert"));
