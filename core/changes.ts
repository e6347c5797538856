// Change requests, as Atlantis does plans: render, diff against what the router has, store
// the config, the diff and their SHA-256, then approve (not by anyone whose effects it
// carries), and deploy exactly what was approved. At deploy the diff is computed again; if it
// differs the deploy stops and a new change is posted. One open change per router; while one
// is queued or deploying the router is locked, and the reconciler (reconcileChanges) sees to
// it that no change stays queued or deploying without a live job. Every transition writes an
// AuditEvent.
import { z } from "zod";
import { audit } from "./audit.js";
import { clip } from "./asn.js";
import type { Database, SessionStatus } from "./db.js";
import type { Prisma } from "./db.js";
import { diffConfigs } from "./diff.js";
import { PermissionError, UserError } from "./errors.js";
import type { Logger } from "./log.js";
import type {
  Clock,
  DriverFactory,
  JobQueue,
  MessageRef,
  Notifier,
  RouterDriver,
  RouterInfo,
} from "./ports.js";
import { DriverError } from "./ports.js";
import type { Reply } from "./reply.js";
import { maskSecrets, RenderError, renderRouterConfig } from "./render/index.js";
import type { Actor } from "./roles.js";
import type { SecretBox } from "./crypto.js";
import type { Config } from "./config.js";

export const DEPLOY_QUEUE = "deploy";

/** What core/changes needs from a running peerbot (a subset of commands' Services). */
export interface ChangeServices {
  db: Database;
  config: Config;
  clock: Clock;
  jobs: JobQueue;
  notifier?: Notifier;
  secrets?: SecretBox;
  log: Logger;
  drivers: DriverFactory;
}

/** A session status change that a change carries: applied on deploy, undone on reject/expiry. */
export interface Effect {
  kind: "ixp" | "direct";
  id: number;
  /** Status after a successful deploy, or "delete". */
  onDeploy: SessionStatus | "delete";
  /** Status to restore when the change is rejected or expires, or "delete" (it was created for it). */
  onRevert: SessionStatus | "delete";
}

export type ChangeRow = Prisma.ChangeRequestGetPayload<{ include: { router: true; approvals: true } }>;

type ChangeStatus = ChangeRow["status"];

/**
 * The change status machine in one table: every status check reads it. `open`: it can be
 * decided (approved, rejected, superseded); `locking`: its router takes no other change;
 * `terminal`: nothing happens to it any more.
 */
export const CHANGE_STATUS: Record<
  ChangeStatus,
  { open: boolean; locking: boolean; terminal: boolean; label: string; kind: Reply["kind"] }
> = {
  planning: { open: false, locking: false, terminal: false, label: "being planned", kind: "info" },
  pending: { open: true, locking: false, terminal: false, label: "waiting for approval", kind: "info" },
  approved: { open: true, locking: false, terminal: false, label: "approved", kind: "info" },
  queued: { open: false, locking: true, terminal: false, label: "approved, deploy queued", kind: "info" },
  deploying: { open: false, locking: true, terminal: false, label: "deploying", kind: "info" },
  deployed: { open: false, locking: false, terminal: true, label: "deployed", kind: "success" },
  failed: { open: false, locking: false, terminal: true, label: "failed", kind: "error" },
  rolled_back: { open: false, locking: false, terminal: true, label: "rolled back", kind: "error" },
  rejected: { open: false, locking: false, terminal: true, label: "rejected", kind: "warning" },
  superseded: { open: false, locking: false, terminal: true, label: "superseded", kind: "warning" },
  expired: { open: false, locking: false, terminal: true, label: "expired", kind: "warning" },
};
const statuses = (f: (v: (typeof CHANGE_STATUS)[ChangeStatus]) => boolean) =>
  (Object.keys(CHANGE_STATUS) as ChangeStatus[]).filter((k) => f(CHANGE_STATUS[k]));
const OPEN = statuses((v) => v.open);
const LOCKING = statuses((v) => v.locking);
/** Listed by `changes`: everything not yet ended. */
const ACTIVE = statuses((v) => !v.terminal);

/** How many deploy jobs a change may be given (each with the queue's own retries). */
export const MAX_DEPLOY_JOBS = 3;
/** A draft older than this was left behind by a `peer` that failed or was killed. */
export const PLANNING_GRACE_MS = 120_000;
/** A queued or deploying change untouched this long is checked for a live job. */
export const RECONCILE_GRACE_MS = 30_000;

/** The deploy job of a change's n-th attempt: unique across databases and Redis prefixes. */
export const deployJobId = (c: { uid: string }, attempt: number) => `deploy-${c.uid}-${attempt}`;

/** The people a change carries effects of (rows from before `requesters` have only requestedBy). */
export const requestersOf = (c: { requesters: string[]; requestedBy: string }) =>
  c.requesters.length ? c.requesters : [c.requestedBy];

