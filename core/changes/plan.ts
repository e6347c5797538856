// Plan: render the router, diff it against what the router runs, and store a pending change
// (from a draft written with its sessions, or afresh), superseding the router's open one.
import type { Prisma } from "../db.js";
import { diffConfigs } from "../diff.js";
import { UserError } from "../errors.js";
import { maskSecrets, RenderError, renderRouterConfig } from "../render/index.js";
import type { Actor } from "../roles.js";
import { clip } from "../text.js";
import { personOf, personText } from "../people.js";
import { effectsOf, endChange, mergeEffects, type Tx } from "./effects.js";
import { refreshMessage } from "./message.js";
import {
  actorKey,
  errorLine,
  LOCKING,
  OPEN,
  requestersOf,
  routerInfo,
  transitionAuditIn,
  utc,
  type ChangeRow,
  type RouterRow,
  type ChangeServices,
  type Effect,
} from "./model.js";

export interface PlanInput {
  routerId: number;
  summary: string;
  actor: Actor;
  effects: Effect[];
  /** A draft made with the sessions (draftChange): it becomes the change. */
  draftId?: number;
  /** Others whose effects the change carries (a stale deploy's requesters). */
  requesters?: string[];
  /** Post the new change in this thread (a stale deploy's replacement). */
  supersedesId?: number;
  /**
   * A deploying change whose diff went stale: the new change replaces it in the same
   * transaction (it ends `superseded` with this reason), so that no moment and no crash
   * leaves it ended without its successor. It does not lock the router against this plan.
   */
  replaces?: { id: number; reason: string };
}

export type PlanResult = { kind: "change"; change: ChangeRow } | { kind: "nochange"; routerName: string };

/**
 * A change in `planning`, written in the caller's transaction together with the sessions it
 * carries: whatever happens to the plan after, no session is left without its change. The
 * plan fills it in (planChange with draftId); a plan that fails ends it (abandonDrafts); a
 * draft a dead process left behind is ended by the reconciler.
 */
export async function draftChange(
  tx: Tx,
  s: Pick<ChangeServices, "clock" | "config">,
  input: { routerId: number; summary: string; actor: Actor; effects: Effect[] },
): Promise<number> {
  const c = await tx.changeRequest.create({
    data: {
      routerId: input.routerId,
      summary: input.summary,
      requestedBy: actorKey(input.actor),
      requestedByName: input.actor.userName,
      requesters: [actorKey(input.actor)],
      status: "planning",
      config: "",
      configSha256: "",
      baseSha256: "",
      diff: "",
      diffSha256: "",
      effects: input.effects as unknown as Prisma.InputJsonValue,
      expiresAt: new Date(s.clock.now().getTime() + s.config.PEERBOT_CHANGE_EXPIRY),
    },
    select: { id: true },
  });
  return c.id;
}

/** Ends drafts whose plan failed: `failed`, their sessions reverted, in one transaction each. */
export async function abandonDrafts(s: ChangeServices, ids: number[], reason: string): Promise<void> {
  for (const id of ids) {
    const c = await s.db.prisma.changeRequest.findUnique({
      where: { id },
      select: { id: true, effects: true },
    });
    if (c) await endChange(s, c, ["planning"], "failed", { reason: clip(reason, 300) }, "onRevert");
  }
}

/** Renders a router; a template or data problem is the user's to fix, said in one sentence. */
export async function render(s: Pick<ChangeServices, "db" | "secrets">, routerId: number) {
  try {
    return await renderRouterConfig(s.db, routerId, { secretBox: s.secrets });
  } catch (err) {
    if (err instanceof RenderError)
      throw new UserError(
        `Cannot render the configuration: ${errorLine(err)}.`,
        "Fix the router or its data, then try again.",
      );
    throw err;
  }
}

/** The router's configuration now, through its driver. */
export async function currentConfig(s: ChangeServices, router: RouterRow, summary = ""): Promise<string> {
  const driver = s.drivers(routerInfo(router), { message: () => summary });
  try {
    return await driver.getConfig();
  } finally {
    await driver.close().catch(() => {});
  }
}

