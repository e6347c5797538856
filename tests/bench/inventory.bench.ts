// `peerbot inventory apply` of a 20-router, 5,000-session file into an empty database: parse,
// validate, plan and write in one transaction with a history row per object (issue 12's target:
// <= 5 s on this 2-core machine). The baseline is the plainest way to load the same rows:
// YAML.parse and Prisma createMany, table by table, no validation, no plan, no history.
import { parse } from "yaml";
import { processAuthor } from "../../core/history.js";
import { applyInventory, exportInventory } from "../../core/inventory-file/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { median, round, withRatio, type BenchResult } from "./result.js";

const ROUTERS = 20;
const IXPS = 10;
const IXP_SESSIONS = 4_500;
const DIRECT_SESSIONS = 500;
const PEERS = 2_500;

/** 20 routers with two IXP ports each, 4,500 IXP and 500 direct sessions, 2,500 peer networks. */
export function inventoryFile(): string {
  const out: string[] = ["version: 1", "policies:"];
  for (const [slug, kind] of [
    ["peers-in", "import"],
    ["peers-out", "export"],
    ["transit-in", "import"],
    ["transit-out", "export"],
    ["strict-in", "import"],
  ])
    out.push(`  - {slug: ${slug}, kind: ${kind}, weight: 10}`);
  out.push(
    "communities:",
    '  - {slug: from-ixp, value: "64500:100"}',
    '  - {slug: from-transit, value: "64500:200"}',
    '  - {slug: big, value: "64500:1:2"}',
  );
  out.push(
    "groups:",
    "  - {slug: transit, import_policies: [transit-in], export_policies: [transit-out], communities: [from-transit]}",
  );
  out.push("autonomous_systems:");
  out.push(
    "  - {asn: 64500, name: Bench network, affiliated: true, irr_as_set: AS-BENCH, ipv4_max_prefixes: 10, ipv6_max_prefixes: 5, policy: Selective, peeringdb_id: null}",
  );
  for (let i = 0; i < PEERS; i++)
    out.push(
      `  - {asn: ${100_000 + i}, name: "Peer network ${i} \\"quoted\\" ünïcode", irr_as_set: AS-PEER${i}, ipv4_max_prefixes: ${100 + (i % 1000)}, ipv6_max_prefixes: ${10 + (i % 100)}, policy: Open, peeringdb_id: null${i % 50 === 0 ? ", import_policies: [strict-in]" : ""}}`,
    );
  out.push("ixps:");
  for (let x = 0; x < IXPS; x++)
    out.push(
      `  - {slug: bench-ix-${x}, name: Bench IX ${x}, local_as: 64500, peeringdb_ix_id: null, peeringdb_ixlan_id: null, prefixes: [10.${x}.0.0/16, "2001:db8:${x}::/64"], import_policies: [peers-in], export_policies: [peers-out], communities: [from-ixp]}`,
    );
  out.push("routers:");
  for (let r = 0; r < ROUTERS; r++)
    out.push(
      `  - {name: edge${r}.bench, hostname: edge${r}.bench.example.net, platform: ${["bird2", "frr", "junos", "iosxr", "eos"][r % 5]}, local_as: 64500, credential: env:EDGE${r}_PASSWORD}`,
    );
  out.push("connections:");
  const perConnection = Math.ceil(IXP_SESSIONS / (ROUTERS * 2));
  let sessions = 0;
  for (let r = 0; r < ROUTERS; r++) {
    for (const x of [r % IXPS, (r + 3) % IXPS]) {
      out.push(
        `  - ixp: bench-ix-${x}`,
        `    router: edge${r}.bench`,
        `    ipv4: 10.${x}.255.${r + 1}/16`,
        `    ipv6: "2001:db8:${x}::ff:${r + 1}/64"`,
        "    speed: 100000",
        "    sessions:",
      );
      for (let k = 0; k < perConnection && sessions < IXP_SESSIONS; k++, sessions++) {
        const peer = (r * 7919 + k) % PEERS;
        const ip =
          k % 2
            ? `"2001:db8:${x}::${(peer + 1).toString(16)}"`
            : `10.${x}.${Math.floor(peer / 250)}.${(peer % 250) + 1}`;
        const extra =
          k % 10 === 0 ? ", bfd: true, communities: [big]" : k % 17 === 0 ? ", route_server: true" : "";
        out.push(
          `      - {asn: ${100_000 + peer}, ip: ${ip}, status: ${k % 9 === 0 ? "disabled" : "enabled"}${extra}}`,
        );
      }
    }
  }
  out.push("direct_sessions:");
  for (let i = 0; i < DIRECT_SESSIONS; i++) {
    const r = i % ROUTERS;
    const n = Math.floor(i / ROUTERS);
    out.push(
      `  - {router: edge${r}.bench, ip: 192.0.${r}.${2 * n + 1}, asn: ${100_000 + ((i * 13) % PEERS)}, local_ip: 192.0.${r}.${2 * n + 2}, relationship: ${i % 3 ? "customer" : "transit_provider"}, status: enabled${i % 3 ? "" : ", group: transit"}, password: env:BGP_${i}}`,
    );
  }
  return out.join("\n") + "\n";
}

