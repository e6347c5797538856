import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DriverError } from "../../core/ports.js";
import { IosXrDriver, parseIosXrBgpNeighbors, parseIosXrFailed } from "../../drivers/router/iosxr.js";
import type { SshTarget } from "../../drivers/ssh/connection.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { makeNeighbors } from "../fakes/cli-ssh-base.js";
import { IosXrFake, renderIosXrNeighbors } from "../fakes/iosxr-ssh.js";

const PASSWORD = "S3cret-XR-pw!";
const BGP_SECRET = "xr-md5-S3cret";

const BASE = `hostname core1
router bgp 65000
 bgp router-id 10.255.255.254
 address-family ipv4 unicast
 !
 neighbor 10.0.0.2
  remote-as 65000
  update-source Loopback0
 !
!
`;

// peerbot owns the whole router bgp block (see IOSXR_OWNED_SECTIONS): the candidate carries
// what BASE has there too, or the deploy would remove it.
const CANDIDATE = `router bgp 65000
 bgp router-id 10.255.255.254
 address-family ipv4 unicast
 !
 neighbor 10.0.0.2
  remote-as 65000
  update-source Loopback0
 !
 neighbor 195.66.224.21
  remote-as 714
  description AS714 Apple
  password clear ${BGP_SECRET}
  address-family ipv4 unicast
   route-policy PEERBOT-IN in
   route-policy PEERBOT-OUT out
  !
 !
 neighbor 195.66.224.22
  remote-as 15169
  address-family ipv4 unicast
  !
 !
!
`;

