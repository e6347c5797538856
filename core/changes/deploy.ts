// Deploy: the job's work. Render and diff again, load, record `committing`, commit with a
// confirm timer, read back, confirm; and on a retry, recover from what the router runs.
import { diffConfigs } from "../diff.js";
import { DriverError, type RouterDriver } from "../ports.js";
import type { Actor } from "../roles.js";
import { clip } from "../text.js";
import { markConfigured } from "../email/tracking.js";
import { effectsOf, endChange } from "./effects.js";
import { changeReply, recordChangeMessage, refreshMessage, step } from "./message.js";
import {
  errorLine,
  loadChange,
  requestersOf,
  routerInfo,
  routerOf,
  type ChangeRow,
  type ChangeServices,
} from "./model.js";
import { planChange, ReplacedElsewhere, render, type PlanResult } from "./plan.js";
import { plural } from "../text.js";
import { deployIxApiChange } from "./ixapi.js";

export type DeployOutcome = "deployed" | "failed" | "rolled_back" | "stale" | "skipped";

export const shaOf = (text: string) => diffConfigs(text, text).fromSha256;

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
  // An IX-API change writes to the exchange's API, not to a router (core/changes/ixapi.ts).
  if (change.kind === "ixapi") return deployIxApiChange(s, change);
  const router = routerOf(change);
  const driver = s.drivers(routerInfo(router), { message: () => `change #${id}: ${change.summary}` });
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
    const rendered = await render(s, router.id);
    const d = diffConfigs(current, rendered.config, {
      fromName: `${router.name} (running)`,
      toName: `${router.name} (peerbot)`,
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
export class VerifyFailed extends Error {}

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
  const rendered = await render(s, routerOf(c).id);
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
      routerId: routerOf(c).id,
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

export async function finishDeployed(s: ChangeServices, c: ChangeRow): Promise<DeployOutcome> {
  const enabled = effectsOf(c).filter((e) => e.onDeploy === "enabled").length;
  const ended = await endChange(
    s,
    c,
    ["deploying"],
    "deployed",
    {
      reason: "",
      deployedAt: s.clock.now(),
      ...(enabled ? { steps: { push: `${plural(enabled, "session")} now enabled` } } : {}),
    },
    "onDeploy",
    { actor: null, what: "deployed" },
  );
  if (ended) {
    await refreshMessage(s, c.id);
    // The networks whose sessions this deploy configured: their peering requests (core/email)
    // become `configured` now, without waiting for a poll (which not every router has).
    await configuredPeers(s, c).catch((err: unknown) =>
      s.log.warn("could not mark peering requests configured", { change: c.id, err: String(err) }),
    );
  }
  return "deployed";
}

/** Ends a deploying change once: failed, rolled back or superseded, never two of them. */
export async function finish(
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
    { actor: null, what: status === "rolled_back" ? "rollback" : status, message: reason },
  );
  if (!ended) return;
  await refreshMessage(s, c.id);
}

async function configuredPeers(s: ChangeServices, c: ChangeRow): Promise<void> {
  const enabled = effectsOf(c).filter((e) => e.onDeploy === "enabled");
  const ids = (kind: "ixp" | "direct") => enabled.filter((e) => e.kind === kind).map((e) => e.id);
  const { rows } = await s.db.pool.query<{ asn: string }>(
    `select a.asn::text as asn from "AutonomousSystem" a
      where a.id in (select "autonomousSystemId" from "IxpSession" where id = any($1::int[])
                     union select "autonomousSystemId" from "DirectSession" where id = any($2::int[]))`,
    [ids("ixp"), ids("direct")],
  );
  if (rows.length && c.routerId !== null) await markConfigured(s.db, c.routerId, rows);
}
