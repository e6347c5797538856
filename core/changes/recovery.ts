// Recovery: no change stays queued, deploying or planning without someone working on it. The
// last retry ends a deploy from what the router runs; the reconciler queues lost deploys
// again and ends abandoned drafts; an admin can abandon a stuck change.
import { UserError } from "../errors.js";
import type { Actor } from "../roles.js";
import { clip } from "../text.js";
import { actorMark } from "../people.js";
import { endChange } from "./effects.js";
import { finish, finishDeployed, shaOf, type DeployOutcome } from "./deploy.js";
import { queueDeploy } from "./decide.js";
import { refreshMessage } from "./message.js";
import {
  CHANGE_STATUS,
  DEPLOY_QUEUE,
  LOCKING,
  loadChange,
  MAX_DEPLOY_JOBS,
  notOpen,
  PLANNING_GRACE_MS,
  RECONCILE_GRACE_MS,
  requireChange,
  routerOf,
  type ChangeRow,
  type ChangeServices,
  type ChangeStatus,
} from "./model.js";
import { currentConfig } from "./plan.js";
import { deployJobId } from "./refs.js";
import { finishIxApiDeployed, macPayloadOf, readIxApi } from "./ixapi.js";

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
  if (fresh.kind === "ixapi") {
    // No confirm timer at an exchange: what it lists is what stays.
    const seen = fresh.phase === "confirmed" ? "approved" : await readIxApi(s, fresh);
    if (seen === "approved" && (await finishIxApiDeployed(s, fresh))) return "deployed";
    const p = macPayloadOf(fresh);
    const tail =
      seen === "base"
        ? `the IXP still lists ${p.before.join(", ") || "no MAC"}`
        : seen === "other"
          ? "the IXP lists neither the approved MACs nor the ones before the change: see `ix`"
          : "the IX-API could not be read";
    await finish(
      s,
      fresh,
      "failed",
      clip(`${why}; ${tail}; our record keeps ${p.previousMac || "no MAC"}`, 480),
    );
    return "failed";
  }
  if (fresh.phase === "confirmed") return finishDeployed(s, fresh);
  const seen = await readRouter(s, fresh);
  const tail =
    seen === "approved"
      ? "the router runs the approved configuration unconfirmed, and undoes it when its confirm timer runs out"
      : seen === "base"
        ? "the router runs the configuration from before this change"
        : seen === "other"
          ? "the router runs neither the approved configuration nor the one before it: see `diff " +
            routerOf(fresh).name +
            "`"
          : "the router could not be read; an unconfirmed commit is undone by the router's own timer";
  await finish(s, fresh, "failed", clip(`${why}; ${tail}`, 480));
  return "failed";
}

type RouterSeen = "approved" | "base" | "other" | "unreachable";

async function readRouter(s: ChangeServices, c: ChangeRow): Promise<RouterSeen> {
  if (c.kind === "ixapi") return readIxApi(s, c);
  try {
    const sha = shaOf(await currentConfig(s, routerOf(c), `change #${c.id}`));
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
  // A session-level advisory lock belongs to one connection: take it and release it on the
  // same client, never through the pool (an unlock on another connection frees nothing, and
  // the lock would stay held by whichever pooled connection took it).
  // The embedded database is one process's and has one connection, which the work below needs.
  const lock = s.db.embedded ? undefined : await s.db.pool.connect();
  if (lock) {
    let held = false;
    try {
      held = Boolean(
        (await lock.query<{ ok: boolean }>("select pg_try_advisory_lock(7262) as ok")).rows[0]?.ok,
      );
    } finally {
      if (!held) lock.release();
    }
    if (!held) return report;
  }
  try {
    const now = s.clock.now().getTime();
    // The two look-ups run on pg directly: a process that starts with nothing to reconcile
    // then never loads Prisma's query compiler (about 50 MB) before its first command.
    const { rows: drafts } = await s.db.pool.query<{ id: number; routerId: number; effects: unknown }>(
      `select id, "routerId", effects from "ChangeRequest"
        where status = 'planning' and "createdAt" < ($1::timestamptz at time zone 'UTC') order by id`,
      [new Date(now - PLANNING_GRACE_MS).toISOString()],
    );
    for (const d of drafts) {
      const reason = "the request was interrupted before its diff was made; its sessions were removed";
      if (
        await endChange(s, d, ["planning"], "failed", { reason }, "onRevert", {
          actor: null,
          what: "failed",
          message: reason,
        })
      )
        report.draftsEnded.push(d.id);
    }
    const { rows: stuck } = await s.db.pool.query<{ id: number; uid: string; deployAttempt: number }>(
      `select id, uid::text as uid, "deployAttempt" from "ChangeRequest"
        where status::text = any($1) and "updatedAt" < ($2::timestamptz at time zone 'UTC') order by id`,
      [[...LOCKING], new Date(now - RECONCILE_GRACE_MS).toISOString()],
    );
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
    if (lock) {
      const unlocked = await lock.query("select pg_advisory_unlock(7262)").then(
        () => true,
        () => false,
      );
      lock.release(!unlocked); // a connection that could not unlock is closed, which frees the lock
    }
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
  const why = `abandoned by ${actorMark(actor)}${reason ? `: ${clip(reason, 200)}` : ""}`;
  // A new attempt number makes any job of this change that still turns up do nothing.
  const data = { reason: why, deployAttempt: c.deployAttempt + 1, decidedAt: s.clock.now() };
  const from: ChangeStatus[] = ["planning", "queued", "deploying"];
  const abandoned = { actor, what: "abandon", message: why };
  const ended =
    seen === "approved" && c.kind === "ixapi"
      ? await finishIxApiDeployed(s, c, from, data, abandoned)
      : seen === "approved"
        ? await endChange(
            s,
            c,
            from,
            "deployed",
            { ...data, deployedAt: s.clock.now(), phase: "confirmed" },
            "onDeploy",
            abandoned,
          )
        : await endChange(s, c, from, "failed", data, "onRevert", abandoned);
  if (!ended) throw notOpen(await requireChange(s, id));
  await refreshMessage(s, id);
  return { change: (await loadChange(s.db, id)) as ChangeRow, seen };
}
