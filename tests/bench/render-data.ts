// Seeds a database with one router holding `sessions` IXP sessions over `ixps` exchanges, with
// what makes rendering work: policies at IXP, AS and session level, communities of each
// kind, passwords, route servers, BFD, and sessions shut down. Bulk SQL, so 5,000 sessions
// take well under a second to seed.
import type { SecretBox } from "../../core/crypto.js";
import type { Database } from "../../core/db.js";

export interface RenderDataOptions {
  sessions: number;
  ixps?: number;
  platform?: "junos" | "iosxr" | "eos" | "bird2" | "frr" | "file";
  /** Router name, also used to keep IXP slugs apart when several routers share a database. */
  name?: string;
  /** Encrypts the passwords of one session in ten; without it no session has a password. */
  secretBox?: SecretBox | null;
}

export interface RenderData {
  routerId: number;
  ixpIds: number[];
  sessions: number;
}

async function policyIds(db: Database): Promise<Record<string, number>> {
  const wanted: [string, string, string, number][] = [
    ["bench-peering-in", "import", "all", 0],
    ["bench-peering-out", "export", "all", 0],
    ["bench-strict-in", "import", "all", 50],
    ["bench-v6-in", "import", "ipv6", 10],
    ["bench-rs-in", "import", "all", 20],
  ];
  const out: Record<string, number> = {};
  for (const [slug, kind, af, weight] of wanted) {
    const r = await db.pool.query<{ id: number }>(
      `insert into "RoutingPolicy" (name, slug, kind, "addressFamily", weight, "updatedAt")
       values ($1, $1, $2::"PolicyKind", $3::"AddressFamily", $4, now())
       on conflict (slug) do update set name = excluded.name returning id`,
      [slug, kind, af, weight],
    );
    out[slug] = r.rows[0]!.id;
  }
  return out;
}

async function communityId(db: Database, slug: string, value: string, kind: string): Promise<number> {
  const r = await db.pool.query<{ id: number }>(
    `insert into "Community" (name, slug, value, kind, "updatedAt") values ($1, $1, $2, $3::"CommunityKind", now())
     on conflict (slug) do update set value = excluded.value returning id`,
    [slug, value, kind],
  );
  return r.rows[0]!.id;
}

