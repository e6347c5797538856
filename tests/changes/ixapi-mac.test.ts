// A MAC change as an approved change, end to end: planned against the fake IX-API v2 server on
// loopback (tests/fakes/ixapi.ts) through the real client (drivers/ixapi), approved by a second
// person, deployed by the deploy job (jobs/deploy.ts) on real PostgreSQL. What a user sees:
// the diff, four-eyes, what the exchange lists after, our connection's MAC, the change's status
// and its one-sentence reason, the audit and history rows; stale configs refused, faults at the
// exchange ending with both sides consistent, a worker SIGKILLed mid-deploy recovered to one
// write, and no key, secret or token anywhere it could leak.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  approveChange,
  changeReply,
  getChange,
  reconcileChanges,
  RECONCILE_GRACE_MS,
} from "../../core/changes.js";
import { planMacChange } from "../../core/changes/ixapi.js";
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import { processAuthor } from "../../core/history.js";
import { addEndpoint, linkIxp } from "../../core/ixapi/endpoints.js";
import type { IxApiClient, IxApiClientFactory } from "../../core/ixapi/port.js";
import { createIxApiClientFactory } from "../../drivers/ixapi/index.js";
import { BullJobQueue } from "../../jobs/bull-queue.js";
import { registerDeployWorker } from "../../jobs/deploy.js";
import { startFakeIxApi, type FakeIxApi } from "../fakes/ixapi.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { dbUrl } from "../helpers/pg.js";
import { testServices, type TestServices } from "../helpers/services.js";
import { until } from "../helpers/until.js";

const REDIS = process.env.PEERBOT_TEST_REDIS ?? "redis://127.0.0.1:6379";
const KEY_VAR = "PEERBOT_TEST_IXMAC_KEY";
const SECRET_VAR = "PEERBOT_TEST_IXMAC_SECRET";
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
const bob = { platform: "console" as const, userId: "bob", userName: "bob" };
const key = newSecretKey();

let db: TestDatabase;
let fake: FakeIxApi;
let services: TestServices;
let ixpId: number;
/** Run by the test's client wrapper right before each PATCH (e.g. to expire the tokens). */
let beforePatch: (() => void) | undefined;
/** Output of every child process, for the secrets check. */
const childOutput: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  // Twenty configs on one exchange LAN, nsc-k listing MAC object mac-k (02:00:5e:00:00:<k-1>).
  fake = await startFakeIxApi({ generate: { configs: 20, ips: 0, macs: 20, services: 1 } });
  services = testServices(db, { PEERBOT_IXAPI_TIMEOUT: "5s" });
  services.secrets = SecretBox.fromString(key);
  const real = createIxApiClientFactory({
    db,
    secrets: services.secrets,
    env: { [KEY_VAR]: fake.apiKey, [SECRET_VAR]: fake.apiSecret },
    timeoutMs: 5_000,
    logger: services.log,
    client: { backoffMs: 5, maxBackoffMs: 20 },
  });
  const factory: IxApiClientFactory = async (id) => {
    const c = await real(id);
    const patch = c.patchNetworkServiceConfig.bind(c);
    return new Proxy(c, {
      get(t, k) {
        if (k === "patchNetworkServiceConfig")
          return (...a: Parameters<IxApiClient["patchNetworkServiceConfig"]>) => {
            beforePatch?.();
            return patch(...a);
          };
        const v: unknown = Reflect.get(t, k, t);
        return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(t) : v;
      },
    });
  };
  services.ixapi = factory;
  registerDeployWorker(services.queue, services, { backoffMs: 10 });

  const us = await db.prisma.autonomousSystem.create({
    data: { asn: 64496n, name: "Peerbot Test Networks", affiliated: true },
  });
  const ixp = await db.prisma.internetExchange.create({
    data: { name: "Fake IX", slug: "fake-ix", peeringdbIxId: 1000, localAsId: us.id, prefixes: [] },
  });
  ixpId = ixp.id;
  const author = processAuthor("console:admin", "chat", "admin");
  const { endpoint } = await addEndpoint(
    db,
    author,
    { name: "fake", url: fake.url, keyEnv: KEY_VAR, secretEnv: SECRET_VAR, accountId: fake.state.accountId },
    {},
  );
  await linkIxp(db, author, ixpId, endpoint.name);
});

