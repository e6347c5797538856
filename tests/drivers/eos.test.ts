import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DriverError } from "../../core/ports.js";
import { EosDriver, parseEosBgpSummary } from "../../drivers/router/eos.js";
import type { SshTarget } from "../../drivers/ssh/connection.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { makeNeighbors } from "../fakes/cli-ssh-base.js";
import { EosFake, renderEosSummaryJson } from "../fakes/eos-ssh.js";

const PASSWORD = "S3cret-EOS-pw!";
const BGP_SECRET = "eos-md5-S3cret";

const BASE = `hostname leaf1
router bgp 65000
   router-id 10.255.255.254
   neighbor 10.0.0.2 remote-as 65000
   neighbor 10.0.0.2 update-source Loopback0
!
`;

const CANDIDATE = `router bgp 65000
   neighbor 195.66.224.21 remote-as 714
   neighbor 195.66.224.21 description AS714 Apple
   neighbor 195.66.224.21 password 0 ${BGP_SECRET}
   neighbor 195.66.224.21 route-map PEERBOT-IN in
   neighbor 195.66.224.22 remote-as 15169
   address-family ipv4
      neighbor 195.66.224.21 activate
      neighbor 195.66.224.22 activate
`;

describe("EOS driver against the EOS CLI fake", () => {
  let fake: EosFake;
  let pool: SshPool;
  const drivers: EosDriver[] = [];
  const target = (over: Partial<SshTarget> = {}): SshTarget => ({
    host: "127.0.0.1",
    port: fake.port,
    username: "peerbot",
    password: PASSWORD,
    hostKeyFingerprint: fake.hostKeyFingerprint,
    ...over,
  });
  const driver = () => {
    const d = new EosDriver({ pool, target: target(), redact: [BGP_SECRET] });
    drivers.push(d);
    return d;
  };

  beforeAll(async () => {
    fake = new EosFake({
      hostname: "leaf1",
      users: [{ username: "peerbot", password: PASSWORD }],
      msPerSecond: 10,
      config: BASE,
    });
    await fake.start();
    pool = new SshPool({ idleMs: 200 });
  });

  afterEach(async () => {
    for (const d of drivers.splice(0)) await d.close().catch(() => undefined);
    fake.unlock();
    fake.rejectRules = [];
  });

  afterAll(async () => {
    await pool.closeAll();
    await fake.stop();
  });

  it("deploys: configure session, lines, session diffs, commit timer, session commit", async () => {
    const d = driver();
    const before = await d.getConfig();
    expect(before).toContain("router bgp 65000");
    expect(before).toContain("   neighbor 10.0.0.2 remote-as 65000");

    await d.loadCandidate(CANDIDATE);
    expect(d.configSession).toMatch(/^peerbot-/);
    const diff = await d.compare();
    expect(diff).toContain("--- system:/running-config");
    expect(diff).toContain(`+++ session:/${d.configSession}-session-config`);
    expect(diff).toContain("+   neighbor 195.66.224.21 remote-as 714");
    expect(diff).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    expect(diff).not.toContain(BGP_SECRET);
    expect(fake.runningText()).not.toContain("195.66.224.21");

    await d.commit(120); // 1.2 s here
    expect(fake.runningText()).toContain("neighbor 195.66.224.21 remote-as 714");
    expect(fake.sessions.get(d.configSession)?.state).toBe("pending");
    await d.confirm();
    expect(fake.sessions.has(d.configSession)).toBe(false);
    await new Promise((r) => setTimeout(r, 1300)); // past the timer: nothing reverts
    expect(fake.autoRollbacks).toBe(0);
    expect(fake.runningText()).toContain("neighbor 195.66.224.21 remote-as 714");

    // Undo the confirmed change: the checkpoint taken before it.
    await d.rollback();
    expect(fake.runningText()).toBe(printed(BASE));
  });

  it("a line EOS refuses: nothing applied, EOS's error, no credential", async () => {
    fake.rejectRules = [
      { match: /neighbor 195\.66\.224\.22 remote-as 15169/, message: "AS 15169 is not permitted here" },
    ];
    const d = driver();
    const err = (await d.loadCandidate(CANDIDATE).catch((e: unknown) => e)) as DriverError;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.message).toContain("neighbor 195.66.224.22 remote-as 15169");
    expect(err.message).toContain("% AS 15169 is not permitted here");
    // The first line (all that chat shows) carries EOS's reason.
    expect(err.message.split("\n")[0]).toBe(
      `127.0.0.1:${fake.port} rejected the line 'neighbor 195.66.224.22 remote-as 15169': % AS 15169 is not permitted here`,
    );
    expect(err.message).not.toContain(PASSWORD);
    expect(err.message).not.toContain(BGP_SECRET);
    await d.rollback();
    expect(fake.runningText()).toBe(printed(BASE));
    expect(fake.sessions.size).toBe(0);
  });

  it("an unknown keyword: % Invalid input", async () => {
    const d = driver();
    const err = (await d
      .loadCandidate(
        "router bgp 65000\n   neighbor 192.0.2.1 remote-as 1\n   neighbor 192.0.2.1 frobnicate\n",
      )
      .catch((e: unknown) => e)) as DriverError;
    expect(err.message).toContain("% Invalid input (at token 2: 'frobnicate')");
    await d.rollback();
  });

  it("lock held by another session: a clear, transient DriverError at commit", async () => {
    const d = driver();
    await d.loadCandidate(CANDIDATE);
    fake.lockBy("alice");
    const err = (await d.commit(60).catch((e: unknown) => e)) as DriverError;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.transient).toBe(true);
    expect(err.message).toContain("locked by another session");
    expect(err.message).toContain("alice");
    expect(fake.runningText()).toBe(printed(BASE));
    await d.rollback();
  });

  it("commit timer expires: EOS reverts by itself, confirm() says so", async () => {
    const d = driver();
    await d.loadCandidate(CANDIDATE);
    await d.commit(30); // 300 ms here
    expect(fake.runningText()).toContain("195.66.224.21");
    await new Promise((r) => setTimeout(r, 800));
    expect(fake.autoRollbacks).toBe(1);
    expect(fake.runningText()).toBe(printed(BASE));
    const err = (await d.confirm().catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("rolled the change back by itself");
    await d.rollback();
    expect(fake.runningText()).toBe(printed(BASE));
  });

  it("rollback while the timer runs aborts the session", async () => {
    const d = driver();
    await d.loadCandidate(CANDIDATE);
    await d.commit(600);
    await d.rollback();
    expect(fake.runningText()).toBe(printed(BASE));
    expect(fake.sessions.size).toBe(0);
  });

  it("reads IPv4 and IPv6 neighbours from the summary JSON", async () => {
    fake.neighbors = makeNeighbors(9);
    const d = driver();
    const got = await d.getBgpNeighbors();
    expect(got).toHaveLength(9);
    expect(new Set(got.map((n) => n.remoteAddress))).toEqual(new Set(fake.neighbors.map((n) => n.address)));
  });

  function printed(config: string): string {
    const f = new EosFake({ users: [], config });
    return f.runningText();
  }
});

