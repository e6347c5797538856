// `connection <name> mac <MAC> [keep-old]` from chat, end to end: the real IX-API client asks
// the fake IX-API v2 server on loopback; the change is planned, shown with its diff in words,
// refused to its requester, approved by another person, deployed by the job, and the exchange
// and our record then agree. Bad input gets one sentence and changes nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildRegistry } from "../../commands/index.js";
import { startFakeIxApi, type FakeIxApi } from "../fakes/ixapi.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createFakeIxp, ixapiTestServices } from "../helpers/ixapi.js";
import { sayAs } from "../helpers/say.js";
import { fingerprint, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let fake: FakeIxApi;
let services: TestServices;
let ixpId: number;
let portA: number;
let portB: number;
const registry = buildRegistry();
const KEY_VAR = "PEERBOT_TEST_MACIX_KEY";
const SECRET_VAR = "PEERBOT_TEST_MACIX_SECRET";
const say = (user: string, text: string, action?: string) => sayAs(registry, services, user, text, action);

/** One sentence, then a hint on its own line (a usage line or what to do). */
function oneSentenceAndHint(text: string, what = ""): void {
  const lines = text.split("\n");
  expect(lines, what).toHaveLength(2);
  expect(lines[0], what).toMatch(/[.:]$|[^.]\.$/);
  expect(lines[1], what).toMatch(/Usage: |`|try again/);
}

/** The MAC addresses the fake lists on a config, in its order. */
const macsAt = (configId: string) =>
  fake.state.configs.get(configId)!.macs.map((id) => fake.state.macs.get(id)!.address);

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  // nsc-1: 10.10.0.10/16 and MAC 02:00:5e:00:00:00; nsc-2: 2001:db8:1::b/64 and 02:00:5e:00:00:01.
  fake = await startFakeIxApi({ generate: { configs: 2, ips: 2, macs: 2, services: 1 } });
  services = ixapiTestServices(db, fake, { keyVar: KEY_VAR, secretVar: SECRET_VAR });
  ixpId = await createFakeIxp(db);
  portA = (
    await db.prisma.connection.create({
      data: { ixpId, name: "port-a", ipv4Address: "10.10.0.10/16", macAddress: "02:00:5e:00:00:00" },
    })
  ).id;
  // Matched by IPv6 only.
  portB = (
    await db.prisma.connection.create({
      data: { ixpId, name: "port-b", ipv6Address: "2001:db8:1::b/64", macAddress: "02:00:5e:00:00:01" },
    })
  ).id;
  const add = await say("admin", `ixapi add fake ${fake.url} key-env ${KEY_VAR} secret-env ${SECRET_VAR}`);
  expect(add.outcome, add.text).toBe("ok");
  expect((await say("admin", "ixapi link fake-ix fake")).outcome).toBe("ok");
});

afterAll(async () => {
  await services?.queue.close?.();
  await fake?.close();
  await db?.drop();
});

beforeEach(() => fake.clearFaults());

describe("before the IX-API was read", () => {
  it("says to refresh first, and changes nothing", async () => {
    const before = await fingerprint(db);
    const r = await say("alice", `connection #${portA} mac 1c:b8:7f:00:00:01`);
    expect(r.outcome).toBe("user_error");
    expect(r.text).toMatch(/^port-a is not matched to a network-service config at Fake IX's IX-API yet\.\n/);
    oneSentenceAndHint(r.text);
    expect(await fingerprint(db)).toBe(before);
  });
});

