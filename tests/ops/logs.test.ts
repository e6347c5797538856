// The process's logs: pino JSON lines at the configured level, child loggers that carry the
// ids of what they log for, and secrets masked wherever they sit.
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { childLogger, createLogger, type Logger } from "../../core/log.js";
import { InProcessQueue } from "../../jobs/queue.js";

function capture(level: Parameters<typeof createLogger>[0] = "debug"): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger(level, (l) => lines.push(l)), lines };
}

const parse = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe("log lines", () => {
  it("are one JSON object a line with level, time, pid and message, at the configured level", () => {
    const { log, lines } = capture("info");
    log.debug("not shown");
    log.info("router polled", { router: "edge1.lon", sessions: 12 });
    log.warn("slow", { ms: 1200n });
    log.error("failed", { err: new Error("boom") });
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).not.toContain("\n");
    const [info, warn, error] = parse(lines);
    expect(info).toMatchObject({ level: "info", msg: "router polled", router: "edge1.lon", sessions: 12 });
    expect(info!.pid).toBe(process.pid);
    expect(new Date(info!.time as string).toISOString()).toBe(info!.time);
    expect(warn).toMatchObject({ level: "warn", ms: "1200" });
    expect(error).toMatchObject({ level: "error", err: { message: "boom", name: "Error" } });
    const { log: silent, lines: none } = capture("silent");
    silent.error("nothing");
    expect(none).toEqual([]);
  });

  it("go to stderr, written before a process that exits at once has gone", async () => {
    const script = `import { createLogger } from ${JSON.stringify(path.resolve(import.meta.dirname, "../../core/log.ts"))};
      createLogger("info").warn("last words", { code: 3 }); process.exit(0);`;
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr })),
      ),
    );
    expect(stdout).toBe("");
    expect(JSON.parse(stderr.trim())).toMatchObject({ level: "warn", msg: "last words", code: 3 });
  });
});

describe("child loggers", () => {
  it("carry their bindings on every line, a grandchild its parent's too", () => {
    const { log, lines } = capture();
    const job = log.child!({ queue: "deploy", job: "deploy-abc-1" });
    const change = childLogger(job, { change: 42 });
    job.info("started");
    change.warn("router unreachable; will retry", { attempt: 2 });
    log.info("unbound");
    const [a, b, c] = parse(lines);
    expect(a).toMatchObject({ queue: "deploy", job: "deploy-abc-1", msg: "started" });
    expect(b).toMatchObject({ queue: "deploy", job: "deploy-abc-1", change: 42, attempt: 2 });
    expect(c).not.toHaveProperty("job");
  });

  it("work over a logger of one's own that has no child(): the bindings join the fields", () => {
    const seen: [string, Record<string, unknown> | undefined][] = [];
    const plain: Logger = {
      debug: (m, f) => seen.push([m, f]),
      info: (m, f) => seen.push([m, f]),
      warn: (m, f) => seen.push([m, f]),
      error: (m, f) => seen.push([m, f]),
    };
    childLogger(childLogger(plain, { interaction: "ab12" }), { change: 7 }).error("failed", { x: 1 });
    expect(seen).toEqual([["failed", { interaction: "ab12", change: 7, x: 1 }]]);
  });

  it("are what a job is given: its lines name the queue and the job", async () => {
    const { log, lines } = capture();
    const q = new InProcessQueue(log);
    q.register("test-queue", async (job) => job.log?.info("working", { step: 1 }));
    await q.enqueue("test-queue", "one", {}, { jobId: "job-7" });
    await q.drain();
    expect(parse(lines).find((l) => l.msg === "working")).toMatchObject({
      queue: "test-queue",
      job: "job-7",
      step: 1,
    });
  });
});

describe("secrets in logs", () => {
  const SLACK = "xoxb-1234567890-abcdefghijkl";
  const APP = "xapp-1-A0123-99999-ffeeddcc";
  const PEM =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
  const VALUES = [
    "hunter2-router",
    "s3cr3t-signing",
    "tok-987",
    "pdb-key-555",
    "Bearer zzz-auth",
    "sid=cookie-1",
    "cred-xyz",
  ];

  it("are masked by field name at any depth, by pattern in any string, in bindings and errors", () => {
    const { log, lines } = capture();
    log.info(`connecting with ${SLACK}`, {
      password: VALUES[0],
      nested: { deeper: { signingSecret: VALUES[1], list: [{ token: VALUES[2] }] } },
      headers: { Authorization: VALUES[4], cookie: VALUES[5], "x-api-key": VALUES[3] },
      router: { credential: VALUES[6], privateKey: PEM },
      note: `app token ${APP}, header Api-Key ${VALUES[3]}`,
      key: `pasted ${PEM} here`,
    });
    log.child!({ apiKey: VALUES[3], botToken: SLACK }).warn("bound");
    log.error("login failed", { err: new Error(`refused ${SLACK}`) });
    const all = lines.join("\n");
    for (const secret of [SLACK, APP, "b3BlbnNzaC1rZXktdjEAAAAA", ...VALUES])
      expect(all).not.toContain(secret);
    expect(all).toContain("[redacted]");
    const [first, bound] = parse(lines);
    // What is not secret stays readable.
    expect(first!.msg).toBe("connecting with [redacted]");
    expect((first!.headers as Record<string, unknown>).Authorization).toBe("[redacted]");
    expect(bound).toMatchObject({ msg: "bound", apiKey: "[redacted]", botToken: "[redacted]" });
  });

  it("are masked by pino's own paths where the receivers keep them (a request's signature header)", () => {
    const { log, lines } = capture();
    log.warn("slack: bad request", {
      headers: { "x-slack-signature": "v0=deadbeef", "content-type": "json" },
    });
    expect(lines[0]).not.toContain("deadbeef");
    expect(JSON.parse(lines[0]!).headers).toEqual({
      "x-slack-signature": "[redacted]",
      "content-type": "json",
    });
  });
});
