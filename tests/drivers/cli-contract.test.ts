// The behaviours every CLI router driver shares, checked against each platform's SSH fake.
// What only one platform does (Junos hierarchies and rollback numbers, IOS-XR shared mode and
// show configuration failed, EOS configuration sessions) stays in that platform's own file.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DriverError } from "../../core/ports.js";
import type { CliDriverOptions } from "../../drivers/router/base/cli-driver.js";
import type { SerialDriver } from "../../drivers/router/base/serial-driver.js";
import { EosDriver } from "../../drivers/router/eos.js";
import { IosXrDriver } from "../../drivers/router/iosxr.js";
import { JunosDriver } from "../../drivers/router/junos.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { makeNeighbors, type FakeNeighbor } from "../fakes/cli-ssh-base.js";
import { EosFake } from "../fakes/eos-ssh.js";
import { IosXrFake } from "../fakes/iosxr-ssh.js";
import { JunosFake, parseJunosConfig, printJunosConfig } from "../fakes/junos-ssh.js";

/** What the contract needs of a platform's fake. */
interface CliFake {
  port: number;
  hostKeyFingerprint: string;
  autoRollbacks: number;
  neighbors: FakeNeighbor[];
  rejectRules: { match: RegExp; message: string }[];
  ms(vendorSeconds: number): number;
  start(): Promise<number>;
  stop(): Promise<void>;
  lockBy(user?: string): void;
  unlock(): void;
  runningText(): string;
}

interface Platform {
  name: string;
  password: string;
  /** The BGP password in the candidate, passed to the driver as a string to redact. */
  secret: string;
  /** The fake, running `base`. */
  fake(users: { username: string; password: string }[]): CliFake;
  driver(opts: CliDriverOptions): SerialDriver;
  /** A running configuration with one iBGP neighbour, 10.0.0.2. */
  base: string;
  /**
   * What peerbot deploys: the base's BGP plus 195.66.224.21 (AS714, with `secret`) and
   * 195.66.224.22 (AS15169).
   */
  candidate: string;
  /** `config` as the fake prints its running configuration. */
  printed(config: string): string;
  /** What getConfig() shows of the base (strings it contains, patterns it matches) and never shows. */
  readBack: (string | RegExp)[];
  readBackNot: RegExp[];
  /** What getConfig() shows once the candidate is deployed. */
  readBackDeployed: string;
  /** The candidate's new neighbour is in the running configuration. */
  applied(fake: CliFake): boolean;
  /** Something is staged or awaiting confirmation on the router. */
  inFlight(fake: CliFake): boolean;
  /** What compare() shows of the candidate. */
  diff: string[];
  /** What the running configuration holds once the candidate is confirmed. */
  deployed: string[];
  /** A confirm timer that expires in about 300 ms. */
  shortTimer: number;
  /** The router refuses AS15169 on 195.66.224.22: when, with what words, and chat's first line. */
  reject: {
    rule: { match: RegExp; message: string };
    at: "load" | "commit";
    lines: string[];
    firstLine(port: number): string;
  };
  /** A candidate with a line the router does not understand, and what the error says. */
  invalid: { candidate: string; lines: (string | RegExp)[]; firstLine: RegExp };
  /** Another user holds the configuration: when it shows, and in which words. */
  lock: { at: "load" | "commit"; lines: string[] };
  /** A candidate configuring what peerbot does not own, and what the refusal names. */
  unowned: { candidate: string; lines: string[] };
}

const users = (password: string) => [{ username: "peerbot", password }];

