// Onboarding a network from an empty database, in chat, as its engineers would: our AS from the
// PeeringDB mirror, our exchanges and ports from `import ixps`, two BIRD routers, a port added by
// hand, a routing policy attached to LINX, a `direct` transit session, `peer AS6939 at LINX`,
// the approvals and deploys; then each object in `routers`, `sessions`, `diff` and `history`.
// No demo: only the bundled PeeringDB records are loaded.
//
// Our network here is Init7 (AS13030): the bundled mirror lists its ports at LINX LON1 and four
// other exchanges. The BIRD routers' configurations are written to files by the test's driver
// (the include file BIRD would load), and checked with `bird -p`.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileDriver } from "../../drivers/router/file.js";
import type { Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import type { TestServices } from "../helpers/services.js";
import { birdMainConfig, birdParse, haveBird, scratch } from "../render/daemons.js";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;
let chat: Chat;
let close: (() => Promise<void>) | undefined;
const say = (user: string, line: string) => chat.say(user, line);
/** Where the test's BIRD routers keep the include file peerbot deploys. */
const birdFile = (router: string) => path.join(dataDir, "bird", `${router}.conf`);

beforeAll(async () => {
  ({ db, services, chat, dataDir, close } = await demoChat(import.meta.filename, { seed: "mirror" }));
  const built = services.drivers;
  services.drivers = (router, opts) =>
    router.platform === "bird2"
      ? new FileDriver({ path: birdFile(router.name), ...opts })
      : built(router, opts);
  process.env.PEERBOT_ONBOARD_EDGE_PW = "only in the environment";
});
afterAll(async () => {
  await close?.();
  delete process.env.PEERBOT_ONBOARD_EDGE_PW;
});

/** The change ids a reply posted, in order. */
const changeIds = (t: string) => [...t.matchAll(/\[message m\d+\] Change #(\d+)/g)].map((m) => Number(m[1]));

describe("from an empty database to a first deploy", () => {
  let linxConnection = 0;

  it("starts with nothing but the PeeringDB mirror", async () => {
    expect(await db.prisma.autonomousSystem.count()).toBe(0);
    expect(await say("alice", "routers")).toContain("peerbot knows no router yet.");
    expect(await say("alice", "ixps")).toContain("peerbot knows no IXP yet.");
  });

  it("adds our AS from PeeringDB", async () => {
    const t = await say("admin", "as add 13030 affiliated");
    expect(t).toMatch(
      /^AS13030 Init7 added as one of ours, from PeeringDB: AS-SET \S+, max prefixes IPv4 \d+ \/ IPv6 \d+, policy \w+\./m,
    );
    expect(t).toContain("Next: `import ixps` finds our exchanges and ports in PeeringDB");
  });

  it("imports our exchanges and ports from PeeringDB on confirmation", async () => {
    const t = await say("admin", "import ixps");
    expect(t).toContain(
      "5 new IXPs and 6 new connections for AS13030. Nothing is created until you confirm.",
    );
    expect(await db.prisma.internetExchange.count()).toBe(0);
    const done = await chat.click("admin", "Create them");
    expect(done).toMatch(/Created 5 IXPs \(.*LINX LON1.*\) and 6 connections\./);
    const list = await say("alice", "connection list linx");
    // PeeringDB lists no IPv4 LAN for LINX LON1 in the bundled records: the address has no length.
    const m = /#(\d+)\s+LINX LON1\s+195\.66\.224\.175\s+2001:7f8:4::32e6:1\/64/.exec(list);
    expect(m, list).not.toBeNull();
    linxConnection = Number(m![1]);
  });

  it("adds two BIRD routers; the password only named, never typed", async () => {
    let t = await say(
      "admin",
      "router add edge1 host 127.0.0.1 platform bird2 user peerbot credential env:PEERBOT_ONBOARD_EDGE_PW router-id 192.0.2.1",
    );
    expect(t).toContain("Router edge1 added: bird2 at 127.0.0.1:22.");
    t = await say(
      "admin",
      "router add edge2 host 127.0.0.2 platform bird2 user peerbot credential env:PEERBOT_ONBOARD_EDGE_PW router-id 192.0.2.2",
    );
    expect(t).toContain("Router edge2 added");
    t = await say("alice", "router show edge1");
    expect(t).toContain("Local AS: AS13030 Init7");
    expect(t).toContain("Credential: from $PEERBOT_ONBOARD_EDGE_PW (set)");
  });

  it("puts the imported LINX port on edge1 and a second port, by hand, on edge2", async () => {
    let t = await say("admin", "connection set linx router edge1");
    expect(t).toContain(`Connection #${linxConnection} at LINX LON1: router is now edge1.`);
    // The mirror lists no IPv4 LAN for LINX LON1, so the import kept a bare address: give the LAN's length.
    t = await say("admin", `connection set #${linxConnection} v4 195.66.224.175/22`);
    expect(t).toContain("v4 is now 195.66.224.175/22");
    expect(t).toContain(
      "LINX LON1 lists no IPv4 peering LAN, so peerbot could not check 195.66.224.175/22 against it.",
    );
    t = await say("admin", "connection add LINX LON1 router edge2 v6 2001:7f8:4::32e6:2 speed 10G");
    expect(t).toMatch(/Connection #\d+ added at LINX LON1 on edge2: 2001:7f8:4::32e6:2\/64, 10G\./);
    t = await say("alice", "routers");
    expect(t).toMatch(/edge1\s+127\.0\.0\.1\s+bird2\s+AS13030\s+enabled\s+1\s+0/);
    expect(t).toMatch(/edge2\s+127\.0\.0\.2\s+bird2\s+AS13030\s+enabled\s+1\s+0/);
  });

  it("adds a routing policy, attaches it to LINX, and sees it in the diff of edge1", async () => {
    let t = await say("alice", "policy add peers-in import weight 100");
    expect(t).toMatch(/peers-in/);
    t = await say("alice", "policy attach peers-in to IXP LINX");
    expect(t).toMatch(/edge1/);
    t = await say("alice", "policies");
    expect(t).toMatch(/peers-in[\s\S]*LINX LON1/);
  });

  it("adds a direct transit session on edge1, approved and deployed", async () => {
    const t = await say("alice", "direct AS174 on edge1 203.0.113.1 local 203.0.113.2 transit");
    const ids = changeIds(t);
    expect(ids, t).toHaveLength(1);
    expect(t).toMatch(/^\+.*neighbor 203\.0\.113\.1 as 174;$/m);
    expect(await say("bob", `approve ${ids[0]}`)).toContain("Status: deployed.");
    expect(readFileSync(birdFile("edge1"), "utf8")).toContain("neighbor 203.0.113.1 as 174;");
    expect(await say("alice", "sessions AS174")).toMatch(/203\.0\.113\.1[\s\S]*enabled/);
  });

  it("peers with Hurricane Electric at LINX: one change per router, approved and deployed", async () => {
    const t = await say("alice", "peer AS6939 at LINX");
    const ids = changeIds(t);
    expect(ids, t).toHaveLength(2);
    expect(t).toMatch(/^\+\s+neighbor 195\.66\.224\.21 as 6939;$/m);
    expect(t).toMatch(/^\+\s+neighbor 2001:7f8:4::1b1b:1 as 6939;$/m);
    for (const id of ids) expect(await say("bob", `approve ${id}`)).toContain("Status: deployed.");
    const edge1 = readFileSync(birdFile("edge1"), "utf8");
    expect(edge1).toContain("neighbor 195.66.224.21 as 6939;");
    expect(edge1).toContain("neighbor 2001:7f8:4::1b1b:1 as 6939;");
    expect(readFileSync(birdFile("edge2"), "utf8")).toContain("neighbor 2001:7f8:4::1b1b:1 as 6939;");
  });

  // As tests/render: the daemons are required unless PEERBOT_SKIP_DAEMON_CHECKS=1.
  const strict = process.env.PEERBOT_SKIP_DAEMON_CHECKS !== "1";
  it.runIf(strict || haveBird())("BIRD itself accepts what was deployed", () => {
    expect(haveBird(), "bird2 is not installed: run .ci/install-routing.sh").toBe(true);
    const s = scratch();
    try {
      const conf = readFileSync(birdFile("edge1"), "utf8");
      const inc = path.join(s.dir, "peerbot.conf");
      writeFileSync(inc, conf);
      const fns = [...new Set([...conf.matchAll(/\b(policy_[a-z0-9_]+)\(\)/g)].map((m) => m[1] as string))];
      const main = path.join(s.dir, "bird.conf");
      writeFileSync(main, birdMainConfig(inc, fns));
      const r = birdParse(main);
      expect(r.output).toBe(r.ok ? r.output : "bird -p accepted it");
    } finally {
      s.done();
    }
  });

  it("shows each object in sessions, diff and history", async () => {
    let t = await say("alice", "sessions linx");
    expect(t).toContain("3 sessions.");
    expect(await say("alice", "diff edge1")).toContain(
      "edge1 already has exactly the configuration peerbot renders",
    );
    expect(t.match(/AS6939\s+Hurricane Electric\s+LINX LON1.*enabled/g)).toHaveLength(3);
    t = await say("alice", "routers");
    expect(t).toMatch(/edge1\s+127\.0\.0\.1\s+bird2\s+AS13030\s+enabled\s+1\s+3/);
    t = await say("alice", "diff edge1");
    expect(t).toContain("edge1 already has exactly the configuration peerbot renders");
    t = await say("alice", "history");
    expect(t).toMatch(/^History: everything/m);
    for (const row of [
      /admin\s+chat\s+create\s+as AS13030/,
      // By whoever pressed Create them.
      /admin\s+import\s+create\s+ixp LINX LON1/,
      /admin\s+import\s+create\s+connection LINX LON1 195\.66\.224\.175/,
      /admin\s+chat\s+create\s+router edge1/,
      /alice\s+chat\s+create\s+policy peers-in/,
      /alice\s+chat\s+create\s+direct-session .*203\.0\.113\.1/,
      /alice\s+chat\s+create\s+ixp-session LINX LON1 195\.66\.224\.21/,
      /change #\d+ deployed\s+deploy\s+update\s+ixp-session LINX LON1 195\.66\.224\.21\s+status: "provisioning" -> "enabled"/,
    ]) {
      // The newest changes come first; older ones are on the next pages.
      let found = row.test(t);
      for (let page = 2; !found && page <= 5; page++)
        found = row.test(await say("alice", `history page:${page}`));
      expect(found, String(row)).toBe(true);
    }
    t = await say("alice", `history connection #${linxConnection}`);
    expect(t).toMatch(
      /admin\s+chat\s+update\s+LINX LON1 195\.66\.224\.175\s+ipv4Address: "195\.66\.224\.175" -> "195\.66\.224\.175\/22"/,
    );
    expect(t).toMatch(/admin\s+chat\s+update\s+LINX LON1 195\.66\.224\.175\s+routerId: null -> \d+/);
    expect(t).toMatch(/admin\s+import\s+create\s+LINX LON1 195\.66\.224\.175/);
  });
});
