// Hostile PeeringDB data rendered through every platform's template leaves exactly the
// expected neighbors and nothing else: proven by structural parsers for all five dialects, and
// for BIRD and FRR by the daemons themselves (their parsers, then what they loaded).
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import { loadRenderContext, renderRouterConfig, type RenderResult } from "../../core/render/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { HOSTILE_NAMES as HOSTILE } from "../helpers/hostile-names.js";
import {
  birdMainConfig,
  birdParse,
  birdRunningProtocols,
  canIsolate,
  frrDryRun,
  frrLoadedNeighbors,
  haveBird,
  haveFrr,
  scratch,
  write,
} from "./daemons.js";
import {
  birdNeighbors,
  eosNeighbors,
  frrNeighbors,
  iosxrNeighbors,
  junosNeighbors,
  type Neighbor,
} from "./parsers.js";

const PLATFORMS = ["junos", "iosxr", "eos", "bird2", "frr"] as const;
const STRICT = process.env.PEERBOT_SKIP_DAEMON_CHECKS !== "1";

const box = SecretBox.fromString(newSecretKey());
let db: TestDatabase;
const rendered: Record<string, RenderResult> = {};
const routerIds: Record<string, number> = {};
const expected: Neighbor[] = [];

async function seedHostile(): Promise<void> {
  const p = db.prisma;
  const hostile = (i: number) => HOSTILE[i % HOSTILE.length]!;
  const us = await p.autonomousSystem.create({ data: { asn: 64500n, name: hostile(0), affiliated: true } });
  const pin = await p.routingPolicy.create({
    data: { name: hostile(1), slug: "peering-in", kind: "import", comments: hostile(2) },
  });
  const pout = await p.routingPolicy.create({
    data: { name: hostile(3), slug: "peering-out", kind: "export" },
  });
  const tag = await p.community.create({
    data: { name: hostile(4), slug: "ixp-tag", value: "64500:7", comments: hostile(5) },
  });
  const ixp = await p.internetExchange.create({
    data: {
      name: hostile(1),
      slug: "evil-ix",
      localAsId: us.id,
      comments: hostile(2),
      importPolicies: { connect: [{ id: pin.id }] },
      exportPolicies: { connect: [{ id: pout.id }] },
      communities: { connect: [{ id: tag.id }] },
    },
  });
  const group = await p.bgpGroup.create({
    data: { name: hostile(2), slug: "evil-group", comments: hostile(3) },
  });
  const ases = [];
  for (let i = 0; i < HOSTILE.length; i++) {
    ases.push(
      await p.autonomousSystem.create({
        data: {
          asn: BigInt(65000 + i),
          name: hostile(i),
          irrAsSet: hostile(i + 1),
          comments: hostile(i + 2),
          ipv4MaxPrefixes: 100 + i,
          ipv6MaxPrefixes: 10 + i,
        },
      }),
    );
  }
  for (let i = 0; i < HOSTILE.length; i++) {
    expected.push({ address: `192.0.2.${i + 1}`, asn: 65000 + i });
    if (i % 2 === 0) expected.push({ address: `2001:db8::${(i + 1).toString(16)}`, asn: 65000 + i });
  }
  expected.push({ address: "198.51.100.1", asn: 65000 });
  let octet = 200;
  for (const platform of PLATFORMS) {
    const router = await p.router.create({
      data: {
        name: `edge ${platform} ${hostile(octet)}`,
        hostname: hostile(octet + 1),
        platform,
        localAsId: us.id,
      },
    });
    routerIds[platform] = router.id;
    const conn = await p.connection.create({
      data: {
        ixpId: ixp.id,
        routerId: router.id,
        name: hostile(octet + 2),
        comments: hostile(octet + 3),
        ipv4Address: `192.0.2.${octet}/24`,
        ipv6Address: `2001:db8::${octet.toString(16)}/64`,
      },
    });
    for (let i = 0; i < HOSTILE.length; i++) {
      await p.ixpSession.create({
        data: {
          autonomousSystemId: ases[i]!.id,
          connectionId: conn.id,
          ipAddress: `192.0.2.${i + 1}`,
          status: i % 3 === 0 ? "disabled" : "enabled",
          isRouteServer: i === 5,
          bfd: i % 4 === 0,
          comments: hostile(i + 3),
          passwordEnc: i % 5 === 0 ? box.encrypt(`pw-${i}%&()*+,./:<=>@[]^_~-`) : null,
        },
      });
      if (i % 2 === 0)
        await p.ixpSession.create({
          data: {
            autonomousSystemId: ases[i]!.id,
            connectionId: conn.id,
            ipAddress: `2001:db8::${(i + 1).toString(16)}`,
            status: "enabled",
            comments: hostile(i + 4),
          },
        });
    }
    await p.directSession.create({
      data: {
        autonomousSystemId: ases[0]!.id,
        routerId: router.id,
        bgpGroupId: group.id,
        ipAddress: "198.51.100.1",
        localIpAddress: `198.51.100.${octet % 250}`,
        status: "enabled",
        multihopTtl: 3,
        passive: true,
        comments: hostile(6),
      },
    });
    octet++;
  }
}

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  await seedHostile();
  for (const p of PLATFORMS)
    rendered[p] = await renderRouterConfig(db, routerIds[p]!, { secretBox: box, templatesDir: null });
});
afterAll(async () => {
  await db?.drop();
});

