// Issue 12, point 4: `import sessions <router>` of a router with 2,000 BGP neighbours (target
// <= 3 s for the proposal and the Confirm press together), through the dispatcher as a chat user
// runs it. The router is the EOS SSH fake on loopback (its `show ip[v6] bgp summary | json`), its
// neighbours spread over an exchange's peering LAN (IPv4 and IPv6) and direct addresses, their
// networks in a generated PeeringDB mirror (one in ten not in it, so created bare). The Confirm
// reads the router again, classifies again, and writes the networks, the sessions and a history
// row for each in one transaction.
//
// Baseline, in the same run: the driver's getBgpNeighbors alone (one read of the router) and a
// plain createMany of the same networks and sessions (no classification, no history).
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import type { FakeNeighbor } from "../fakes/cli-ssh-base.js";
import { EosFake } from "../fakes/eos-ssh.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { testServices } from "../helpers/services.js";
import { median, round, withRatio, type BenchResult } from "./result.js";

const COUNT = 2000;
const RUNS = 3;
const PASSWORD = "bench-import-pw";
const STATES: FakeNeighbor["state"][] = ["Established", "Established", "Established", "Active", "Idle"];

/** 2,000 neighbours: three in four on the exchange (every third of those IPv6), the rest direct. */
function neighbours(): FakeNeighbor[] {
  return Array.from({ length: COUNT }, (_, i) => {
    const asn = 10_000 + i;
    const state = STATES[i % STATES.length]!;
    const up = state === "Established";
    const counts = up ? { received: 100 + (i % 900), accepted: 90 + (i % 900), advertised: 5 } : {};
    if (i < 1500) {
      const address =
        i % 3 === 2
          ? `2001:db8:64::${(i + 2).toString(16)}`
          : `100.64.${((i + 2) >> 8) & 0xff}.${(i + 2) & 0xff}`;
      return { address, asn, state, ...counts, description: `IX peer ${i}` };
    }
    const kind = i % 3 === 0 ? "Transit" : i % 3 === 1 ? "Customer" : "PNI";
    return {
      address: `198.18.${Math.floor((i - 1500) / 250)}.${((i - 1500) % 250) + 1}`,
      asn,
      state,
      ...counts,
      description: `${kind} ${i}`,
    };
  });
}

async function seed(
  db: TestDatabase,
  fake: EosFake,
  password: string,
): Promise<{ routerId: number; connectionId: number }> {
  const p = db.prisma;
  const us = await p.autonomousSystem.create({ data: { asn: 64500n, name: "bench us", affiliated: true } });
  const ixp = await p.internetExchange.create({
    data: {
      name: "Bench IX",
      slug: "bench-ix",
      localAsId: us.id,
      prefixes: ["100.64.0.0/16", "2001:db8:64::/48"],
    },
  });
  const router = await p.router.create({
    data: {
      name: "bench-eos",
      hostname: "127.0.0.1",
      port: fake.port,
      platform: "eos",
      localAsId: us.id,
      username: "peerbot",
      passwordEnc: password,
      hostKeyFingerprint: fake.hostKeyFingerprint,
    },
  });
  const conn = await p.connection.create({
    data: {
      ixpId: ixp.id,
      routerId: router.id,
      ipv4Address: "100.64.0.1/16",
      ipv6Address: "2001:db8:64::1/48",
    },
  });
  // The mirror knows nine in ten of the networks.
  const now = new Date();
  const ids: number[] = [];
  const asns: number[] = [];
  const names: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    if (i % 10 === 9) continue;
    ids.push(800_000 + i);
    asns.push(10_000 + i);
    names.push(`Bench Network ${i}`);
  }
  await db.pool.query(
    `insert into pdb_net (id, org_id, name, asn, irr_as_set, info_prefixes4, info_prefixes6, policy_general, status, created, updated)
     select id, 1, name, asn, 'AS-BENCH', 100, 20, 'Open', 'ok', $4, $4
       from unnest($1::int[], $2::bigint[], $3::text[]) as t(id, asn, name)`,
    [ids, asns, names, now],
  );
  return { routerId: router.id, connectionId: conn.id };
}

/** Removes what an import created, so that the next run imports the same 2,000 again. */
async function reset(db: TestDatabase): Promise<void> {
  await db.pool.query(`delete from "IxpSession"`);
  await db.pool.query(`delete from "DirectSession"`);
  await db.pool.query(`delete from "AutonomousSystem" where not affiliated`);
  await db.pool.query(`delete from "ObjectChange"`);
}

