// `import sessions <router>` from chat, as an operator runs it: against the Junos, IOS-XR and
// EOS SSH fakes and the real BIRD 2 and FRR routers of the router lab. Each neighbour is
// classified (IXP sessions inside a connection's peering LAN, a route server among them;
// direct sessions with their relationship from the router's description; our own AS and our
// own addresses skipped; known sessions left alone); nothing is created before Confirm; the
// press creates the sessions `enabled` with their polled state and the missing networks (from
// the PeeringDB mirror, or bare), with history rows; nothing on the router changes; and a second
// import adds nothing.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNet, relationshipFrom } from "../../core/import-sessions.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import type { FakeCliServer, FakeNeighbor } from "../fakes/cli-ssh-base.js";
import { EosFake } from "../fakes/eos-ssh.js";
import { IosXrFake } from "../fakes/iosxr-ssh.js";
import { JunosFake } from "../fakes/junos-ssh.js";
import { createChat, type Chat } from "../helpers/chat.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";
import { frrUnavailable, labUnavailable, PEER_IP, RouterLab, skipReason, waitFor } from "../routers/lab.js";
import { seedLab } from "../routers/seed.js";

const run = promisify(execFile);
const PASSWORD = "Imp0rt-sessions-pw";

interface World {
  db: TestDatabase;
  services: TestServices;
  chat: Chat;
  pool: SshPool;
  dataDir: string;
  close(): Promise<void>;
}

