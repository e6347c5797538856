// The `digest` queue: the PeeringDB digest (core/digest.ts) once a day, when
// PEERBOT_DIGEST_SCHEDULE=daily (with Redis; after every sync is the default and needs no
// queue of its own: jobs/peeringdb.ts runs it).
import type { Queue } from "bullmq";
import { runDigest } from "../core/digest.js";
import type { Services } from "../core/services.js";
import type { RunnableQueue } from "./queue.js";

export const DIGEST_QUEUE = "digest";
const DIGEST_SCHEDULER = "digest-daily";

export function registerDigestWorker(queue: RunnableQueue, s: Services): void {
  queue.register(
    DIGEST_QUEUE,
    async () =>
      s.config.PEERBOT_DIGEST_CHANNEL ? runDigest(s, "schedule", s.clock.now()) : { skipped: "no channel" },
    { attempts: 1, concurrency: 1 },
  );
}

/** Declares (or, with another schedule, removes) the daily digest on Redis. */
export async function scheduleDigest(queue: Queue, s: Pick<Services, "config">): Promise<void> {
  if (s.config.PEERBOT_DIGEST_CHANNEL && s.config.PEERBOT_DIGEST_SCHEDULE === "daily")
    await queue.upsertJobScheduler(
      DIGEST_SCHEDULER,
      { every: 86_400_000 },
      { name: "digest", data: {}, opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 20 } } },
    );
  else await queue.removeJobScheduler(DIGEST_SCHEDULER);
}