describe("connection <name> mac", () => {
  beforeAll(async () => {
    expect((await say("alice", "ixapi refresh fake")).reply.kind).toBe("success");
  });

  it("refuses bad input in one sentence with a usage hint, and changes nothing", async () => {
    const before = await fingerprint(db);
    const cases: [string, RegExp][] = [
      [`connection #${portA} mac`, /^Say the new MAC, e\.g\. connection #\d+ mac /],
      [`connection #${portA} mac 01:00:5e:00:00:01`, /multicast/i],
      [`connection #${portA} mac ff:ff:ff:ff:ff:ff`, /broadcast|multicast/i],
      [`connection #${portA} mac zz:zz`, /MAC/],
      [`connection #${portA} mac 1c:b8:7f:00:00:01 now`, /only keep-old may follow it/],
      [`connection #999999 mac 1c:b8:7f:00:00:01`, /^There is no connection #999999\.\n/],
      [
        `connection fake-ix mac 1c:b8:7f:00:00:01`,
        /^We have 2 connections to Fake IX .*say which, e\.g\. connection #\d+ mac …/,
      ],
    ];
    for (const [line, want] of cases) {
      const r = await say("alice", line);
      expect(r.outcome, line).toBe("user_error");
      expect(r.text, line).toMatch(want);
      if (!line.includes("fake-ix")) oneSentenceAndHint(r.text, line);
    }
    // A viewer may not ask for it.
    const v = await say("nobody", `connection #${portA} mac 1c:b8:7f:00:00:01`);
    expect(v.outcome).toBe("denied");
    expect(await fingerprint(db)).toBe(before);
    expect(fake.requests.filter((q) => q.method !== "GET" && !q.path.includes("/auth/"))).toEqual([]);
  });

  it("replaces the MAC through a change another person approves; the IXP and our record then agree", async () => {
    const r = await say("alice", `connection #${portA} mac 1C-B8-7F-00-00-01`);
    expect(r.outcome, r.text).toBe("ok");
    const change = await db.prisma.changeRequest.findFirstOrThrow({
      where: { connectionId: portA, kind: "ixapi" },
      orderBy: { id: "desc" },
    });
    expect(change).toMatchObject({ status: "pending", routerId: null });
    expect(r.text).toContain(`Change #${change.id}: MAC of`);
    const shown = JSON.stringify(r.reply);
    expect(shown).toContain("MACs of nsc-1: 02:00:5e:00:00:00 -> 1c:b8:7f:00:00:01");
    // The address match was recorded on the connection, with its history.
    expect((await db.prisma.connection.findUniqueOrThrow({ where: { id: portA } })).ixapiConfigId).toBe(
      "nsc-1",
    );
    const approve = r.reply.buttons?.find((b) => b.actionId === `change.approve:${change.id}`);
    expect(approve, shown).toBeDefined();
    // Nothing at the exchange yet.
    expect(macsAt("nsc-1")).toEqual(["02:00:5e:00:00:00"]);

    const own = await say("alice", "", `change.approve:${change.id}`);
    expect(own.outcome).not.toBe("ok");
    expect((await db.prisma.changeRequest.findUniqueOrThrow({ where: { id: change.id } })).status).toBe(
      "pending",
    );

    const ok = await say("bob", "", `change.approve:${change.id}`);
    expect(ok.outcome, ok.text).toBe("ok");
    const done = await db.prisma.changeRequest.findUniqueOrThrow({ where: { id: change.id } });
    expect(done.status, JSON.stringify(done.steps)).toBe("deployed");
    expect(macsAt("nsc-1")).toEqual(["1c:b8:7f:00:00:01"]);
    const conn = await db.prisma.connection.findUniqueOrThrow({ where: { id: portA } });
    expect(conn.macAddress).toBe("1c:b8:7f:00:00:01");
    expect(fake.requests.filter((q) => q.method === "PATCH")).toHaveLength(1);

    // `changes` lists it with the exchange as its target.
    const list = await say("bob", "changes all");
    expect(list.all).toMatch(
      new RegExp(`^${change.id} \\| Fake IX port-a \\| MAC of port-a .*\\| deployed`, "m"),
    );
    // Asking again for what the IXP has now changes nothing.
    const again = await say("alice", `connection #${portA} mac 1c:b8:7f:00:00:01`);
    expect(again.reply.kind).toBe("info");
    expect(again.text).toMatch(/already.*nothing to change/);
  });

  it("adds the MAC beside the old one with keep-old, by IXP and IPv6 match", async () => {
    const r = await say("alice", `connection #${portB} mac 1c:b8:7f:00:00:02 keep-old`);
    expect(r.outcome, r.text).toBe("ok");
    expect(JSON.stringify(r.reply)).toContain(
      "MACs of nsc-2: 02:00:5e:00:00:01 -> 02:00:5e:00:00:01, 1c:b8:7f:00:00:02",
    );
    const change = await db.prisma.changeRequest.findFirstOrThrow({
      where: { connectionId: portB, kind: "ixapi" },
      orderBy: { id: "desc" },
    });
    expect((await say("bob", "", `change.approve:${change.id}`)).outcome).toBe("ok");
    expect((await db.prisma.changeRequest.findUniqueOrThrow({ where: { id: change.id } })).status).toBe(
      "deployed",
    );
    expect(macsAt("nsc-2")).toEqual(["02:00:5e:00:00:01", "1c:b8:7f:00:00:02"]);
    // Then the old one goes with a second change.
    const second = await say("alice", `connection #${portB} mac 1c:b8:7f:00:00:02`);
    expect(JSON.stringify(second.reply)).toContain("- 02:00:5e:00:00:01");
    const c2 = await db.prisma.changeRequest.findFirstOrThrow({
      where: { connectionId: portB, kind: "ixapi", status: "pending" },
    });
    expect((await say("bob", "", `change.approve:${c2.id}`)).outcome).toBe("ok");
    expect(macsAt("nsc-2")).toEqual(["1c:b8:7f:00:00:02"]);
  });

  it("a change pending for a connection is superseded by a newer one", async () => {
    const a = await say("alice", `connection #${portA} mac 1c:b8:7f:00:00:0a`);
    const b = await say("alice", `connection #${portA} mac 1c:b8:7f:00:00:0b`);
    expect(a.outcome).toBe("ok");
    expect(b.text).toMatch(/It replaces #\d+\./);
    const rows = await db.prisma.changeRequest.findMany({
      where: { connectionId: portA, kind: "ixapi" },
      orderBy: { id: "desc" },
      take: 2,
    });
    expect(rows.map((c) => c.status)).toEqual(["pending", "superseded"]);
    await say("bob", "", `change.reject:${rows[0]!.id}`);
  });

  it("a fault at the exchange while planning is one sentence, and nothing is written", async () => {
    const before = await fingerprint(db);
    fake.setFault({ kind: "status", status: 500, match: { method: "GET" }, times: 10 });
    const r = await say("alice", `connection #${portA} mac 1c:b8:7f:00:00:0c`);
    expect(r.outcome).toBe("user_error");
    expect(r.text).toMatch(/^Could not read .* config from the IX-API: /);
    oneSentenceAndHint(r.text);
    expect(await fingerprint(db)).toBe(before);
    const secretsSeen = [JSON.stringify(r.reply), ...services.logLines].join("\n");
    expect(secretsSeen).not.toContain(fake.apiKey);
    expect(secretsSeen).not.toContain(fake.apiSecret);
  });
});