async function world(label: string): Promise<World> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-imps-"));
  const db = await createTestDatabase(label);
  const services = testServices(db, {}, dataDir);
  const pool = new SshPool({ idleMs: 100 });
  services.drivers = createDriverFactory({ secrets: services.secrets, dataDir, pool });
  return {
    db,
    services,
    chat: createChat(services),
    pool,
    dataDir,
    async close() {
      await pool.closeAll();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Says `line` and proves that it changed nothing but the audit log. */
async function unchanged(w: World, user: string, line: string): Promise<string> {
  const before = await fingerprint(w.db);
  const out = await w.chat.say(user, line);
  expect(await fingerprint(w.db), `"${line}" changed nothing`).toBe(before);
  return out;
}

const now = new Date();
async function mirrorNet(db: TestDatabase, id: number, asn: number, name: string): Promise<void> {
  await db.pool.query(
    `insert into pdb_net (id, org_id, name, asn, irr_as_set, info_prefixes4, info_prefixes6, policy_general, status, created, updated)
     values ($1, 1, $2, $3, $4, 250, 50, 'Open', 'ok', $5, $5)`,
    [id, name, asn, `AS-${asn}`, now],
  );
}

// ---------------------------------------------------------------------------------------
// The vendor fakes
// ---------------------------------------------------------------------------------------

/**
 * What the router has: four IXP neighbours (one a route server), three direct, one known, and
 * three to skip (iBGP, our own address, an exchange where the router has no connection).
 */
const NEIGHBORS: FakeNeighbor[] = [
  { address: "203.0.113.2", asn: 64501, state: "Established", received: 10, accepted: 9, advertised: 2 },
  { address: "2001:db8:ffff::2", asn: 64501, state: "Established", received: 4, accepted: 4, advertised: 1 },
  { address: "203.0.113.3", asn: 64502, state: "Active" },
  {
    address: "203.0.113.250",
    asn: 64599,
    state: "Established",
    received: 90000,
    accepted: 88000,
    advertised: 2,
  },
  {
    address: "198.51.100.1",
    asn: 64510,
    state: "Established",
    received: 900000,
    accepted: 900000,
    advertised: 3,
    description: "Transit: Example Carrier",
  },
  { address: "198.51.100.9", asn: 64520, state: "Idle", description: "Customer Acme" },
  { address: "192.0.2.77", asn: 64530, state: "Established", received: 1, accepted: 1, advertised: 3 },
  { address: "10.0.0.2", asn: 64500, state: "Established", description: "core1 iBGP" },
  { address: "203.0.113.1", asn: 64501, state: "Active", description: "our own address, mistyped" },
  { address: "203.0.113.9", asn: 64501, state: "Established", received: 3, accepted: 3, advertised: 2 },
  { address: "100.65.0.5", asn: 64540, state: "Active", description: "at Other IX" },
];

interface Vendor {
  platform: "junos" | "iosxr" | "eos";
  make(): FakeCliServer & { neighbors: FakeNeighbor[]; runningText(): string };
}

const users = [{ username: "peerbot", password: PASSWORD }];
const vendors: Vendor[] = [
  { platform: "junos", make: () => new JunosFake({ hostname: "edge-j", users }) },
  { platform: "iosxr", make: () => new IosXrFake({ hostname: "edge-x", users }) },
  { platform: "eos", make: () => new EosFake({ hostname: "edge-e", users }) },
];

describe.each(vendors)("import sessions from the $platform SSH fake", (v) => {
  let w: World;
  let fake: ReturnType<Vendor["make"]>;
  let routerId: number;
  let connectionId: number;
  const name = `edge-${v.platform}`;

  beforeAll(async () => {
    w = await world(`${import.meta.filename}-${v.platform}`);
    fake = v.make();
    fake.neighbors = NEIGHBORS.map((n) => ({ ...n }));
    await fake.start();
    const p = w.db.prisma;
    const us = await p.autonomousSystem.create({ data: { asn: 64500n, name: "us", affiliated: true } });
    const peer = await p.autonomousSystem.create({ data: { asn: 64501n, name: "Peer One" } });
    const ixp = await p.internetExchange.create({
      data: {
        name: "Test IX",
        slug: "test-ix",
        localAsId: us.id,
        peeringdbIxlanId: 990_100,
        prefixes: ["203.0.113.0/24", "2001:db8:ffff::/64"],
      },
    });
    await w.db.pool.query(
      `insert into pdb_ixlan (id, ix_id, rs_asn, status, created, updated) values (990100, 990000, 64599, 'ok', $1, $1)`,
      [now],
    );
    await p.internetExchange.create({
      data: { name: "Other IX", slug: "other-ix", localAsId: us.id, prefixes: ["100.65.0.0/24"] },
    });
    await mirrorNet(w.db, 990_510, 64510, "Example Carrier");
    await mirrorNet(w.db, 990_599, 64599, "Test IX Route Servers");
    const router = await p.router.create({
      data: {
        name,
        hostname: "127.0.0.1",
        port: fake.port,
        platform: v.platform,
        localAsId: us.id,
        username: "peerbot",
        passwordEnc: w.services.secrets!.encrypt(PASSWORD),
        hostKeyFingerprint: fake.hostKeyFingerprint,
      },
    });
    routerId = router.id;
    const conn = await p.connection.create({
      data: { ixpId: ixp.id, routerId, ipv4Address: "203.0.113.1/24", ipv6Address: "2001:db8:ffff::1/64" },
    });
    connectionId = conn.id;
    await p.ixpSession.create({
      data: { autonomousSystemId: peer.id, connectionId, ipAddress: "203.0.113.9", status: "enabled" },
    });
  });
  afterAll(async () => {
    await fake?.stop();
    await w?.close();
  });

  it("proposes each neighbour classified, with counts and a Confirm button, and creates nothing", async () => {
    const out = await unchanged(w, "alice", `import sessions ${name}`);
    expect(out).toContain(`Import sessions from ${name}`);
    expect(out).toContain(
      `${name} has 11 BGP neighbours: 1 already known to peerbot, 3 skipped; to create: 4 IXP sessions, 3 direct sessions and 5 new networks (3 not in PeeringDB).`,
    );
    expect(out).toContain("Nothing is created until you confirm, and nothing on the router changes.");
    // Received/accepted prefixes as each platform reports them (IOS-XR: accepted only).
    expect(out).toMatch(/IXP +AS64501 +Peer One +203\.0\.113\.2 +Test IX +Established +(10|9)\/9/);
    expect(out).toMatch(/IXP +AS64501 +Peer One +2001:db8:ffff::2 +Test IX/);
    expect(out).toMatch(
      /IXP +AS64502 +AS64502 \(not in PeeringDB\) \(new\) +203\.0\.113\.3 +Test IX +Active/,
    );
    expect(out).toMatch(
      /IXP +AS64599 +Test IX Route Servers \(new\) +203\.0\.113\.250 +Test IX \(route server\)/,
    );
    expect(out).toMatch(/direct +AS64510 +Example Carrier \(new\) +198\.51\.100\.1 +transit +Established/);
    expect(out).toMatch(
      /direct +AS64520 +AS64520 \(not in PeeringDB\) \(new\) +198\.51\.100\.9 +customer +Idle/,
    );
    expect(out).toMatch(/direct +AS64530 +AS64530 \(not in PeeringDB\) \(new\) +192\.0\.2\.77 +peering/);
    expect(out).toContain(
      "Skipped: 10.0.0.2 AS64500: our own AS64500 (iBGP); 203.0.113.1 AS64501: an address of ours",
    );
    expect(out).toMatch(
      new RegExp(`\\[1\\] Confirm {2}\\(import\\.sessions:${routerId}:4\\.3\\.5:[0-9a-f]{12}\\)`),
    );
  });

  it("a viewer may not confirm; `import ixps` still needs an admin", async () => {
    const action = /\((import\.sessions:[^)]+)\)/.exec(
      await w.chat.say("alice", `import sessions ${name}`),
    )![1]!;
    expect(await unchanged(w, "carol", `click ${action}`)).toContain(
      "You need the operator role to import a router's sessions",
    );
    expect(await unchanged(w, "alice", "import ixps")).toContain(
      "You need the admin role to run `import ixps`",
    );
    expect(await unchanged(w, "alice", "import sessions")).toContain(
      "Say which router to import sessions from.",
    );
    expect(await unchanged(w, "alice", "import sessions nope")).toContain(
      'There is no router called "nope".',
    );
    expect(await unchanged(w, "alice", "import routers")).toContain(
      "peerbot imports IXPs (import ixps) or a router's sessions (import sessions <router>).",
    );
  });

  it("Confirm reads the router again, creates what it has now, and says that it changed", async () => {
    await w.chat.say("alice", `import sessions ${name}`);
    // Between the proposal and the press, the router gained a direct session.
    fake.neighbors.push({
      address: "198.51.100.20",
      asn: 64510,
      state: "Connect",
      description: "upstream 2",
    });
    const running = fake.runningText();
    const out = await w.chat.click("alice", "Confirm");
    expect(out).toContain(`Imported sessions from ${name}`);
    expect(out).toContain(
      "Created 4 IXP sessions, 4 direct sessions and 5 new networks, enabled with their state as the router reported it.",
    );
    expect(out).toContain(
      "The router changed since the proposal, which had 4 IXP sessions, 3 direct sessions and 5 new networks; this is what it has now.",
    );
    expect(fake.runningText()).toBe(running);

    const p = w.db.prisma;
    const ixp = await p.ixpSession.findMany({ where: { connectionId }, include: { autonomousSystem: true } });
    expect(ixp).toHaveLength(5);
    const v4 = ixp.find((s) => s.ipAddress === "203.0.113.2")!;
    // Each platform's counters as its driver reads them (EOS's summary has no advertised count).
    expect(v4).toMatchObject({
      status: "enabled",
      bgpState: "established",
      acceptedPrefixCount: 9,
      isRouteServer: false,
    });
    expect([10, 9]).toContain(v4.receivedPrefixCount);
    expect([2, null]).toContain(v4.advertisedPrefixCount);
    expect(v4.polledAt).not.toBeNull();
    expect(v4.lastEstablishedAt).not.toBeNull();
    expect(ixp.find((s) => s.ipAddress === "203.0.113.250")!.isRouteServer).toBe(true);
    const idle = ixp.find((s) => s.ipAddress === "203.0.113.3")!;
    expect(idle.bgpState).toBe("active");
    expect(idle.lastEstablishedAt).toBeNull();
    expect(idle.autonomousSystem.name).toBe("AS64502 (not in PeeringDB)");

    const direct = await p.directSession.findMany({
      where: { routerId },
      include: { autonomousSystem: true },
    });
    const rel = Object.fromEntries(direct.map((d) => [d.ipAddress, d.relationship]));
    expect(rel).toEqual({
      "198.51.100.1": "transit_provider",
      "198.51.100.20": "transit_provider",
      "198.51.100.9": "customer",
      "192.0.2.77": "peering",
    });
    const transit = direct.find((d) => d.ipAddress === "198.51.100.1")!;
    expect(transit).toMatchObject({
      status: "enabled",
      bgpState: "established",
      comments: "Transit: Example Carrier",
    });
    expect(transit.autonomousSystem).toMatchObject({
      name: "Example Carrier",
      peeringdbNetId: 990_510,
      irrAsSet: "AS-64510",
      ipv4MaxPrefixes: 250,
    });

    const history = await p.objectChange.findMany({ where: { via: "import" } });
    expect(history.every((h) => h.actor === "console:alice" && h.action === "create")).toBe(true);
    expect(new Set(history.map((h) => h.requestId)).size).toBe(1);
    const byType = (t: string) =>
      history
        .filter((h) => h.objectType === t)
        .map((h) => h.objectRepr)
        .sort();
    expect(byType("as")).toEqual(["AS64502", "AS64510", "AS64520", "AS64530", "AS64599"]);
    expect(byType("ixp-session")).toEqual([
      "Test IX 2001:db8:ffff::2",
      "Test IX 203.0.113.2",
      "Test IX 203.0.113.250",
      "Test IX 203.0.113.3",
    ]);
    expect(byType("direct-session")).toEqual([
      `${name} 192.0.2.77`,
      `${name} 198.51.100.1`,
      `${name} 198.51.100.20`,
      `${name} 198.51.100.9`,
    ]);
  });

  it("a second import adds nothing, and a second press of the old Confirm neither", async () => {
    const out = await unchanged(w, "alice", `import sessions ${name}`);
    expect(out).toContain(
      `Nothing to import: ${name} has 12 BGP neighbours: 9 already known to peerbot, 3 skipped.`,
    );
    expect(out).not.toContain("Confirm");
    const again = await unchanged(w, "alice", `click import.sessions:${routerId}:4.3.5:000000000000`);
    expect(again).toContain(`Nothing to import from ${name} any more`);
  });
});

// ---------------------------------------------------------------------------------------
// The router lab: BIRD 2 and FRR for real
// ---------------------------------------------------------------------------------------

/** What the lab routers carry by hand: the peer on Lab IX, a transit, an iBGP neighbour. */
const TRANSIT_IP = "198.18.255.1";
const IBGP_IP = "10.255.0.2";

interface LabCase {
  daemon: "bird2" | "frr";
  tag: string;
  slot: number;
  unavailable: string | null;
  /** Configures the hand-written sessions on the router. */
  handwrite(lab: RouterLab): Promise<void>;
  /** What the router runs, to prove the import changed nothing there. */
  running(lab: RouterLab): Promise<string>;
}

const labCases: LabCase[] = [
  {
    daemon: "bird2",
    tag: "ib",
    slot: 21,
    unavailable: skipReason(labUnavailable(), it),
    async handwrite(lab) {
      writeFileSync(
        lab.ownedFile,
        `protocol bgp hand_peer {
  local 192.0.2.1 as 64500;
  neighbor ${PEER_IP} as 64501;
  connect retry time 1;
  ipv4 { import all; export none; };
}
protocol bgp hand_transit {
  description "Transit: Example Carrier";
  local as 64500;
  neighbor ${TRANSIT_IP} as 64510;
  ipv4 { import none; export none; };
}
protocol bgp hand_ibgp {
  local as 64500;
  neighbor ${IBGP_IP} as 64500;
  ipv4 { import none; export none; };
}
`,
      );
      expect(await lab.birdc("configure")).toMatch(/Reconfigured|Reconfiguration in progress/);
    },
    async running(lab) {
      // The file BIRD reads and the protocols it runs (their names: the states come and go).
      const protocols = (await lab.birdc("show protocols"))
        .split("\n")
        .filter((l) => / BGP /.test(l))
        .map((l) => l.split(/\s+/)[0])
        .sort();
      return `${readFileSync(lab.ownedFile, "utf8")}\n${protocols.join("\n")}`;
    },
  },
  {
    daemon: "frr",
    tag: "if",
    slot: 22,
    unavailable: skipReason(frrUnavailable(), it),
    async handwrite(lab) {
      const c = (...lines: string[]) => lines.flatMap((l) => ["-c", l]);
      await run("vtysh", [
        "--vty_socket",
        lab.frrDir,
        "--config_dir",
        lab.frrDir,
        ...c(
          "configure terminal",
          "router bgp 64500",
          `neighbor ${PEER_IP} remote-as 64501`,
          `neighbor ${TRANSIT_IP} remote-as 64510`,
          `neighbor ${TRANSIT_IP} description Transit: Example Carrier`,
          `neighbor ${IBGP_IP} remote-as 64500`,
          "address-family ipv4 unicast",
          `neighbor ${PEER_IP} activate`,
          `neighbor ${PEER_IP} route-map lab-import in`,
          `neighbor ${PEER_IP} route-map lab-export out`,
        ),
      ]);
      expect(await lab.vtysh("show running-config")).toContain(`neighbor ${PEER_IP} remote-as 64501`);
    },
    async running(lab) {
      return lab.vtysh("show running-config");
    },
  },
];

describe.each(labCases)("import sessions from the lab's $daemon router", (c) => {
  describe.skipIf(c.unavailable)(`over SSH${c.unavailable ? ` (skipped: ${c.unavailable})` : ""}`, () => {
    let lab: RouterLab;
    let w: World;
    const name = `lab-${c.daemon}`;

    beforeAll(async () => {
      lab = new RouterLab({ tag: c.tag, mgmtSlot: c.slot, daemon: c.daemon });
      await lab.start();
      w = await world(`${import.meta.filename}-${c.daemon}`);
      await seedLab(w.db, w.services.secrets!, lab, { routerName: name });
      await c.handwrite(lab);
      // The peer comes up with the hand-written session: its polled state is imported.
      await waitFor(async () => (await lab.peerState()) === "Established", 30_000, "the lab peer's session");
    }, 120_000);
    afterAll(async () => {
      await w?.close();
      await lab?.close();
    });

    it("classifies the peer on Lab IX, the transit and the iBGP neighbour; nothing before Confirm", async () => {
      const out = await unchanged(w, "alice", `import sessions ${name}`);
      expect(out).toContain(
        `${name} has 3 BGP neighbours: 0 already known to peerbot, 1 skipped; to create: 1 IXP session, 1 direct session and 2 new networks (1 not in PeeringDB).`,
      );
      expect(out).toMatch(/IXP +AS64501 +Lab Peer Networks \(new\) +192\.0\.2\.2 +Lab IX +Established/);
      expect(out).toMatch(/direct +AS64510 +AS64510 \(not in PeeringDB\) \(new\) +198\.18\.255\.1 +transit/);
      expect(out).toContain(`Skipped: ${IBGP_IP} AS64500: our own AS64500 (iBGP)`);
      // `router test` on the same router: the daemon's own version, and what import would bring in.
      const t = await unchanged(w, "admin", `router test ${name}`);
      expect(t).toContain(`${name}: SSH works`);
      expect(t).toMatch(c.daemon === "bird2" ? /Runs: BIRD 2\.\d+\.\d+/ : /Runs: FRRouting \d+\.\d+/);
      expect(t).toContain("BGP neighbours: 3, 1 Established; 3 without a session in peerbot");
    });

    it("Confirm creates them with their polled state and changes nothing on the router; a second import adds nothing", async () => {
      // AS64501 is in the lab's PeeringDB mirror: "new" until this import, then from the mirror.
      await w.chat.say("alice", `import sessions ${name}`);
      const before = await c.running(lab);
      const out = await w.chat.click("alice", "Confirm");
      expect(out).toContain("Created 1 IXP session, 1 direct session and 2 new networks");
      expect(await c.running(lab)).toBe(before);
      const s = await w.db.prisma.ixpSession.findFirstOrThrow({
        where: { ipAddress: PEER_IP },
        include: { autonomousSystem: true },
      });
      expect(s).toMatchObject({ status: "enabled", bgpState: "established" });
      expect(s.acceptedPrefixCount).toBe(3);
      expect(s.autonomousSystem).toMatchObject({ name: "Lab Peer Networks", peeringdbNetId: 990_501 });
      const d = await w.db.prisma.directSession.findFirstOrThrow({ where: { ipAddress: TRANSIT_IP } });
      expect(d).toMatchObject({
        relationship: "transit_provider",
        status: "enabled",
        comments: "Transit: Example Carrier",
      });
      expect(d.bgpState).not.toBe("established");

      const again = await unchanged(w, "alice", `import sessions ${name}`);
      expect(again).toContain(
        `Nothing to import: ${name} has 3 BGP neighbours: 2 already known to peerbot, 1 skipped.`,
      );
    });
  });
});

describe("classification rules", () => {
  it("the relationship a description suggests, and peering LANs from prefixes and connection addresses", () => {
    expect(relationshipFrom("Transit: Example Carrier")).toBe("transit_provider");
    expect(relationshipFrom("IP-Transit backup")).toBe("transit_provider");
    expect(relationshipFrom("upstream-2")).toBe("transit_provider");
    expect(relationshipFrom("CUST: Acme Ltd")).toBe("customer");
    expect(relationshipFrom("Downstream AS64999")).toBe("customer");
    expect(relationshipFrom("PNI with Example")).toBe("private_peering");
    expect(relationshipFrom("private peering Example")).toBe("private_peering");
    expect(relationshipFrom("transitive closure")).toBe("peering");
    expect(relationshipFrom("")).toBe("peering");
    expect(parseNet("195.66.224.10/22")).toMatchObject({ family: 4, len: 22 });
    expect(parseNet("2001:7f8:4::1/64")).toMatchObject({ family: 6, len: 64 });
    expect(parseNet("192.0.2.1")).toBeNull();
    expect(parseNet("192.0.2.0/33")).toBeNull();
    expect(parseNet("not-an-address/24")).toBeNull();
  });
});
