// Two implementations of core's JobQueue port: BullMQ on Redis (the real thing, shared by
// every peerbot process), and an in-process runner for the console without Redis that calls
// the same worker functions. Workers are registered by queue name.
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "../core/log.js";
import type { JobQueue, JobState } from "../core/ports.js";

export interface JobContext {
  id: string;
  name: string;
  data: unknown;
  attempt: number;
  /** How many attempts the job has in all: `attempt === attempts` is its last. */
  attempts: number;
  progress(p: object): Promise<void>;
}

export type JobHandler = (job: JobContext) => Promise<unknown>;

export interface QueueDefaults {
  attempts?: number;
  backoffMs?: number;
  concurrency?: number;
}

export interface RunnableQueue extends JobQueue {
  register(queue: string, handler: JobHandler, defaults?: QueueDefaults): void;
  /** Start consuming (BullMQ) — the in-process queue runs as soon as a job is added. */
  start(): Promise<void>;
  /** Wait until every job added so far has finished (in-process), or no-op. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Runs jobs in this process, one queue at a time in order, with the same retry rules. */
export class InProcessQueue implements RunnableQueue {
  private readonly handlers = new Map<string, { fn: JobHandler; defaults: QueueDefaults }>();
  /** Every job id added in this process, and where it stands. */
  private readonly seen = new Map<string, JobState>();
  private readonly running = new Set<Promise<void>>();
  private tail = new Map<string, Promise<void>>();

  constructor(private readonly log: Logger) {}

  register(queue: string, fn: JobHandler, defaults: QueueDefaults = {}): void {
    this.handlers.set(queue, { fn, defaults });
  }

  async enqueue(
    queue: string,
    name: string,
    data: unknown,
    opts: { jobId?: string; delayMs?: number } = {},
  ): Promise<void> {
    const id = opts.jobId ?? `${queue}:${Math.random().toString(36).slice(2)}`;
    const key = `${queue}/${id}`;
    if (this.seen.has(key)) return; // same id: idempotent, as BullMQ's jobId
    const h = this.handlers.get(queue);
    if (!h) throw new Error(`no worker registered for queue ${queue}`);
    this.seen.set(key, opts.delayMs ? "delayed" : "waiting");
    const attempts = h.defaults.attempts ?? 1;
    const run = async () => {
      this.seen.set(key, "active");
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          await h.fn({ id, name, data, attempt, attempts, progress: async () => {} });
          this.seen.set(key, "completed");
          return;
        } catch (err) {
          if ((err as Error).name === "UnrecoverableError" || attempt === attempts) {
            this.log.warn("job failed", { queue, id, err });
            this.seen.set(key, "failed");
            return;
          }
          await new Promise((r) => setTimeout(r, (h.defaults.backoffMs ?? 1000) * 2 ** (attempt - 1)));
        }
      }
    };
    const start = () => {
      const prev = this.tail.get(queue) ?? Promise.resolve();
      const p = prev.then(run);
      this.tail.set(queue, p);
      this.running.add(p);
      void p.finally(() => this.running.delete(p));
    };
    // A delayed job waits on a timer that keeps nobody alive and that drain() does not wait
    // for: a poll due in 15 s must not hold the console open after its last command.
    if (opts.delayMs) setTimeout(start, opts.delayMs).unref();
    else start();
  }

  async jobState(queue: string, jobId: string): Promise<JobState> {
    return this.seen.get(`${queue}/${jobId}`) ?? "missing";
  }

  async start(): Promise<void> {}

  async drain(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  async close(): Promise<void> {
    await this.drain();
  }
}

/** BullMQ: jobs survive restarts, run on any worker process, and a jobId is never run twice. */
export class BullJobQueue implements RunnableQueue {
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly handlers = new Map<string, { fn: JobHandler; defaults: QueueDefaults }>();
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
        async (job: Job) =>
          h.fn({
            id: job.id ?? "",
            name: job.name,
            data: job.data,
            attempt: job.attemptsMade + 1,
            attempts: job.opts.attempts ?? 1,
            progress: (p) => job.updateProgress(p),
          }),
        {
          connection: this.connection.duplicate(),
          prefix: this.prefix,
          concurrency: h.defaults.concurrency ?? 1,
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

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.connection.quit().catch(() => {});
  }
}