export async function benchImportSessions(): Promise<BenchResult[]> {
  const db = await createTestDatabase("bench_import_sessions");
  const fake = new EosFake({ hostname: "bench-eos", users: [{ username: "peerbot", password: PASSWORD }] });
  const pool = new SshPool({ idleMs: 5_000 });
  try {
    await fake.start();
    fake.neighbors = neighbours();
    const services = testServices(db, {});
    services.drivers = createDriverFactory({ secrets: services.secrets, dataDir: "/tmp", pool });
    const { routerId, connectionId } = await seed(db, fake, services.secrets!.encrypt(PASSWORD));
    const registry = buildRegistry();
    const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
    const say = async (inv: { text?: string; action?: string }) => {
      const r = await dispatch(registry, services, { actor: alice, channel: "bench", ...inv });
      if (r.outcome !== "ok") throw new Error(`bench: ${inv.text ?? inv.action}: ${r.reply.text}`);
      return r.reply;
    };

    const plans: number[] = [];
    const confirms: number[] = [];
    let created = 0;
    for (let run = 0; run <= RUNS; run++) {
      await reset(db);
      const t0 = performance.now();
      const proposal = await say({ text: "import sessions bench-eos" });
      const t1 = performance.now();
      const action = proposal.buttons?.find((b) => b.label === "Confirm")?.actionId;
      if (!action) throw new Error(`bench: no Confirm button: ${proposal.text}`);
      const done = await say({ action });
      const t2 = performance.now();
      created =
        (await db.prisma.ixpSession.count({ where: { connectionId } })) +
        (await db.prisma.directSession.count({ where: { routerId } }));
      if (created !== COUNT)
        throw new Error(`bench: ${created} sessions imported, not ${COUNT}: ${done.text}`);
      if (run === 0) continue; // warm-up: the first connection, Prisma's first queries
      plans.push(t1 - t0);
      confirms.push(t2 - t1);
    }
    const histories = await db.prisma.objectChange.count({ where: { via: "import" } });
    const networks = await db.prisma.autonomousSystem.count({ where: { affiliated: false } });

    // Baseline: one read of the router, and the same rows written the plainest way.
    const reads: number[] = [];
    const writes: number[] = [];
    for (let run = 0; run <= RUNS; run++) {
      await reset(db);
      const driver = services.drivers({
        ...(await db.prisma.router.findUniqueOrThrow({ where: { id: routerId } })),
      });
      const t0 = performance.now();
      const ns = await driver.getBgpNeighbors();
      const t1 = performance.now();
      await driver.close();
      await db.prisma.autonomousSystem.createMany({
        data: ns.map((n) => ({ asn: BigInt(n.remoteAs), name: `AS${n.remoteAs}` })),
        skipDuplicates: true,
      });
      const ases = await db.prisma.autonomousSystem.findMany({ select: { id: true, asn: true } });
      const id = new Map(ases.map((a) => [Number(a.asn), a.id]));
      const ixp = ns.filter((n) => /^100\.64\.|^2001:db8:64:/.test(n.remoteAddress));
      const direct = ns.filter((n) => !/^100\.64\.|^2001:db8:64:/.test(n.remoteAddress));
      await db.prisma.ixpSession.createMany({
        data: ixp.map((n) => ({
          autonomousSystemId: id.get(n.remoteAs)!,
          connectionId,
          ipAddress: n.remoteAddress,
          status: "enabled" as const,
        })),
      });
      await db.prisma.directSession.createMany({
        data: direct.map((n) => ({
          autonomousSystemId: id.get(n.remoteAs)!,
          routerId,
          ipAddress: n.remoteAddress,
          status: "enabled" as const,
        })),
      });
      const t2 = performance.now();
      if (ns.length !== COUNT) throw new Error(`bench: the driver read ${ns.length} neighbours`);
      if (run === 0) continue;
      reads.push(t1 - t0);
      writes.push(t2 - t1);
    }

    const plan = median(plans);
    const confirm = median(confirms);
    const read = median(reads);
    const write = median(writes);
    return [
      withRatio({
        name: `import sessions of a ${COUNT}-neighbour router (EOS over SSH): proposal + Confirm`,
        value: round((plan + confirm) / 1000, 2),
        unit: "s",
        target: 3,
        baseline: round((read + write) / 1000, 2),
        note: `median of ${RUNS}: proposal ${round(plan)} ms (read the router over SSH, classify, name the networks), Confirm ${round(confirm)} ms (read and classify again, then ${COUNT} sessions, ${networks} networks and ${histories} history rows in one transaction). Baseline: getBgpNeighbors alone ${round(read)} ms + a plain createMany of the same networks and sessions ${round(write)} ms`,
      }),
    ];
  } finally {
    await pool.closeAll().catch(() => {});
    await fake.stop().catch(() => {});
    await db.drop().catch(() => {});
  }
}
