// Issue 5, point 6, for the routing daemons peerbot drives for real:
// - parsing the state of 2,000 neighbours from BIRD 2's `show protocols all` and FRR's
//   `show bgp neighbors json` (target <= 100 ms per router), against the plainest handling of
//   the same bytes (splitting the text into lines; JSON.parse);
// - a 5,000-session change deployed to a BIRD router end to end (`deploy <router>` of 5,000
//   enabled sessions that the router does not have yet): plan (render, read the
//   router's file over SSH, diff, store), approve, and the deploy job (upload over SFTP,
//   configure check, configure timeout, verify, confirm), on the namespace lab of
//   tests/routers (root only); then one poll of the 5,000 sessions (SSH, birdc, parse, store).
import { approveChange, planChange, type Effect } from "../../core/changes.js";
import { pollRouter } from "../../core/polling.js";
import { parseBirdProtocols } from "../../drivers/router/bird2.js";
import { parseFrrNeighbors } from "../../drivers/router/frr.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { registerAllWorkers } from "../../jobs/index.js";
import { createTestDatabase } from "../helpers/db.js";
import { testServices } from "../helpers/services.js";
import { labUnavailable, RouterLab } from "../routers/lab.js";
import { seedLab } from "../routers/seed.js";
import { round, timeMedian, withRatio, type BenchResult } from "./result.js";
import { birdProtocolsText, frrNeighborsJson } from "./router-data.js";

const COUNT = 2000;
const SESSIONS = 5000;

function mib(s: string): string {
  return `${(Buffer.byteLength(s) / (1024 * 1024)).toFixed(2)} MiB`;
}

export async function benchRouters(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];

  const bird = birdProtocolsText(COUNT);
  if (parseBirdProtocols(bird, "2026-11-21 23:59:59.000").length !== COUNT)
    throw new Error("bird: wrong count");
  results.push(
    withRatio({
      name: `parse BIRD 2 'show protocols all', ${COUNT} neighbours (${mib(bird)})`,
      value: round(await timeMedian(() => parseBirdProtocols(bird, "2026-11-21 23:59:59.000"), 30, 5), 2),
      unit: "ms",
      target: 100,
      baseline: round(await timeMedian(() => bird.split("\n"), 30, 5), 2),
      note: "baseline: splitting the same text into lines",
    }),
  );

  const frr = frrNeighborsJson(COUNT);
  if (parseFrrNeighbors(frr).length !== COUNT) throw new Error("frr: wrong count");
  results.push(
    withRatio({
      name: `parse FRR 'show bgp neighbors json', ${COUNT} neighbours (${mib(frr)})`,
      value: round(await timeMedian(() => parseFrrNeighbors(frr), 30, 5), 2),
      unit: "ms",
      target: 100,
      baseline: round(await timeMedian(() => JSON.parse(frr), 30, 5), 2),
      targetRatio: 2,
      note: "baseline: JSON.parse of the same bytes",
    }),
  );

  const why = labUnavailable();
  if (why) {
    results.push({
      name: `${SESSIONS}-session change deployed to BIRD end to end`,
      value: 0,
      unit: "s",
      note: `not run: ${why}`,
    });
    return results;
  }
  results.push(...(await deployBench()));
  return results;
}

async function deployBench(): Promise<BenchResult[]> {
  const lab = new RouterLab({
    tag: "x",
    mgmtSlot: 3,
    daemon: "bird2",
    extraRouterAddresses: ["10.100.0.1/16"],
  });
  const db = await createTestDatabase("bench_routers");
  const pool = new SshPool({ idleMs: 1000 });
  try {
    await lab.start();
    const services = testServices(db, { PEERBOT_CONFIRM_TIMEOUT: "120s" });
    services.drivers = createDriverFactory({ secrets: services.secrets, dataDir: lab.dir, pool });
    registerAllWorkers(services.queue, services);
    const seed = await seedLab(db, services.secrets!, lab, {
      routerName: "bench-bird",
      connectionAddress: "10.100.0.1/16",
    });
    // 5,000 networks, one session each on the lab exchange, waiting for the change.
    await db.prisma.autonomousSystem.createMany({
      data: Array.from({ length: SESSIONS }, (_, i) => ({
        asn: BigInt(4_200_000_000 + i),
        name: `Bench peer ${i}`,
        ipv4MaxPrefixes: 100 + (i % 900),
      })),
    });
    const ases = await db.prisma.autonomousSystem.findMany({
      where: { asn: { gte: 4_200_000_000n } },
      select: { id: true, asn: true },
      orderBy: { asn: "asc" },
    });
    await db.prisma.ixpSession.createMany({
      data: ases.map((a, i) => ({
        autonomousSystemId: a.id,
        connectionId: seed.connectionId,
        ipAddress: `10.100.${(i + 2) >> 8}.${(i + 2) & 255}`,
        // Enabled already (as after an import), deployed with `deploy <router>`: a change that
        // carries 5,000 session effects does not finish (core applies them one query each in
        // one transaction, past Prisma's 5 s transaction limit; reported to the lead).
        status: "enabled" as const,
      })),
    });
    const effects: Effect[] = [];
    const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
    const bob = { platform: "console" as const, userId: "bob", userName: "bob" };

    const t0 = performance.now();
    const plan = await planChange(services, {
      routerId: seed.routerId,
      summary: `bench: ${SESSIONS} sessions`,
      actor: alice,
      effects,
    });
    const t1 = performance.now();
    if (plan.kind !== "change") throw new Error("the bench change planned nothing");
    await approveChange(services, plan.change.id, bob);
    await services.queue.drain();
    const t2 = performance.now();
    const done = await db.prisma.changeRequest.findUniqueOrThrow({ where: { id: plan.change.id } });
    if (done.status !== "deployed") throw new Error(`the bench change ended ${done.status}: ${done.reason}`);
    const protocols = (await lab.birdc("show protocols")).split("\n").filter((l) => / BGP /.test(l)).length;
    if (protocols < SESSIONS) throw new Error(`BIRD runs ${protocols} BGP protocols, not ${SESSIONS}`);

    const t3 = performance.now();
    const poll = await pollRouter(services, seed.routerId);
    const t4 = performance.now();
    if (poll.matched !== SESSIONS)
      throw new Error(`the poll matched ${poll.matched} of ${SESSIONS} sessions`);
    const kib = Math.round(Buffer.byteLength(done.config) / 1024);
    return [
      {
        name: `${SESSIONS}-session change deployed to BIRD end to end (plan + approve + deploy job)`,
        value: round((t2 - t0) / 1000, 2),
        unit: "s",
        note: `plan ${round((t1 - t0) / 1000, 2)} s (render, read over SSH, diff, store); approve + deploy job ${round((t2 - t1) / 1000, 2)} s (SFTP upload of ${kib} KiB, configure check, configure timeout, verify, confirm); BIRD 2.0.12 in a network namespace over SSH`,
      },
      {
        name: `poll ${SESSIONS} sessions on that BIRD router (SSH, birdc show protocols all, parse, store)`,
        value: round((t4 - t3) / 1000, 2),
        unit: "s",
      },
    ];
  } finally {
    await pool.closeAll().catch(() => {});
    await db.drop().catch(() => {});
    await lab.close();
  }
}