afterAll(async () => {
  await fake?.close();
  await db?.drop();
});

beforeEach(() => {
  fake.clearFaults();
  beforePatch = undefined;
});

// --- helpers ---

/** The addresses config `id` lists at the fake exchange, in its order. */
const listedAt = (id: string) =>
  fake.state.configs.get(id)!.macs.map((m) => fake.state.macs.get(m)?.address ?? `?${m}`);
const macOf = (k: number) => `02:00:5e:00:00:${(k - 1).toString(16).padStart(2, "0")}`;
const requestsTo = (method: string, prefix: string) =>
  fake.requests.filter((r) => r.method === method && r.path.startsWith(prefix)).length;
/** Sentence ends in a text (". " or a final "."), for the one-sentence rule. */
const sentences = (t: string) => t.match(/[.!?](\s|$)/g)?.length ?? 0;

/** Our connection matched to config nsc-k, with the MAC the exchange lists for it. */
async function connection(k: number) {
  return db.prisma.connection.create({
    data: { ixpId, name: `port-${k}`, macAddress: macOf(k), ixapiConfigId: `nsc-${k}` },
  });
}

async function plan(connectionId: number, mac: string, keepOld = false) {
  const r = await planMacChange(services, { connectionId, mac, keepOld, actor: alice });
  if (r.kind !== "change") throw new Error(`no change planned: ${r.text}`);
  return r.change;
}

async function approveAndDeploy(id: number) {
  await approveChange(services, id, bob);
  await services.queue.drain();
  return (await getChange(db, id))!;
}

async function advisoryLocks(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `select count(*)::int as n from pg_locks where locktype = 'advisory'
        and database = (select oid from pg_database where datname = current_database())`,
  );
  return rows[0]!.n;
}

// --- tests ---

