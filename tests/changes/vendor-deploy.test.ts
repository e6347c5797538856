// Deploys through core/changes to the vendor CLI fakes (Junos, IOS-XR, EOS) on the demo
// network: edge1.fra at DE-CIX Frankfurt, whose IXP tags received routes with a community, so
// every render has more than the BGP block (Junos policy-options, an IOS-XR route-policy, EOS
// route-maps). For each platform: a first deploy verifies (the router then runs exactly its
// own configuration plus what was approved), a second `peer` diffs only the new sessions, a
// render without the community removes the stale policy, and a commit the router refuses ends
// the change failed with the router's reason.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveChange, getChange, planChange, type ChangeRow } from "../../core/changes.js";
import { sha256 } from "../../core/diff.js";
import { resolveIxp } from "../../core/ixp.js";
import { peer } from "../../core/peering.js";
import type { RouterInfo } from "../../core/ports.js";
import { renderRouterConfig } from "../../core/render/index.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { registerAllWorkers } from "../../jobs/index.js";
import { parseIosConfig, printIosConfig, type FakeCliServer } from "../fakes/cli-ssh-base.js";
import { EOS_DIALECT, EosFake } from "../fakes/eos-ssh.js";
import { IosXrFake, XR_DIALECT } from "../fakes/iosxr-ssh.js";
import {
  deleteJunos,
  JunosFake,
  mergeJunos,
  parseJunosConfig,
  printJunosConfig,
} from "../fakes/junos-ssh.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { testServices, type TestServices } from "../helpers/services.js";

const PASSWORD = "Vend0r-deploy-pw";
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
const bob = { platform: "console" as const, userId: "bob", userName: "bob" };

let db: TestDatabase;
let services: TestServices;
let pool: SshPool;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-vendor-"));
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, {}, dataDir);
  pool = new SshPool({ idleMs: 200 });
  services.drivers = createDriverFactory({ secrets: services.secrets, dataDir, pool });
  registerAllWorkers(services.queue, services);
  await seedDemoDb(db, dataDir);
});
afterAll(async () => {
  await pool?.closeAll();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const router = () => db.prisma.router.findUniqueOrThrow({ where: { name: "edge1.fra" } });
const decix = () => resolveIxp(db, "de-cix-frankfurt", (s) => s, "");

/** Points edge1.fra at a fake: platform, address, pinned host key and encrypted password. */
async function pointAt(platform: RouterInfo["platform"], fake: FakeCliServer): Promise<void> {
  await db.prisma.router.update({
    where: { name: "edge1.fra" },
    data: {
      platform,
      hostname: "127.0.0.1",
      port: fake.port,
      username: "peerbot",
      passwordEnc: services.secrets!.encrypt(PASSWORD),
      hostKeyFingerprint: fake.hostKeyFingerprint,
    },
  });
}

/** What the router's driver reads back now, through the same factory the deploy uses. */
async function readBack(): Promise<string> {
  const r = await router();
  const driver = services.drivers({ ...r, platform: r.platform });
  try {
    return await driver.getConfig();
  } finally {
    await driver.close();
  }
}

async function peerAndApprove(asn: number): Promise<ChangeRow> {
  const r = await peer(services, { asn, ixp: await decix(), actor: alice });
  expect(r.changes).toHaveLength(1);
  return r.changes[0]!;
}

/** What the change approved (stored sealed): rendered again, and proven the same by its hash. */
async function approvedConfig(c: ChangeRow): Promise<string> {
  const r = await renderRouterConfig(db, c.routerId!, { secretBox: services.secrets });
  expect(sha256(r.config)).toBe(c.configSha256);
  return r.config;
}

async function approveAndRun(id: number): Promise<ChangeRow> {
  await approveChange(services, id, bob);
  await services.queue.drain();
  return (await getChange(db, id))!;
}

/** The diff's own lines that add or remove something (not its ---/+++ header). */
const changedLines = (diff: string) =>
  diff.split("\n").filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));