export const actorKey = (a: Actor) => `${a.platform}:${a.userId}`;

export function routerInfo(r: ChangeRow["router"]): RouterInfo {
  return {
    id: r.id,
    name: r.name,
    hostname: r.hostname,
    port: r.port,
    platform: r.platform,
    username: r.username,
    passwordEnc: r.passwordEnc,
    privateKeyEnc: r.privateKeyEnc,
    credentialEnv: r.credentialEnv,
    hostKeyFingerprint: r.hostKeyFingerprint,
    configPath: r.configPath,
  };
}

async function loadChange(db: Database, id: number): Promise<ChangeRow | null> {
  return db.prisma.changeRequest.findUnique({ where: { id }, include: { router: true, approvals: true } });
}

async function transitionAudit(
  s: ChangeServices,
  actor: Actor | null,
  change: { id: number; routerId: number },
  what: string,
  message = "",
) {
  await audit(s.db, {
    actor: actor ?? PEERBOT,
    channel: "",
    command: `change.${what}`,
    args: `#${change.id}`,
    outcome: "ok",
    message,
    objects: [`change:${change.id}`, `router:${change.routerId}`],
  }).catch((err: unknown) => s.log.error("audit write failed", { err }));
}

const PEERBOT: Actor = { platform: "console", userId: "peerbot", userName: "peerbot" };

// ---------------------------------------------------------------------------
// Effects: session status changes a change carries, validated when read back
// ---------------------------------------------------------------------------

const sessionStatus = z.enum([
  "requested",
  "provisioning",
  "enabled",
  "maintenance",
  "disabled",
  "decommissioning",
  "decommissioned",
]);
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

type Tx = Prisma.TransactionClient;

/** Applies a change's session effects in bulk inside `tx`: one statement per target status and kind. */
async function applyEffects(tx: Tx, effects: Effect[], which: "onDeploy" | "onRevert"): Promise<void> {
  const groups = new Map<string, { kind: Effect["kind"]; to: Effect["onDeploy"]; ids: number[] }>();
  for (const e of effects) {
    const to = e[which];
    const key = `${e.kind}:${to}`;
    const g = groups.get(key) ?? { kind: e.kind, to, ids: [] };
    g.ids.push(e.id);
    groups.set(key, g);
  }
  for (const { kind, to, ids } of groups.values()) {
    const where = { id: { in: ids } };
    if (kind === "ixp") {
      if (to === "delete") await tx.ixpSession.deleteMany({ where });
      else await tx.ixpSession.updateMany({ where, data: { status: to } });
    } else if (to === "delete") await tx.directSession.deleteMany({ where });
    else await tx.directSession.updateMany({ where, data: { status: to } });
  }
}

/**
 * Moves a change from one of `from` to `to` and applies its effects in the same transaction,
 * so that no crash leaves a change ended with its sessions half-way. Returns false when the
 * change was no longer in `from` (someone else ended it): nothing was changed.
 */
async function endChange(
  s: ChangeServices,
  c: { id: number; effects: unknown },
  from: readonly ChangeStatus[],
  to: ChangeStatus,
  data: Prisma.ChangeRequestUpdateManyMutationInput,
  effects: "onDeploy" | "onRevert" | "keep",
): Promise<boolean> {
  return s.db.prisma.$transaction(async (tx) => {
    const n = await tx.changeRequest.updateMany({
      where: { id: c.id, status: { in: [...from] } },
      data: { ...data, status: to },
    });
    if (n.count === 0) return false;
    if (effects !== "keep") await applyEffects(tx, effectsOf(c), effects);
    return true;
  });
}

// ---------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------

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
async function currentConfig(s: ChangeServices, router: ChangeRow["router"], summary = ""): Promise<string> {
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
function sealConfig(s: Pick<ChangeServices, "secrets">, config: string, platform: string): string {
  return s.secrets ? s.secrets.encrypt(config) : maskSecrets(config, platform);
}

/** The stored configuration of a change, decrypted (masked when it was stored without a key). */
export function changeConfig(s: Pick<ChangeServices, "secrets">, c: { config: string }): string {
  if (s.secrets && c.config.startsWith("v1:")) return s.secrets.decrypt(c.config);
  return c.config;
}

/** Reads the router's configuration; any failure, the driver's set-up included, is one sentence. */
async function readConfigOrSay(
  s: ChangeServices,
  router: ChangeRow["router"],
  summary = "",
): Promise<string> {
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
  })) as ChangeRow["router"];
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
  const current = await readConfigOrSay(s, router as ChangeRow["router"], input.summary);
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
    if (open.length) {
      await tx.changeRequest.updateMany({
        where: { id: { in: open.map((c) => c.id) } },
        data: {
          status: "superseded",
          reason: `superseded by change #${created.id}`,
          decidedAt: s.clock.now(),
        },
      });
      await tx.changeApproval.deleteMany({ where: { changeId: { in: open.map((c) => c.id) } } });
    }
    return { change: created, superseded: open.map((c) => c.id) };
  });
  if (input.replaces) {
    await transitionAudit(
      s,
      null,
      { id: input.replaces.id, routerId: router.id },
      "superseded",
      input.replaces.reason,
    );
    await refreshMessage(s, input.replaces.id);
  }
  await transitionAudit(s, input.actor, change, "create", input.summary);
  for (const id of superseded) {
    await transitionAudit(s, input.actor, { id, routerId: router.id }, "supersede", `by #${change.id}`);
    await refreshMessage(s, id);
  }
  return { kind: "change", change };
}