describe("EOS driver: what peerbot owns (pb- lists and route-maps, router bgp)", () => {
  const OWN = `hostname leaf2
route-map PEERBOT-IN permit 10
!
route-map pb-old permit 10
   set community 64500:1 additive
   continue 20
!
route-map pb-old permit 20
   sub-route-map PEERBOT-IN
!
router bgp 65000
   no bgp default ipv4-unicast
   neighbor 192.0.2.1 remote-as 64501
   neighbor 192.0.2.1 route-map pb-old in
   !
   address-family ipv4
      neighbor 192.0.2.1 activate
!
`;
  let fake: EosFake;
  let pool: SshPool;
  const drivers: EosDriver[] = [];
  const driver = () => {
    const d = new EosDriver({
      pool,
      target: {
        host: "127.0.0.1",
        port: fake.port,
        username: "peerbot",
        password: PASSWORD,
        hostKeyFingerprint: fake.hostKeyFingerprint,
      },
    });
    drivers.push(d);
    return d;
  };
  beforeAll(async () => {
    fake = new EosFake({
      hostname: "leaf2",
      users: [{ username: "peerbot", password: PASSWORD }],
      msPerSecond: 10,
      config: OWN,
    });
    await fake.start();
    pool = new SshPool({ idleMs: 200 });
  });
  afterEach(async () => {
    for (const d of drivers.splice(0)) await d.close().catch(() => undefined);
  });
  afterAll(async () => {
    await pool.closeAll();
    await fake.stop();
  });

  it("getConfig returns the pb- route-map entries, then router bgp, each with the ! that closes it", async () => {
    // Not `section route-map pb-`: router bgp mentions pb-old too, yet only its own section is read.
    expect(await driver().getConfig()).toBe(
      OWN.replace("hostname leaf2\nroute-map PEERBOT-IN permit 10\n!\n", ""),
    );
  });

  it("a deploy replaces them: route-map entries and neighbours no longer rendered go, the router's own stay", async () => {
    const candidate = `route-map pb-new permit 10
   set community 64500:2 additive
!
router bgp 65000
   no bgp default ipv4-unicast
   neighbor 192.0.2.2 remote-as 64502
   neighbor 192.0.2.2 route-map pb-new in
   !
   address-family ipv4
      neighbor 192.0.2.2 activate
!
`;
    const d = driver();
    await d.loadCandidate(candidate);
    const diff = await d.compare();
    expect(diff).toContain("-route-map pb-old permit 10");
    expect(diff).toContain("-route-map pb-old permit 20");
    expect(diff).toContain("+route-map pb-new permit 10");
    expect(diff).toContain("-   neighbor 192.0.2.1 remote-as 64501");
    await d.commit(600);
    expect(await d.getConfig()).toBe(candidate);
    await d.confirm();
    const running = fake.runningText();
    expect(running).toContain("route-map PEERBOT-IN permit 10");
    expect(running).not.toContain("pb-old");
    expect(running).not.toContain("192.0.2.1");
    await d.rollback();
    expect(fake.runningText()).toContain("pb-old");
  });

  it("a candidate with a section peerbot does not own is refused before a session is opened", async () => {
    const before = fake.runningText();
    const d = driver();
    const err = (await d
      .loadCandidate("route-map mine permit 10\n!\nrouter bgp 65000\n!\n")
      .catch((e: unknown) => e)) as DriverError;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.message).toContain("peerbot does not own ('route-map mine permit 10')");
    expect(d.configSession).toBe("");
    expect(fake.sessions.size).toBe(0);
    expect(fake.runningText()).toBe(before);
  });
});

