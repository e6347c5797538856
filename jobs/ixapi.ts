// The `ixapi-refresh` queue: refreshes the IX-API snapshot of every endpoint
// (core/ixapi/snapshot.ts refreshAllSnapshots), on a schedule (PEERBOT_IXAPI_REFRESH_INTERVAL,
// hourly by default) and when an admin asks (`ixapi refresh all`). One refresh of everything
// runs at a time across processes (an advisory lock in core); a failed endpoint keeps its last
// good snapshot, with the error recorded beside it.
import type { Queue } from "bullmq";
import { IXAPI_JOB, IXAPI_QUEUE, refreshAllSnapshots } from "../core/ixapi/snapshot.js";
import { trackedMessage } from "../core/inventory.js";
import type { Services } from "../core/services.js";
import type { RunnableQueue } from "./queue.js";

export { IXAPI_QUEUE } from "../core/ixapi/snapshot.js";

const IXAPI_SCHEDULER = "ixapi-refresh-every";

export function registerIxApiWorker(queue: RunnableQueue, s: Services): void {
  queue.register(
    IXAPI_QUEUE,
    async (job) => {
      const data = (job.data ?? {}) as { track?: string };
      const result = s.ixapi
        ? await refreshAllSnapshots(s, (done, total) => job.progress({ done, total }))
        : undefined;
      if (data.track && s.notifier) {
        const ref = await trackedMessage(s.db, data.track);
        const skipped = result ? result.skipped : "no IX-API client is configured";
        if (ref)
          await s.notifier
            .update(ref, {
              kind: skipped ? "info" : result!.failed ? "error" : "success",
              title: skipped ? "IX-API refresh skipped" : "IX-API refresh finished",
              text:
                skipped ??
                `${result!.endpoints} endpoints in ${(result!.durationMs / 1000).toFixed(1)} s: ${result!.ok} refreshed, ${result!.failed} failed (their last snapshots are kept), ${result!.requests} requests.${result!.failures.length ? `\n${result!.failures.join("\n")}` : ""}`,
            })
            .catch((err: unknown) => s.log.warn("ixapi: message update failed", { err: String(err) }));
      }
      return result ?? { skipped: "no IX-API client is configured" };
    },
    { attempts: 1, concurrency: 1 },
  );
}

/**
 * The periodic refresh, declared on Redis (upserting: safe from every process). As for the IRR
 * refresh (jobs/irr.ts), the offset keeps BullMQ from running the first refresh the moment a
 * worker declares it: every fresh worker would otherwise ask every exchange's API at start.
 */
export async function scheduleIxApiRefresh(queue: Queue, everyMs: number): Promise<void> {
  const every = Math.max(60_000, everyMs);
  await queue.upsertJobScheduler(
    IXAPI_SCHEDULER,
    { every, offset: (7 * 60_000 + 30_000) % every },
    {
      name: IXAPI_JOB,
      data: { requestedBy: "schedule" },
      opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 20 } },
    },
  );
}
