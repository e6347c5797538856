// Two implementations of core's JobQueue port: BullMQ on Redis (the real thing, shared by
// every peerbot process: jobs/bull-queue.ts, loaded only when REDIS_URL is set), and here an
// in-process runner for the console without Redis that calls the same worker functions.
// Workers are registered by queue name.
import { childLogger, type Logger } from "../core/log.js";
import { observeJob, type QueueDepth } from "../core/metrics.js";
import type { JobQueue, JobState } from "../core/ports.js";

export interface JobContext {
  id: string;
  name: string;
  data: unknown;
  attempt: number;
  /** How many attempts the job has in all: `attempt === attempts` is its last. */
  attempts: number;
  /** The process's logger, its lines carrying the queue and the job id. */
  log?: Logger;
  progress(p: object): Promise<void>;
  /**
   * Puts the job back to run again in `ms`, without spending one of its attempts: call it as
   * `throw await job.delay(ms)` (it returns the error that tells the queue so).
   */
  delay(ms: number): Promise<Error>;
}

/** What a handler throws after `job.delay()`: the job waits and runs again, it has not failed. */
export class JobDelayed extends Error {
  constructor(readonly ms: number) {
    super(`delayed by ${ms} ms`);
    this.name = "JobDelayed";
  }
}

/**
 * What a handler throws when another try cannot help: both queues stop retrying (BullMQ knows
 * it by its name, as it knows its own UnrecoverableError, without this module loading BullMQ).
 */
export class JobUnrecoverable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnrecoverableError";
  }
}

export type JobHandler = (job: JobContext) => Promise<unknown>;

export interface QueueDefaults {
  attempts?: number;
  backoffMs?: number;
  /** Jobs of this queue one BullMQ worker runs at once. */
  concurrency?: number;
  /** Jobs of this queue the in-process queue runs at once (default 1: in order). */
  inProcessConcurrency?: number;
  /**
   * How long a job whose worker stopped answering (killed, frozen) stays taken before another
   * worker runs it again: BullMQ's lock duration and stalled-job check (default 30 s).
   */
  stallAfterMs?: number;
}

export interface RunnableQueue extends JobQueue {
  /** Which implementation: jobs in this process, or BullMQ on Redis (jobs/bull-queue.ts). */
  readonly kind: "in-process" | "bullmq";
  register(queue: string, handler: JobHandler, defaults?: QueueDefaults): void;
  /** Start consuming (BullMQ) — the in-process queue runs as soon as a job is added. */
  start(): Promise<void>;
  /** Wait until every job added so far has finished (in-process), or no-op. */
  drain(): Promise<void>;
  /** Jobs per queue and state, for the queue-depth gauge. */
  counts(): Promise<QueueDepth>;
  /**
   * Stops taking jobs and lets the running ones finish; with `graceMs`, only for that long
   * (BullMQ then hands the rest back to the queue, for another worker to run).
   */
  close(opts?: { graceMs?: number }): Promise<void>;
}

/** The outcome of a job attempt for the job metrics. */
export function attemptOutcome(err: unknown, attempt: number, attempts: number): string {
  const name = (err as Error | undefined)?.name;
  if (err instanceof JobDelayed || name === "DelayedError") return "delayed";
  if (name === "UnrecoverableError" || attempt >= attempts) return "failed";
  return "retried";
}

/** Runs jobs in this process (in order, or `inProcessConcurrency` at once), with the same retry rules. */
export class InProcessQueue implements RunnableQueue {
  readonly kind = "in-process" as const;
  private readonly handlers = new Map<string, { fn: JobHandler; defaults: QueueDefaults }>();
  /** Every job id added in this process, and where it stands. */
  private readonly seen = new Map<string, JobState>();
  private readonly running = new Set<Promise<void>>();
  /** Per queue: jobs waiting for a free slot, and how many run now. */
  private readonly lanes = new Map<string, { waiting: (() => void)[]; active: number }>();

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
    const delay = async (ms: number) => new JobDelayed(ms);
    const run = async () => {
      this.seen.set(key, "active");
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const observed = observeJob(queue);
        try {
          const log = childLogger(this.log, { queue, job: id });
          await h.fn({ id, name, data, attempt, attempts, log, progress: async () => {}, delay });
          observed("completed");
          this.seen.set(key, "completed");
          return;
        } catch (err) {
          observed(attemptOutcome(err, attempt, attempts));
          if (err instanceof JobDelayed) {
            // Back in line after the delay, with the same attempt.
            this.seen.set(key, "delayed");
            attempt--;
            await new Promise((r) => setTimeout(r, err.ms));
            this.seen.set(key, "active");
            continue;
          }
          if ((err as Error).name === "UnrecoverableError" || attempt === attempts) {
            this.log.warn("job failed", { queue, id, err });
            this.seen.set(key, "failed");
            return;
          }
          await new Promise((r) => setTimeout(r, (h.defaults.backoffMs ?? 1000) * 2 ** (attempt - 1)));
        }
      }
    };
    const limit = Math.max(1, h.defaults.inProcessConcurrency ?? 1);
    const start = () => {
      let lane = this.lanes.get(queue);
      if (!lane) this.lanes.set(queue, (lane = { waiting: [], active: 0 }));
      const l = lane;
      const p = new Promise<void>((slot) => {
        if (l.active < limit) {
          l.active++;
          slot();
        } else l.waiting.push(slot);
      })
        .then(run)
        .finally(() => {
          const next = l.waiting.shift();
          if (next) next();
          else l.active--;
        });
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

  async counts(): Promise<QueueDepth> {
    const out: QueueDepth = {};
    for (const name of this.handlers.keys()) out[name] = { waiting: 0, active: 0, delayed: 0, failed: 0 };
    for (const [key, state] of this.seen) {
      const q = out[key.slice(0, key.indexOf("/"))];
      if (q && state in q) q[state] = (q[state] ?? 0) + 1;
    }
    return out;
  }

  async close(opts: { graceMs?: number } = {}): Promise<void> {
    if (opts.graceMs === undefined) return this.drain();
    // Jobs still running after the grace end with the process; the reconciler of the next
    // one finishes what they leave (a deploy by its phase, an e-mail by its state).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.drain(), new Promise((r) => (timer = setTimeout(r, opts.graceMs)))]);
    clearTimeout(timer);
  }
}
