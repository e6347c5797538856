// E-mail composing (issue 11): preparing `request all` for 500 available peers at one IXP:
// their recipients (local contacts, PeeringDB contacts by role, validated), their context
// (shared IXPs with both sides' addresses, existing and missing sessions) and the rendered
// subject, text and HTML, with composeBulk (target <= 2 s). The mirror is the demo's plus 500
// generated networks at LINX LON1, each with one to three contacts (names with quotes, accents,
// the odd newline; the odd invalid address). The baseline, measured in the same run, is the
// same 500 renders alone with the templates already compiled and the contexts already built.
import { loadFacts, buildContext } from "../../core/email/context.js";
import { composeBulk } from "../../core/email/compose.js";
import { loadEmailTemplate } from "../../core/email/templates.js";
import { availablePeers } from "../../core/peeringdb/available.js";
import { seedDemoDb } from "../helpers/demo.js";
import { createTestDatabase } from "../helpers/db.js";
import { testServices } from "../helpers/services.js";
import { prng } from "./pdb-generator.js";
import { median, round, withRatio, type BenchResult } from "./result.js";

const NETWORKS = 500;
const FIRST_ASN = 4_000_000_000;
const ODD = [
  'BT\'s "Global" Network',
  "Telefónica Germany GmbH & Co. OHG",
  "Łódź Światłowód",
  "中国电信 ChinaNet",
  "Backslash \\ Networks",
  "Tera Networks\n(line two)",
];
const ROLES = ["Policy", "Technical", "NOC", "Sales"];

/** 500 networks at the exchange, with ports (IPv4 and most with IPv6) and contacts, in three statements. */
async function addNetworks(
  db: Awaited<ReturnType<typeof createTestDatabase>>,
  ixlanId: number,
): Promise<void> {
  const rnd = prng(20261202);
  const nets: unknown[][] = [[], [], [], []];
  const ports: unknown[][] = [[], [], [], [], []];
  const pocs: unknown[][] = [[], [], [], [], []];
  for (let i = 0; i < NETWORKS; i++) {
    const id = 800_000 + i;
    const asn = FIRST_ASN + i;
    const name =
      rnd() < 0.05
        ? `${ODD[i % ODD.length]} ${i}`
        : `Bench ${["Telecom", "Networks", "GmbH", "Cloud"][i % 4]} ${i}`;
    nets[0]!.push(id);
    nets[1]!.push(asn);
    nets[2]!.push(name);
    nets[3]!.push(["Open", "Selective", "Restrictive", ""][i % 4]);
    const host = 300 + i;
    ports[0]!.push(810_000 + i);
    ports[1]!.push(id);
    ports[2]!.push(asn);
    ports[3]!.push(`195.66.${224 + (host >> 8)}.${host & 255}`);
    ports[4]!.push(rnd() < 0.8 ? `2001:7f8:4::ff:${i.toString(16)}:1` : null);
    const n = 1 + Math.floor(rnd() * 3);
    for (let j = 0; j < n; j++) {
      pocs[0]!.push(820_000 + i * 4 + j);
      pocs[1]!.push(id);
      pocs[2]!.push(ROLES[Math.floor(rnd() * ROLES.length)]);
      pocs[3]!.push(j === 0 ? `${["Peering", "NOC"][i % 2]} Team` : name);
      pocs[4]!.push(rnd() < 0.03 ? `broken address ${i}` : `peering${i}.${j}@bench${i % 97}.example`);
    }
  }
  const now = new Date();
  await db.pool.query(
    `insert into pdb_net (id, org_id, asn, name, policy_general, status, created, updated)
     select id, 1, asn, name, policy, 'ok', $5, $5 from unnest($1::int[], $2::bigint[], $3::text[], $4::text[]) as t(id, asn, name, policy)`,
    [...nets, now],
  );
  await db.pool.query(
    `insert into pdb_netixlan (id, net_id, ix_id, ixlan_id, asn, ipaddr4, ipaddr6, speed, operational, status, created, updated)
     select id, net, $6, $6, asn, v4::inet, v6::inet, 10000, true, 'ok', $7, $7
       from unnest($1::int[], $2::int[], $3::bigint[], $4::text[], $5::text[]) as t(id, net, asn, v4, v6)`,
    [...ports, ixlanId, now],
  );
  await db.pool.query(
    `insert into pdb_poc (id, net_id, role, visible, name, email, status, created, updated)
     select id, net, role, 'Public', name, email, 'ok', $6, $6
       from unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[]) as t(id, net, role, name, email)`,
    [...pocs, now],
  );
  await db.pool.query("analyze pdb_net; analyze pdb_netixlan; analyze pdb_poc");
}

