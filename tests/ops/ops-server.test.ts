// The operations server on loopback: /healthz, /readyz with each part that can fail (a Redis
// of the test's own stopped, a migration the database lacks, a chat platform that lost its
// connection, the start-up and the shutdown), and /metrics after a command and a job.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpsServer, observeRuntime, readinessChecks } from "../../bot/ops-server.js";
import type { ChatPlatform } from "../../bot/chat-platform.js";
import { enableDefaultMetrics } from "../../core/metrics.js";
import { BullJobQueue } from "../../jobs/bull-queue.js";
import { demoChat, type DemoChat } from "../helpers/demo-chat.js";
import { ThrowawayRedis } from "../helpers/throwaway.js";
import { until } from "../helpers/until.js";

let demo: DemoChat;
let redis: ThrowawayRedis;
let queue: BullJobQueue;
let ops: OpsServer;
let base: string;
let slackReady: true | string = true;

const slack: ChatPlatform = {
  name: "slack",
  notifier: {
    update: async () => {},
    post: async () => ({ platform: "slack", channel: "C1", messageId: "1" }),
  },
  start: async () => {},
  stop: async () => {},
  ready: () => slackReady,
};
/** A platform without ready(): started counts as ready. */
const discord: ChatPlatform = { ...slack, name: "discord", ready: undefined };

beforeAll(async () => {
  demo = await demoChat(import.meta.filename);
  redis = await ThrowawayRedis.start();
  queue = new BullJobQueue(redis.url, `ops-${process.pid}`, demo.services.log);
  ops = new OpsServer({ port: 0, host: "127.0.0.1", log: demo.services.log });
  base = `http://127.0.0.1:${await ops.start()}`;
}, 60_000);

afterAll(async () => {
  await ops?.close();
  await queue?.close();
  await redis?.down();
  await demo?.close();
});

async function get(path: string): Promise<{ status: number; type: string; text: string }> {
  const r = await fetch(base + path);
  return { status: r.status, type: r.headers.get("content-type") ?? "", text: await r.text() };
}

async function readyz(): Promise<{
  status: number;
  body: { ready: boolean; notReady: string[]; checks: Record<string, string> };
}> {
  const r = await get("/readyz");
  return { status: r.status, body: JSON.parse(r.text) };
}