describe("a MAC change approved and deployed", () => {
  it("replaces the MAC: diff, four-eyes, one POST /macs, the exchange and our record agree, audited", async () => {
    const conn = await connection(1);
    const before = fake.requests.length;
    const c = await plan(conn.id, "1C-B8-57-00-12-01");
    expect(c.kind).toBe("ixapi");
    expect(c.routerId).toBeNull();
    expect(c.status).toBe("pending");
    expect(c.diff.split("\n")[0]).toBe(`MACs of nsc-1: ${macOf(1)} -> 1c:b8:57:00:12:01`);
    expect(c.diff).toContain(`- ${macOf(1)}`);
    expect(c.diff).toContain("+ 1c:b8:57:00:12:01");
    // Planning reads, never writes.
    expect(fake.requests.slice(before).every((r) => r.method === "GET" || r.path.startsWith("/auth/"))).toBe(
      true,
    );

    // Four-eyes: the requester may not approve it, and nothing moves.
    await expect(approveChange(services, c.id, alice)).rejects.toThrow(
      /You requested change #\d+; four-eyes: another approver must approve it/,
    );
    expect((await getChange(db, c.id))!.status).toBe("pending");
    expect(requestsTo("PATCH", "/network-service-configs")).toBe(0);

    const done = await approveAndDeploy(c.id);
    expect(done.status, done.reason).toBe("deployed");
    expect(done.phase).toBe("confirmed");
    expect(listedAt("nsc-1")).toEqual(["1c:b8:57:00:12:01"]);
    expect(requestsTo("POST", "/macs")).toBe(1);
    expect(requestsTo("PATCH", "/network-service-configs/nsc-1")).toBe(1);
    expect((await db.prisma.connection.findUniqueOrThrow({ where: { id: conn.id } })).macAddress).toBe(
      "1c:b8:57:00:12:01",
    );
    expect(done.steps.join("\n")).toMatch(/approved by .*bob/);
    expect(done.steps.join("\n")).toMatch(/registered MAC 1c:b8:57:00:12:01 at the IXP/);
    expect(done.steps.join("\n")).toMatch(/verified: the IXP lists exactly the approved MACs/);
    expect(done.approvals.map((a) => a.approver)).toEqual(["console:bob"]);

    const audit = await db.prisma.auditEvent.findMany({
      where: { objects: { has: `change:${c.id}` } },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => a.command)).toEqual(["change.create", "change.approve", "change.deployed"]);
    expect(audit.every((a) => a.objects.includes(`connection:${conn.id}`))).toBe(true);
    const history = await db.prisma.objectChange.findMany({
      where: { objectType: "connection", objectId: String(conn.id) },
    });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      via: "deploy",
      action: "update",
      before: { macAddress: macOf(1) },
      after: { macAddress: "1c:b8:57:00:12:01" },
    });
    expect(await advisoryLocks()).toBe(0);
  });

  it("reuses an identical MAC object the account has already: no POST /macs", async () => {
    const conn = await connection(2);
    fake.state.macs.set("mac-spare", {
      id: "mac-spare",
      managing_account: fake.state.accountId,
      consuming_account: fake.state.accountId,
      address: "1c:b8:57:00:12:02",
      valid_not_before: null,
      valid_not_after: null,
      external_ref: null,
    });
    const c = await plan(conn.id, "1c:b8:57:00:12:02");
    const posts = requestsTo("POST", "/macs");
    const done = await approveAndDeploy(c.id);
    expect(done.status, done.reason).toBe("deployed");
    expect(requestsTo("POST", "/macs")).toBe(posts);
    expect(fake.state.configs.get("nsc-2")!.macs).toEqual(["mac-spare"]);
    expect((await db.prisma.connection.findUniqueOrThrow({ where: { id: conn.id } })).macAddress).toBe(
      "1c:b8:57:00:12:02",
    );
  });

  it("keep-old adds the new MAC beside the old one", async () => {
    const conn = await connection(3);
    const c = await plan(conn.id, "1c:b8:57:00:12:03", true);
    expect(c.diff.split("\n")[0]).toBe(`MACs of nsc-3: ${macOf(3)} -> ${macOf(3)}, 1c:b8:57:00:12:03`);
    const done = await approveAndDeploy(c.id);
    expect(done.status, done.reason).toBe("deployed");
    expect(listedAt("nsc-3")).toEqual([macOf(3), "1c:b8:57:00:12:03"]);
    expect((await db.prisma.connection.findUniqueOrThrow({ where: { id: conn.id } })).macAddress).toBe(
      "1c:b8:57:00:12:03",
    );
  });
});

describe("through BullMQ on Redis", () => {
  it("the deploy job taken from Redis deploys the MAC, retrying a 503 on the way", async () => {
    const prefix = `peerbot-test-ixmac-${randomBytes(4).toString("hex")}`;
    const bull = new BullJobQueue(REDIS, prefix, services.log);
    try {
      const s = { ...services, jobs: bull };
      registerDeployWorker(bull, s, { backoffMs: 20 });
      await bull.start();
      const conn = await connection(17);
      const c = await plan(conn.id, "1c:b8:57:00:12:19");
      // Three 503s on the config read: the client's three attempts fail, the job's retry goes on.
      fake.setFault({
        kind: "status",
        status: 503,
        times: 3,
        match: { method: "GET", path: "/network-service-configs/nsc-17" },
      });
      await approveChange(s, c.id, bob);
      const done = await until(
        async () => (await getChange(db, c.id))!,
        (x) => x.status === "deployed" || x.status === "failed",
        { ms: 20_000, every: 50 },
      );
      expect(done.status, done.reason).toBe("deployed");
      expect(done.steps.join("\n")).toMatch(/HTTP 503.*will retry/);
      expect(listedAt("nsc-17")).toEqual(["1c:b8:57:00:12:19"]);
      expect((await db.prisma.connection.findUniqueOrThrow({ where: { id: conn.id } })).macAddress).toBe(
        "1c:b8:57:00:12:19",
      );
      expect(await until(advisoryLocks, (n) => n === 0)).toBe(0);
    } finally {
      await bull.close();
    }
  });
});

