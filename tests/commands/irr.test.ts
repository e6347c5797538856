// `irr` end to end: the real bgpq4 (Debian's package) asks the fake IRRd on loopback
// (tests/fakes/irrd.ts, the whois `!` protocol) and peerbot caches, shows, refreshes and
// renders what came back. Nested sets, per-AS sources, an unknown set, a slow server, the
// size cap, the daily job and bad input.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { irrSettings, refreshAll } from "../../core/irr/cache.js";
import { IRR_QUEUE } from "../../jobs/irr.js";
import { registerAllWorkers } from "../../jobs/index.js";
import { FakeIrrd } from "../fakes/irrd.js";
import { HOSTILE_NAMES } from "../helpers/hostile-names.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";
import { until } from "../helpers/until.js";

let db: TestDatabase;
let irrd: FakeIrrd;
let services: TestServices;
let dataDir: string;
const registry = buildRegistry();

function servicesWith(env: Record<string, string> = {}): TestServices {
  return testServices(
    db,
    {
      PEERBOT_IRR_HOST: irrd.host,
      PEERBOT_IRR_SOURCES: "RIPE,ARIN",
      PEERBOT_IRR_TIMEOUT: "1500ms",
      ...env,
    },
    dataDir,
  );
}

async function say(user: string, text: string, s: TestServices = services) {
  const r = await dispatch(registry, s, {
    actor: { platform: "console", userId: user, userName: user },
    channel: "console",
    text,
  });
  const table = r.reply.table?.rows.map((row) => row.join(" | ")).join("\n") ?? "";
  const fields = (r.reply.fields ?? []).map((f) => `${f.label}: ${f.value}`).join("\n");
  return { ...r, text: [r.reply.title ?? "", r.reply.text ?? "", table, fields].join("\n") };
}

async function peerAs(asn: number, irrAsSet: string) {
  return db.prisma.autonomousSystem.upsert({
    where: { asn: BigInt(asn) },
    create: { asn: BigInt(asn), name: `Test network ${asn}`, irrAsSet },
    update: { irrAsSet },
  });
}