export async function benchEmail(): Promise<BenchResult[]> {
  const db = await createTestDatabase("bench_email");
  try {
    await seedDemoDb(db, "/tmp/peerbot-bench-unused");
    const s = testServices(db, { PEERBOT_EMAIL_BCC: "archive@demo.example", PEERBOT_LOG_LEVEL: "error" });
    const linx = await db.prisma.internetExchange.findUniqueOrThrow({ where: { slug: "linx-lon1" } });
    await addNetworks(db, linx.peeringdbIxlanId!);
    const requester = { id: "console:alice", name: "Alice" };

    const available = async () =>
      (await availablePeers(db, linx.id, {}, { pageSize: 500, sort: "asn", descending: true })).rows
        .map((r) => BigInt(r.asn))
        .slice(0, NETWORKS);
    const asns = await available();
    if (asns.length !== NETWORKS)
      throw new Error(`expected ${NETWORKS} available peers, found ${asns.length}`);
    const bulk = () => composeBulk(s, { kind: "peering_request", ixpId: linx.id, peerAsns: asns, requester });

    const first = await bulk();
    const made = first.composed.length;
    if (made < NETWORKS * 0.7) throw new Error(`only ${made} of ${NETWORKS} e-mails were composed`);

    const runs = 7;
    const bulkTimes: number[] = [];
    const wholeTimes: number[] = [];
    for (let i = 0; i < 2; i++) await bulk();
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      await bulk();
      bulkTimes.push(performance.now() - t);
      t = performance.now();
      const peers = await available();
      await composeBulk(s, { kind: "peering_request", ixpId: linx.id, peerAsns: peers, requester });
      wholeTimes.push(performance.now() - t);
    }

    // Baseline: the same renders, templates compiled and contexts built beforehand.
    const facts = await loadFacts(db, linx.localAsId, asns);
    const template = loadEmailTemplate("peering-request", null);
    const contexts = first.composed.map(
      (c) =>
        buildContext(facts, facts.peers.get(c.peer.asn)!, {
          kind: "peering_request",
          now: new Date(),
          requester: requester.name,
          ixpId: linx.id,
        }).context,
    );
    const renderTimes: number[] = [];
    for (let i = 0; i < 2 + runs; i++) {
      const t = performance.now();
      for (const ctx of contexts) template.render(ctx);
      if (i >= 2) renderTimes.push(performance.now() - t);
    }
    const baseline = round(median(renderTimes), 1);
    const note = `${made} composed, ${first.skipped.length} skipped (no valid contact), median of ${runs} warm runs`;
    return [
      withRatio({
        name: `request all: composeBulk for ${NETWORKS} available peers at one IXP (recipients, context, subject, text, HTML)`,
        value: round(median(bulkTimes), 1),
        unit: "ms",
        target: 2000,
        baseline,
        note: `${note}; baseline: the same ${made} renders alone, templates precompiled, contexts prebuilt`,
      }),
      {
        name: `request all: available peers (${NETWORKS}) then composeBulk`,
        value: round(median(wholeTimes), 1),
        unit: "ms",
        target: 2000,
        note,
      },
    ];
  } finally {
    await db.drop();
  }
}