describe("four-eyes, expiry and the lock, as a router change", () => {
  it("a change not approved in time expires and cannot be approved; nothing is written", async () => {
    const conn = await connection(15);
    const c = await plan(conn.id, "1c:b8:57:00:12:15");
    const late = { ...services, clock: { now: () => new Date(c.expiresAt.getTime() + 1_000) } };
    const writes = requestsTo("PATCH", "/") + requestsTo("POST", "/macs");
    await expect(approveChange(late, c.id, bob)).rejects.toThrow(/expired at .*; run the command again/);
    expect((await getChange(db, c.id))!.status).toBe("expired");
    expect(requestsTo("PATCH", "/") + requestsTo("POST", "/macs")).toBe(writes);
    expect(listedAt("nsc-15")).toEqual([macOf(15)]);
  });

  it("a second plan supersedes the pending one; a deploying change locks the connection until it ends", async () => {
    const conn = await connection(16);
    const first = await plan(conn.id, "1c:b8:57:00:12:16");
    const second = await plan(conn.id, "1c:b8:57:00:12:17");
    expect((await getChange(db, first.id))!.status).toBe("superseded");
    expect(second.supersedesId).toBe(first.id);
    await expect(approveChange(services, first.id, bob)).rejects.toThrow(/was superseded/);

    fake.setFault({ kind: "delay", ms: 800, match: { method: "PATCH" } });
    await approveChange(services, second.id, bob);
    await until(
      async () => (await getChange(db, second.id))!.status,
      (st) => st === "deploying",
    );
    await expect(plan(conn.id, "1c:b8:57:00:12:18")).rejects.toThrow(
      new RegExp(`port-16 is locked by change #${second.id} \\((queued|deploying)\\)`),
    );
    await services.queue.drain();
    expect((await getChange(db, second.id))!.status).toBe("deployed");
    expect(listedAt("nsc-16")).toEqual(["1c:b8:57:00:12:17"]);
    await expect(plan(conn.id, "1c:b8:57:00:12:18")).resolves.toMatchObject({ status: "pending" });
  });
});

describe("a config that lists a MAC object our account cannot see", () => {
  it("keep-old keeps that object as it is and adds the new MAC", async () => {
    const conn = await connection(14);
    // The config's MAC object is managed by another account (a reseller's), so GET /macs of
    // ours does not list it: peerbot knows its id only.
    fake.state.macs.get("mac-14")!.managing_account = fake.state.exchangeAccountId;
    const c = await plan(conn.id, "1c:b8:57:00:12:14", true);
    expect(c.diff.split("\n")[0]).toBe(
      "MACs of nsc-14: unknown MAC object mac-14 -> unknown MAC object mac-14, 1c:b8:57:00:12:14",
    );
    const done = await approveAndDeploy(c.id);
    expect(done.status, done.reason).toBe("deployed");
    expect(fake.state.configs.get("nsc-14")!.macs[0]).toBe("mac-14");
    expect(listedAt("nsc-14")).toEqual([macOf(14), "1c:b8:57:00:12:14"]);
  });
});

