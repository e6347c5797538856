// Change requests, as Atlantis does plans: render, diff against what the router has, store
// the config, the diff and their SHA-256, then approve (not by the requester), and deploy
// exactly what was approved. At deploy the diff is computed again; if it differs the deploy
// stops and a new change is posted. One open change per router; while one is queued or
// deploying the router is locked. Every transition writes an AuditEvent.
import { audit } from "./audit.js";
import { clip } from "./asn.js";
import type { Database, SessionStatus } from "./db.js";
import type { Prisma } from "./db.js";
import { diffConfigs } from "./diff.js";
import { PermissionError, UserError } from "./errors.js";
import type { Logger } from "./log.js";
import type { Clock, DriverFactory, JobQueue, MessageRef, Notifier, RouterInfo } from "./ports.js";
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

const OPEN = ["pending", "approved"] as const;
const LOCKING = ["queued", "deploying"] as const;

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
    actor: actor ?? { platform: "console", userId: "peerbot", userName: "peerbot" },
    channel: "",
    command: `change.${what}`,
    args: `#${change.id}`,
    outcome: "ok",
    message,
    objects: [`change:${change.id}`, `router:${change.routerId}`],
  }).catch((err: unknown) => s.log.error("audit write failed", { err }));
}

// ---------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------

export interface PlanInput {
  routerId: number;
  summary: string;
  actor: Actor;
  effects: Effect[];
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
 * Renders the router, diffs it against its current configuration and stores a pending
 * change. A pending or approved change for the same router is superseded (its approvals
 * void, its effects carried over); a queued or deploying one locks the router.
 */
export async function planChange(s: ChangeServices, input: PlanInput): Promise<PlanResult> {
  const router = await s.db.prisma.router.findUniqueOrThrow({ where: { id: input.routerId } });
  await assertUnlocked(s, router.id, router.name, input.replaces?.id);
  const rendered = await render(s, router.id);
  let current: string;
  try {
    current = await currentConfig(s, router as ChangeRow["router"], input.summary);
  } catch (err) {
    throw new UserError(
      `Cannot read ${router.name}'s configuration: ${errorLine(err)}.`,
      "Check the router with `routers`, then try again.",
    );
  }
  const d = diffConfigs(current, rendered.config, {
    fromName: `${router.name} (running)`,
    toName: `${router.name} (peerbot)`,
  });
  if (!d.diff && input.effects.length === 0) return { kind: "nochange", routerName: router.name };

  const expiresAt = new Date(s.clock.now().getTime() + s.config.PEERBOT_CHANGE_EXPIRY);
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
    });
    const carried: Effect[] = open.flatMap((c) => c.effects as unknown as Effect[]);
    const effects = mergeEffects(carried, input.effects);
    const created = await tx.changeRequest.create({
      data: {
        routerId: router.id,
        summary: input.summary,
        requestedBy: actorKey(input.actor),
        requestedByName: input.actor.userName,
        config: rendered.config,
        configSha256: d.toSha256,
        baseSha256: d.fromSha256,
        diff: d.diff,
        diffSha256: d.diffSha256,
        added: d.added,
        removed: d.removed,
        effects: effects as unknown as Prisma.InputJsonValue,
        expiresAt,
        supersedesId: input.supersedesId ?? open[open.length - 1]?.id ?? null,
      },
      include: { router: true, approvals: true },
    });
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
    `${routerName} is locked by change #${c.id} (${c.status}), requested by ${c.requestedByName || c.requestedBy}, since ${c.updatedAt.toISOString().slice(0, 16).replace("T", " ")} UTC.`,
    "Wait for that deploy to finish; `changes` shows where it stands.",
  );
}

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
  if (!(OPEN as readonly string[]).includes(c.status) || c.expiresAt > s.clock.now()) return false;
  const n = await s.db.prisma.changeRequest.updateMany({
    where: { id: c.id, status: { in: [...OPEN] } },
    data: { status: "expired", reason: "no approval in time", decidedAt: s.clock.now() },
  });
  if (n.count) {
    await revertEffects(s.db, c.effects as unknown as Effect[]);
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
      : c.status === "queued" || c.status === "deploying"
        ? `is already approved and ${c.status}`
        : c.status === "approved"
          ? "is already approved"
          : `is ${c.status.replace("_", " ")}`;
  return new UserError(
    `Change #${c.id} ${why}; there is nothing to decide.`,
    "`changes` lists the open ones.",
  );
}