const junos: Platform = {
  name: "Junos",
  password: "S3cret-Junos-pw!",
  secret: "md5-Sup3rSecret",
  // One vendor minute lasts 300 ms, so "commit confirmed 1" expires quickly.
  fake: (u) => new JunosFake({ hostname: "edge1", users: u, msPerSecond: 5, config: junos.base }),
  driver: (opts) => new JunosDriver(opts),
  base: `
system {
    host-name edge1;
}
policy-options {
    policy-statement PEERBOT-IN {
        then accept;
    }
}
protocols {
    bgp {
        group ibgp {
            type internal;
            neighbor 10.0.0.2;
        }
    }
}
`,
  // peerbot owns all of protocols bgp (see JUNOS_OWNED_PATHS): the candidate carries the iBGP
  // group too, or the deploy would remove it.
  candidate: `
protocols {
    bgp {
        group ibgp {
            type internal;
            neighbor 10.0.0.2;
        }
        replace:
        group peerbot-linx-v4 {
            type external;
            import PEERBOT-IN;
            neighbor 195.66.224.21 {
                description "AS714 Apple";
                peer-as 714;
                authentication-key "md5-Sup3rSecret";
            }
            neighbor 195.66.224.22 {
                peer-as 15169;
            }
        }
    }
}
`,
  printed: (config) => printJunosConfig(parseJunosConfig(config)).join("\n"),
  // In the shape loadCandidate takes.
  readBack: ["group ibgp {", /^protocols \{\n {4}bgp \{\n/],
  readBackNot: [],
  readBackDeployed: "group peerbot-linx-v4 {",
  applied: (f) => (f as JunosFake).runningAt("protocols bgp group peerbot-linx-v4") !== undefined,
  inFlight: (f) => (f as JunosFake).pending !== undefined,
  diff: [
    "[edit protocols bgp]",
    "+    group peerbot-linx-v4 {",
    "+            peer-as 714;",
    "authentication-key",
  ],
  deployed: ["neighbor 195.66.224.21 {", "group ibgp {"],
  shortTimer: 60, // 1 minute = 300 ms here
  reject: {
    rule: { match: /neighbor 195\.66\.224\.22 > peer-as/, message: "error: AS 15169 is not allowed here" },
    at: "commit",
    lines: [
      "[edit protocols bgp group peerbot-linx-v4 neighbor 195.66.224.22]",
      "error: AS 15169 is not allowed here",
      "error: configuration check-out failed",
    ],
    // With its location.
    firstLine: (port) =>
      `commit check failed on 127.0.0.1:${port}: [edit protocols bgp group peerbot-linx-v4 neighbor 195.66.224.22] 'peer-as 15169': AS 15169 is not allowed here`,
  },
  invalid: {
    candidate: `protocols { bgp { group g { neighbor 1.2.3.4 { peer-as 1; } }`,
    lines: [/terminal:\d+:\(\d+\) syntax error/],
    firstLine: /rejected the configuration: terminal:\d+:\(\d+\) syntax error/,
  },
  lock: {
    at: "load",
    lines: ["locked by another user", "error: configuration database locked by:", "alice terminal"],
  },
  unowned: {
    candidate:
      "routing-options { static { route 0.0.0.0/0 discard; } }\npolicy-options { policy-statement mine { then accept; } }\nprotocols { bgp { group pb-g { type internal; } } }",
    lines: ["[edit routing-options], [edit policy-options policy-statement mine]", "could not be verified"],
  },
};

const iosxr: Platform = {
  name: "IOS-XR",
  password: "S3cret-XR-pw!",
  secret: "xr-md5-S3cret",
  // 1 vendor second = 10 ms: "commit confirmed 30" expires after 300 ms.
  fake: (u) => new IosXrFake({ hostname: "core1", users: u, msPerSecond: 10, config: iosxr.base }),
  driver: (opts) => new IosXrDriver(opts),
  base: `hostname core1
router bgp 65000
 bgp router-id 10.255.255.254
 address-family ipv4 unicast
 !
 neighbor 10.0.0.2
  remote-as 65000
  update-source Loopback0
 !
!
`,
  // peerbot owns the whole router bgp block (see IOSXR_OWNED_SECTIONS): the candidate carries
  // what the base has there too, or the deploy would remove it.
  candidate: `router bgp 65000
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
  password clear xr-md5-S3cret
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
`,
  printed: (config) => new IosXrFake({ users: [], config }).runningText(),
  readBack: ["router bgp 65000", " neighbor 10.0.0.2"],
  readBackNot: [/UTC$/m],
  readBackDeployed: " neighbor 195.66.224.21",
  applied: (f) => f.runningText().includes("neighbor 195.66.224.21"),
  inFlight: (f) => (f as IosXrFake).pending !== undefined,
  diff: [
    "   router bgp 65000",
    "+   neighbor 195.66.224.21",
    "+    remote-as 714",
    "password clear <redacted>",
  ],
  deployed: ["  remote-as 714", " neighbor 10.0.0.2"],
  shortTimer: 30,
  reject: {
    rule: {
      match: /neighbor 195\.66\.224\.22 > remote-as 15169/,
      message: "AS 15169 is not permitted on this exchange",
    },
    at: "commit",
    lines: [
      "% Failed to commit one or more configuration items during a pseudo-atomic operation",
      "!!% AS 15169 is not permitted on this exchange",
    ],
    // With where it applies.
    firstLine: (port) =>
      `127.0.0.1:${port} refused the commit, nothing was applied: router bgp 65000 > neighbor 195.66.224.22 > remote-as 15169: AS 15169 is not permitted on this exchange`,
  },
  invalid: {
    candidate: "router bgp 65000\n neighbor 192.0.2.1\n  remote-as 1\n  frobnicate yes\n",
    lines: ["frobnicate yes", "% Invalid input detected at '^' marker."],
    firstLine: /rejected the line 'frobnicate yes': % Invalid input detected at '\^' marker\.$/,
  },
  lock: { at: "load", lines: ["locked by another session", "alice"] },
  unowned: {
    candidate: "route-policy mine\n  pass\nend-policy\n!\nrouter bgp 65000\n!\n",
    lines: ["peerbot does not own ('route-policy mine')", "could not be verified"],
  },
};

const eos: Platform = {
  name: "EOS",
  password: "S3cret-EOS-pw!",
  secret: "eos-md5-S3cret",
  // 1 vendor second = 10 ms: "commit timer 00:00:30" expires after 300 ms.
  fake: (u) => new EosFake({ hostname: "leaf1", users: u, msPerSecond: 10, config: eos.base }),
  driver: (opts) => new EosDriver(opts),
  base: `hostname leaf1
router bgp 65000
   router-id 10.255.255.254
   neighbor 10.0.0.2 remote-as 65000
   neighbor 10.0.0.2 update-source Loopback0
!
`,
  candidate: `router bgp 65000
   neighbor 195.66.224.21 remote-as 714
   neighbor 195.66.224.21 description AS714 Apple
   neighbor 195.66.224.21 password 0 eos-md5-S3cret
   neighbor 195.66.224.21 route-map PEERBOT-IN in
   neighbor 195.66.224.22 remote-as 15169
   address-family ipv4
      neighbor 195.66.224.21 activate
      neighbor 195.66.224.22 activate
`,
  printed: (config) => new EosFake({ users: [], config }).runningText(),
  readBack: ["router bgp 65000", "   neighbor 10.0.0.2 remote-as 65000"],
  readBackNot: [],
  readBackDeployed: "   neighbor 195.66.224.21 remote-as 714",
  applied: (f) => f.runningText().includes("neighbor 195.66.224.21 remote-as 714"),
  inFlight: (f) => (f as EosFake).sessions.size > 0,
  diff: ["+   neighbor 195.66.224.21 remote-as 714"],
  deployed: ["neighbor 195.66.224.21 remote-as 714"],
  shortTimer: 30,
  reject: {
    rule: { match: /neighbor 195\.66\.224\.22 remote-as 15169/, message: "AS 15169 is not permitted here" },
    at: "load",
    lines: ["neighbor 195.66.224.22 remote-as 15169", "% AS 15169 is not permitted here"],
    firstLine: (port) =>
      `127.0.0.1:${port} rejected the line 'neighbor 195.66.224.22 remote-as 15169': % AS 15169 is not permitted here`,
  },
  invalid: {
    candidate: "router bgp 65000\n   neighbor 192.0.2.1 remote-as 1\n   neighbor 192.0.2.1 frobnicate\n",
    lines: ["% Invalid input (at token 2: 'frobnicate')"],
    firstLine:
      /rejected the line 'neighbor 192\.0\.2\.1 frobnicate': % Invalid input \(at token 2: 'frobnicate'\)$/,
  },
  // EOS locks at commit: a session is private until then.
  lock: { at: "commit", lines: ["locked by another session", "alice"] },
  unowned: {
    candidate: "route-map mine permit 10\n!\nrouter bgp 65000\n!\n",
    lines: ["peerbot does not own ('route-map mine permit 10')", "could not be verified"],
  },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([junos, iosxr, eos])("$name driver against its CLI fake: the shared contract", (p) => {
  let fake: CliFake;
  let pool: SshPool;
  const drivers: SerialDriver[] = [];
  const driver = () => {
    const d = p.driver({
      pool,
      target: {
        host: "127.0.0.1",
        port: fake.port,
        username: "peerbot",
        password: p.password,
        hostKeyFingerprint: fake.hostKeyFingerprint,
      },
      redact: [p.secret],
    });
    drivers.push(d);
    return d;
  };
  /** The error a step throws (it must throw). */
  const failure = async (step: Promise<unknown>) => {
    const err = await step.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DriverError);
    return err as DriverError;
  };

  beforeAll(async () => {
    fake = p.fake(users(p.password));
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

  it("reads back the configuration peerbot owns", async () => {
    const got = await driver().getConfig();
    for (const want of p.readBack) {
      if (typeof want === "string") expect(got).toContain(want);
      else expect(got).toMatch(want);
    }
    for (const never of p.readBackNot) expect(got).not.toMatch(never);
  });

  it("deploys: load, compare, commit with a confirm timer, confirm, and rolls the confirmed change back", async () => {
    const d = driver();
    const autoRollbacks = fake.autoRollbacks;
    await d.loadCandidate(p.candidate);
    const diff = await d.compare();
    for (const want of p.diff) expect(diff).toContain(want);
    expect(diff).not.toContain(p.secret);
    expect(p.applied(fake)).toBe(false);
    expect(fake.runningText()).toBe(p.printed(p.base));

    await d.commit(120);
    expect(p.inFlight(fake)).toBe(true);
    expect(p.applied(fake)).toBe(true);
    await d.confirm();
    expect(p.inFlight(fake)).toBe(false);
    expect(d.deployState).toBe("confirmed");
    await sleep(fake.ms(120) + 100); // past the timer: nothing rolls back
    expect(fake.autoRollbacks).toBe(autoRollbacks);
    const running = fake.runningText();
    for (const want of p.deployed) expect(running).toContain(want);
    // getConfig now returns what was deployed.
    expect(await d.getConfig()).toContain(p.readBackDeployed);

    // Undo the confirmed change.
    await d.rollback();
    expect(fake.runningText()).toBe(p.printed(p.base));
  });

  it("loading what is already running shows no difference", async () => {
    const d = driver();
    await d.loadCandidate(await d.getConfig());
    expect(await d.compare()).toBe("");
    await d.rollback();
    expect(fake.runningText()).toBe(p.printed(p.base));
  });

  it("rollback while the confirm timer runs undoes the commit", async () => {
    const d = driver();
    await d.loadCandidate(p.candidate);
    await d.commit(600);
    await d.rollback();
    expect(p.inFlight(fake)).toBe(false);
    expect(fake.runningText()).toBe(p.printed(p.base));
  });

  it("the confirm timer expires: the router rolls back by itself, confirm() says so, rollback() leaves it", async () => {
    const d = driver();
    const autoRollbacks = fake.autoRollbacks;
    await d.loadCandidate(p.candidate);
    await d.commit(p.shortTimer);
    expect(p.applied(fake)).toBe(true);
    await sleep(fake.ms(p.shortTimer) * 3);
    expect(fake.autoRollbacks).toBe(autoRollbacks + 1);
    expect(fake.runningText()).toBe(p.printed(p.base));
    const err = await failure(d.confirm());
    expect(err.message).toContain("rolled the change back by itself");
    // Rolling back now must not re-apply anything.
    await d.rollback();
    expect(fake.runningText()).toBe(p.printed(p.base));
  });

  it("a refused candidate: nothing applied, the router's reason on the first line, no credential", async () => {
    fake.rejectRules = [p.reject.rule];
    const d = driver();
    const err = await failure(
      p.reject.at === "load"
        ? d.loadCandidate(p.candidate)
        : d.loadCandidate(p.candidate).then(() => d.commit(60)),
    );
    for (const want of p.reject.lines) expect(err.message).toContain(want);
    // The first line is all that chat shows.
    expect(err.message.split("\n")[0]).toBe(p.reject.firstLine(fake.port));
    expect(err.message).not.toContain(p.password);
    expect(err.message).not.toContain(p.secret);
    expect(fake.runningText()).toBe(p.printed(p.base));
    await d.rollback();
    expect(fake.runningText()).toBe(p.printed(p.base));
    expect(p.inFlight(fake)).toBe(false);
  });

  it("a line the router does not understand is refused at load time with its parser's words", async () => {
    const d = driver();
    const err = await failure(d.loadCandidate(p.invalid.candidate));
    for (const want of p.invalid.lines) {
      if (typeof want === "string") expect(err.message).toContain(want);
      else expect(err.message).toMatch(want);
    }
    expect(err.message.split("\n")[0]).toMatch(p.invalid.firstLine);
    expect(fake.runningText()).toBe(p.printed(p.base));
    await d.rollback();
  });

  it("the configuration locked by another user: a clear, transient DriverError", async () => {
    const d = driver();
    if (p.lock.at === "commit") await d.loadCandidate(p.candidate);
    fake.lockBy("alice");
    const err = await failure(p.lock.at === "load" ? d.loadCandidate(p.candidate) : d.commit(60));
    expect(err.transient).toBe(true);
    for (const want of p.lock.lines) expect(err.message).toContain(want);
    expect(err.message).not.toContain(p.password);
    expect(fake.runningText()).toBe(p.printed(p.base));
    fake.unlock();
    await d.rollback();
  });

  it("a candidate that configures what peerbot does not own is refused before anything is loaded", async () => {
    const d = driver();
    const err = await failure(d.loadCandidate(p.unowned.candidate));
    expect(err.transient).toBe(false);
    for (const want of p.unowned.lines) expect(err.message).toContain(want);
    expect(d.deployState).toBe("idle");
    expect(p.inFlight(fake)).toBe(false);
    expect(fake.runningText()).toBe(p.printed(p.base));
  });

  it("reads the BGP neighbours", async () => {
    fake.neighbors = makeNeighbors(12);
    const got = await driver().getBgpNeighbors();
    expect(got).toHaveLength(12);
    expect(new Map(got.map((n) => [n.remoteAddress, n.remoteAs]))).toEqual(
      new Map(fake.neighbors.map((n) => [n.address, n.asn])),
    );
  });
});
