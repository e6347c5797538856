// The lab's network in peerbot's database: our AS64500 with one router (BIRD 2 or FRR, reached
// over the lab's management link, host key pinned, password encrypted), an IXP "Lab IX" linked
// to a PeeringDB ixlan, our connection 192.0.2.1/24 there, and in the PeeringDB mirror the
// peer AS64501 at 192.0.2.2.
import type { Database } from "../../core/db.js";
import type { SecretBox } from "../../core/crypto.js";
import { OUR_ASN, OUR_IP, PEER_ASN, PEER_IP, type RouterLab } from "./lab.js";

export const LAB_IXP = "Lab IX";
export const LAB_IX_ID = 990_000;
export const LAB_IXLAN_ID = 990_001;

export interface LabSeed {
  routerId: number;
  ixpId: number;
  connectionId: number;
  ourAsId: number;
}

export async function seedLab(
  db: Database,
  secrets: SecretBox,
  lab: RouterLab,
  opts: { routerName: string; template?: string; connectionAddress?: string },
): Promise<LabSeed> {
  const p = db.prisma;
  const us = await p.autonomousSystem.upsert({
    where: { asn: BigInt(OUR_ASN) },
    update: {},
    create: { asn: BigInt(OUR_ASN), name: "peerbot lab", affiliated: true },
  });
  const imp = await p.routingPolicy.upsert({
    where: { slug: "lab-import" },
    update: {},
    create: { name: "lab import", slug: "lab-import", kind: "import" },
  });
  const exp = await p.routingPolicy.upsert({
    where: { slug: "lab-export" },
    update: {},
    create: { name: "lab export", slug: "lab-export", kind: "export" },
  });
  const ixp = await p.internetExchange.create({
    data: {
      name: LAB_IXP,
      slug: "lab-ix",
      peeringdbIxId: LAB_IX_ID,
      peeringdbIxlanId: LAB_IXLAN_ID,
      localAsId: us.id,
      prefixes: ["192.0.2.0/24"],
      importPolicies: { connect: [{ id: imp.id }] },
      exportPolicies: { connect: [{ id: exp.id }] },
    },
  });
  const router = await p.router.create({
    data: {
      name: opts.routerName,
      hostname: lab.mgmtHost,
      port: 22,
      platform: lab.opts.daemon,
      localAsId: us.id,
      template: opts.template ?? "",
      pollSessionState: true,
      username: lab.username,
      passwordEnc: secrets.encrypt(lab.password),
      hostKeyFingerprint: lab.hostKeyFingerprint,
      configPath: lab.configPath,
    },
  });
  const conn = await p.connection.create({
    data: {
      name: `${opts.routerName} ${LAB_IXP}`,
      ixpId: ixp.id,
      routerId: router.id,
      ipv4Address: opts.connectionAddress ?? `${OUR_IP}/24`,
    },
  });
  const now = new Date();
  await db.pool.query(
    `insert into pdb_net (id, org_id, name, asn, irr_as_set, info_prefixes4, policy_general, status, created, updated)
     values ($1, 1, 'Lab Peer Networks', $2, 'AS-LABPEER', 10, 'Open', 'ok', $3, $3) on conflict (id) do nothing`,
    [990_501, PEER_ASN, now],
  );
  await db.pool.query(
    `insert into pdb_netixlan (id, net_id, ix_id, ixlan_id, name, asn, ipaddr4, status, created, updated)
     values ($1, $2, $3, $4, $5, $6, $7, 'ok', $8, $8) on conflict (id) do nothing`,
    [990_601, 990_501, LAB_IX_ID, LAB_IXLAN_ID, LAB_IXP, PEER_ASN, PEER_IP, now],
  );
  return { routerId: router.id, ixpId: ixp.id, connectionId: conn.id, ourAsId: us.id };
}