/**
 * Approves a pending change and queues its deploy. The requester cannot approve their own
 * change on a four-eyes router; the approver role is checked by the caller (the command).
 */
export async function approveChange(s: ChangeServices, id: number, actor: Actor): Promise<ChangeRow> {
  const c = await loadChange(s.db, id);
  if (!c) throw new UserError(`There is no change #${id}.`, "`changes` lists the open ones.");
  if (await expireIfDue(s, c))
    throw new UserError(
      `Change #${id} expired at ${c.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC; run the command again for a fresh one.`,
    );
  if (c.router.fourEyes && c.requestedBy === actorKey(actor)) {
    throw new PermissionError(`You requested change #${id}; four-eyes: another approver must approve it.`);
  }
  const won = await s.db.prisma.$transaction(async (tx) => {
    const n = await tx.changeRequest.updateMany({
      where: { id, status: "pending" },
      data: { status: "queued", decidedAt: s.clock.now(), steps: [`approved by ${actor.userName}`] },
    });
    if (n.count === 0) return false;
    await tx.changeApproval.create({
      data: { changeId: id, approver: actorKey(actor), name: actor.userName },
    });
    return true;
  });
  if (!won) throw notOpen((await loadChange(s.db, id)) as ChangeRow);
  await transitionAudit(s, actor, c, "approve");
  // The job id is the change id: a double press or a retry never deploys twice.
  await s.jobs.enqueue(DEPLOY_QUEUE, "deploy", { changeId: id }, { jobId: `change-${id}` });
  return (await loadChange(s.db, id)) as ChangeRow;
}

export async function rejectChange(
  s: ChangeServices,
  id: number,
  actor: Actor,
  reason: string,
): Promise<ChangeRow> {
  const c = await loadChange(s.db, id);
  if (!c) throw new UserError(`There is no change #${id}.`, "`changes` lists the open ones.");
  if (await expireIfDue(s, c)) throw notOpen((await loadChange(s.db, id)) as ChangeRow);
  const n = await s.db.prisma.changeRequest.updateMany({
    where: { id, status: { in: [...OPEN] } },
    data: {
      status: "rejected",
      reason: reason
        ? `rejected by ${actor.userName}: ${clip(reason, 200)}`
        : `rejected by ${actor.userName}`,
      decidedAt: s.clock.now(),
    },
  });
  if (n.count === 0) throw notOpen(c);
  await revertEffects(s.db, c.effects as unknown as Effect[]);
  await transitionAudit(s, actor, c, "reject", reason);
  return (await loadChange(s.db, id)) as ChangeRow;
}

/** Applies a change's session effects in bulk: one statement per target status and kind. */
async function applyEffects(db: Database, effects: Effect[], which: "onDeploy" | "onRevert"): Promise<void> {
  const groups = new Map<string, { kind: Effect["kind"]; to: Effect["onDeploy"]; ids: number[] }>();
  for (const e of effects) {
    const to = e[which];
    const key = `${e.kind}:${to}`;
    const g = groups.get(key) ?? { kind: e.kind, to, ids: [] };
    g.ids.push(e.id);
    groups.set(key, g);
  }
  await db.prisma.$transaction(
    [...groups.values()].map(({ kind, to, ids }) => {
      const where = { id: { in: ids } };
      if (kind === "ixp") {
        return to === "delete"
          ? db.prisma.ixpSession.deleteMany({ where })
          : db.prisma.ixpSession.updateMany({ where, data: { status: to } });
      }
      return to === "delete"
        ? db.prisma.directSession.deleteMany({ where })
        : db.prisma.directSession.updateMany({ where, data: { status: to } });
    }),
  );
}

export const revertEffects = (db: Database, effects: Effect[]) => applyEffects(db, effects, "onRevert");

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