describe("a config that changed at the exchange since the change was made", () => {
  it("ends failed in one sentence, writes nothing at the exchange, and keeps our record", async () => {
    const conn = await connection(4);
    const c = await plan(conn.id, "1c:b8:57:00:12:04");
    // Someone else changes the config at the exchange's portal meanwhile.
    fake.mutateConfig("nsc-4", (x) => x.macs.push("mac-5"));
    const writes = requestsTo("PATCH", "/") + requestsTo("POST", "/macs");
    const done = await approveAndDeploy(c.id);
    expect(done.status).toBe("failed");
    expect(done.reason).toMatch(/^stale: the IXP's MACs of nsc-4 changed since this change was made/);
    expect(done.reason).toContain(`it lists ${macOf(4)}, ${macOf(5)}`);
    expect(done.reason).toMatch(/nothing was written, our record keeps 02:00:5e:00:00:03/); // macOf(4)
    expect(sentences(done.reason)).toBeLessThanOrEqual(1);
    expect(done.reason).not.toContain("\n");
    expect(requestsTo("PATCH", "/") + requestsTo("POST", "/macs")).toBe(writes);
    expect(listedAt("nsc-4")).toEqual([macOf(4), macOf(5)]);
    expect((await db.prisma.connection.findUniqueOrThrow({ where: { id: conn.id } })).macAddress).toBe(
      macOf(4),
    );
    expect(
      await db.prisma.objectChange.count({ where: { objectType: "connection", objectId: String(conn.id) } }),
    ).toBe(0);
    // The connection is not locked any more.
    await expect(plan(conn.id, "1c:b8:57:00:12:44")).resolves.toMatchObject({ status: "pending" });
  });
});

describe("faults at the exchange", () => {
  it("500 on every PATCH: retried, then failed saying the IXP still lists the old MAC and the new one is registered", async () => {
    const conn = await connection(5);
    const c = await plan(conn.id, "1c:b8:57:00:12:05");
    fake.setFault({ kind: "status", status: 500, times: 1000, match: { method: "PATCH" } });
    const posts = requestsTo("POST", "/macs");
    const done = await approveAndDeploy(c.id);
    expect(done.status).toBe("failed");
    // Each of the job's tries PATCHed (with the client's own retries), and reused the MAC.
    expect(requestsTo("PATCH", "/network-service-configs/nsc-5")).toBeGreaterThanOrEqual(5);
    expect(requestsTo("POST", "/macs")).toBe(posts + 1);
    expect(done.reason).toMatch(/HTTP 500 on PATCH \/network-service-configs\/nsc-5/);
    expect(done.reason).toContain(`the IXP still lists ${macOf(5)}`);
    expect(done.reason).toContain(`our record keeps ${macOf(5)}`);
    // The MAC object registered for it stays at the exchange: the reason says so.
    expect(done.reason).toMatch(/; 1c:b8:57:00:12:05 is registered at the IXP as MAC object mac-\d+;/);
    expect(done.reason).not.toMatch(/\.;/);
    expect(sentences(done.reason)).toBeLessThanOrEqual(1);
    expect(listedAt("nsc-5")).toEqual([macOf(5)]);
    expect((await db.prisma.connection.findUniqueOrThrow({ where: { id: conn.id } })).macAddress).toBe(
      macOf(5),
    );
    expect(await advisoryLocks()).toBe(0);
  });

  it("400 problem with properties on PATCH: failed at once with the exchange's words, both sides as before", async () => {
    const conn = await connection(6);
    const c = await plan(conn.id, "1c:b8:57:00:12:06");
    fake.setFault({
      kind: "problem",
      status: 400,
      title: "Validation Error",
      detail: "Some fields did not validate.",
      properties: [{ name: "macs", reason: "This port takes at most one MAC address." }],
      match: { method: "PATCH" },
    });
    const done = await approveAndDeploy(c.id);
    expect(done.status).toBe("failed");
    expect(requestsTo("PATCH", "/network-service-configs/nsc-6")).toBe(1);
    expect(done.reason).toMatch(/refused the change: Validation Error: Some fields did not validate/);
    expect(done.reason).toContain("macs: This port takes at most one MAC address");
    expect(done.reason).toContain(`the IXP lists ${macOf(6)}`);
    expect(done.reason).toContain(`our record keeps ${macOf(6)}`);
    expect(done.reason).toMatch(
      /; 1c:b8:57:00:12:06 is registered at the IXP as MAC object mac-\d+, not attached to nsc-6;/,
    );
    expect(done.reason).not.toMatch(/\.;/);
    expect(sentences(done.reason)).toBeLessThanOrEqual(1);
    expect(listedAt("nsc-6")).toEqual([macOf(6)]);
    expect((await db.prisma.connection.findUniqueOrThrow({ where: { id: conn.id } })).macAddress).toBe(
      macOf(6),
    );
  });

  it("429 on PATCH, then success: retried and deployed", async () => {
    const conn = await connection(7);
    const c = await plan(conn.id, "1c:b8:57:00:12:07");
    // More 429s than the client's own three attempts: the deploy job retries too.
    fake.setFault({ kind: "status", status: 429, retryAfter: 0, times: 4, match: { method: "PATCH" } });
    const done = await approveAndDeploy(c.id);
    expect(done.status, done.reason).toBe("deployed");
    expect(done.steps.join("\n")).toMatch(/HTTP 429.*will retry/);
    expect(listedAt("nsc-7")).toEqual(["1c:b8:57:00:12:07"]);
    expect(requestsTo("POST", "/macs")).toBeGreaterThan(0);
    expect(
      fake.state.configs
        .get("nsc-7")!
        .macs.filter((m) => fake.state.macs.get(m)?.address === "1c:b8:57:00:12:07"),
    ).toHaveLength(1);
    expect([...fake.state.macs.values()].filter((m) => m.address === "1c:b8:57:00:12:07")).toHaveLength(1);
    expect((await db.prisma.connection.findUniqueOrThrow({ where: { id: conn.id } })).macAddress).toBe(
      "1c:b8:57:00:12:07",
    );
  });

  it("the access token expires mid-deploy: 401, refreshed, deployed", async () => {
    const conn = await connection(8);
    const c = await plan(conn.id, "1c:b8:57:00:12:08");
    const { logins, refreshes } = fake.counts;
    beforePatch = () => fake.expireTokens();
    const done = await approveAndDeploy(c.id);
    expect(done.status, done.reason).toBe("deployed");
    expect(fake.counts.refreshes).toBeGreaterThan(refreshes);
    expect(fake.counts.logins).toBe(logins);
    expect(listedAt("nsc-8")).toEqual(["1c:b8:57:00:12:08"]);
  });
});

/** Runs the approve-and-deploy child; `onSpawn` may kill it from outside. */
function runChild(
  changeId: number,
  killAt: string,
  onSpawn?: (kill: () => void) => void,
): Promise<{ signal: string | null; output: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "ixapi-mac-child.ts"), String(changeId)],
    {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl(db.name),
        PEERBOT_SECRET_KEY: key,
        [KEY_VAR]: fake.apiKey,
        [SECRET_VAR]: fake.apiSecret,
        PEERBOT_KILL_AT: killAt,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  onSpawn?.(() => child.kill("SIGKILL"));
  return new Promise((resolve) =>
    child.on("exit", (_code, signal) => {
      childOutput.push(output);
      resolve({ signal, output });
    }),
  );
}

