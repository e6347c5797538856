// Every schedule peerbot keeps, declared here and nowhere else:
// - on Redis, the repeatable jobs (PeeringDB sync, session polling, IRR and IX-API refresh, the daily
//   digest when so configured) live in Redis, shared by
//   every process; each process declares them at start and again on every reconciler tick, so
//   that a Redis restarted without persistence gets them back;
// - without Redis (the console), session polling ticks on a timer in this process;
// - everywhere, the reconciler (jobs/reconcile.ts) runs at start and on its timer.
import type { Services } from "../core/services.js";
import { DIGEST_QUEUE, scheduleDigest } from "./digest.js";
import { IRR_QUEUE, scheduleIrrRefresh } from "./irr.js";
import { IXAPI_QUEUE, scheduleIxApiRefresh } from "./ixapi.js";
import { PEERINGDB_SYNC_QUEUE, schedulePeeringdbSync } from "./peeringdb-sync.js";
import { POLL_QUEUE, schedulePolling, startPollTicker } from "./poll-sessions.js";
import type { BullJobQueue } from "./bull-queue.js";
import type { RunnableQueue } from "./queue.js";
import { startReconciler } from "./reconcile.js";

/** Declares the repeatable jobs on Redis (upserting: safe from every process, any number of times). */
async function declareRepeatables(queue: BullJobQueue, s: Services): Promise<void> {
  await schedulePeeringdbSync(queue.queue(PEERINGDB_SYNC_QUEUE), {
    everyMs: s.config.PEERINGDB_SYNC_INTERVAL,
  });
  await schedulePolling(queue.queue(POLL_QUEUE), s.config.PEERBOT_POLL_INTERVAL);
  await scheduleIrrRefresh(queue.queue(IRR_QUEUE), s.config.PEERBOT_IRR_REFRESH_INTERVAL);
  await scheduleIxApiRefresh(queue.queue(IXAPI_QUEUE), s.config.PEERBOT_IXAPI_REFRESH_INTERVAL);
  await scheduleDigest(queue.queue(DIGEST_QUEUE), s);
}

/** Starts every schedule for a process that runs workers; `stop()` ends the timers. */
export async function startSchedules(queue: RunnableQueue, s: Services): Promise<{ stop(): Promise<void> }> {
  const stops: (() => void | Promise<void>)[] = [];
  const bull = queue.kind === "bullmq" ? (queue as BullJobQueue) : undefined;
  if (bull) await declareRepeatables(bull, s);
  else stops.push(startPollTicker(s, queue));
  const reconciler = startReconciler(s, {
    also: bull ? () => declareRepeatables(bull, s) : undefined,
  });
  stops.push(() => reconciler.stop());
  return { stop: async () => void (await Promise.all(stops.map((f) => f()))) };
}