/**
 * The deploy job. Idempotent: a finished change is left alone, and a change found
 * `deploying` (the worker died) is recovered from the phase it reached: if the router has
 * the approved configuration the deploy is finished, if it has the old one after a commit
 * with a confirm timer the router rolled back by itself, otherwise it starts again.
 * Transient router errors are thrown for the queue to retry; a refused diff never is.
 */
export async function deployChange(s: ChangeServices, id: number): Promise<DeployOutcome> {
  let c = await loadChange(s.db, id);
  if (!c) return "skipped";
  if (c.status === "queued") {
    const n = await s.db.prisma.changeRequest.updateMany({
      where: { id, status: "queued" },
      data: { status: "deploying" },
    });
    if (n.count === 0) return "skipped";
    c = (await loadChange(s.db, id)) as ChangeRow;
  } else if (c.status !== "deploying") {
    return "skipped";
  }
  const driver = s.drivers(routerInfo(c.router), { message: () => `change #${id}: ${c!.summary}` });
  try {
    const current = await driver.getConfig();
    const currentSha = diffConfigs(current, current).fromSha256;

    if (c.phase === "committed" || c.phase === "confirmed") {
      // A retry after the worker died mid-deploy.
      if (currentSha === c.configSha256) {
        if (c.phase === "committed") {
          await driver.confirm().catch(() => {});
          await step(s, id, "confirmed (after a restart)", { phase: "confirmed" });
        }
        return await finishDeployed(s, c);
      }
      if (currentSha === c.baseSha256) {
        await finish(
          s,
          c,
          "rolled_back",
          "the router undid the commit by itself: it was not confirmed in time",
        );
        return "rolled_back";
      }
      await finish(
        s,
        c,
        "failed",
        "the router's configuration is neither the approved one nor the one before it",
      );
      return "failed";
    }

    // Render and diff again: deploy only what was approved.
    const rendered = await render(s, c.routerId);
    const d = diffConfigs(current, rendered.config, {
      fromName: `${c.router.name} (running)`,
      toName: `${c.router.name} (peerbot)`,
    });
    if (d.diffSha256 !== c.diffSha256) {
      const reason = "stale: the configuration changed since this diff was approved; nothing was deployed";
      let next: PlanResult;
      try {
        next = await planChange(s, {
          routerId: c.routerId,
          summary: c.summary,
          actor: actorOf(c),
          effects: c.effects as unknown as Effect[],
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
        const ref = await s.notifier.post(
          {
            platform: c.messagePlatform,
            channel: c.messageChannel,
            threadId: c.messageThread || c.messageId || undefined,
          },
          {
            ...changeReply(next.change, s.config),
            text: `The diff of change #${c.id} is stale; here is the new one. ${changeReply(next.change, s.config).text ?? ""}`,
          },
        );
        await recordChangeMessage(s.db, next.change.id, ref);
      }
      return "stale";
    }
    await step(
      s,
      id,
      `rendered again: the diff matches the approved one (sha256 ${d.diffSha256.slice(0, 12)})`,
    );

    await driver.loadCandidate(rendered.config);
    await step(s, id, "candidate loaded", { phase: "loaded" });
    const confirmSeconds = Math.round(s.config.PEERBOT_CONFIRM_TIMEOUT / 1000);
    const res = await driver.commit(confirmSeconds);
    await step(
      s,
      id,
      `committed, confirm within ${confirmSeconds} s${res.output ? `: ${clip(res.output, 200)}` : ""}`,
      { phase: "committed" },
    );

    const after = await driver.getConfig();
    if (diffConfigs(after, after).fromSha256 !== c.configSha256) {
      await driver.rollback().catch(() => {});
      await finish(
        s,
        c,
        "failed",
        "verification failed: the router's configuration after the commit is not the approved one; rolled back",
      );
      return "failed";
    }
    await step(s, id, "verified: the router has exactly the approved configuration");
    await driver.confirm();
    await step(s, id, "confirmed", { phase: "confirmed" });
    return await finishDeployed(s, c);
  } catch (err) {
    if (err instanceof DriverError && err.transient) {
      await step(s, id, `router unreachable (${errorLine(err)}); will retry`);
      throw err;
    }
    const fresh = (await loadChange(s.db, id)) as ChangeRow;
    if (fresh.phase === "confirmed") {
      // The router runs the approved configuration for good: what failed is our bookkeeping
      // after it. Never roll that back; the retry finishes it (see the recovery above).
      s.log.error("deploy: failed after the confirm; will retry the bookkeeping", {
        change: id,
        err: errorLine(err),
      });
      throw new DriverError(
        `change #${id} is confirmed on the router; finishing it failed: ${errorLine(err)}`,
        true,
      );
    }
    if (fresh.phase === "loaded" || fresh.phase === "committed") await driver.rollback().catch(() => {});
    await finish(s, fresh, "failed", `${fresh.phase === "none" ? "" : "rolled back: "}${errorLine(err)}`);
    return "failed";
  } finally {
    await driver.close().catch(() => {});
  }
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
  const effects = c.effects as unknown as Effect[];
  await applyEffects(s.db, effects, "onDeploy");
  const enabled = effects.filter((e) => e.onDeploy === "enabled").length;
  if (enabled) await step(s, c.id, `${enabled} session${enabled === 1 ? "" : "s"} now enabled`);
  await finish(s, c, "deployed", "");
  return "deployed";
}

/** Ends a deploying change once: deployed, failed, rolled back or superseded, never two of them. */
async function finish(
  s: ChangeServices,
  c: ChangeRow,
  status: "deployed" | "failed" | "rolled_back" | "superseded",
  reason: string,
) {
  const n = await s.db.prisma.changeRequest.updateMany({
    where: { id: c.id, status: "deploying" },
    data: { status, reason, ...(status === "deployed" ? { deployedAt: s.clock.now() } : {}) },
  });
  if (n.count === 0) return;
  // A deployed change keeps its effects; a superseded one's live on in its successor.
  if (status !== "deployed" && status !== "superseded")
    await revertEffects(s.db, c.effects as unknown as Effect[]);
  await transitionAudit(s, null, c, status === "rolled_back" ? "rollback" : status, reason);
  await refreshMessage(s, c.id);
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

const STATUS_TEXT: Record<string, string> = {
  pending: "waiting for approval",
  approved: "approved",
  rejected: "rejected",
  superseded: "superseded",
  expired: "expired",
  queued: "approved, deploy queued",
  deploying: "deploying",
  deployed: "deployed",
  failed: "failed",
  rolled_back: "rolled back",
};

/** The message of a change, drawn from its row alone, so any process can draw it. */
export function changeReply(c: ChangeRow, config: Pick<Config, "PEERBOT_CHANGE_EXPIRY">): Reply {
  void config;
  const kind =
    c.status === "deployed"
      ? "success"
      : c.status === "failed" || c.status === "rolled_back"
        ? "error"
        : c.status === "superseded" || c.status === "expired" || c.status === "rejected"
          ? "warning"
          : "info";
  const lines = [`Status: ${STATUS_TEXT[c.status] ?? c.status}${c.reason ? ` (${c.reason})` : ""}.`];
  if (c.steps.length) lines.push(...c.steps.map((l) => `• ${l}`));
  const approvers = c.approvals.map((a) => a.name || a.approver).join(", ");
  return {
    kind,
    title: `Change #${c.id} on ${c.router.name}: ${c.summary}`,
    text: lines.join("\n"),
    fields: [
      { label: "Requested by", value: c.requestedByName || c.requestedBy, inline: true },
      { label: "Diff", value: `+${c.added} −${c.removed} lines`, inline: true },
      ...(approvers ? [{ label: "Approved by", value: approvers, inline: true }] : []),
      ...(c.status === "pending"
        ? [
            {
              label: "Expires",
              value: `${c.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC`,
              inline: true,
            },
          ]
        : []),
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
    where: all ? {} : { status: { in: ["pending", "approved", "queued", "deploying"] } },
    orderBy: { id: "desc" },
    take: 50,
    include: { router: { select: { name: true } } },
  });
}

export async function getChange(db: Database, id: number): Promise<ChangeRow | null> {
  return loadChange(db, id);
}
