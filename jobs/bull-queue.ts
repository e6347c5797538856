// core's JobQueue port on BullMQ and Redis: the real thing, shared by every peerbot process.
// A module of its own so that a process without REDIS_URL (the console) never loads BullMQ.
import { DelayedError, Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { childLogger, type Logger } from "../core/log.js";
import { observeJob, type QueueDepth } from "../core/metrics.js";
import type { JobState } from "../core/ports.js";
import { attemptOutcome, type JobHandler, type QueueDefaults, type RunnableQueue } from "./queue.js";

/** BullMQ: jobs survive restarts, run on any worker process, and a jobId is never run twice. */
export class BullJobQueue implements RunnableQueue {
  readonly kind = "bullmq" as const;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly handlers = new Map<string, { fn: JobHandler; defaults: QueueDefaults }>();
  /** The jobs this process runs now, with the lock token each was taken with. */
  private readonly active = new Map<string, { job: Job; token?: string }>();
  readonly connection: Redis;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on("error", (err) => this.log.warn("redis error", { err: err.message }));
  }

  queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix });
      q.on("error", (err) => this.log.warn("queue error", { queue: name, err: err.message }));
      this.queues.set(name, q);
    }
    return q;
  }

  register(queue: string, fn: JobHandler, defaults: QueueDefaults = {}): void {
    this.handlers.set(queue, { fn, defaults });
  }

  async enqueue(
    queue: string,
    name: string,
    data: unknown,
    opts: { jobId?: string; delayMs?: number } = {},
  ): Promise<void> {
    const d = this.handlers.get(queue)?.defaults ?? {};
    await this.queue(queue).add(name, data, {
      jobId: opts.jobId,
      delay: opts.delayMs,
      attempts: d.attempts ?? 1,
      backoff: { type: "exponential", delay: d.backoffMs ?? 1000 },
      removeOnComplete: { age: 7 * 86400, count: 1000 },
      removeOnFail: { age: 30 * 86400 },
    });
  }

  async jobState(queue: string, jobId: string): Promise<JobState> {
    const st = await this.queue(queue).getJobState(jobId);
    switch (st) {
      case "waiting":
      case "delayed":
      case "active":
      case "completed":
      case "failed":
        return st;
      case "prioritized":
      case "waiting-children":
        return "waiting";
      default:
        return "missing";
    }
  }

  async start(): Promise<void> {
    for (const [name, h] of this.handlers) {
      const w = new Worker(
        name,
        async (job: Job, token?: string) => {
          const id = job.id ?? "";
          const attempt = job.attemptsMade + 1;
          const attempts = job.opts.attempts ?? 1;
          const observed = observeJob(name);
          this.active.set(`${name}/${id}`, { job, token });
          try {
            const result = await h.fn({
              id,
              name: job.name,
              data: job.data,
              attempt,
              attempts,
              log: childLogger(this.log, { queue: name, job: id }),
              progress: (p) => job.updateProgress(p),
              delay: async (ms) => {
                await job.moveToDelayed(Date.now() + ms, token);
                return new DelayedError();
              },
            });
            observed("completed");
            return result;
          } catch (err) {
            observed(attemptOutcome(err, attempt, attempts));
            throw err;
          } finally {
            this.active.delete(`${name}/${id}`);
          }
        },
        {
          connection: this.connection.duplicate(),
          prefix: this.prefix,
          concurrency: h.defaults.concurrency ?? 1,
          ...(h.defaults.stallAfterMs
            ? { lockDuration: h.defaults.stallAfterMs, stalledInterval: h.defaults.stallAfterMs }
            : {}),
        },
      );
      w.on("failed", (job, err) =>
        this.log.warn("job failed", { queue: name, id: job?.id, err: err.message }),
      );
      w.on("error", (err) => this.log.warn("worker error", { queue: name, err: err.message }));
      this.workers.push(w);
    }
  }

  async drain(): Promise<void> {}

  async counts(): Promise<QueueDepth> {
    const names = new Set([...this.handlers.keys(), ...this.queues.keys()]);
    const out: QueueDepth = {};
    await Promise.all(
      [...names].map(async (name) => {
        const c = await this.queue(name).getJobCounts(
          "waiting",
          "prioritized",
          "active",
          "delayed",
          "failed",
        );
        out[name] = {
          waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          failed: c.failed ?? 0,
        };
      }),
    );
    return out;
  }

  /** Whether the connection to Redis is up and answers a PING. */
  async ping(): Promise<void> {
    if (this.connection.status !== "ready") throw new Error(`Redis is ${this.connection.status}`);
    await this.connection.ping();
  }

  async close(opts: { graceMs?: number } = {}): Promise<void> {
    if (opts.graceMs === undefined) {
      await Promise.all(this.workers.map((w) => w.close()));
    } else {
      // pause(): no new jobs, and resolves once the running ones have finished.
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        Promise.all(this.workers.map((w) => w.pause())).then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), opts.graceMs))),
      ]);
      clearTimeout(timer);
      if (!finished) {
        // Beyond the grace: each running job goes back to waiting (its lock released), so
        // that another worker takes it at once; the deploy job resumes by the change's phase,
        // and waits for the router lock this process holds until it exits.
        for (const [key, { job, token }] of this.active) {
          this.log.warn("shutting down: a job still running goes back to the queue", { job: key });
          await job.moveToWait(token).catch((err: unknown) =>
            this.log.warn("could not hand a job back; it is taken again once its lock expires", {
              job: key,
              err: (err as Error).message,
            }),
          );
        }
      }
      await Promise.all(this.workers.map((w) => w.close(!finished)));
    }
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.connection.quit().catch(() => {});
  }
}
