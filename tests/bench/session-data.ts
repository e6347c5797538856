// Seeds a database with `n` IXP sessions spread over `ixps` exchanges, for benchmarks.
import type { Database } from "../../core/db.js";

export async function seedSessions(
  db: Database,
  n: number,
  ixps = 10,
  routerName = "bench1",
): Promise<{ routerId: number }> {
  const us = await db.prisma.autonomousSystem.upsert({
    where: { asn: 64500n },
    update: {},
    create: { asn: 64500n, name: "Us", affiliated: true },
  });
  const router = await db.prisma.router.create({
    data: { name: routerName, hostname: `${routerName}.example.net`, platform: "bird2", localAsId: us.id },
  });
  const peers = Math.ceil(n / 2);
  await db.prisma.autonomousSystem.createMany({
    data: Array.from({ length: peers }, (_, i) => ({
      asn: BigInt(100_000 + i),
      name: `Peer network ${i} "quoted" ünïcode`,
      irrAsSet: `AS-PEER${i}`,
      ipv4MaxPrefixes: 100 + (i % 1000),
      ipv6MaxPrefixes: 10 + (i % 100),
    })),
    skipDuplicates: true,
  });
  const asRows = await db.prisma.autonomousSystem.findMany({
    where: { asn: { gte: 100_000n, lt: BigInt(100_000 + peers) } },
    select: { id: true, asn: true },
    orderBy: { asn: "asc" },
  });
  const conns: number[] = [];
  for (let x = 0; x < ixps; x++) {
    const ixp = await db.prisma.internetExchange.create({
      data: {
        name: `Bench IX ${x}`,
        slug: `bench-ix-${routerName}-${x}`,
        localAsId: us.id,
        prefixes: [`10.${x}.0.0/16`, `2001:db8:${x}::/64`],
      },
    });
    const c = await db.prisma.connection.create({
      data: {
        ixpId: ixp.id,
        routerId: router.id,
        ipv4Address: `10.${x}.255.254/16`,
        ipv6Address: `2001:db8:${x}::fffe/64`,
      },
    });
    conns.push(c.id);
  }
  const rows = [];
  for (let i = 0; i < n; i++) {
    const as = asRows[Math.floor(i / 2) % asRows.length]!;
    const x = i % ixps;
    const k = Math.floor(i / ixps);
    const v6 = i % 2 === 1;
    rows.push({
      autonomousSystemId: as.id,
      connectionId: conns[x]!,
      ipAddress: v6
        ? `2001:db8:${x}::${(k + 1).toString(16)}`
        : `10.${x}.${Math.floor((k + 1) / 250)}.${((k + 1) % 250) + 1}`,
      status: (i % 10 === 0 ? "disabled" : "enabled") as "disabled" | "enabled",
      isRouteServer: i % 97 === 0,
    });
  }
  for (let i = 0; i < rows.length; i += 2000)
    await db.prisma.ixpSession.createMany({ data: rows.slice(i, i + 2000) });
  return { routerId: router.id };
}