/** The same rows the plainest way: parse, then createMany per table (ids looked up in between). */
async function plainLoad(db: TestDatabase, text: string): Promise<void> {
  const f = parse(text) as Record<string, Record<string, unknown>[]>;
  const p = db.prisma;
  await p.autonomousSystem.createMany({
    data: f.autonomous_systems!.map((a) => ({
      asn: BigInt(a.asn as number),
      name: a.name as string,
      irrAsSet: a.irr_as_set as string,
      ipv4MaxPrefixes: a.ipv4_max_prefixes as number,
      ipv6MaxPrefixes: a.ipv6_max_prefixes as number,
      generalPolicy: a.policy as string,
      affiliated: Boolean(a.affiliated),
    })),
  });
  const asId = new Map(
    (await p.autonomousSystem.findMany({ select: { id: true, asn: true } })).map((a) => [
      Number(a.asn),
      a.id,
    ]),
  );
  const us = asId.get(64500)!;
  await p.internetExchange.createMany({
    data: f.ixps!.map((x) => ({
      slug: x.slug as string,
      name: x.name as string,
      localAsId: us,
      prefixes: x.prefixes as string[],
    })),
  });
  const ixpId = new Map(
    (await p.internetExchange.findMany({ select: { id: true, slug: true } })).map((x) => [x.slug, x.id]),
  );
  await p.router.createMany({
    data: f.routers!.map((r) => ({
      name: r.name as string,
      hostname: r.hostname as string,
      platform: r.platform as "bird2",
      localAsId: us,
      credentialEnv: String(r.credential).slice(4),
    })),
  });
  const routerId = new Map(
    (await p.router.findMany({ select: { id: true, name: true } })).map((r) => [r.name, r.id]),
  );
  const conns = f.connections!;
  await p.connection.createMany({
    data: conns.map((c) => ({
      ixpId: ixpId.get(c.ixp as string)!,
      routerId: routerId.get(c.router as string)!,
      ipv4Address: c.ipv4 as string,
      ipv6Address: c.ipv6 as string,
      speed: c.speed as number,
    })),
  });
  const connId = new Map(
    (await p.connection.findMany({ select: { id: true, ipv4Address: true } })).map((c) => [
      c.ipv4Address,
      c.id,
    ]),
  );
  await p.ixpSession.createMany({
    data: conns.flatMap((c) =>
      (c.sessions as Record<string, unknown>[]).map((s) => ({
        autonomousSystemId: asId.get(s.asn as number)!,
        connectionId: connId.get(c.ipv4 as string)!,
        ipAddress: s.ip as string,
        status: s.status as "enabled",
        isRouteServer: Boolean(s.route_server),
        bfd: Boolean(s.bfd),
      })),
    ),
  });
  await p.directSession.createMany({
    data: f.direct_sessions!.map((s) => ({
      autonomousSystemId: asId.get(s.asn as number)!,
      routerId: routerId.get(s.router as string)!,
      ipAddress: s.ip as string,
      localIpAddress: s.local_ip as string,
      relationship: s.relationship as "customer",
      status: s.status as "enabled",
      passwordEnv: String(s.password).slice(4),
    })),
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

export async function benchInventory(): Promise<BenchResult[]> {
  const text = inventoryFile();
  const applies: number[] = [];
  const plains: number[] = [];
  const noops: number[] = [];
  const exports: number[] = [];
  let phases = { parse: 0, plan: 0, write: 0 };
  // Run 0 warms up; runs 1..3 are measured. Each into a database of its own, empty.
  for (let run = 0; run < 4; run++) {
    const db = await createTestDatabase("bench_inventory");
    const plainDb = await createTestDatabase("bench_inventory_plain");
    try {
      const [ms, out] = await timed(() =>
        applyInventory(db, text, { filename: "bench.yaml", author: processAuthor("cli:bench", "file") }),
      );
      if (out.status !== "applied")
        throw new Error(`the bench file did not apply: ${out.text.slice(0, 2000)}`);
      const sessions =
        (out.result?.created["ixp-session"] ?? 0) + (out.result?.created["direct-session"] ?? 0);
      if (sessions !== IXP_SESSIONS + DIRECT_SESSIONS) throw new Error(`created ${sessions} sessions`);
      const [plainMs] = await timed(() => plainLoad(plainDb, text));
      const [exportMs, exported] = await timed(() => exportInventory(db));
      const [noopMs, again] = await timed(() =>
        applyInventory(db, exported.yaml, {
          filename: "bench.yaml",
          author: processAuthor("cli:bench", "file"),
        }),
      );
      if (again.status !== "no-changes")
        throw new Error(`re-applying the export was not a no-op: ${again.text.slice(0, 2000)}`);
      if (run > 0) {
        applies.push(ms);
        plains.push(plainMs);
        noops.push(noopMs);
        exports.push(exportMs);
        phases = out.timings;
      }
    } finally {
      await db.drop();
      await plainDb.drop();
    }
  }
  const lines = text.split("\n").length;
  return [
    withRatio({
      name: `inventory apply: ${ROUTERS} routers, ${IXP_SESSIONS + DIRECT_SESSIONS} sessions, ${PEERS + 1} ASes into an empty database (parse, plan, one transaction, history; median of 3)`,
      value: round(median(applies), 0),
      unit: "ms",
      target: 5000,
      baseline: round(median(plains), 0),
      note: `${lines} lines; last run: parse ${round(phases.parse, 0)} ms, plan ${round(phases.plan, 0)} ms, write ${round(phases.write, 0)} ms; baseline: YAML.parse + Prisma createMany per table, no validation, plan or history`,
    }),
    {
      name: "inventory apply of its own export (no changes: parse, plan)",
      value: round(median(noops), 0),
      unit: "ms",
    },
    {
      name: `inventory export of the same (${IXP_SESSIONS + DIRECT_SESSIONS} sessions)`,
      value: round(median(exports), 0),
      unit: "ms",
    },
  ];
}