const KILLS: [string, number][] = [
  ["approve:enqueue", 9],
  ["after:createMac", 10],
  ["before:patchNetworkServiceConfig", 11],
  ["while the PATCH is on the wire", 12],
  ["after:patchNetworkServiceConfig", 13],
];

describe("a worker SIGKILLed in the middle of the deploy", () => {
  it.each(KILLS)(
    "killed %s: the reconciler finishes it, written once, unlocked, both sides agree",
    async (point, k) => {
      const conn = await connection(k);
      const mac = `1c:b8:57:00:13:${k.toString(16).padStart(2, "0")}`;
      const c = await plan(conn.id, mac);
      const config = `nsc-${k}`;
      const revision = fake.state.revisions.get(config)!;
      const posts = requestsTo("POST", "/macs");
      const wire = point.startsWith("while");
      if (wire) fake.setFault({ kind: "delay", ms: 1_500, match: { method: "PATCH" } });
      const child = await runChild(c.id, wire ? "none" : point, (kill) => {
        if (!wire) return;
        void until(
          async () => requestsTo("PATCH", `/network-service-configs/${config}`),
          (n) => n > 0,
        ).then(kill);
      });
      expect(child.signal, child.output).toBe("SIGKILL");
      const left = (await getChange(db, c.id))!;
      expect(["queued", "deploying"]).toContain(left.status);
      // The delayed PATCH of the dead worker has been answered (or dropped) before recovery.
      if (wire) await new Promise((r) => setTimeout(r, 1_700));
      fake.clearFaults();
      const seen = fake.requests.length;
      const appliedByChild = fake.state.revisions.get(config)! > revision;

      // A later process: its reconciler runs once the change has been still for a while.
      const later = { ...services, clock: { now: () => new Date(Date.now() + RECONCILE_GRACE_MS + 1000) } };
      const report = await reconcileChanges(later);
      expect(report.requeued).toEqual([c.id]);
      await services.queue.drain();

      const done = (await getChange(db, c.id))!;
      expect(done.status, done.reason).toBe("deployed");
      expect(listedAt(config)).toEqual([mac]);
      const recovery = fake.requests.slice(seen);
      const patched = recovery.filter((r) => r.method === "PATCH").length;
      if (appliedByChild) {
        // The dead worker's PATCH went through: the recovery reads it and writes nothing.
        expect(patched).toBe(0);
        expect(done.steps.join("\n")).toMatch(/the IXP lists .* already \(found after a restart\)/);
      } else expect(patched).toBe(1);
      if (point === "after:patchNetworkServiceConfig") expect(appliedByChild).toBe(true);
      if (point === "after:createMac" || point === "before:patchNetworkServiceConfig")
        expect(recovery.filter((r) => r.method === "POST" && r.path === "/macs")).toHaveLength(0);
      // One write at the exchange in all, one MAC object for the address.
      expect(fake.state.revisions.get(config)).toBe(revision + 1);
      expect(requestsTo("POST", "/macs") - posts).toBeLessThanOrEqual(1);
      expect([...fake.state.macs.values()].filter((m) => m.address === mac)).toHaveLength(1);
      expect((await db.prisma.connection.findUniqueOrThrow({ where: { id: conn.id } })).macAddress).toBe(mac);
      expect(
        await db.prisma.objectChange.count({
          where: { objectType: "connection", objectId: String(conn.id) },
        }),
      ).toBe(1);
      expect(
        await db.prisma.auditEvent.count({
          where: { command: "change.deployed", objects: { has: `change:${c.id}` } },
        }),
      ).toBe(1);
      // Nothing is left locked: no queued or deploying change, no advisory lock held.
      expect(
        await db.prisma.changeRequest.count({
          where: { status: { in: ["queued", "deploying", "planning"] } },
        }),
      ).toBe(0);
      expect(await until(advisoryLocks, (n) => n === 0)).toBe(0);
    },
  );
});