interface Vendor {
  platform: "junos" | "iosxr" | "eos";
  /** The router before peerbot: its own routing policies, nothing of peerbot's. */
  base: string;
  make(): FakeCliServer & { runningText(): string };
  /** What the router must run after a deploy of `approved` on top of `base`. */
  expected(base: string, approved: string): string;
  /** A line of the community policy that peerbot renders (added by the first deploy only). */
  policyLine: RegExp;
  asns: [number, number, number];
  /** Makes the router refuse the commit of the third peer; returns what the reason must say. */
  refuse(fake: FakeCliServer): RegExp;
}

const VENDORS: Vendor[] = [
  {
    platform: "junos",
    base: `system {
    host-name edge1-fra;
}
policy-options {
    policy-statement import-peers {
        then accept;
    }
    policy-statement export-own {
        then reject;
    }
}
`,
    make: () =>
      new JunosFake({
        hostname: "edge1-fra",
        users: [{ username: "peerbot", password: PASSWORD }],
        config: VENDORS[0]!.base,
      }),
    expected: (base, approved) => {
      const tree = parseJunosConfig(base);
      mergeJunos(tree, parseJunosConfig(approved), "merge");
      return printJunosConfig(tree).join("\n");
    },
    policyLine: /^\+(policy-options \{|\s+community pb-learned-at-ixp members 64500:100;)$/m,
    asns: [3257, 10310, 6762],
    refuse: (f) => {
      // Someone removes the import policy the sessions use: Junos' commit check refuses.
      const fake = f as JunosFake;
      deleteJunos(fake.running, ["policy-options", "policy-statement", "import-peers"]);
      fake.shared = parseJunosConfig(fake.runningText());
      return /^rolled back: commit check failed on edge1\.fra \(127\.0\.0\.1:\d+\): Policy error: Policy import-peers referenced but not defined; BGP: import list not applied$/;
    },
  },
  {
    platform: "iosxr",
    base: `hostname edge1-fra
route-policy import-peers
  pass
end-policy
!
route-policy export-own
  drop
end-policy
!
`,
    make: () =>
      new IosXrFake({
        hostname: "edge1-fra",
        users: [{ username: "peerbot", password: PASSWORD }],
        config: VENDORS[1]!.base,
      }),
    expected: (base, approved) =>
      printIosConfig(parseIosConfig(`${base}\n${approved}`, XR_DIALECT), XR_DIALECT, "xr").join("\n"),
    policyLine: /^\+route-policy pb-in-[0-9a-f]+$/m,
    asns: [8422, 8708, 12322],
    refuse: (f) => {
      // A semantic refusal at commit (XR checks what an attached policy applies), in XR's
      // "'<component>' detected the '<severity>' condition '<text>'" form; the text is ours.
      (f as IosXrFake).rejectRules = [
        {
          match:
            /^router bgp 64500 > neighbor 80\.81\.192\.223 > address-family ipv4 unicast > route-policy pb-in-\w+ in$/,
          message:
            "'RPL' detected the 'warning' condition 'Policy [import-peers] applied by this policy is not defined'",
        },
      ];
      return /^rolled back: edge1\.fra \(127\.0\.0\.1:\d+\) refused the commit, nothing was applied: router bgp 64500 > neighbor 80\.81\.192\.223 > address-family ipv4 unicast > route-policy pb-in-[0-9a-f]+ in: 'RPL' detected the 'warning' condition 'Policy \[import-peers\] applied by this policy is not defined'$/;
    },
  },
  {
    platform: "eos",
    base: `hostname edge1-fra
route-map import-peers permit 10
!
route-map export-own deny 10
!
`,
    make: () =>
      new EosFake({
        hostname: "edge1-fra",
        users: [{ username: "peerbot", password: PASSWORD }],
        config: VENDORS[2]!.base,
      }),
    expected: (base, approved) =>
      printIosConfig(parseIosConfig(`${base}\n${approved}`, EOS_DIALECT), EOS_DIALECT, "eos").join("\n"),
    policyLine: /^\+route-map pb-in-[0-9a-f]+ permit 10$/m,
    asns: [6730, 9002, 15600],
    refuse: (f) => {
      // EOS checks every line as it is typed into the session: it refuses the keyword.
      (f as EosFake).rejectRules = [
        {
          match: /neighbor 80\.81\.192\.138 maximum-routes/,
          message: "Invalid input (at token 2: 'maximum-routes')",
        },
      ];
      return /^edge1\.fra \(127\.0\.0\.1:\d+\) rejected the line 'neighbor 80\.81\.192\.138 maximum-routes \d+': % Invalid input \(at token 2: 'maximum-routes'\)$/;
    },
  },
];

for (const v of VENDORS) {
  describe(`${v.platform}: deploys through core/changes`, () => {
    let fake: FakeCliServer & { runningText(): string };

    beforeAll(async () => {
      fake = v.make();
      await fake.start();
      await pointAt(v.platform, fake);
    });
    afterAll(async () => {
      await fake?.stop();
    });

    it("a first deploy with communities verifies: the router runs its own config plus exactly the approved one", async () => {
      expect(await readBack()).toBe(""); // nothing of peerbot's yet: the plan diffs against nothing
      const c = await peerAndApprove(v.asns[0]);
      const approved = await approvedConfig(c);
      expect(c.diff).toMatch(v.policyLine);
      expect(c.removed).toBe(0);
      const done = await approveAndRun(c.id);
      expect(done.reason).toBe("");
      expect(done.status).toBe("deployed");
      expect(fake.runningText()).toBe(v.expected(v.base, approved));
      expect(sha256(await readBack())).toBe(c.configSha256);
    });

    it("a second peer diffs only the new sessions (the community policy is not added again)", async () => {
      const c = await peerAndApprove(v.asns[1]);
      const approved = await approvedConfig(c);
      expect(c.diff).not.toMatch(v.policyLine);
      expect(c.removed).toBe(0);
      expect(changedLines(c.diff)).toHaveLength(c.added);
      const ips = (
        await db.prisma.ixpSession.findMany({
          where: {
            autonomousSystem: { asn: BigInt(v.asns[1]) },
            connection: { router: { name: "edge1.fra" } },
          },
        })
      ).map((s) => s.ipAddress);
      expect(ips.length).toBeGreaterThan(0);
      for (const ip of ips) expect(c.diff).toContain(ip);
      const done = await approveAndRun(c.id);
      expect(done.status).toBe("deployed");
      expect(fake.runningText()).toBe(v.expected(v.base, approved));
      expect(sha256(await readBack())).toBe(c.configSha256);
    });

    it("a render without the community removes the stale policy and keeps the router's own", async () => {
      await db.prisma.internetExchange.update({
        where: { slug: "de-cix-frankfurt" },
        data: { communities: { set: [] } },
      });
      try {
        const r = await router();
        const plan = await planChange(services, {
          routerId: r.id,
          summary: "drop the community",
          actor: alice,
          effects: [],
        });
        expect(plan.kind).toBe("change");
        const c = (plan as { change: ChangeRow }).change;
        const approved = await approvedConfig(c);
        expect(c.diff).toMatch(new RegExp(v.policyLine.source.replace("^\\+", "^-"), "m"));
        expect(approved).not.toContain("pb-learned-at-ixp");
        expect(approved).not.toContain("64500:100");
        const done = await approveAndRun(c.id);
        expect(done.status).toBe("deployed");
        const running = fake.runningText();
        expect(running).toBe(v.expected(v.base, approved));
        expect(running).not.toContain("64500:100");
        expect(running).toContain("import-peers");
        expect(running).toContain("export-own");
        expect(sha256(await readBack())).toBe(c.configSha256);
      } finally {
        await db.prisma.internetExchange.update({
          where: { slug: "de-cix-frankfurt" },
          data: { communities: { connect: [{ slug: "learned-at-ixp" }] } },
        });
      }
    });

    it("a commit the router refuses ends the change failed, the router's reason in its reason, nothing applied", async () => {
      const c = await peerAndApprove(v.asns[2]);
      const want = v.refuse(fake);
      const before = fake.runningText();
      const done = await approveAndRun(c.id);
      expect(done.status).toBe("failed");
      expect(done.reason).toMatch(want);
      expect(done.reason).not.toContain(PASSWORD);
      expect(fake.runningText()).toBe(before);
      const sessions = await db.prisma.ixpSession.count({
        where: { autonomousSystem: { asn: BigInt(v.asns[2]) } },
      });
      expect(sessions).toBe(0); // the sessions the change created are gone again
    });
  });
}
