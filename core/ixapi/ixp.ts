// One IXP as the IX-API sees it (what `ix <name>` shows): its endpoint, that endpoint's last
// snapshot and the view joining it with our connections there (view.ts). And the Import
// connection button's work: a config the IXP has and we do not becomes a connection, with its
// addresses, VLAN, MAC and speed, once (a second press finds it by its config id).
import type { Database } from "../db.js";
import { UserError } from "../errors.js";
import { recordChange, type HistoryAuthor } from "../history.js";
import { createConnection } from "../objects/connections.js";
import { repr } from "../objects/repr.js";
import { clip, singleLine } from "../text.js";
import { loadSnapshot, type StoredSnapshot } from "./snapshot.js";
import { ixApiView, type ConfigView, type IxApiView } from "./view.js";

export interface IxpIxApi {
  endpoint: { id: number; name: string };
  snapshot: StoredSnapshot | null;
  /** null until a pass has worked. */
  view: IxApiView | null;
}

async function ixpRows(db: Database, ixpId: number) {
  return db.prisma.internetExchange.findUnique({
    where: { id: ixpId },
    select: {
      id: true,
      name: true,
      peeringdbIxId: true,
      prefixes: true,
      ixapiServiceId: true,
      ixapiEndpoint: { select: { id: true, name: true } },
      connections: {
        orderBy: { id: "asc" },
        select: {
          id: true,
          name: true,
          ipv4Address: true,
          ipv6Address: true,
          vlan: true,
          macAddress: true,
          speed: true,
          ixapiConfigId: true,
        },
      },
    },
  });
}

/** The IX-API part of an IXP, or null when it is linked to no endpoint (or is gone). */
export async function ixpIxApi(db: Database, ixpId: number): Promise<IxpIxApi | null> {
  const x = await ixpRows(db, ixpId);
  if (!x?.ixapiEndpoint) return null;
  const snapshot = await loadSnapshot(db, x.ixapiEndpoint.id);
  return {
    endpoint: x.ixapiEndpoint,
    snapshot,
    view: snapshot?.pass ? ixApiView(snapshot.pass, x, x.connections) : null,
  };
}

export interface ImportResult {
  created: boolean;
  connection: { id: number; ipv4Address: string | null; ipv6Address: string | null };
  ixpName: string;
  notes: string[];
}

const withLen = (ip: { address: string; prefixLength: number | null }) =>
  ip.prefixLength === null ? ip.address : `${ip.address}/${ip.prefixLength}`;

/**
 * Creates our connection for IX-API config `configId` at the IXP (router left unset), from the
 * IXP's last snapshot, with its history rows; idempotent: when a connection of that config (or
 * matched to it by address) exists, it is returned with `created` false.
 */