describe("IOS-XR driver against the IOS-XR CLI fake", () => {
  let fake: IosXrFake;
  let pool: SshPool;
  const drivers: IosXrDriver[] = [];
  const target = (over: Partial<SshTarget> = {}): SshTarget => ({
    host: "127.0.0.1",
    port: fake.port,
    username: "peerbot",
    password: PASSWORD,
    hostKeyFingerprint: fake.hostKeyFingerprint,
    ...over,
  });
  const driver = (opts: Partial<ConstructorParameters<typeof IosXrDriver>[0]> = {}) => {
    const d = new IosXrDriver({ pool, target: target(), redact: [BGP_SECRET], ...opts });
    drivers.push(d);
    return d;
  };

  beforeAll(async () => {
    // 1 vendor second = 10 ms: "commit confirmed 30" expires after 300 ms.
    fake = new IosXrFake({
      hostname: "core1",
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

  it("deploys: configure, lines, show commit changes diff, commit confirmed, commit", async () => {
    const d = driver();
    const before = await d.getConfig();
    expect(before).toContain("router bgp 65000");
    expect(before).toContain(" neighbor 10.0.0.2");
    expect(before).not.toMatch(/UTC$/m);

    await d.loadCandidate(CANDIDATE);
    const diff = await d.compare();
    expect(diff).toContain("   router bgp 65000");
    expect(diff).toContain("+   neighbor 195.66.224.21");
    expect(diff).toContain("+    remote-as 714");
    expect(diff).not.toContain(BGP_SECRET);
    expect(diff).toContain("password clear <redacted>");
    expect(fake.runningText()).not.toContain("195.66.224.21");

    await d.commit(120); // 1.2 s here
    expect(fake.pending).toBeDefined();
    expect(fake.runningText()).toContain("neighbor 195.66.224.21");
    await d.confirm();
    expect(fake.pending).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1300)); // past the trial: nothing rolls back
    expect(fake.autoRollbacks).toBe(0);
    expect(fake.runningText()).toContain("  remote-as 714");
    expect(fake.runningText()).toContain(" neighbor 10.0.0.2");

    // Undo the confirmed change.
    await d.rollback();
    expect(fake.runningText()).not.toContain("195.66.224.21");
  });

  it("a rejected item: nothing applied, the router's error, no credential", async () => {
    fake.rejectRules = [
      {
        match: /neighbor 195\.66\.224\.22 > remote-as 15169/,
        message: "AS 15169 is not permitted on this exchange",
      },
    ];
    const d = driver();
    const before = fake.runningText();
    await d.loadCandidate(CANDIDATE);
    const err = (await d.commit(60).catch((e: unknown) => e)) as DriverError;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.message).toContain(
      "% Failed to commit one or more configuration items during a pseudo-atomic operation",
    );
    expect(err.message).toContain("!!% AS 15169 is not permitted on this exchange");
    // The first line (all that chat shows) carries XR's reason and where it applies.
    expect(err.message.split("\n")[0]).toBe(
      `127.0.0.1:${fake.port} refused the commit, nothing was applied: router bgp 65000 > neighbor 195.66.224.22 > remote-as 15169: AS 15169 is not permitted on this exchange`,
    );
    expect(err.message).not.toContain(PASSWORD);
    expect(err.message).not.toContain(BGP_SECRET);
    expect(fake.runningText()).toBe(before);
    await d.rollback();
    expect(fake.runningText()).toBe(before);
  });

  it("an unknown keyword is refused at load time with the parser's message", async () => {
    const d = driver();
    const err = (await d
      .loadCandidate("router bgp 65000\n neighbor 192.0.2.1\n  remote-as 1\n  frobnicate yes\n")
      .catch((e: unknown) => e)) as DriverError;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.message).toContain("frobnicate yes");
    expect(err.message).toContain("% Invalid input detected at '^' marker.");
    expect(err.message.split("\n")[0]).toMatch(
      /rejected the line 'frobnicate yes': % Invalid input detected at '\^' marker\.$/,
    );
    expect(fake.runningText()).not.toContain("192.0.2.1");
    await d.rollback();
  });

  it("lock held by another session: a clear, transient DriverError", async () => {
    fake.lockBy("alice");
    const d = driver();
    const err = (await d.loadCandidate(CANDIDATE).catch((e: unknown) => e)) as DriverError;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.transient).toBe(true);
    expect(err.message).toContain("locked by another session");
    expect(err.message).toContain("alice");
  });

  it("commit blocked by a lock taken after we staged (shared mode)", async () => {
    const d = driver({ configMode: "shared" });
    await d.loadCandidate(CANDIDATE);
    fake.lockBy("bob");
    const err = (await d.commit(60).catch((e: unknown) => e)) as DriverError;
    expect(err.transient).toBe(true);
    expect(err.message).toContain("locked");
    await d.rollback();
  });

  it("confirm timer expires: XR rolls back by itself, confirm() says so, rollback() leaves it", async () => {
    const d = driver();
    const before = fake.runningText();
    await d.loadCandidate(CANDIDATE);
    await d.commit(30);
    await new Promise((r) => setTimeout(r, 800));
    expect(fake.autoRollbacks).toBe(1);
    expect(fake.runningText()).toBe(before);
    const err = (await d.confirm().catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("rolled the change back by itself");
    await d.rollback();
    expect(fake.runningText()).toBe(before);
  });

  it("rollback during the trial undoes the commit", async () => {
    const d = driver();
    const before = fake.runningText();
    await d.loadCandidate(CANDIDATE);
    await d.commit(600);
    await d.rollback();
    expect(fake.pending).toBeUndefined();
    expect(fake.runningText()).toBe(before);
  });

  it("another session committed meanwhile: refused, nothing committed", async () => {
    const a = driver({ configMode: "shared" });
    const b = driver({ configMode: "shared" });
    await a.loadCandidate(CANDIDATE);
    await b.loadCandidate("router bgp 65000\n neighbor 192.0.2.77\n  remote-as 64777\n");
    await b.commit(600);
    await b.confirm();
    const err = (await a.commit(60).catch((e: unknown) => e)) as DriverError;
    expect(err.message).toContain("another session committed");
    expect(fake.runningText()).not.toContain("195.66.224.21");
    await b.rollback();
  });

  it("reads neighbours from show bgp neighbors", async () => {
    fake.neighbors = makeNeighbors(12);
    const d = driver();
    const got = await d.getBgpNeighbors();
    expect(got).toHaveLength(12);
    expect(got.map((n) => n.remoteAddress)).toEqual(fake.neighbors.map((n) => n.address));
  });
});