function mergeEffects(older: Effect[], newer: Effect[]): Effect[] {
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

function lockedError(
  routerName: string,
  c: { id: number; status: string; requestedByName: string; requestedBy: string; updatedAt: Date },
) {
  return new UserError(
    `${routerName} is locked by change #${c.id} (${c.status}), requested by ${c.requestedByName || c.requestedBy}, since ${utc(c.updatedAt)}.`,
    "Wait for that deploy to finish; `changes` shows where it stands.",
  );
}

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** Thrown inside planChange's transaction when the change it replaces is no longer deploying. */
class ReplacedElsewhere extends Error {}

async function assertUnlocked(
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

// ---------------------------------------------------------------------------
// Decide
// ---------------------------------------------------------------------------

async function expireIfDue(s: ChangeServices, c: ChangeRow): Promise<boolean> {
  if (!CHANGE_STATUS[c.status].open || c.expiresAt > s.clock.now()) return false;
  const ended = await endChange(
    s,
    c,
    OPEN,
    "expired",
    { reason: "no approval in time", decidedAt: s.clock.now() },
    "onRevert",
  );
  if (ended) {
    await transitionAudit(s, null, c, "expire");
    await refreshMessage(s, c.id);
  }
  return true;
}

/** Expires every open change past its time (run by `changes` and periodically). */
export async function expireChanges(s: ChangeServices): Promise<number> {
  const due = await s.db.prisma.changeRequest.findMany({
    where: { status: { in: [...OPEN] }, expiresAt: { lte: s.clock.now() } },
    include: { router: true, approvals: true },
  });
  let n = 0;
  for (const c of due) if (await expireIfDue(s, c)) n++;
  return n;
}

function notOpen(c: ChangeRow): UserError {
  const why =
    c.status === "superseded"
      ? `was superseded (${c.reason})`
      : CHANGE_STATUS[c.status].locking
        ? `is already approved and ${c.status}`
        : c.status === "approved"
          ? "is already approved"
          : c.status === "planning"
            ? "is still being planned"
            : `is ${CHANGE_STATUS[c.status].label}`;
  return new UserError(
    `Change #${c.id} ${why}; there is nothing to decide.`,
    CHANGE_STATUS[c.status].locking
      ? "`changes` shows where it stands; an admin can end a stuck one with `change <id> abandon`."
      : "`changes` lists the open ones.",
  );
}

async function requireChange(s: ChangeServices, id: number): Promise<ChangeRow> {
  const c = await loadChange(s.db, id);
  if (!c) throw new UserError(`There is no change #${id}.`, "`changes` lists the open ones.");
  return c;
}

/**
 * Approves a pending change and queues its deploy. No one whose effects the change carries
 * may approve it on a four-eyes router; the approver role is checked by the caller (the
 * command). When the job queue cannot be reached the change stays queued and the reconciler
 * queues it when it can.
 */
export async function approveChange(s: ChangeServices, id: number, actor: Actor): Promise<ChangeRow> {
  const c = await requireChange(s, id);
  if (await expireIfDue(s, c))
    throw new UserError(
      `Change #${id} expired at ${utc(c.expiresAt)}; run the command again for a fresh one.`,
    );
  const me = actorKey(actor);
  if (c.router.fourEyes && requestersOf(c).includes(me)) {
    throw new PermissionError(
      c.requestedBy === me
        ? `You requested change #${id}; four-eyes: another approver must approve it.`
        : `Change #${id} carries a change you requested; four-eyes: another approver must approve it.`,
    );
  }
  const won = await s.db.prisma.$transaction(async (tx) => {
    const n = await tx.changeRequest.updateMany({
      where: { id, status: "pending" },
      data: {
        status: "queued",
        decidedAt: s.clock.now(),
        deployAttempt: 1,
        steps: [`approved by ${actor.userName}`],
      },
    });
    if (n.count === 0) return false;
    await tx.changeApproval.create({ data: { changeId: id, approver: me, name: actor.userName } });
    return true;
  });
  if (!won) throw notOpen(await requireChange(s, id));
  await transitionAudit(s, actor, c, "approve");
  await queueDeploy(s, c, 1);
  return (await loadChange(s.db, id)) as ChangeRow;
}

/** How long an enqueue may take before the caller is answered and the reconciler takes over. */
const ENQUEUE_TIMEOUT_MS = 5_000;

/** Queues the deploy job of attempt `attempt`; a queue that cannot be reached is noted, not thrown. */
async function queueDeploy(
  s: ChangeServices,
  c: { id: number; uid: string },
  attempt: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      s.jobs.enqueue(DEPLOY_QUEUE, "deploy", { changeId: c.id, attempt }, { jobId: deployJobId(c, attempt) }),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error("the job queue did not answer in time")),
          ENQUEUE_TIMEOUT_MS,
        );
      }),
    ]);
    return true;
  } catch (err) {
    s.log.warn("could not queue a deploy; the reconciler will queue it again", {
      change: c.id,
      err: errorLine(err),
    });
    await step(
      s,
      c.id,
      "the job queue could not be reached; the deploy is queued again when it can be",
    ).catch(() => {});
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Rejects an open change and reverts its effects. A change that carries anyone else's
 * effects (a superseded change of theirs) needs `mayRejectOthers` (the approver role).
 */
export async function rejectChange(
  s: ChangeServices,
  id: number,
  actor: Actor,
  reason: string,
  opts: { mayRejectOthers?: boolean } = { mayRejectOthers: true },
): Promise<ChangeRow> {
  const c = await requireChange(s, id);
  if (await expireIfDue(s, c)) throw notOpen(await requireChange(s, id));
  const me = actorKey(actor);
  if (!opts.mayRejectOthers && requestersOf(c).some((r) => r !== me)) {
    throw new PermissionError(
      requestersOf(c).includes(me)
        ? `Change #${id} also carries someone else's request; you need the approver role to reject it.`
        : "You need the approver role to reject someone else's change; ask an admin to grant it.",
    );
  }
  const ended = await endChange(
    s,
    c,
    OPEN,
    "rejected",
    {
      reason: reason
        ? `rejected by ${actor.userName}: ${clip(reason, 200)}`
        : `rejected by ${actor.userName}`,
      decidedAt: s.clock.now(),
    },
    "onRevert",
  );
  if (!ended) throw notOpen(await requireChange(s, id));
  await transitionAudit(s, actor, c, "reject", reason);
  return (await loadChange(s.db, id)) as ChangeRow;
}

export const revertEffects = (db: Database, effects: Effect[]) =>
  db.prisma.$transaction((tx) => applyEffects(tx, effects, "onRevert"));

// ---------------------------------------------------------------------------
// Deploy
// ---------------------------------------------------------------------------

export function errorLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return clip(m.split("\n").find((l) => l.trim()) ?? m, 300);
}

