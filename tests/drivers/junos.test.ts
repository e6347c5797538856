import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DriverError } from "../../core/ports.js";
import { JunosDriver, parseJunosBgpNeighbors } from "../../drivers/router/junos.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import type { SshTarget } from "../../drivers/ssh/connection.js";
import {
  JunosFake,
  parseJunosConfig,
  printJunosConfig,
  renderJunosNeighborJson,
} from "../fakes/junos-ssh.js";
import { makeNeighbors } from "../fakes/cli-ssh-base.js";

const PASSWORD = "S3cret-Junos-pw!";
const BGP_SECRET = "md5-Sup3rSecret";

const BASE = `
system {
    host-name edge1;
}
protocols {
    bgp {
        group ibgp {
            type internal;
            neighbor 10.0.0.2;
        }
    }
}
`;

const CANDIDATE = `
protocols {
    bgp {
        replace:
        group peerbot-linx-v4 {
            type external;
            import PEERBOT-IN;
            neighbor 195.66.224.21 {
                description "AS714 Apple";
                peer-as 714;
                authentication-key "${BGP_SECRET}";
            }
            neighbor 195.66.224.22 {
                peer-as 15169;
            }
        }
    }
}
`;

describe("Junos driver against the Junos CLI fake", () => {
  let fake: JunosFake;
  let pool: SshPool;
  const drivers: JunosDriver[] = [];

  const target = (over: Partial<SshTarget> = {}): SshTarget => ({
    host: "127.0.0.1",
    port: fake.port,
    username: "peerbot",
    password: PASSWORD,
    hostKeyFingerprint: fake.hostKeyFingerprint,
    ...over,
  });
  const driver = (over: Partial<SshTarget> = {}, p = pool) => {
    const d = new JunosDriver({ pool: p, target: target(over), redact: [BGP_SECRET] });
    drivers.push(d);
    return d;
  };

  const BASE_TEXT = () => printJunosConfig(parseJunosConfig(BASE)).join("\n");

  beforeAll(async () => {
    // One vendor minute lasts 300 ms, so "commit confirmed 1" expires quickly.
    fake = new JunosFake({
      hostname: "edge1",
      users: [{ username: "peerbot", password: PASSWORD }],
      msPerSecond: 5,
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

  it("deploys: load, compare, commit confirmed, confirm", async () => {
    const d = driver();
    const before = await d.getConfig();
    expect(before).toContain("group ibgp {");
    expect(before.startsWith("protocols {\n    bgp {\n")).toBe(true);

    await d.loadCandidate(CANDIDATE);
    const diff = await d.compare();
    expect(diff).toContain("[edit protocols bgp]");
    expect(diff).toContain("+    group peerbot-linx-v4 {");
    expect(diff).toContain("+            peer-as 714;");
    expect(diff).not.toContain(BGP_SECRET);
    expect(diff).toContain("authentication-key");
    expect(fake.runningAt("protocols bgp group peerbot-linx-v4")).toBeUndefined();

    const res = await d.commit(600);
    expect(res.output).toContain("commit complete");
    expect(res.output).toContain("rolled back in 10 minutes");
    expect(fake.pending).toBeDefined();
    expect(fake.runningAt("protocols bgp group peerbot-linx-v4")).toBeDefined();

    await d.confirm();
    expect(fake.pending).toBeUndefined();
    expect(d.deployState).toBe("confirmed");
    const running = fake.runningText();
    expect(running).toContain("neighbor 195.66.224.21 {");
    expect(running).toContain("group ibgp {");
    expect(fake.history[0]!.comment).toBeUndefined();
    expect(fake.history[1]!.comment).toBe("commit confirmed, rollback in 10mins");

    // getConfig now returns what was deployed, in the shape loadCandidate takes.
    const after = await d.getConfig();
    expect(after).toContain("group peerbot-linx-v4 {");

    // Undo the confirmed deploy (Junos: rollback 2, since confirming was a commit too).
    await d.rollback();
    expect(fake.runningText()).toBe(BASE_TEXT());
  });

  it("loading what is already running shows no difference", async () => {
    const d = driver();
    const current = await d.getConfig();
    await d.loadCandidate(current);
    expect(await d.compare()).toBe("");
    await d.rollback();
    expect(fake.runningText()).toBe(BASE_TEXT());
  });

  it("commit check error: nothing applied, the router's error lines, no credential", async () => {
    fake.rejectRules = [
      { match: /neighbor 195\.66\.224\.22 > peer-as/, message: "error: AS 15169 is not allowed here" },
    ];
    const d = driver();
    const before = fake.runningText();
    await d.loadCandidate(CANDIDATE);
    const err = await d.commit(60).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriverError);
    const msg = (err as Error).message;
    expect(msg).toContain("[edit protocols bgp group peerbot-linx-v4 neighbor 195.66.224.22]");
    expect(msg).toContain("error: AS 15169 is not allowed here");
    expect(msg).toContain("error: configuration check-out failed");
    expect(msg).not.toContain(PASSWORD);
    expect(msg).not.toContain(BGP_SECRET);
    await d.rollback();
    expect(fake.runningText()).toBe(before);
    expect(fake.pending).toBeUndefined();
  });

  it("the built-in check: a neighbour without peer-as is refused", async () => {
    const d = driver();
    await d.loadCandidate(
      "protocols { bgp { group peerbot-x { type external; neighbor 192.0.2.9 { description x; } } } }",
    );
    const err = (await d.commit(60).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("Missing mandatory statement: 'peer-as'");
    await d.rollback();
    expect(fake.runningAt("protocols bgp group peerbot-x")).toBeUndefined();
  });

  it("a syntax error in the loaded text is refused with the router's words", async () => {
    const d = driver();
    const err = (await d
      .loadCandidate(`protocols { bgp { group g { neighbor 1.2.3.4 { peer-as 1; } }`)
      .catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.message).toMatch(/terminal:\d+:\(\d+\) syntax error/);
    await d.rollback();
  });

  it("lock held by another user: a clear, transient DriverError", async () => {
    fake.lockBy("alice");
    const d = driver();
    const err = (await d.loadCandidate(CANDIDATE).catch((e: unknown) => e)) as DriverError;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.transient).toBe(true);
    expect(err.message).toContain("locked by another user");
    expect(err.message).toContain("error: configuration database locked by:");
    expect(err.message).toContain("alice terminal");
    expect(err.message).not.toContain(PASSWORD);
  });

  it("confirm timer expires: the router rolls back by itself, confirm() says so", async () => {
    const d = driver();
    const before = fake.runningText();
    await d.loadCandidate(CANDIDATE);
    await d.commit(60); // 1 minute = 300 ms here
    expect(fake.runningAt("protocols bgp group peerbot-linx-v4")).toBeDefined();
    await new Promise((r) => setTimeout(r, 900));
    expect(fake.autoRollbacks).toBeGreaterThan(0);
    expect(fake.runningText()).toBe(before);
    const err = (await d.confirm().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DriverError);
    expect(err.message).toContain("rolled the change back by itself");
    // Rolling back now must not re-apply anything.
    await d.rollback();
    expect(fake.runningText()).toBe(before);
  });

  it("router-side expiry is detected even when our clock has not expired", async () => {
    let now = Date.now();
    const d = new JunosDriver({ pool, target: target(), now: () => now });
    drivers.push(d);
    const before = fake.runningText();
    await d.loadCandidate(CANDIDATE);
    await d.commit(60);
    await new Promise((r) => setTimeout(r, 900));
    now = Date.now() - 120_000; // pretend our clock is behind
    const err = (await d.confirm().catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("rolled the change back by itself");
    expect(fake.runningText()).toBe(before);
  });

  it("rollback after a confirmed commit undoes it", async () => {
    const d = driver();
    const before = fake.runningText();
    await d.loadCandidate(CANDIDATE);
    await d.commit(600);
    await d.rollback();
    expect(fake.pending).toBeUndefined();
    expect(fake.runningText()).toBe(before);
  });

  it("configure private refuses commit confirmed, as Junos does", async () => {
    const d = new JunosDriver({ pool, target: target(), configMode: "private" });
    drivers.push(d);
    await d.loadCandidate(CANDIDATE);
    const err = (await d.commit(60).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("commit confirmed not supported for private configuration");
    await d.rollback();
  });

  it("the worker dies after commit confirmed: a fresh driver cancels the pending commit", async () => {
    const before = fake.runningText();
    const deadPool = new SshPool();
    const dead = new JunosDriver({ pool: deadPool, target: target() });
    await dead.loadCandidate(CANDIDATE);
    await dead.commit(600);
    await deadPool.closeAll(); // the process is gone; the router keeps the timer running
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.pending).toBeDefined();

    const fresh = driver();
    await fresh.rollback();
    expect(fake.pending).toBeUndefined();
    expect(fake.runningText()).toBe(before);
    // Nothing pending any more: a second rollback leaves the permanent configuration alone.
    await fresh.rollback();
    expect(fake.runningText()).toBe(before);
  });

  it("the worker dies and the timer expires: the router is back where it was", async () => {
    const before = fake.runningText();
    const deadPool = new SshPool();
    const dead = new JunosDriver({ pool: deadPool, target: target() });
    await dead.loadCandidate(CANDIDATE);
    await dead.commit(60);
    await deadPool.closeAll();
    await new Promise((r) => setTimeout(r, 900));
    expect(fake.runningText()).toBe(before);
    const fresh = driver();
    await fresh.rollback(); // must not undo the router's own rollback
    expect(fake.runningText()).toBe(before);
  });

  it("operations on one driver never interleave (a poll during a load)", async () => {
    fake.neighbors = makeNeighbors(5);
    const d = driver();
    const [, neighbors] = await Promise.all([d.loadCandidate(CANDIDATE), d.getBgpNeighbors()]);
    expect(neighbors).toHaveLength(5);
    expect(await d.compare()).toContain("+    group peerbot-linx-v4 {");
    await d.rollback();
  });

  it("reads neighbours from show bgp neighbor | display json", async () => {
    fake.neighbors = makeNeighbors(25);
    const d = driver();
    const got = await d.getBgpNeighbors();
    expect(got).toHaveLength(25);
    const want = fake.neighbors[0]!;
    expect(got[0]).toMatchObject({ remoteAddress: want.address, remoteAs: want.asn });
  });
});

describe("parseJunosBgpNeighbors", () => {
  it("parses a realistic answer", () => {
    const text = renderJunosNeighborJson([
      {
        address: "195.66.224.21",
        asn: 714,
        state: "Established",
        received: 120,
        accepted: 118,
        advertised: 12,
        description: "AS714 Apple",
      },
      { address: "2001:7f8:4::2ca:1", asn: 714, state: "Active" },
      { address: "195.66.224.99", asn: 4200000001, state: "OpenConfirm" },
    ]);
    expect(parseJunosBgpNeighbors(text)).toEqual([
      {
        remoteAddress: "195.66.224.21",
        remoteAs: 714,
        state: "established",
        description: "AS714 Apple",
        receivedPrefixes: 120,
        acceptedPrefixes: 118,
        advertisedPrefixes: 12,
      },
      { remoteAddress: "2001:7f8:4::2ca:1", remoteAs: 714, state: "active" },
      { remoteAddress: "195.66.224.99", remoteAs: 4200000001, state: "openconfirm" },
    ]);
  });

  it("sums prefix counts over RIBs and reads elapsed-time seconds", () => {
    const json = JSON.stringify({
      "bgp-information": [
        {
          "bgp-peer": [
            {
              "peer-address": [{ data: "2001:db8::1+179" }],
              "peer-as": [{ data: "64500" }],
              "peer-state": [{ data: "Established" }],
              "elapsed-time": [{ data: "1d 2:03:04", attributes: { "junos:seconds": "93784" } }],
              "bgp-rib": [
                { name: [{ data: "inet6.0" }], "received-prefix-count": [{ data: "10" }] },
                { name: [{ data: "inet6.2" }], "received-prefix-count": [{ data: "5" }] },
              ],
            },
          ],
        },
      ],
    });
    expect(parseJunosBgpNeighbors("\n" + json + "\n\n{master:0}")).toEqual([
      {
        remoteAddress: "2001:db8::1",
        remoteAs: 64500,
        state: "established",
        uptimeSeconds: 93784,
        receivedPrefixes: 15,
      },
    ]);
  });
});
