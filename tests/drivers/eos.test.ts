import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EosDriver, parseEosBgpSummary } from "../../drivers/router/eos.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { EosFake, renderEosSummaryJson } from "../fakes/eos-ssh.js";

const PASSWORD = "S3cret-EOS-pw!";
describe("EOS driver: configuration sessions, and what peerbot owns (pb- lists and route-maps, router bgp)", () => {
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

  it("a configuration session: named, diffed against running, committed with a timer, then gone", async () => {
    const before = fake.runningText();
    const d = driver();
    await d.loadCandidate("router bgp 65000\n   neighbor 195.66.224.21 remote-as 714\n");
    expect(d.configSession).toMatch(/^peerbot-/);
    const diff = await d.compare();
    expect(diff).toContain("--- system:/running-config");
    expect(diff).toContain(`+++ session:/${d.configSession}-session-config`);
    expect(diff).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);

    await d.commit(120); // commit timer 00:02:00, 1.2 s here
    expect(fake.sessions.get(d.configSession)?.state).toBe("pending");
    await d.confirm();
    expect(fake.sessions.has(d.configSession)).toBe(false);

    // Undo the confirmed change: the checkpoint taken before it.
    await d.rollback();
    expect(fake.runningText()).toBe(before);
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
    const d = driver();
    await d.loadCandidate("route-map mine permit 10\n!\nrouter bgp 65000\n!\n").catch(() => undefined);
    expect(d.configSession).toBe("");
    expect(fake.sessions.size).toBe(0);
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