export async function importConnection(
  db: Database,
  author: HistoryAuthor,
  ixpId: number,
  configId: string,
): Promise<ImportResult> {
  const x = await db.prisma.internetExchange.findUnique({ where: { id: ixpId }, select: { name: true } });
  if (!x) throw new UserError("That IXP no longer exists.", "`ixps` lists the exchanges peerbot knows.");
  const part = await ixpIxApi(db, ixpId);
  const ixpName = singleLine(x.name, 100);
  if (!part)
    throw new UserError(
      `${ixpName} is linked to no IX-API endpoint.`,
      "Link it with `ixapi link <IXP> <endpoint>`.",
    );
  if (!part.view)
    throw new UserError(
      `There is no IX-API snapshot of ${clip(part.endpoint.name, 60)} yet.`,
      `Run \`ixapi refresh ${part.endpoint.name}\` first.`,
    );
  const cfg: ConfigView | undefined = part.view.configs.find((c) => c.id === configId);
  if (!cfg)
    throw new UserError(
      `The IX-API snapshot of ${clip(part.endpoint.name, 60)} has no config ${clip(configId, 60)} of ours at ${ixpName}.`,
      "Run `ixapi refresh` and `ix` again for fresh buttons.",
    );
  const endpointId = part.endpoint.id;
  return db.prisma.$transaction(async (tx) => {
    // One import of a config at a time: the second press waits, then finds the first one's.
    await tx.$executeRaw`select pg_advisory_xact_lock(hashtextextended(${`peerbot-ixapi-import:${endpointId}:${configId}`}, 0))`;
    const existing =
      (await tx.connection.findFirst({
        where: { ixapiConfigId: configId, ixp: { ixapiEndpointId: endpointId } },
        select: { id: true, ipv4Address: true, ipv6Address: true },
      })) ??
      (cfg.connection
        ? await tx.connection.findUnique({
            where: { id: cfg.connection.id },
            select: { id: true, ipv4Address: true, ipv6Address: true },
          })
        : null);
    if (existing) return { created: false, connection: existing, ixpName, notes: [] };
    const v4 = cfg.ipv4.find((i) => i.valid);
    const v6 = cfg.ipv6.find((i) => i.valid);
    const mac = cfg.macs.find((m) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(m));
    if (!v4 && !v6)
      throw new UserError(`IX-API config ${clip(configId, 60)} has no address of ours to import.`);
    const speed = cfg.capacity !== null && cfg.capacity > 0 ? Math.round(cfg.capacity) : 0;
    const w = await createConnection(
      db,
      author,
      {
        ixpId,
        ipv4: v4 ? withLen(v4) : null,
        ipv6: v6 ? withLen(v6) : null,
        vlan: cfg.vlan.vlan,
        mac: mac ?? "",
        speed,
        comments: `Imported from IX-API ${singleLine(part.endpoint.name, 60)}, config ${clip(configId, 80)}.`,
      },
      { tx },
    );
    const after = await tx.connection.update({
      where: { id: w.connection.id },
      data: { ixapiConfigId: configId },
    });
    await recordChange(tx, author, {
      type: "connection",
      id: after.id,
      repr: repr.connection(after, x.name),
      action: "update",
      before: { ixapiConfigId: "" },
      after: { ixapiConfigId: configId },
    });
    const notes = [...w.notes];
    if (cfg.state !== "production")
      notes.push(`The IXP says this config is ${cfg.state || "in no state"}, not in production.`);
    if (cfg.macs.length > 1)
      notes.push(`The IXP lists ${cfg.macs.length} MACs for it; the first was recorded.`);
    return {
      created: true,
      connection: { id: after.id, ipv4Address: after.ipv4Address, ipv6Address: after.ipv6Address },
      ixpName,
      notes,
    };
  });
}

/**
 * The network-service config of one of our connections: the one recorded on it (imported, or
 * matched before), else the one the last snapshot's view matched to it by IPv4 or IPv6 address,
 * which is then recorded on the connection (with a history row) so that later writes name it.
 * null when the connection's IXP has no IX-API endpoint, no snapshot yet, or no config matches.
 */
export async function configOfConnection(
  db: Database,
  author: HistoryAuthor,
  connectionId: number,
): Promise<string | null> {
  const conn = await db.prisma.connection.findUnique({
    where: { id: connectionId },
    select: { ixpId: true, ixapiConfigId: true },
  });
  if (!conn) return null;
  if (conn.ixapiConfigId) return conn.ixapiConfigId;
  const part = await ixpIxApi(db, conn.ixpId);
  const hit = part?.view?.configs.find((c) => c.connection?.id === connectionId);
  if (!hit) return null;
  return db.prisma.$transaction(async (tx) => {
    // Another connection may hold that config id already (recorded since the snapshot).
    const holder = await tx.connection.findFirst({
      where: { ixapiConfigId: hit.id, ixpId: conn.ixpId },
      select: { id: true },
    });
    if (holder && holder.id !== connectionId) return null;
    const n = await tx.connection.updateMany({
      where: { id: connectionId, ixapiConfigId: "" },
      data: { ixapiConfigId: hit.id },
    });
    const after = await tx.connection.findUniqueOrThrow({
      where: { id: connectionId },
      include: { ixp: { select: { name: true } } },
    });
    if (n.count)
      await recordChange(tx, author, {
        type: "connection",
        id: after.id,
        repr: repr.connection(after, after.ixp.name),
        action: "update",
        before: { ixapiConfigId: "" },
        after: { ixapiConfigId: hit.id },
      });
    return after.ixapiConfigId || null;
  });
}