async function step(
  s: ChangeServices,
  id: number,
  line: string,
  data: Prisma.ChangeRequestUpdateInput = {},
): Promise<void> {
  await s.db.prisma.changeRequest.update({ where: { id }, data: { ...data, steps: { push: line } } });
  await refreshMessage(s, id);
}

export type DeployOutcome = "deployed" | "failed" | "rolled_back" | "stale" | "skipped";

const shaOf = (text: string) => diffConfigs(text, text).fromSha256;

/**
 * The deploy job. Idempotent: a finished change is left alone, a job of an older attempt
 * does nothing, and a change found `deploying` (the worker died) is recovered from what the
 * router has: the approved configuration means it was committed (made permanent, then
 * finished), the one before it after a commit with a confirm timer means the router rolled
 * back by itself, and before the commit the deploy starts again. Transient router errors and
 * failed bookkeeping are thrown for the queue to retry; a refused diff never is.
 */
export async function deployChange(s: ChangeServices, id: number, attempt?: number): Promise<DeployOutcome> {
  let c = await loadChange(s.db, id);
  if (!c) return "skipped";
  if (attempt !== undefined && c.deployAttempt !== attempt) return "skipped";
  if (c.status === "queued") {
    const n = await s.db.prisma.changeRequest.updateMany({
      where: { id, status: "queued", ...(attempt !== undefined ? { deployAttempt: attempt } : {}) },
      data: { status: "deploying" },
    });
    if (n.count === 0) return "skipped";
    c = (await loadChange(s.db, id)) as ChangeRow;
  } else if (c.status !== "deploying") {
    return "skipped";
  }
  const change = c;
  const driver = s.drivers(routerInfo(change.router), { message: () => `change #${id}: ${change.summary}` });
  try {
    const current = await driver.getConfig();
    const currentSha = shaOf(current);

    if (currentSha === change.configSha256) {
      // The router already runs exactly the approved configuration: a commit of this change
      // went through before a worker died (or someone applied it by hand). Make it permanent.
      if (change.phase !== "confirmed") {
        if (change.phase !== "none") await makePermanent(s, change, driver);
        await step(s, id, "the router runs the approved configuration (found after a restart)", {
          phase: "confirmed",
        });
      }
      return await finishDeployed(s, change);
    }
    if (change.phase === "committed" || change.phase === "confirmed") {
      if (currentSha === change.baseSha256 && change.phase === "committed") {
        await finish(
          s,
          change,
          "rolled_back",
          "the router undid the commit by itself: it was not confirmed in time",
        );
        return "rolled_back";
      }
      await finish(
        s,
        change,
        "failed",
        "the router's configuration is neither the approved one nor the one before it",
      );
      return "failed";
    }
    if (change.phase !== "none" && currentSha !== change.baseSha256) {
      await finish(
        s,
        change,
        "failed",
        "the router's configuration is neither the approved one nor the one before it",
      );
      return "failed";
    }

    // Render and diff again: deploy only what was approved.
    const rendered = await render(s, change.routerId);
    const d = diffConfigs(current, rendered.config, {
      fromName: `${change.router.name} (running)`,
      toName: `${change.router.name} (peerbot)`,
    });
    if (d.diffSha256 !== change.diffSha256) return await replaceStale(s, change);
    await step(
      s,
      id,
      `rendered again: the diff matches the approved one (sha256 ${d.diffSha256.slice(0, 12)})`,
    );
    await commitAndVerify(s, change, driver, rendered.config);
    return await finishDeployed(s, change);
  } catch (err) {
    if (err instanceof VerifyFailed) {
      await driver.rollback().catch(() => {});
      await finish(s, change, "failed", err.message);
      return "failed";
    }
    if (err instanceof DriverError && err.transient) {
      await step(s, id, `router unreachable (${errorLine(err)}); will retry`).catch(() => {});
      throw err;
    }
    let fresh: ChangeRow;
    try {
      fresh = (await loadChange(s.db, id)) as ChangeRow;
    } catch (dbErr) {
      // The database is away: nothing can be decided now. The retry (or the reconciler)
      // reads the router again and finishes from what it has.
      throw new DriverError(`change #${id}: the database could not be reached (${errorLine(dbErr)})`, true);
    }
    if (fresh.phase === "confirmed" || fresh.status !== "deploying") {
      // The router runs the approved configuration for good (or the change ended): what
      // failed is our bookkeeping after it. Never roll that back; the retry finishes it.
      s.log.error("deploy: failed after the confirm; will retry the bookkeeping", {
        change: id,
        err: errorLine(err),
      });
      throw new DriverError(
        `change #${id} is confirmed on the router; finishing it failed: ${errorLine(err)}`,
        true,
      );
    }
    if (fresh.phase !== "none") await driver.rollback().catch(() => {});
    await finish(s, fresh, "failed", `${fresh.phase === "none" ? "" : "rolled back: "}${errorLine(err)}`);
    return "failed";
  } finally {
    await driver.close().catch(() => {});
  }
}

