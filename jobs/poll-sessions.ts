// The `poll-sessions` queue: one "poll" job per router with pollSessionState, every
// PEERBOT_POLL_INTERVAL. Thin: the worker calls core/polling's pollRouter.
//
// The repeat: a "tick" job fans out one "poll" job per router to poll, with the job id
// `poll-<router id>-<interval slot>`, so a router is polled once per interval however many
// processes tick (a second add with the same id is a no-op, in BullMQ and in-process alike),
// and routers added or switched off are picked up at the next tick. On BullMQ the ticks come
// from a job scheduler (upserted when the worker is registered; every process upserts the
// same one); in-process, startPollTicker ticks with a timer.
import type { Queue } from "bullmq";
import type { Services } from "../core/services.js";
import { pollRouter, POLL_QUEUE, type PollReport } from "../core/polling.js";
import { pollableRouterIds } from "../core/inventory.js";
import type { JobQueue } from "../core/ports.js";
import type { RunnableQueue } from "./queue.js";

export { POLL_QUEUE };
export const POLL_TICK_JOB = "tick";
export const POLL_ROUTER_JOB = "poll";
export const POLL_SCHEDULER = "poll-sessions-schedule";

export interface PollJobData {
  routerId?: number;
}

/** Adds one poll job per router to poll now; returns how many routers. */
export async function enqueuePolls(
  services: Pick<Services, "db" | "config" | "clock">,
  jobs: JobQueue,
): Promise<number> {
  const routers = (await pollableRouterIds(services.db)).map((id) => ({ id }));
  const every = Math.max(1000, services.config.PEERBOT_POLL_INTERVAL);
  const slot = Math.floor(services.clock.now().getTime() / every);
  for (const r of routers) {
    await jobs.enqueue(POLL_QUEUE, POLL_ROUTER_JOB, { routerId: r.id } satisfies PollJobData, {
      jobId: `poll-${r.id}-${slot}`,
    });
  }
  return routers.length;
}

/** Polls one router now (outside the schedule), e.g. right after a deploy. */
export async function requestPoll(jobs: JobQueue, routerId: number, delayMs = 0): Promise<void> {
  await jobs.enqueue(POLL_QUEUE, POLL_ROUTER_JOB, { routerId } satisfies PollJobData, {
    jobId: `poll-${routerId}-now-${Date.now()}`,
    ...(delayMs ? { delayMs } : {}),
  });
}

export function registerPollWorker(queue: RunnableQueue, services: Services): void {
  queue.register(
    POLL_QUEUE,
    async (job): Promise<PollReport | { routers: number }> => {
      const data = (job.data ?? {}) as PollJobData;
      if (job.name === POLL_TICK_JOB || data.routerId === undefined) {
        return { routers: await enqueuePolls(services, queue) };
      }
      return pollRouter(services, data.routerId);
    },
    // Routers are polled side by side; one router's poll never retries (the next one comes).
    { attempts: 1, concurrency: 4 },
  );
}

/** The BullMQ job scheduler that ticks every `everyMs` (upserting again replaces it). */
export async function schedulePolling(queue: Queue, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler(
    POLL_SCHEDULER,
    { every: Math.max(10_000, everyMs) },
    {
      name: POLL_TICK_JOB,
      data: {},
      opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } },
    },
  );
}

/**
 * In-process ticks (the console without Redis): enqueues the polls now and every interval.
 * Returns the function that stops it. The timer does not keep the process alive.
 */
export function startPollTicker(
  services: Pick<Services, "db" | "config" | "clock" | "log">,
  jobs: JobQueue,
  everyMs = services.config.PEERBOT_POLL_INTERVAL,
): () => void {
  const tick = () =>
    void enqueuePolls(services, jobs).catch((err: unknown) =>
      services.log.warn("could not enqueue session polls", {
        err: err instanceof Error ? err.message : String(err),
      }),
    );
  tick();
  const timer = setInterval(tick, Math.max(1000, everyMs));
  timer.unref?.();
  return () => clearInterval(timer);
}