/**
 * A change's rendered configuration as stored: encrypted with the secret box, or with its
 * secrets masked when there is none (the deploy renders again, so nothing needs it back but
 * a person reading it).
 */
export function sealConfig(s: Pick<ChangeServices, "secrets">, config: string, platform: string): string {
  return s.secrets ? s.secrets.encrypt(config) : maskSecrets(config, platform);
}

/** The stored configuration of a change, decrypted (masked when it was stored without a key). */
export function changeConfig(s: Pick<ChangeServices, "secrets">, c: { config: string }): string {
  if (s.secrets && c.config.startsWith("v1:")) return s.secrets.decrypt(c.config);
  return c.config;
}

/** Reads the router's configuration; any failure, the driver's set-up included, is one sentence. */
export async function readConfigOrSay(s: ChangeServices, router: RouterRow, summary = ""): Promise<string> {
  try {
    return await currentConfig(s, router, summary);
  } catch (err) {
    throw new UserError(
      `Cannot read ${router.name}'s configuration: ${errorLine(err)}.`,
      "Check the router with `routers`, then try again.",
    );
  }
}

/** `diff <router>`: what a deploy would change, its secrets masked; nothing is stored. */
export async function diffRouter(s: ChangeServices, routerId: number) {
  const router = (await s.db.prisma.router.findUniqueOrThrow({
    where: { id: routerId },
  })) as RouterRow;
  const rendered = await render(s, router.id);
  const current = await readConfigOrSay(s, router);
  const d = diffConfigs(current, rendered.config, {
    fromName: `${router.name} (running)`,
    toName: `${router.name} (peerbot)`,
  });
  return { ...d, diff: maskSecrets(d.diff, router.platform) };
}

/**
 * Renders the router, diffs it against its current configuration and stores a pending
 * change. A pending or approved change for the same router is superseded (its approvals
 * void, its effects and requesters carried over); a queued or deploying one locks the router.
 */