describe("secrets", () => {
  it("the API key, the secret and every token are in no log line, no change, and nowhere in the database in plain text", async () => {
    const tokens = fake.issuedTokens;
    expect(tokens.length).toBeGreaterThan(1);
    const secrets = [fake.apiKey, fake.apiSecret, ...tokens, ...tokens.map((t) => t.split(".")[2]!)];
    const leaks = (where: string, text: string) =>
      secrets.filter((x) => text.includes(x)).map((x) => `${where}: ${x.slice(0, 12)}…`);

    // The log lines (the client's retries and refusals were logged) and the children's output.
    const logs = services.logLines.join("\n");
    expect(logs).toMatch(/ixapi: retrying/);
    expect(childOutput.length).toBe(KILLS.length);
    // The changes as stored and as their messages show them.
    const changes = await db.prisma.changeRequest.findMany({ include: { router: true, approvals: true } });
    expect(changes.some((c) => c.status === "failed")).toBe(true);
    const shown = changes.map((c) => JSON.stringify([c, changeReply(c, services.config)])).join("\n");
    // Every table's rows as text.
    const { rows: tables } = await db.pool.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
    let dump = "";
    for (const { table_name } of tables) {
      const r = await db.pool.query<{ t: string }>(`select t::text as t from "${table_name}" t`);
      dump += r.rows.map((x) => x.t).join("\n");
    }
    expect([
      ...leaks("log", logs),
      ...leaks("child", childOutput.join("\n")),
      ...leaks("change", shown),
      ...leaks("database", dump),
    ]).toEqual([]);

    // The session is kept, encrypted: it decrypts to a token the exchange issued.
    const ep = await db.prisma.ixApiEndpoint.findFirstOrThrow();
    expect(ep.accessTokenEnc).toBeTruthy();
    expect(ep.refreshTokenEnc).toBeTruthy();
    expect(tokens).toContain(services.secrets!.decrypt(ep.accessTokenEnc!));
    expect(tokens).toContain(services.secrets!.decrypt(ep.refreshTokenEnc!));
  });
});