export async function seedRenderData(db: Database, opts: RenderDataOptions): Promise<RenderData> {
  const n = opts.sessions;
  const ixpCount = opts.ixps ?? 10;
  const name = opts.name ?? `render-${n}`;
  const q = (sql: string, params: unknown[] = []) => db.pool.query(sql, params);

  const us = await q(
    `insert into "AutonomousSystem" (asn, name, affiliated, "updatedAt") values (64500, 'Us', true, now())
     on conflict (asn) do update set affiliated = true returning id`,
  );
  const usId = (us.rows[0] as { id: number }).id;
  const pol = await policyIds(db);
  const largeTag = await communityId(db, "bench-large", "64500:1:2", "large");
  const rsTag = await communityId(db, "bench-rs", "64500:9", "standard");

  const router = await q(
    `insert into "Router" (name, hostname, platform, "localAsId", "updatedAt")
     values ($1, $2, $3::"RouterPlatform", $4, now()) returning id`,
    [name, `${name}.example.net`, opts.platform ?? "junos", usId],
  );
  const routerId = (router.rows[0] as { id: number }).id;

  // Exchanges, one connection each, with IXP-level policies and a community per IXP.
  const ixpIds: number[] = [];
  const connIds: number[] = [];
  for (let x = 0; x < ixpCount; x++) {
    const ixp = await q(
      `insert into "InternetExchange" (name, slug, "localAsId", "updatedAt") values ($1, $2, $3, now()) returning id`,
      [`Bench IX ${x} "${name}"`, `${name}-ix-${x}`, usId],
    );
    const ixpId = (ixp.rows[0] as { id: number }).id;
    ixpIds.push(ixpId);
    const tag = await communityId(db, `${name}-ix-${x}-learned`, `64500:${1000 + x}`, "standard");
    await q(`insert into "_IxpImportPolicies" ("A", "B") values ($1, $2)`, [ixpId, pol["bench-peering-in"]]);
    await q(`insert into "_IxpExportPolicies" ("A", "B") values ($1, $2)`, [ixpId, pol["bench-peering-out"]]);
    await q(`insert into "_CommunityToInternetExchange" ("A", "B") values ($1, $2)`, [tag, ixpId]);
    const conn = await q(
      `insert into "Connection" ("ixpId", "routerId", "ipv4Address", "ipv6Address", "updatedAt")
       values ($1, $2, $3::inet, $4::inet, now()) returning id`,
      [ixpId, routerId, `10.${x}.255.254/16`, `2001:db8:${x.toString(16)}::fffe/64`],
    );
    connIds.push((conn.rows[0] as { id: number }).id);
  }

  // Peers: one AS per two sessions (an IPv4 and an IPv6 session at the same exchange).
  const peers = Math.ceil(n / 2);
  const base = 1_000_000 + (routerId % 1000) * 100_000;
  const asns = Array.from({ length: peers }, (_, i) => base + i);
  const asRows = await q(
    `insert into "AutonomousSystem" (asn, name, "irrAsSet", "ipv4MaxPrefixes", "ipv6MaxPrefixes", "updatedAt")
     select a, 'Peer network ' || a || case when a % 5 = 0 then ' Ünïcode «GmbH»' else '' end,
            'AS-PEER' || a, 100 + a % 1000, 10 + a % 100, now()
       from unnest($1::bigint[]) a
     on conflict (asn) do update set name = excluded.name
     returning id, asn::text as asn`,
    [asns],
  );
  const asIdByAsn = new Map<number, number>();
  for (const r of asRows.rows as { id: number; asn: string }[]) asIdByAsn.set(Number(r.asn), r.id);
  const asIds = asns.map((a) => asIdByAsn.get(a)!);
  // Every tenth AS has a stricter import policy, every seventh a large community.
  await q(`insert into "_AsImportPolicies" ("A", "B") select unnest($1::int[]), $2 on conflict do nothing`, [
    asIds.filter((_, i) => i % 10 === 0),
    pol["bench-strict-in"],
  ]);
  await q(
    `insert into "_AutonomousSystemToCommunity" ("A", "B") select unnest($1::int[]), $2 on conflict do nothing`,
    [asIds.filter((_, i) => i % 7 === 0), largeTag],
  );

  const cols = {
    as: [] as number[],
    conn: [] as number[],
    ip: [] as string[],
    status: [] as string[],
    rs: [] as boolean[],
    bfd: [] as boolean[],
    pw: [] as (string | null)[],
  };
  for (let i = 0; i < n; i++) {
    const x = i % ixpCount;
    const k = Math.floor(i / ixpCount) + 1;
    const v6 = i % 2 === 1;
    cols.as.push(asIds[Math.floor(i / 2)]!);
    cols.conn.push(connIds[x]!);
    cols.ip.push(
      v6
        ? `2001:db8:${x.toString(16)}::${k.toString(16)}`
        : `10.${x}.${Math.floor(k / 250)}.${(k % 250) + 1}`,
    );
    cols.status.push(
      i % 20 === 3 ? "disabled" : i % 50 === 7 ? "maintenance" : i % 30 === 5 ? "provisioning" : "enabled",
    );
    cols.rs.push(i % 97 === 0);
    cols.bfd.push(i % 4 === 0);
    cols.pw.push(opts.secretBox && i % 10 === 1 ? opts.secretBox.encrypt(`pw-${i}-x`) : null);
  }
  const sess = await q(
    `insert into "IxpSession" ("autonomousSystemId", "connectionId", "ipAddress", status, "isRouteServer", bfd,
                               "passwordEnc", "updatedAt")
     select a, c, i::inet, s::"SessionStatus", r, b, p, now()
       from unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::bool[], $6::bool[], $7::text[]) as t(a, c, i, s, r, b, p)
     returning id, "isRouteServer" as rs`,
    [cols.as, cols.conn, cols.ip, cols.status, cols.rs, cols.bfd, cols.pw],
  );
  const sessRows = sess.rows as { id: number; rs: boolean }[];
  // Route-server sessions get their own import policy and community.
  const rsIds = sessRows.filter((r) => r.rs).map((r) => r.id);
  await q(`insert into "_IxpSessionImportPolicies" ("A", "B") select unnest($1::int[]), $2`, [
    rsIds,
    pol["bench-rs-in"],
  ]);
  await q(`insert into "_CommunityToIxpSession" ("A", "B") select $2, unnest($1::int[])`, [rsIds, rsTag]);
  // IPv6 sessions of every third AS also go through the IPv6 policy (session level).
  const v6Ids = sessRows.filter((_, i) => i % 2 === 1 && Math.floor(i / 2) % 3 === 0).map((r) => r.id);
  await q(`insert into "_IxpSessionImportPolicies" ("A", "B") select unnest($1::int[]), $2`, [
    v6Ids,
    pol["bench-v6-in"],
  ]);
  // Fresh rows without statistics make the planner pick nested loops; a live database has them.
  await q(`analyze`);
  return { routerId, ixpIds, sessions: n };
}
