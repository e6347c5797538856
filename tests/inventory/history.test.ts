// The change history from every path that writes the inventory, seen through `history`: chat
// commands, `import ixps` (via import), the PeeringDB link and sync (via sync, only when something
// changed) and a deploy or a rejection (via deploy, the sessions' status); newest first, paged,
// secrets masked, removed objects still findable, unknown ones answered in one sentence.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshFromMirror } from "../../core/peeringdb/index.js";
import { newChange, type Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import { fingerprint, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let chat: Chat;
let close: (() => Promise<void>) | undefined;
const say = (user: string, line: string) => chat.say(user, line);

beforeAll(async () => {
  ({ db, services, chat, close } = await demoChat(import.meta.filename));
});
afterAll(() => close?.());

const rowsOf = (where: object) => db.prisma.objectChange.findMany({ where, orderBy: { id: "asc" } });

describe("history of chat changes", () => {
  it("shows a router's changes newest first, with who, via and the fields changed", async () => {
    await say("admin", "router add hist1 host hist1.example.net platform frr");
    await say("admin", "router set hist1 status maintenance");
    await say("admin", "router set hist1 port 2222");
    const t = await say("alice", "history router hist1");
    expect(t).toContain("History: router hist1");
    expect(t).toContain("3 changes, newest first.");
    const lines = t.split("\n").filter((l) => / UTC /.test(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/admin\s+chat\s+update\s+hist1\s+port: 22 -> 2222/);
    expect(lines[1]).toMatch(/admin\s+chat\s+update\s+hist1\s+status: "enabled" -> "maintenance"/);
    expect(lines[2]).toMatch(/admin\s+chat\s+create\s+hist1\s+.*hostname: "hist1\.example\.net"/);
  });

  it("pages a long history with Next and Previous buttons", async () => {
    for (let i = 0; i < 16; i++) await say("admin", `router set hist1 port ${3000 + i}`);
    let t = await say("alice", "history router hist1");
    expect(t).toContain("19 changes, newest first; page 1 of 2.");
    expect(t).toContain("(cmd:history router hist1 page:2)");
    t = await chat.click("alice", "cmd:history router hist1 page:2");
    expect(t).toContain("page 2 of 2");
    expect(t).toContain("(cmd:history router hist1 page:1)");
    expect(t).toMatch(/create\s+hist1/);
    t = await say("alice", "history router hist1 page:9");
    expect(t).toContain("has 2 pages; page 9 is past the end");
  });

  it("secrets show only as (set)", async () => {
    await db.prisma.router.update({
      where: { name: "hist1" },
      data: { passwordEnc: services.secrets!.encrypt("s3cret-pw") },
    });
    await say("admin", "router set hist1 credential none");
    const t = await say("alice", "history router hist1");
    expect(t).toContain('passwordEnc: "(set)" -> null');
    expect(t).not.toMatch(/s3cret|v1:/);
  });

  it("a removed router's history is still there, said to be gone", async () => {
    await say("admin", "router remove hist1");
    const t = await say("alice", "history router hist1");
    expect(t).toMatch(/^History: router hist1/m);
    expect(t).toContain("It no longer exists.");
    expect(t).toMatch(/admin\s+chat\s+delete\s+hist1/);
  });

  it("the history of an AS, its contacts and everything together", async () => {
    await say("alice", "contact add AS15169 peering@google.com role policy");
    await say("alice", "as set 15169 comments met at RIPE");
    let t = await say("alice", "history as 15169");
    expect(t).toMatch(/alice\s+chat\s+update\s+AS15169\s+comments: "" -> "met at RIPE"/);
    t = await say("alice", "history contact AS15169");
    expect(t).toMatch(/alice\s+chat\s+create\s+AS15169 peering@google\.com/);
    t = await say("alice", "history");
    expect(t).toMatch(/^History: everything/m);
    expect(t).toMatch(/as AS15169/);
    expect(t).toMatch(/contact AS15169 peering@google\.com/);
  });

  it("unknown objects get one sentence and change nothing", async () => {
    const before = await fingerprint(db);
    for (const [line, sentence] of [
      [
        "history router nosuch",
        /^Error: No router nosuch exists, and peerbot's history has none by that name\./,
      ],
      ["history as 6", /^Error: No AS6 exists, and peerbot's history has none by that name\./],
      ["history ixp nowhere", /^Error: No IXP nowhere exists/],
      [
        "history session 192.0.2.99",
        /^Error: We have no session with 192\.0\.2\.99, and peerbot's history has none\./,
      ],
      ["history session banana", /^Error: Say which sessions: an AS number or the peer's address/],
      ["history policy nosuch", /^Error: No policy nosuch exists/],
      ["history router", /^Error: Say which router, e\.g\. history router edge1\.lon\./],
    ] as const) {
      expect(await say("alice", line), line).toMatch(sentence);
    }
    expect(await fingerprint(db)).toBe(before);
  });
});

describe("history from import, sync and deploy", () => {
  it("import ixps records the IXPs and connections it creates, via import", async () => {
    // Init7 is a peer in the demo; here it becomes one of ours, so that PeeringDB has IXPs for us.
    await db.prisma.autonomousSystem.delete({ where: { asn: 13030n } });
    expect(await say("admin", "as add 13030 affiliated")).toContain("AS13030 Init7 added as one of ours");
    const t = await say("admin", "import ixps");
    expect(t).toContain("Nothing is created until you confirm.");
    const done = await chat.click("admin", "Create them");
    expect(done).toMatch(/Created \d+ IXPs? .* and \d+ connections?/);
    const ixps = await rowsOf({ objectType: "ixp", via: "import" });
    const conns = await rowsOf({ objectType: "connection", via: "import" });
    expect(ixps.length).toBeGreaterThan(0);
    expect(conns.length).toBeGreaterThan(ixps.length - 1);
    expect(conns.every((c) => c.action === "create")).toBe(true);
    expect(conns.map((c) => c.objectRepr)).toContain("LINX LON1 195.66.224.175");
    const h = await say("alice", "history connection linx");
    expect(h).toMatch(/import\s+create\s+LINX LON1 195\.66\.224\.175/);
  });

  it("a PeeringDB link records what it changed on our rows, via sync, and nothing when nothing changed", async () => {
    await refreshFromMirror(db);
    const start = await db.prisma.objectChange.count();
    // Someone's name drifted from PeeringDB's, and LINX lost a prefix: the next link puts them back.
    await db.prisma.autonomousSystem.update({ where: { asn: 15169n }, data: { name: "Google (old name)" } });
    const linx = await db.prisma.internetExchange.findUniqueOrThrow({ where: { slug: "linx-lon1" } });
    await db.prisma.internetExchange.update({
      where: { id: linx.id },
      data: { prefixes: linx.prefixes.filter((p) => !p.includes(":")) },
    });
    const report = await refreshFromMirror(db);
    expect(report.asRefreshed).toBe(1);
    expect(report.ixpPrefixes).toBe(1);
    const rows = await db.prisma.objectChange.findMany({
      where: { id: { gt: BigInt(0) } },
      orderBy: { id: "asc" },
      skip: start,
    });
    expect(rows.map((r) => [r.objectType, r.objectRepr, r.action, r.via, r.actor])).toEqual([
      ["as", "AS15169", "update", "sync", "sync"],
      ["ixp", "LINX LON1", "update", "sync", "sync"],
    ]);
    expect(rows[0]?.before).toMatchObject({ name: "Google (old name)" });
    expect(rows[0]?.after).toMatchObject({ name: "Google LLC" });
    expect(rows[0]?.requestId).toBe(rows[1]?.requestId);
    expect(Object.keys(rows[0]?.after as object)).not.toContain("updatedAt");
    const t = await say("alice", "history as 15169");
    expect(t).toMatch(
      /PeeringDB sync\s+sync\s+update\s+AS15169\s+name: "Google \(old name\)" -> "Google LLC"/,
    );
    await refreshFromMirror(db);
    expect(await db.prisma.objectChange.count()).toBe(start + 2);
  });

  it("a deploy records each session's status change, via deploy, by the change", async () => {
    const id = newChange(await say("alice", "peer AS6939 at LINX"));
    expect(await say("bob", `approve ${id}`)).toContain("Status: deployed.");
    const rows = await rowsOf({ objectType: "ixp-session", via: "deploy" });
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r).toMatchObject({
        actor: `change:${id}`,
        actorName: `change #${id} deployed`,
        action: "update",
      });
      expect(r.before).toEqual({ status: "provisioning" });
      expect(r.after).toEqual({ status: "enabled" });
    }
    const t = await say("alice", "history session AS6939");
    expect(t).toMatch(
      new RegExp(
        `change #${id} deployed\\s+deploy\\s+update\\s+LINX LON1 195\\.66\\.224\\.21\\s+status: "provisioning" -> "enabled"`,
      ),
    );
    expect(await say("alice", "history session 2001:7f8:4::1b1b:1")).toMatch(/LINX LON1 2001:7f8:4::1b1b:1/);
  });

  it("a rejection records the sessions it removes", async () => {
    const id = newChange(await say("alice", "peer AS2686 at LINX"));
    await say("bob", `reject ${id} not now`);
    const rows = await rowsOf({ objectType: "ixp-session", actor: `change:${id}` });
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r).toMatchObject({ action: "delete", via: "deploy", actorName: `change #${id} rejected` });
      expect(r.before).toMatchObject({ status: "provisioning" });
    }
  });
});

describe("a user name from a platform payload with control characters", () => {
  it("is recorded on one line instead of failing the change it belongs to", async () => {
    const { recordChange } = await import("../../core/history.js");
    const n = await recordChange(
      db.prisma,
      {
        actor: "slack:U1\u0000",
        actorName: "Eve\u0000\r\nInjected: yes",
        via: "chat",
        requestId: "nul-test",
      },
      { type: "contact", id: 1, repr: "AS6939 noc\u0000", action: "create", after: { email: "x@y.z" } },
    );
    expect(n).toBe(1);
    const row = await db.prisma.objectChange.findFirstOrThrow({ where: { requestId: "nul-test" } });
    expect([row.actor, row.actorName, row.objectRepr]).toEqual([
      "slack:U1 ",
      "Eve   Injected: yes",
      "AS6939 noc ",
    ]);
  });
});
