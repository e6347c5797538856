// The `irr-refresh` queue: refreshes the IRR prefix lists of every AS with sessions
// (core/irr/cache.ts refreshAll), on a schedule (PEERBOT_IRR_REFRESH_INTERVAL, daily by
// default) and when an admin asks (`irr refresh all`). One refresh of everything runs at a
// time across processes (an advisory lock in core); within it PEERBOT_IRR_CONCURRENCY bgpq4
// children run at once, so the IRR server is never hammered. A failed AS keeps its last good
// lists, marked stale; nothing here ever fails a render.
import type { Queue } from "bullmq";
import { IRR_JOB, IRR_QUEUE, irrSettings, refreshAll } from "../core/irr/cache.js";

export { IRR_QUEUE } from "../core/irr/cache.js";
import type { Services } from "../core/services.js";
import { trackedMessage } from "../core/inventory.js";
import type { RunnableQueue } from "./queue.js";

const IRR_SCHEDULER = "irr-refresh-daily";

export function registerIrrWorker(queue: RunnableQueue, s: Services): void {
  queue.register(
    IRR_QUEUE,
    async (job) => {
      const data = (job.data ?? {}) as { track?: string };
      if (!s.irr) return { skipped: "no IRR client is configured" };
      const result = await refreshAll(s.db, s.irr, irrSettings(s.config), (done, total) =>
        job.progress({ done, total }),
      );
      if (data.track && s.notifier) {
        const ref = await trackedMessage(s.db, data.track);
        if (ref)
          await s.notifier
            .update(ref, {
              kind: result.failed ? "error" : "success",
              title: result.skipped ? "IRR refresh skipped" : "IRR refresh finished",
              text:
                result.skipped ??
                `${result.ases} networks in ${(result.durationMs / 1000).toFixed(1)} s: ${result.ok} refreshed, ${result.failed} failed (their last lists are kept, marked stale), ${result.overCap} over the cap.${result.failures.length ? `\n${result.failures.join("\n")}` : ""}`,
            })
            .catch((err: unknown) => s.log.warn("irr: message update failed", { err: String(err) }));
      }
      return result;
    },
    { attempts: 1, concurrency: 1 },
  );
}

/**
 * The daily refresh, declared on Redis (upserting: safe from every process). The offset puts
 * the runs at a fixed time (03:17 UTC with the daily default) instead of at once: without it
 * BullMQ runs the first refresh the moment a worker declares it, so every fresh worker asked
 * the IRR for every network at start (and grew by the 100 MB of Prisma's query engine).
 */
export async function scheduleIrrRefresh(queue: Queue, everyMs: number): Promise<void> {
  const every = Math.max(60_000, everyMs);
  await queue.upsertJobScheduler(
    IRR_SCHEDULER,
    { every, offset: (3 * 3_600_000 + 17 * 60_000) % every },
    {
      name: IRR_JOB,
      data: { requestedBy: "schedule" },
      opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 20 } },
    },
  );
}