const list = (asId: number, family: 4 | 6) =>
  db.prisma.irrPrefixList.findUniqueOrThrow({ where: { key_family: { key: `as:${asId}`, family } } });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-irr-"));
  db = await createTestDatabase(import.meta.filename);
  irrd = new FakeIrrd({ delayMs: { "AS-SLOW": 3_000 } });
  await irrd.start();
  services = servicesWith();
  registerAllWorkers(services.queue, services);
  await seedDemoDb(db, dataDir);
});
afterAll(async () => {
  await services?.queue.close?.();
  await irrd?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("irr refresh", () => {
  it("expands nested AS-SETs for both families with the real bgpq4 and caches them", async () => {
    const a = await peerAs(204001, "AS-PBTEST-A");
    const r = await say("alice", "irr refresh AS204001");
    expect(r.outcome, r.text).toBe("ok");
    expect(r.text).toMatch(/Refreshed: IPv4 10, IPv6 7 prefixes, 4 origin ASs/);
    const v4 = await list(a.id, 4);
    // AS-PBTEST-A -> AS-PBTEST-B -> AS-PBTEST-C: three levels, four origins.
    expect(v4.prefixCount).toBe(10);
    expect((v4.asns as number[]).sort()).toEqual([204001, 204002, 204003, 396901]);
    expect(v4.prefixes as unknown[]).toContainEqual({ prefix: "23.150.40.0/24", exact: true });
    expect(v4.sets).toEqual(["AS-PBTEST-A"]);
    expect(v4.sources).toEqual(["RIPE", "ARIN"]);
    expect(v4.stale).toBe(false);
    // What bgpq4 sent, in order, on one connection.
    expect(irrd.commands).toContain("!sRIPE,ARIN");
    const shown = await say("bob", "irr AS204001");
    expect(shown.text).toContain("IPv4 | 10 | 4 | AS-PBTEST-A | RIPE,ARIN");
    expect(shown.text).toContain("fresh");
  });

  it("terminates on a loop in the set graph", async () => {
    const a = await peerAs(204004, "AS-LOOP1");
    const r = await say("alice", "irr refresh AS204004");
    expect(r.outcome, r.text).toBe("ok");
    expect((await list(a.id, 4)).prefixCount).toBe(6);
  });

  it("honours the network's own sources", async () => {
    const a = await peerAs(204006, "AS-RADBONLY");
    let r = await say("alice", "irr refresh AS204006");
    // Not visible in RIPE or ARIN: nothing at all, recorded as an error.
    expect(r.text).toMatch(/Refresh failed for IPv4 and IPv6/);
    expect((await list(a.id, 4)).error).toMatch(/no IPv4 prefixes for AS-RADBONLY in RIPE,ARIN/);
    r = await say("alice", "irr sources AS204006 radb");
    expect(r.outcome, r.text).toBe("ok");
    // Recorded like any other inventory change.
    expect((await say("bob", "history as AS204006")).text).toMatch(/irrSources/);
    r = await say("alice", "irr refresh AS204006");
    expect(r.text).toMatch(/Refreshed: IPv4 3,/);
    expect((await list(a.id, 4)).sources).toEqual(["RADB"]);
    // A source in the field itself wins too.
    await peerAs(204006, "RADB::AS-RADBONLY");
    await say("alice", "irr sources AS204006 default");
    r = await say("alice", "irr refresh AS204006");
    expect(r.text).toMatch(/Refreshed: IPv4 3,/);
  });

  it("records an unknown set as an error and keeps the last good list, marked stale", async () => {
    const a = await peerAs(204003, "AS-PBTEST-C");
    await say("alice", "irr refresh AS204003");
    const good = await list(a.id, 4);
    expect(good.prefixCount).toBe(4);
    await peerAs(204003, "AS-NO-SUCH-SET");
    const r = await say("alice", "irr refresh AS204003");
    expect(r.text).toMatch(/Refresh failed .*last good list is kept, marked stale/);
    const after = await list(a.id, 4);
    expect(after.prefixCount).toBe(4);
    expect(after.prefixes).toEqual(good.prefixes);
    expect(after.fetchedAt).toEqual(good.fetchedAt);
    expect(after.stale).toBe(true);
    expect(after.error).toMatch(/AS-NO-SUCH-SET/);
    expect((await say("bob", "irr AS204003")).text).toContain("stale (last refresh failed)");
  });

  it("times out a slow server and keeps the last good list", async () => {
    const a = await peerAs(204007, "AS-PBTEST-C");
    await say("alice", "irr refresh AS204007");
    await peerAs(204007, "AS-SLOW");
    const t = Date.now();
    const r = await say("alice", "irr refresh AS204007");
    expect(Date.now() - t).toBeLessThan(2_900);
    expect(r.text).toMatch(/Refresh failed/);
    const after = await list(a.id, 4);
    expect(after.error).toMatch(/did not answer within 1\.5 s/);
    expect(after.prefixCount).toBe(4);
  });

  it("marks a list over the cap instead of keeping it for the render", async () => {
    const capped = servicesWith({ PEERBOT_IRR_MAX_PREFIXES_IPV4: "5" });
    const a = await peerAs(204002, "AS-PBTEST-B");
    const r = await say("alice", "irr refresh AS204002", capped);
    expect(r.outcome, r.text).toBe("ok");
    const v4 = await list(a.id, 4);
    expect(v4.overCap).toBe(true);
    expect(v4.prefixCount).toBe(7);
    expect(v4.prefixes).toEqual([]);
    expect(v4.error).toMatch(/over the cap of 5 \(PEERBOT_IRR_MAX_PREFIXES_IPV4\)/);
    expect((await list(a.id, 6)).overCap).toBe(false);
    expect((await say("bob", "irr AS204002")).text).toContain("over the cap");
  });

  it("passes a network's own bgpq4 options", async () => {
    const a = await peerAs(204005, "AS-PBTEST-C");
    await say("alice", "irr refresh AS204005");
    // -m 23: no prefix longer than /23 (bgpq4 -A first folds three adjacent /24s into a /22).
    expect((await say("alice", "irr options AS204005 -m 23")).outcome).toBe("ok");
    await say("alice", "irr refresh AS204005");
    const short = (await list(a.id, 4)).prefixes as { prefix: string }[];
    expect(short.length).toBeGreaterThan(0);
    expect(short.length).toBeLessThan(4);
    for (const p of short) expect(Number(p.prefix.split("/")[1])).toBeLessThanOrEqual(23);
    expect((await say("alice", "irr options AS204005 default")).outcome).toBe("ok");
    await say("alice", "irr refresh AS204005");
    expect((await list(a.id, 4)).prefixCount).toBe(4);
  });

  it("looks up a set typed by hand and caches it apart from any network", async () => {
    const r = await say("bob", "irr AS204001:AS-PBTEST-CUST");
    expect(r.outcome, r.text).toBe("ok");
    expect(r.text).toContain("IRR lists of AS204001:AS-PBTEST-CUST");
    expect(r.text).toMatch(/IPv4 \| 3 \| 1 /);
    const row = await db.prisma.irrPrefixList.findUniqueOrThrow({
      where: { key_family: { key: "set:AS204001:AS-PBTEST-CUST", family: 4 } },
    });
    expect(row.autonomousSystemId).toBeNull();
  });
});

describe("the refresh of every network, and the render", () => {
  it("refreshes every network with sessions as a job, and `diff` shows the prefix lists", async () => {
    // A demo peer with sessions on the BIRD file router takes a set the fake knows.
    const s = await db.prisma.ixpSession.findFirstOrThrow({
      where: { connection: { router: { name: "edge1.lon" } }, status: "enabled" },
      include: { autonomousSystem: true },
    });
    await db.prisma.autonomousSystem.update({
      where: { id: s.autonomousSystemId },
      data: { irrAsSet: "AS-PBTEST-C" },
    });
    const r = await say("admin", "irr refresh all");
    expect(r.outcome, r.text).toBe("ok");
    const row = await until(
      () =>
        db.prisma.irrPrefixList.findUnique({
          where: { key_family: { key: `as:${s.autonomousSystemId}`, family: 4 } },
        }),
      (x) => x?.prefixCount === 4,
      { ms: 60_000 },
    );
    expect(row?.prefixCount).toBe(4);
    await services.queue.drain();
    // The demo's other peers name AS-SETs the fake does not know: recorded, not thrown.
    const failed = await db.prisma.irrPrefixList.count({ where: { error: { not: "" }, stale: true } });
    expect(failed).toBeGreaterThan(0);

    expect((await say("alice", "irr policy import-peers on")).outcome).toBe("ok");
    const d = await say("alice", "diff edge1.lon");
    const asn = Number(s.autonomousSystem.asn);
    const diff = JSON.stringify(d.reply.code ?? "") + JSON.stringify(d.reply.followUps ?? []);
    expect(diff, d.text).toContain(`define pb_irr_as${asn}_v4 = [`);
    expect(diff).toMatch(/if ! \(net ~ pb_irr_as\d+_v4\) then reject;/);
    await say("alice", "irr policy import-peers off");
  });
});

describe("one refresh of everything at a time", () => {
  it("skips a second refresh of everything while one runs, in another process's place", async () => {
    const slow = await peerAs(204008, "AS-SLOW");
    const s2 = servicesWith({ PEERBOT_IRR_TIMEOUT: "10s" });
    const first = refreshAll(db, s2.irr!, irrSettings(s2.config), undefined, [slow.id]);
    await new Promise((r) => setTimeout(r, 300));
    const second = await refreshAll(db, s2.irr!, irrSettings(s2.config), undefined, [slow.id]);
    expect(second.skipped).toBe("another IRR refresh is running");
    const done = await first;
    expect(done.ok).toBe(1);
    // The lock is free again.
    const third = await refreshAll(db, s2.irr!, irrSettings(s2.config), undefined, []);
    expect(third.skipped).toBeUndefined();
  });
});

describe("bad input", () => {
  for (const [text, pattern] of [
    ["irr AS-", /not a valid ASN or AS-SET name/],
    ["irr AS99999999999", /out of range/],
    ['irr "AS-FOO BAR"', /I did not understand|not a valid/],
    ['irr AS-FO"O', /not a valid ASN or AS-SET name|I did not understand/],
    ["irr AS-FOO;BAR", /not a valid ASN or AS-SET name/],
    ["irr", /Say which network or AS-SET/],
    ["irr refresh AS-FOO", /not an AS number/],
    ["irr refresh AS99999999999", /out of range/],
    ["irr sources AS204001 RIPE;rm", /source/i],
    ["irr policy import-peers maybe", /on or off/],
    ["irr options AS204001 -h evil.example", /not a bgpq4 option peerbot passes through/],
    ["irr options AS204001 -R 24;x", /needs a number/],
  ] as const) {
    it(`${text}: one sentence, a usage hint, nothing changed`, async () => {
      const before = await fingerprint(db);
      const r = await say("alice", text);
      expect(r.outcome, r.text).toBe("user_error");
      expect(r.reply.text ?? "").toMatch(pattern);
      expect(r.reply.text ?? "").toMatch(/\n(Usage|List them|Add it)/);
      expect(await fingerprint(db)).toBe(before);
    });
  }

  it("refuses hostile AS-SET names wherever they come from: typed, or in a network's field", async () => {
    let asn = 204900;
    for (const name of HOSTILE_NAMES) {
      const typed = await say("bob", `irr ${JSON.stringify(name)}`);
      expect(typed.outcome, name).toBe("user_error");
      expect((typed.reply.text ?? "").split("\n")).toHaveLength(2);
      // In a network's AS-SET field (as PeeringDB could give it): recorded, never sent to bgpq4.
      const a = await peerAs(++asn, name);
      const sent = irrd.commands.length;
      const r = await say("alice", `irr refresh AS${asn}`);
      expect(r.outcome, name).toBe("ok");
      expect(r.reply.text ?? "", name).toMatch(/Refresh failed/);
      expect(irrd.commands.length, name).toBe(sent);
      expect((await list(a.id, 4)).error, name).toMatch(/AS-SET field cannot be used/);
      const shown = await say("bob", `irr AS${asn}`);
      for (const f of [shown.reply.title ?? "", ...(shown.reply.table?.rows.flat() ?? [])])
        expect(f, name).not.toMatch(/[\n\r\u2028\u2029]/);
    }
  });

  it("leaves refreshing to operators and refreshing everything to admins", async () => {
    expect((await say("mallory", "irr refresh AS204001")).outcome).toBe("denied");
    expect((await say("alice", "irr refresh all")).outcome).toBe("denied");
    expect((await say("mallory", "irr AS204001")).outcome).toBe("ok");
  });
});

it("is in help with examples", async () => {
  const r = await say("bob", "help irr");
  expect(r.text).toContain("irr refresh AS6939");
  expect(r.text).toContain("irr AS-HURRICANE");
  expect(IRR_QUEUE).toBe("irr-refresh");
});

describe("the IRR settings", () => {
  it("refuse a host, sources or bgpq4 arguments that are not what they say, at start", async () => {
    const { loadConfig, ConfigError } = await import("../../core/config.js");
    for (const env of [
      { PEERBOT_IRR_HOST: "rr.ntt.net -S EVIL" },
      { PEERBOT_IRR_SOURCES: "RIPE;rm -rf" },
      { PEERBOT_IRR_ARGS_IPV4: "-4 -h evil.example" },
      { PEERBOT_IRR_ARGS_IPV6: "-6 -A -r" },
      { PEERBOT_IRR_STALE_AFTER: "soon" },
    ])
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError);
    const c = loadConfig({ PEERBOT_IRR_HOST: "whois.radb.net:43", PEERBOT_IRR_ARGS_IPV4: "-4 -A -R 24" });
    expect([c.PEERBOT_IRR_HOST, c.PEERBOT_IRR_ARGS_IPV4]).toEqual(["whois.radb.net:43", "-4 -A -R 24"]);
  });
});
