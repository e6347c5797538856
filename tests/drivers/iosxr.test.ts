import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DriverError } from "../../core/ports.js";
import { IosXrDriver, parseIosXrBgpNeighbors, parseIosXrFailed } from "../../drivers/router/iosxr.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { makeNeighbors } from "../fakes/cli-ssh-base.js";
import { IosXrFake, renderIosXrNeighbors } from "../fakes/iosxr-ssh.js";

const PASSWORD = "S3cret-XR-pw!";
// Adds a neighbour to router bgp (and drops what OWN has there).
const CANDIDATE = "router bgp 65000\n neighbor 195.66.224.21\n  remote-as 714\n !\n!\n";

describe("IOS-XR driver: what peerbot owns (pb- sets and route-policies, router bgp), shared mode", () => {
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
  const driver = (opts: Partial<ConstructorParameters<typeof IosXrDriver>[0]> = {}) => {
    const d = new IosXrDriver({
      pool,
      target: {
        host: "127.0.0.1",
        port: fake.port,
        username: "peerbot",
        password: PASSWORD,
        hostKeyFingerprint: fake.hostKeyFingerprint,
      },
      ...opts,
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
    fake.unlock();
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

  it("commit blocked by a lock taken after we staged (shared mode)", async () => {
    const d = driver({ configMode: "shared" });
    await d.loadCandidate(CANDIDATE);
    fake.lockBy("bob");
    const err = (await d.commit(60).catch((e: unknown) => e)) as DriverError;
    expect(err.transient).toBe(true);
    expect(err.message).toContain("locked");
    await d.rollback();
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

  it("reads neighbours from show bgp neighbors, in the order XR prints them", async () => {
    fake.neighbors = makeNeighbors(12);
    const got = await driver().getBgpNeighbors();
    expect(got.map((n) => n.remoteAddress)).toEqual(fake.neighbors.map((n) => n.address));
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