const sortN = (ns: Neighbor[]) =>
  [...ns].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));

describe("hostile PeeringDB names", () => {
  it("never leave their statement: each platform has exactly the expected neighbors", () => {
    const parsers = {
      junos: junosNeighbors,
      iosxr: iosxrNeighbors,
      eos: eosNeighbors,
      bird2: birdNeighbors,
      frr: frrNeighbors,
    };
    for (const p of PLATFORMS) {
      const found = parsers[p](rendered[p]!.config);
      expect(sortN(found), p).toEqual(sortN(expected));
    }
  });

  it("leave no trace of the injected statements", () => {
    for (const p of PLATFORMS) {
      const c = rendered[p]!.config;
      for (const ip of [
        "6.6.6.6",
        "6.6.6.7",
        "6.6.6.8",
        "6.6.6.9",
        "6.6.6.10",
        "6.6.6.11",
        "6.6.6.12",
        "6.6.6.13",
      ]) {
        // The address may survive inside a description or a comment, never as a statement.
        for (const line of c.split("\n").filter((l) => l.includes(ip)))
          expect(line, `${p}: ${line}`).toMatch(p === "bird2" ? /description "|^#/ : /description /);
      }
      expect(c).not.toMatch(
        /^\s*(router bgp 666|protocol bgp evil|route-policy evil|configure terminal|end)\s*$/m,
      );

      expect(c).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029\u202e\u200b]/);
      expect(c).not.toMatch(/[^\x20-\x7e\n]/);
    }
  });

  it("keep the names readable", () => {
    expect(rendered.junos!.config).toContain(`description "AS65000 ', delete protocols bgp, '";`);
    expect(rendered.frr!.config).toContain("description AS65008 Unicode Turk __ _ RTL");
    expect(rendered.bird2!.config).toContain(
      'description "AS65001 evil protocol bgp evil ( neighbor 6.6.6.6 as 666, )";',
    );
  });

  it("drop hostile AS-SETs with a warning", () => {
    expect(rendered.frr!.warnings.some((w) => w.includes("AS-SET"))).toBe(true);
  });
});

describe.runIf(STRICT || haveBird())("BIRD 2 itself", () => {
  it("parses the include inside a minimal main config (bird -p) and loads exactly the expected protocols", async () => {
    expect(haveBird(), "bird2 is not installed: run .ci/install-routing.sh").toBe(true);
    const ctx = await loadRenderContext(db, routerIds.bird2!, { secretBox: box });
    const { dir, done } = scratch();
    try {
      const include = write(path.join(dir, "peerbot.conf"), rendered.bird2!.config);
      const main = write(
        path.join(dir, "bird.conf"),
        birdMainConfig(
          include,
          ctx.policies.map((p) => p.symbol),
        ),
      );
      const parsed = birdParse(main);
      expect(parsed.ok, parsed.output).toBe(true);

      // A broken include is refused by the same check (the check can fail).
      const broken = write(
        path.join(dir, "broken.conf"),
        rendered.bird2!.config + "\nprotocol bgp evil { neighbor 6.6.6.6 as 666;\n",
      );
      const brokenMain = write(
        path.join(dir, "broken-main.conf"),
        birdMainConfig(
          broken,
          ctx.policies.map((p) => p.symbol),
        ),
      );
      expect(birdParse(brokenMain).ok).toBe(false);

      if (!canIsolate()) {
        // The running check needs a private network namespace (root); as root it must run.
        expect(process.getuid?.()).not.toBe(0);
        console.warn("skipping the running-bird check: unshare -n is not available");
        return;
      }
      const protocols = await birdRunningProtocols(main, dir);
      expect(sortN(protocols.map((p) => p.neighbor))).toEqual(sortN(expected));
      expect(protocols.every((p) => p.name.startsWith("pb_"))).toBe(true);
      expect(protocols.find((p) => p.neighbor.address === "192.0.2.1")!.description).toBe(
        "AS65000 ', delete protocols bgp, '",
      );
    } finally {
      done();
    }
  }, 60_000);
});

describe.runIf(STRICT || haveFrr())("FRR itself", () => {
  it("accepts the configuration (vtysh --dryrun) and bgpd loads exactly the expected neighbors", () => {
    expect(haveFrr(), "frr is not installed: run .ci/install-routing.sh").toBe(true);
    const { dir, done } = scratch();
    try {
      const file = write(path.join(dir, "frr.conf"), `frr defaults traditional\n${rendered.frr!.config}`);
      const dry = frrDryRun(file);
      expect(dry.ok, dry.output).toBe(true);

      const broken = write(path.join(dir, "broken.conf"), `${rendered.frr!.config}protocol bgp evil\n`);
      expect(frrDryRun(broken).ok).toBe(false);

      const loaded = frrLoadedNeighbors(file, dir);
      expect(sortN(loaded.neighbors), loaded.output).toEqual(sortN(expected));
      // Sessions 0, 3, 6, ... are disabled: bgpd holds them administratively down.
      const down = HOSTILE.map((_, i) => i)
        .filter((i) => i % 3 === 0)
        .map((i) => `192.0.2.${i + 1}`);
      expect([...loaded.shutdown].sort()).toEqual([...down].sort());
    } finally {
      done();
    }
  }, 60_000);
});