/** The read-back after a commit is not the approved configuration. */
class VerifyFailed extends Error {}

/** loadCandidate -> commit with a confirm timer -> read back -> confirm, each step stored first. */
async function commitAndVerify(
  s: ChangeServices,
  c: ChangeRow,
  driver: RouterDriver,
  config: string,
): Promise<void> {
  await driver.loadCandidate(config);
  await step(s, c.id, "candidate loaded", { phase: "loaded" });
  const confirmSeconds = Math.round(s.config.PEERBOT_CONFIRM_TIMEOUT / 1000);
  // Stored before the commit is sent: a worker that dies from here on is recovered by
  // reading the router, which either has the approved configuration or the one before.
  await s.db.prisma.changeRequest.update({ where: { id: c.id }, data: { phase: "committing" } });
  const res = await driver.commit(confirmSeconds);
  await step(
    s,
    c.id,
    `committed, confirm within ${confirmSeconds} s${res.output ? `: ${clip(res.output, 200)}` : ""}`,
    { phase: "committed" },
  );
  if (shaOf(await driver.getConfig()) !== c.configSha256) {
    throw new VerifyFailed(
      "verification failed: the router's configuration after the commit is not the approved one; rolled back",
    );
  }
  await step(s, c.id, "verified: the router has exactly the approved configuration");
  await driver.confirm();
  await step(s, c.id, "confirmed", { phase: "confirmed" });
}