describe("the operations server", () => {
  it("answers /healthz at once, and /readyz 503 until the process has started", async () => {
    const h = await get("/healthz");
    expect(h.status).toBe(200);
    expect(JSON.parse(h.text)).toEqual({ alive: true });
    const r = await readyz();
    expect(r.status).toBe(503);
    expect(r.body.notReady).toEqual(["startup"]);
  });

  it("answers /readyz 200 once PostgreSQL, the migrations, Redis and the platforms are ready", async () => {
    ops.setChecks(readinessChecks({ services: demo.services, queue }, [slack, discord]));
    const r = await until(readyz, (x) => x.status === 200);
    expect(r.body).toEqual({
      ready: true,
      notReady: [],
      checks: { database: "ok", migrations: "ok", redis: "ok", slack: "ok", discord: "ok" },
    });
  });

  it("answers 503 naming Redis while Redis is down, and 200 again once it is back", async () => {
    await redis.down();
    const down = await until(readyz, (x) => x.status === 503);
    expect(down.status).toBe(503);
    expect(down.body.notReady).toEqual(["redis"]);
    expect(down.body.checks.database).toBe("ok");
    await redis.up();
    const back = await until(readyz, (x) => x.status === 200, { ms: 20_000, every: 200 });
    expect(back.status).toBe(200);
  }, 40_000);

  it("answers 503 naming the migrations when the database lacks one", async () => {
    const { rows } = await demo.db.pool.query<{ id: string; migration_name: string }>(
      `select id, migration_name from _prisma_migrations order by migration_name desc limit 1`,
    );
    const last = rows[0]!;
    await demo.db.pool.query(`update _prisma_migrations set rolled_back_at = now() where id = $1`, [last.id]);
    try {
      const r = await readyz();
      expect(r.status).toBe(503);
      expect(r.body.notReady).toEqual(["migrations"]);
      expect(r.body.checks.migrations).toContain(last.migration_name);
      expect(r.body.checks.migrations).toContain("peerbot migrate");
    } finally {
      await demo.db.pool.query(`update _prisma_migrations set rolled_back_at = null where id = $1`, [
        last.id,
      ]);
    }
    expect((await readyz()).status).toBe(200);
  });

  it("answers 503 naming a chat platform that cannot receive events", async () => {
    slackReady = "the Socket Mode connection is down (reconnecting)";
    try {
      const r = await readyz();
      expect(r.status).toBe(503);
      expect(r.body.notReady).toEqual(["slack"]);
      expect(r.body.checks.slack).toBe("the Socket Mode connection is down (reconnecting)");
    } finally {
      slackReady = true;
    }
  });

  it("counts a command and a job, and shows them with the scrape-time gauges in Prometheus text", async () => {
    enableDefaultMetrics();
    observeRuntime({ services: demo.services, queue });
    await demo.chat.say("alice", "sessions linx");
    await demo.chat.say("alice", "frobnicate the routers");
    queue.register("ops-test", async () => "done");
    await queue.start();
    await queue.enqueue("ops-test", "one", {}, { jobId: "ops-test-1" });
    await until(
      () => queue.jobState("ops-test", "ops-test-1"),
      (s) => s === "completed",
    );
    await demo.db.pool.query(
      `insert into pdb_sync_state (type, last_success_at, rows) values ('net', '2026-01-02T03:04:05Z', 1234)
       on conflict (type) do update set last_success_at = excluded.last_success_at, rows = excluded.rows`,
    );

    const m = await get("/metrics");
    expect(m.status).toBe(200);
    expect(m.type).toContain("text/plain");
    const text = m.text;
    expect(text).toMatch(/^peerbot_commands_total\{command="sessions",platform="console",outcome="ok"\} 1$/m);
    // A word that is no command is counted under one name, never under what was typed.
    expect(text).toMatch(
      /^peerbot_commands_total\{command="\(unknown\)",platform="console",outcome="user_error"\} 1$/m,
    );
    expect(text).not.toContain("frobnicate");
    expect(text).toMatch(
      /^peerbot_command_duration_seconds_bucket\{le="\+Inf",command="sessions",platform="console"\} 1$/m,
    );
    expect(text).toMatch(/^peerbot_jobs_total\{queue="ops-test",outcome="completed"\} 1$/m);
    expect(text).toMatch(/^peerbot_job_duration_seconds_count\{queue="ops-test",outcome="completed"\} 1$/m);
    expect(text).toMatch(/^peerbot_queue_jobs\{queue="ops-test",state="waiting"\} 0$/m);
    expect(text).toMatch(/^peerbot_peeringdb_rows\{type="net"\} 1234$/m);
    expect(text).toMatch(/^peerbot_peeringdb_last_sync_timestamp_seconds\{type="net"\} 1767323045$/m);
    const { rows } = await demo.db.pool.query<{ n: string }>(
      `select count(*) as n from "IxpSession" where "bgpState" is null`,
    );
    expect(Number(rows[0]!.n)).toBeGreaterThan(0);
    expect(text).toMatch(new RegExp(`^peerbot_sessions\\{kind="ixp",state="unknown"\\} ${rows[0]!.n}$`, "m"));
    expect(text).toMatch(/^# TYPE nodejs_heap_size_used_bytes gauge$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  }, 30_000);

  it("answers 503 from the moment it is shutting down, and refuses what it does not serve", async () => {
    expect((await get("/nope")).status).toBe(404);
    expect((await fetch(base + "/readyz", { method: "POST" })).status).toBe(405);
    ops.shutdown();
    const r = await readyz();
    expect(r.status).toBe(503);
    expect(r.body).toEqual({
      ready: false,
      notReady: ["shutdown"],
      checks: { shutdown: "peerbot is shutting down" },
    });
    expect((await get("/healthz")).status).toBe(200);
  });
});