export async function planChange(s: ChangeServices, input: PlanInput): Promise<PlanResult> {
  const router = await s.db.prisma.router.findUniqueOrThrow({ where: { id: input.routerId } });
  await assertUnlocked(s, router.id, router.name, input.replaces?.id);
  const rendered = await render(s, router.id);
  const current = await readConfigOrSay(s, router as RouterRow, input.summary);
  const d = diffConfigs(current, rendered.config, {
    fromName: `${router.name} (running)`,
    toName: `${router.name} (peerbot)`,
  });
  if (!d.diff && input.effects.length === 0) return { kind: "nochange", routerName: router.name };

  const expiresAt = new Date(s.clock.now().getTime() + s.config.PEERBOT_CHANGE_EXPIRY);
  const sealed = sealConfig(s, rendered.config, router.platform);
  const { change, superseded } = await s.db.prisma.$transaction(async (tx) => {
    // Serialise planners of one router on its row.
    await tx.$queryRaw`select id from "Router" where id = ${router.id} for update`;
    const locked = await tx.changeRequest.findFirst({
      where: {
        routerId: router.id,
        status: { in: [...LOCKING] },
        ...(input.replaces ? { id: { not: input.replaces.id } } : {}),
      },
    });
    if (locked) throw lockedError(router.name, locked);
    if (input.replaces) {
      const ended = await tx.changeRequest.updateMany({
        where: { id: input.replaces.id, status: "deploying" },
        data: { status: "superseded", reason: input.replaces.reason },
      });
      // Another worker ended it meanwhile: its outcome stands, and nothing is planned.
      if (ended.count === 0) throw new ReplacedElsewhere();
    }
    const open = await tx.changeRequest.findMany({
      where: { routerId: router.id, status: { in: [...OPEN] } },
      orderBy: { id: "asc" },
    });
    const carried: Effect[] = open.flatMap((c) => effectsOf(c));
    const effects = mergeEffects(carried, input.effects);
    const requesters = [
      ...new Set([...open.flatMap(requestersOf), ...(input.requesters ?? []), actorKey(input.actor)]),
    ];
    const data = {
      summary: input.summary,
      requestedBy: actorKey(input.actor),
      requestedByName: input.actor.userName,
      requesters,
      status: "pending" as const,
      config: sealed,
      configSha256: d.toSha256,
      baseSha256: d.fromSha256,
      diff: maskSecrets(d.diff, router.platform),
      diffSha256: d.diffSha256,
      added: d.added,
      removed: d.removed,
      effects: effects as unknown as Prisma.InputJsonValue,
      // What the render could not use (an IRR list missing, an AS-SET dropped): the message shows it.
      notes: rendered.warnings.slice(0, 50).map((w) => clip(w, 300)),
      expiresAt,
      supersedesId: input.supersedesId ?? open[open.length - 1]?.id ?? null,
    };
    let created: ChangeRow;
    if (input.draftId !== undefined) {
      const n = await tx.changeRequest.updateMany({
        where: { id: input.draftId, status: "planning" },
        data,
      });
      if (n.count === 0)
        throw new UserError(
          "This request took too long and was called off; nothing was changed.",
          "Run the command again.",
        );
      created = (await tx.changeRequest.findUniqueOrThrow({
        where: { id: input.draftId },
        include: { router: true, approvals: true },
      })) as ChangeRow;
    } else {
      created = await tx.changeRequest.create({
        data: { ...data, routerId: router.id },
        include: { router: true, approvals: true },
      });
    }
    await supersedeOpen(tx, open, created.id, s.clock.now());
    // The audit rows commit with the change, so that no crash leaves either unaudited.
    if (input.replaces)
      await transitionAuditIn(
        tx,
        { id: input.replaces.id, routerId: router.id },
        { actor: null, what: "superseded", message: input.replaces.reason },
      );
    await transitionAuditIn(tx, created, { actor: input.actor, what: "create", message: input.summary });
    for (const o of open)
      await transitionAuditIn(
        tx,
        { id: o.id, routerId: router.id },
        { actor: input.actor, what: "supersede", message: `by #${created.id}` },
      );
    return { change: created, superseded: open.map((c) => c.id) };
  });
  if (input.replaces) await refreshMessage(s, input.replaces.id);
  for (const id of superseded) await refreshMessage(s, id);
  return { kind: "change", change };
}

/** Inside a planner's transaction: the open changes its new change replaces lose their approvals. */
export async function supersedeOpen(
  tx: Prisma.TransactionClient,
  open: { id: number }[],
  byId: number,
  now: Date,
): Promise<void> {
  if (!open.length) return;
  const ids = open.map((c) => c.id);
  await tx.changeRequest.updateMany({
    where: { id: { in: ids } },
    data: { status: "superseded", reason: `superseded by change #${byId}`, decidedAt: now },
  });
  await tx.changeApproval.deleteMany({ where: { changeId: { in: ids } } });
}

export function lockedError(
  routerName: string,
  c: { id: number; status: string; requestedByName: string; requestedBy: string; updatedAt: Date },
) {
  return new UserError(
    `${routerName} is locked by change #${c.id} (${c.status}), requested by ${personText(personOf(c.requestedBy, c.requestedByName))}, since ${utc(c.updatedAt)}.`,
    "Wait for that deploy to finish; `changes` shows where it stands.",
  );
}

/** Thrown inside planChange's transaction when the change it replaces is no longer deploying. */
export class ReplacedElsewhere extends Error {}

export async function assertUnlocked(
  s: ChangeServices,
  routerId: number,
  routerName: string,
  except?: number,
): Promise<void> {
  const locked = await s.db.prisma.changeRequest.findFirst({
    where: {
      routerId,
      status: { in: [...LOCKING] },
      ...(except !== undefined ? { id: { not: except } } : {}),
    },
  });
  if (locked) throw lockedError(routerName, locked);
}