/**
 * After a restart the router runs the approved configuration, perhaps still under a confirm
 * timer this process knows nothing of. The driver confirms when it can see the pending
 * commit (file, BIRD, FRR); a driver that cannot (a fresh CLI session) commits the same
 * configuration again with a timer and confirms that, which makes it permanent.
 */
async function makePermanent(s: ChangeServices, c: ChangeRow, driver: RouterDriver): Promise<void> {
  try {
    await driver.confirm();
    return;
  } catch (err) {
    if (err instanceof DriverError && err.transient) throw err;
  }
  const rendered = await render(s, c.routerId);
  if (shaOf(rendered.config) !== c.configSha256)
    throw new VerifyFailed(
      "the router runs the approved configuration unconfirmed, and peerbot now renders another one; rolled back",
    );
  await step(s, c.id, "committing the approved configuration again to confirm it");
  await commitAndVerify(s, c, driver, rendered.config);
}

/** A stale diff: a new change replaces this one, posted where this one was. */
async function replaceStale(s: ChangeServices, c: ChangeRow): Promise<DeployOutcome> {
  const reason = "stale: the configuration changed since this diff was approved; nothing was deployed";
  let next: PlanResult;
  try {
    next = await planChange(s, {
      routerId: c.routerId,
      summary: c.summary,
      actor: actorOf(c),
      requesters: requestersOf(c),
      effects: effectsOf(c),
      supersedesId: c.id,
      replaces: { id: c.id, reason },
    });
  } catch (err) {
    if (err instanceof ReplacedElsewhere) return "stale";
    throw err;
  }
  // Nothing left to change: the router already runs what peerbot renders.
  if (next.kind === "nochange") await finish(s, c, "superseded", `${reason}; the router already matches`);
  if (next.kind === "change" && s.notifier && c.messagePlatform) {
    const reply = changeReply(next.change, s.config);
    const ref = await s.notifier.post(
      {
        platform: c.messagePlatform,
        channel: c.messageChannel,
        threadId: c.messageThread || c.messageId || undefined,
      },
      { ...reply, text: `The diff of change #${c.id} is stale; here is the new one. ${reply.text ?? ""}` },
    );
    await recordChangeMessage(s.db, next.change.id, ref);
  }
  return "stale";
}

function actorOf(c: ChangeRow): Actor {
  const [platform, ...rest] = c.requestedBy.split(":");
  return {
    platform: (platform as Actor["platform"]) ?? "console",
    userId: rest.join(":"),
    userName: c.requestedByName,
  };
}

async function finishDeployed(s: ChangeServices, c: ChangeRow): Promise<DeployOutcome> {
  const enabled = effectsOf(c).filter((e) => e.onDeploy === "enabled").length;
  const ended = await endChange(
    s,
    c,
    ["deploying"],
    "deployed",
    {
      reason: "",
      deployedAt: s.clock.now(),
      ...(enabled ? { steps: { push: `${enabled} session${enabled === 1 ? "" : "s"} now enabled` } } : {}),
    },
    "onDeploy",
  );
  if (ended) {
    await transitionAudit(s, null, c, "deployed");
    await refreshMessage(s, c.id);
  }
  return "deployed";
}

/** Ends a deploying change once: failed, rolled back or superseded, never two of them. */
async function finish(
  s: ChangeServices,
  c: ChangeRow,
  status: "failed" | "rolled_back" | "superseded",
  reason: string,
) {
  // A superseded change's effects live on in its successor; the others' are undone.
  const ended = await endChange(
    s,
    c,
    ["deploying"],
    status,
    { reason },
    status === "superseded" ? "keep" : "onRevert",
  );
  if (!ended) return;
  await transitionAudit(s, null, c, status === "rolled_back" ? "rollback" : status, reason);
  await refreshMessage(s, c.id);
}

// ---------------------------------------------------------------------------
// Recovery: no change stays queued, deploying or planning without someone working on it
// ---------------------------------------------------------------------------

/**
 * Ends a deploy whose retries ran out: from what the router has now, if it can be read
 * (the approved configuration confirmed means deployed), otherwise `failed` with the reason;
 * an unconfirmed commit is undone by the router's own timer, so the sessions are reverted.
 */
export async function giveUpDeploy(s: ChangeServices, id: number, why: string): Promise<DeployOutcome> {
  const c = await loadChange(s.db, id);
  if (!c || !CHANGE_STATUS[c.status].locking) return "skipped";
  if (c.status === "queued") {
    const n = await s.db.prisma.changeRequest.updateMany({
      where: { id, status: "queued" },
      data: { status: "deploying" },
    });
    if (n.count === 0) return "skipped";
  }
  const fresh = (await loadChange(s.db, id)) as ChangeRow;
  if (fresh.phase === "confirmed") return finishDeployed(s, fresh);
  const seen = await readRouter(s, fresh);
  const tail =
    seen === "approved"
      ? "the router runs the approved configuration unconfirmed, and undoes it when its confirm timer runs out"
      : seen === "base"
        ? "the router runs the configuration from before this change"
        : seen === "other"
          ? "the router runs neither the approved configuration nor the one before it: see `diff " +
            fresh.router.name +
            "`"
          : "the router could not be read; an unconfirmed commit is undone by the router's own timer";
  await finish(s, fresh, "failed", clip(`${why}; ${tail}`, 480));
  return "failed";
}