describe("parseEosBgpSummary", () => {
  it("parses a realistic answer", () => {
    const now = 1_750_000_000;
    const text = renderEosSummaryJson(
      [
        {
          address: "195.66.224.21",
          asn: 714,
          state: "Established",
          uptimeSeconds: 3600,
          received: 120,
          accepted: 118,
          description: "AS714 Apple",
        },
        { address: "195.66.224.99", asn: 4200000001, state: "Idle" },
      ],
      "ipv4",
      now,
    );
    expect(parseEosBgpSummary(text, now)).toEqual([
      {
        remoteAddress: "195.66.224.21",
        remoteAs: 714,
        state: "established",
        description: "AS714 Apple",
        uptimeSeconds: 3600,
        receivedPrefixes: 120,
        acceptedPrefixes: 118,
      },
      {
        remoteAddress: "195.66.224.99",
        remoteAs: 4200000001,
        state: "idle",
        receivedPrefixes: 0,
        acceptedPrefixes: 0,
      },
    ]);
  });

  it("accepts numeric and asdot AS numbers and several VRFs", () => {
    const json = JSON.stringify({
      vrfs: {
        default: { peers: { "192.0.2.1": { asn: 64500, peerState: "OpenSent" } } },
        PEERING: { peers: { "2001:db8::1": { asn: "1.10", peerState: "Connect" } } },
      },
    });
    expect(parseEosBgpSummary(json, 0)).toEqual([
      { remoteAddress: "192.0.2.1", remoteAs: 64500, state: "opensent" },
      { remoteAddress: "2001:db8::1", remoteAs: 65546, state: "connect" },
    ]);
  });

  it("reports EOS' own errors", () => {
    expect(() => parseEosBgpSummary(JSON.stringify({ errors: ["BGP inactive"] }))).toThrow("BGP inactive");
  });
});
