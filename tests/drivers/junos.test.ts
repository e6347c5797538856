import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DriverError } from "../../core/ports.js";
import { oneLineReasons } from "../../drivers/router/base/router-text.js";
import {
  JunosDriver,
  junosErrors,
  parseJunosBgpNeighbors,
  unownedJunosPaths,
} from "../../drivers/router/junos.js";
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
`;

// peerbot owns all of protocols bgp (see JUNOS_OWNED_PATHS): the candidate carries the iBGP
// group too, or the deploy would remove it.
const CANDIDATE = `
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

  const target = (): SshTarget => ({
    host: "127.0.0.1",
    port: fake.port,
    username: "peerbot",
    password: PASSWORD,
    hostKeyFingerprint: fake.hostKeyFingerprint,
  });
  const driver = () => {
    const d = new JunosDriver({ pool, target: target(), redact: [BGP_SECRET] });
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

  it("commit confirmed: Junos' own words, commit comments, and rollback 2 after confirming", async () => {
    const d = driver();
    await d.loadCandidate(CANDIDATE);
    const res = await d.commit(600);
    expect(res.output).toContain("commit complete");
    expect(res.output).toContain("rolled back in 10 minutes");
    expect(fake.pending).toBeDefined();
    await d.confirm();
    expect(fake.history[0]!.comment).toBeUndefined();
    expect(fake.history[1]!.comment).toBe("commit confirmed, rollback in 10mins");

    // Undo the confirmed deploy (Junos: rollback 2, since confirming was a commit too).
    await d.rollback();
    expect(fake.runningText()).toBe(BASE_TEXT());
  });

  it("the built-in check: a neighbour without peer-as is refused", async () => {
    const d = driver();
    await d.loadCandidate(
      "protocols { bgp { group peerbot-x { type external; neighbor 192.0.2.9 { description x; } } } }",
    );
    const err = (await d.commit(60).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("Missing mandatory statement: 'peer-as'");
    expect(err.message.split("\n")[0]).toMatch(
      /^commit check failed on .*: \[edit protocols bgp group peerbot-x\] 'neighbor 192\.0\.2\.9': Missing mandatory statement: 'peer-as'$/,
    );
    await d.rollback();
    expect(fake.runningAt("protocols bgp group peerbot-x")).toBeUndefined();
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
});

describe("Junos driver: what peerbot owns (policy-options pb-*, protocols bgp)", () => {
  // The router has its own policies and communities beside peerbot's (pb-*) in policy-options.
  const OWN = `
system {
    host-name edge2;
}
policy-options {
    policy-statement import-peers {
        then accept;
    }
    policy-statement pb-old {
        then community add pb-old;
    }
    community their-own members 64500:9;
    community pb-old members 64500:1;
}
protocols {
    bgp {
        group pb-x-v4 {
            type external;
            neighbor 192.0.2.1 {
                peer-as 64501;
                import [ pb-old import-peers ];
            }
        }
    }
}
`;
  let fake: JunosFake;
  let pool: SshPool;
  const drivers: JunosDriver[] = [];
  const driver = (opts: Partial<ConstructorParameters<typeof JunosDriver>[0]> = {}) => {
    const d = new JunosDriver({
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
    fake = new JunosFake({
      hostname: "edge2",
      users: [{ username: "peerbot", password: PASSWORD }],
      config: OWN,
    });
    await fake.start();
    pool = new SshPool({ idleMs: 200 });
  });
  afterEach(async () => {
    for (const d of drivers.splice(0)) await d.close().catch(() => undefined);
    fake.rejectRules = [];
  });
  afterAll(async () => {
    await pool.closeAll();
    await fake.stop();
  });

  it("getConfig returns the pb- statements of policy-options, then all of protocols bgp", async () => {
    expect(await driver().getConfig()).toBe(`policy-options {
    policy-statement pb-old {
        then community add pb-old;
    }
    community pb-old members 64500:1;
}
protocols {
    bgp {
        group pb-x-v4 {
            type external;
            neighbor 192.0.2.1 {
                peer-as 64501;
                import [ pb-old import-peers ];
            }
        }
    }
}
`);
  });

  it("a deploy replaces them: what the candidate no longer has goes, the router's own stays", async () => {
    const before = fake.runningText();
    const candidate = `policy-options {
    policy-statement pb-new {
        then community add pb-new;
    }
    community pb-new members 64500:2;
}
protocols {
    bgp {
        group pb-y-v4 {
            type external;
            neighbor 192.0.2.2 {
                peer-as 64502;
                import [ pb-new import-peers ];
            }
        }
    }
}
`;
    const d = driver();
    await d.loadCandidate(candidate);
    const diff = await d.compare();
    expect(diff).toContain("-    policy-statement pb-old {");
    expect(diff).toContain("-    community pb-old members 64500:1;");
    expect(diff).toContain("+    community pb-new members 64500:2;");
    expect(diff).toContain("-    group pb-x-v4 {");
    expect(diff).not.toContain("import-peers {");
    expect(diff).not.toContain("their-own");
    await d.commit(600);
    expect(await d.getConfig()).toBe(candidate);
    await d.confirm();
    const running = fake.runningText();
    expect(running).toContain("policy-statement import-peers {");
    expect(running).toContain("community their-own members 64500:9;");
    expect(running).not.toContain("pb-old");
    expect(running).not.toContain("pb-x-v4");

    // A render with no policy-options at all still removes peerbot's statements there.
    await d.loadCandidate(
      "protocols {\n    bgp {\n        group pb-z-v4 {\n            type internal;\n        }\n    }\n}\n",
    );
    await d.commit(600);
    await d.confirm();
    expect(fake.runningText()).not.toContain("pb-new");
    expect(fake.runningText()).toContain("community their-own members 64500:9;");
    expect(await d.getConfig()).toBe(
      "protocols {\n    bgp {\n        group pb-z-v4 {\n            type internal;\n        }\n    }\n}\n",
    );

    // Back to where the router was.
    fake.running = parseJunosConfig(before);
    fake.shared = parseJunosConfig(before);
  });

  it("ownedPaths: a name pattern below one hierarchy, and overlaps refused", async () => {
    const groups = driver({ ownedPaths: ["protocols bgp group pb-*"] });
    expect(await groups.getConfig()).toBe(
      "protocols {\n    bgp {\n        group pb-x-v4 {\n            type external;\n            neighbor 192.0.2.1 {\n                peer-as 64501;\n                import [ pb-old import-peers ];\n            }\n        }\n    }\n}\n",
    );
    expect(() => driver({ ownedPaths: ["protocols", "protocols bgp"] })).toThrow(/overlap/);
    expect(() => driver({ ownedPaths: ["policy-options pb-*"] })).toThrow(/a pattern is/);
  });

  it("the reason of a refused commit is on the first line, with secrets masked even when not named", async () => {
    const d = driver(); // no redact list: the secret is masked by what it is, not by its value
    fake.rejectRules = [
      { match: /neighbor 192\.0\.2\.3 > authentication-key/, message: "Invalid key length" },
    ];
    await d.loadCandidate(
      'protocols { bgp { group pb-x-v4 { type external; neighbor 192.0.2.3 { peer-as 64503; authentication-key "Hunter2-bgp-key"; } } } }',
    );
    const err = (await d.commit(60).catch((e: unknown) => e)) as DriverError;
    const first = err.message.split("\n")[0]!;
    expect(first).toMatch(
      /^commit check failed on .*: \[edit protocols bgp group pb-x-v4 neighbor 192\.0\.2\.3\] 'authentication-key "<redacted>"': Invalid key length$/,
    );
    expect(err.message).not.toContain("Hunter2-bgp-key");
    await d.rollback();
  });
});

describe("Junos commit errors and candidates, offline", () => {
  it("junosErrors: located messages, error: lines, and the closing line only when nothing else", () => {
    expect(
      junosErrors(
        [
          "[edit protocols bgp group pb-x]",
          "  'neighbor 192.0.2.9'",
          "    Missing mandatory statement: 'peer-as'",
          "error: Policy error: Policy import-peers referenced but not defined",
          "error: BGP: import list not applied",
          "error: configuration check-out failed",
        ].join("\n"),
      ),
    ).toEqual([
      "[edit protocols bgp group pb-x] 'neighbor 192.0.2.9': Missing mandatory statement: 'peer-as'",
      "Policy error: Policy import-peers referenced but not defined",
      "BGP: import list not applied",
    ]);
    expect(junosErrors("warning: something\nerror: configuration check-out failed")).toEqual([
      "configuration check-out failed",
    ]);
  });

  it("oneLineReasons: a few reasons, then how many more, cut to a width", () => {
    expect(oneLineReasons(["a", "b", "a", "c", "d", "e"])).toBe("a; b; c (and 2 more)");
    const long = oneLineReasons(["x".repeat(500)]);
    expect(long).toHaveLength(220);
    expect(long.endsWith("\u2026")).toBe(true);
  });

  it("unownedJunosPaths: tags, one-line text and patterns", () => {
    const owned = [
      { spec: "policy-options * pb-*", path: "policy-options", levels: ["policy-options"], name: /^pb-.*$/ },
      { spec: "protocols bgp", path: "protocols bgp", levels: ["protocols", "bgp"] },
    ];
    expect(
      unownedJunosPaths(
        'replace: protocols { bgp { inactive: group pb-a { description "a { b"; } } }\npolicy-options { community pb-c members 1:2; policy-statement pb-d { then reject; } }',
        owned,
      ),
    ).toEqual([]);
    expect(unownedJunosPaths("protocols { ospf { area 0.0.0.0; } }\nsystem { host-name x; }", owned)).toEqual(
      ["protocols ospf", "system"],
    );
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