type RouterSeen = "approved" | "base" | "other" | "unreachable";

async function readRouter(s: ChangeServices, c: ChangeRow): Promise<RouterSeen> {
  try {
    const sha = shaOf(await currentConfig(s, c.router, `change #${c.id}`));
    return sha === c.configSha256 ? "approved" : sha === c.baseSha256 ? "base" : "other";
  } catch {
    return "unreachable";
  }
}

export interface ReconcileReport {
  requeued: number[];
  failed: number[];
  draftsEnded: number[];
}

/**
 * Finds what a dead process, a lost Redis or a full retry budget left behind, and finishes
 * it: a queued or deploying change with no live job is queued again (its job carries a new
 * attempt number, so an old job that turns up does nothing), up to MAX_DEPLOY_JOBS times,
 * then ended `failed` from what the router has; a draft left in `planning` is ended and its
 * sessions reverted. Safe to run from every process at once: one runs at a time (an
 * advisory lock), and each step is a conditional update.
 */
export async function reconcileChanges(s: ChangeServices): Promise<ReconcileReport> {
  const report: ReconcileReport = { requeued: [], failed: [], draftsEnded: [] };
  const got = await s.db.pool.query<{ ok: boolean }>("select pg_try_advisory_lock(7262) as ok");
  if (!got.rows[0]?.ok) return report;
  try {
    const now = s.clock.now().getTime();
    const drafts = await s.db.prisma.changeRequest.findMany({
      where: { status: "planning", createdAt: { lt: new Date(now - PLANNING_GRACE_MS) } },
      select: { id: true, routerId: true, effects: true },
    });
    for (const d of drafts) {
      const reason = "the request was interrupted before its diff was made; its sessions were removed";
      if (await endChange(s, d, ["planning"], "failed", { reason }, "onRevert")) {
        await transitionAudit(s, null, d, "failed", reason);
        report.draftsEnded.push(d.id);
      }
    }
    const stuck = await s.db.prisma.changeRequest.findMany({
      where: { status: { in: [...LOCKING] }, updatedAt: { lt: new Date(now - RECONCILE_GRACE_MS) } },
      select: { id: true, uid: true, deployAttempt: true },
      orderBy: { id: "asc" },
    });
    for (const c of stuck) {
      const state =
        c.deployAttempt > 0
          ? await s.jobs.jobState(DEPLOY_QUEUE, deployJobId(c, c.deployAttempt))
          : "missing";
      if (state === "waiting" || state === "delayed" || state === "active") continue;
      if (c.deployAttempt >= MAX_DEPLOY_JOBS) {
        const r = await giveUpDeploy(s, c.id, `no deploy job finished it after ${c.deployAttempt} tries`);
        if (r !== "skipped") report.failed.push(c.id);
        continue;
      }
      const next = c.deployAttempt + 1;
      const n = await s.db.prisma.changeRequest.updateMany({
        where: { id: c.id, deployAttempt: c.deployAttempt, status: { in: [...LOCKING] } },
        data: {
          deployAttempt: next,
          steps: { push: `no live deploy job (${state}); queued again (try ${next} of ${MAX_DEPLOY_JOBS})` },
        },
      });
      if (n.count === 0) continue;
      await refreshMessage(s, c.id);
      if (await queueDeploy(s, c, next)) report.requeued.push(c.id);
    }
  } finally {
    await s.db.pool.query("select pg_advisory_unlock(7262)").catch(() => {});
  }
  return report;
}

/**
 * `change <id> abandon`: an admin ends a change that is stuck queued, deploying or planning,
 * after peerbot read the router: the approved configuration there ends it `deployed` (that is
 * what the router runs), anything else `failed` with its sessions reverted. A deploy that a
 * live worker is running is not abandoned.
 */