describe("IOS-XR driver: what peerbot owns (pb- sets and route-policies, router bgp)", () => {
  const OWN = `hostname core2
route-policy PEERBOT-IN
  pass
end-policy
!
route-policy pb-old
  set community (64500:1) additive
  apply PEERBOT-IN
end-policy
!
router bgp 65000
 neighbor 192.0.2.1
  remote-as 64501
  address-family ipv4 unicast
   route-policy pb-old in
  !
 !
!
`;
  let fake: IosXrFake;
  let pool: SshPool;
  const drivers: IosXrDriver[] = [];
  const driver = () => {
    const d = new IosXrDriver({
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
    fake = new IosXrFake({
      hostname: "core2",
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

  it("getConfig returns the pb- route-policies, then router bgp, as XR prints them", async () => {
    expect(await driver().getConfig()).toBe(`route-policy pb-old
  set community (64500:1) additive
  apply PEERBOT-IN
end-policy
!
router bgp 65000
 neighbor 192.0.2.1
  remote-as 64501
  address-family ipv4 unicast
   route-policy pb-old in
  !
 !
!
`);
  });

  it("a deploy replaces them: a route-policy and a neighbour no longer rendered go, the router's own stay", async () => {
    const candidate = `route-policy pb-new
  set community (64500:2) additive
  apply PEERBOT-IN
end-policy
!
router bgp 65000
 neighbor 192.0.2.2
  remote-as 64502
  address-family ipv4 unicast
   route-policy pb-new in
  !
 !
!
`;
    const d = driver();
    await d.loadCandidate(candidate);
    const diff = await d.compare();
    expect(diff).toContain("-  route-policy pb-old");
    expect(diff).toContain("+  route-policy pb-new");
    expect(diff).toContain("-   neighbor 192.0.2.1");
    expect(diff).not.toContain("PEERBOT-IN\n  pass");
    await d.commit(600);
    expect(await d.getConfig()).toBe(candidate);
    await d.confirm();
    const running = fake.runningText();
    expect(running).toContain("route-policy PEERBOT-IN");
    expect(running).toContain("hostname core2");
    expect(running).not.toContain("pb-old");
    expect(running).not.toContain("192.0.2.1");
    await d.rollback();
    expect(fake.runningText()).toContain("pb-old");
  });

  it("a candidate with a section peerbot does not own is refused before anything is typed", async () => {
    const before = fake.runningText();
    const d = driver();
    const err = (await d
      .loadCandidate("route-policy mine\n  pass\nend-policy\n!\nrouter bgp 65000\n!\n")
      .catch((e: unknown) => e)) as DriverError;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.message).toContain("peerbot does not own ('route-policy mine')");
    expect(d.deployState).toBe("idle");
    expect(fake.runningText()).toBe(before);
  });

  it("parseIosXrFailed: each !!% after the item it refuses, with the item's path", () => {
    expect(
      parseIosXrFailed(
        [
          "!! SEMANTIC ERRORS: This configuration was rejected by ",
          "!! the system due to semantic errors.",
          "",
          "router bgp 65000",
          " neighbor 192.0.2.9",
          "  remote-as 0",
          "!!% Invalid AS number",
          " !",
          "!",
          "route-policy pb-x",
          "!!% 'RPL' detected the 'warning' condition 'Policy [y] is not defined'",
          "end",
        ].join("\n"),
      ),
    ).toEqual([
      "router bgp 65000 > neighbor 192.0.2.9 > remote-as 0: Invalid AS number",
      "route-policy pb-x: 'RPL' detected the 'warning' condition 'Policy [y] is not defined'",
    ]);
  });
});

describe("parseIosXrBgpNeighbors", () => {
  it("parses realistic output", () => {
    const text = renderIosXrNeighbors([
      {
        address: "195.66.224.21",
        asn: 714,
        state: "Established",
        uptimeSeconds: 93784,
        received: 120,
        accepted: 118,
        advertised: 12,
        description: "AS714 Apple",
      },
      { address: "2001:7f8:4::2ca:1", asn: 714, state: "Active" },
      { address: "195.66.224.99", asn: 4200000001, state: "Idle" },
      {
        address: "195.66.224.98",
        asn: 64500,
        state: "Established",
        uptimeSeconds: 3723,
        accepted: 5,
        received: 5,
      },
    ]);
    expect(parseIosXrBgpNeighbors(text)).toEqual([
      {
        remoteAddress: "195.66.224.21",
        remoteAs: 714,
        state: "established",
        description: "AS714 Apple",
        uptimeSeconds: 93600, // "1d02h": XR drops minutes past a day
        acceptedPrefixes: 118,
        receivedPrefixes: 118,
        advertisedPrefixes: 12,
      },
      {
        remoteAddress: "2001:7f8:4::2ca:1",
        remoteAs: 714,
        state: "active",
        acceptedPrefixes: 0,
        receivedPrefixes: 0,
        advertisedPrefixes: 0,
      },
      {
        remoteAddress: "195.66.224.99",
        remoteAs: 4200000001,
        state: "idle",
        acceptedPrefixes: 0,
        receivedPrefixes: 0,
        advertisedPrefixes: 0,
      },
      {
        remoteAddress: "195.66.224.98",
        remoteAs: 64500,
        state: "established",
        uptimeSeconds: 3723,
        acceptedPrefixes: 5,
        receivedPrefixes: 5,
        advertisedPrefixes: 0,
      },
    ]);
  });

  it("reads asdot AS numbers and week-long uptimes", () => {
    const text = [
      "BGP neighbor is 192.0.2.1",
      " Remote AS 1.10, local AS 65000, external link",
      "  BGP state = Established, up for 5w0d",
      " For Address Family: IPv4 Unicast",
      "  7 accepted prefixes, 7 are bestpaths",
      " For Address Family: IPv4 Multicast",
      "  3 accepted prefixes, 3 are bestpaths",
    ].join("\n");
    expect(parseIosXrBgpNeighbors(text)).toEqual([
      {
        remoteAddress: "192.0.2.1",
        remoteAs: 65546,
        state: "established",
        uptimeSeconds: 35 * 86400,
        acceptedPrefixes: 10,
        receivedPrefixes: 10,
      },
    ]);
  });
});