export async function abandonChange(
  s: ChangeServices,
  id: number,
  actor: Actor,
  reason: string,
): Promise<{ change: ChangeRow; seen: RouterSeen }> {
  const c = await requireChange(s, id);
  if (!CHANGE_STATUS[c.status].locking && c.status !== "planning") {
    throw new UserError(
      `Change #${id} is ${CHANGE_STATUS[c.status].label}; only a queued, deploying or planning change can be abandoned.`,
      CHANGE_STATUS[c.status].open ? "Use `reject` for an open change." : "`changes all` shows how it ended.",
    );
  }
  if (
    c.deployAttempt > 0 &&
    (await s.jobs.jobState(DEPLOY_QUEUE, deployJobId(c, c.deployAttempt))) === "active"
  )
    throw new UserError(
      `A worker is deploying change #${id} right now; peerbot will not take it from under it.`,
      "Wait for the deploy to finish, or try again in a minute if its worker has died.",
    );
  const seen = c.status === "planning" ? "base" : await readRouter(s, c);
  const why = `abandoned by ${actor.userName}${reason ? `: ${clip(reason, 200)}` : ""}`;
  // A new attempt number makes any job of this change that still turns up do nothing.
  const data = { reason: why, deployAttempt: c.deployAttempt + 1, decidedAt: s.clock.now() };
  const from: ChangeStatus[] = ["planning", "queued", "deploying"];
  const ended =
    seen === "approved"
      ? await endChange(
          s,
          c,
          from,
          "deployed",
          { ...data, deployedAt: s.clock.now(), phase: "confirmed" },
          "onDeploy",
        )
      : await endChange(s, c, from, "failed", data, "onRevert");
  if (!ended) throw notOpen(await requireChange(s, id));
  await transitionAudit(s, actor, c, "abandon", why);
  await refreshMessage(s, id);
  return { change: (await loadChange(s.db, id)) as ChangeRow, seen };
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

export async function recordChangeMessage(db: Database, id: number, ref: MessageRef): Promise<void> {
  await db.prisma.changeRequest.update({
    where: { id },
    data: {
      messagePlatform: ref.platform,
      messageChannel: ref.channel,
      messageId: ref.messageId,
      messageThread: ref.threadId ?? "",
    },
  });
}

/** Redraws a change's message wherever it was posted, from the database. */
export async function refreshMessage(s: ChangeServices, id: number): Promise<void> {
  if (!s.notifier) return;
  const c = await loadChange(s.db, id);
  if (!c || !c.messagePlatform) return;
  try {
    await s.notifier.update(
      {
        platform: c.messagePlatform,
        channel: c.messageChannel,
        messageId: c.messageId,
        threadId: c.messageThread || undefined,
      },
      changeReply(c, s.config),
    );
  } catch (err) {
    s.log.warn("could not update a change's message", { change: id, err: errorLine(err) });
  }
}

/** The message of a change, drawn from its row alone, so any process can draw it. */
export function changeReply(c: ChangeRow, _config: Pick<Config, "PEERBOT_CHANGE_EXPIRY">): Reply {
  const st = CHANGE_STATUS[c.status];
  const lines = [`Status: ${st.label}${c.reason ? ` (${clip(c.reason, 500)})` : ""}.`];
  if (c.steps.length) lines.push(...c.steps.map((l) => `• ${clip(l, 300)}`));
  const approvers = c.approvals.map((a) => a.name || a.approver).join(", ");
  return {
    kind: st.kind,
    title: clip(`Change #${c.id} on ${c.router.name}: ${c.summary}`, 200),
    text: lines.join("\n"),
    fields: [
      { label: "Requested by", value: clip(c.requestedByName || c.requestedBy, 80), inline: true },
      { label: "Diff", value: `+${c.added} −${c.removed} lines`, inline: true },
      ...(approvers ? [{ label: "Approved by", value: clip(approvers, 200), inline: true }] : []),
      ...(c.status === "pending" ? [{ label: "Expires", value: utc(c.expiresAt), inline: true }] : []),
    ],
    code: c.diff
      ? { language: "diff", content: maskSecrets(c.diff, c.router.platform), filename: `change-${c.id}.diff` }
      : undefined,
    context: `change #${c.id} · diff sha256 ${c.diffSha256.slice(0, 16)} · against config sha256 ${c.baseSha256.slice(0, 16)}`,
    buttons:
      c.status === "pending"
        ? [
            {
              label: "Approve",
              actionId: `change.approve:${c.id}`,
              style: "primary",
              confirm: {
                title: `Approve change #${c.id}?`,
                text: `This deploys the diff above to ${c.router.name}.`,
                confirm: "Approve",
                deny: "Cancel",
              },
            },
            { label: "Reject", actionId: `change.reject:${c.id}`, style: "danger" },
          ]
        : undefined,
    track: `change:${c.id}`,
  };
}

/** Open changes (or the last 50 of any status), newest first. */
export function listChanges(db: Database, all: boolean) {
  return db.prisma.changeRequest.findMany({
    where: all ? {} : { status: { in: [...ACTIVE] } },
    orderBy: { id: "desc" },
    take: 50,
    include: { router: { select: { name: true } } },
  });
}

export async function getChange(db: Database, id: number): Promise<ChangeRow | null> {
  return loadChange(db, id);
}
