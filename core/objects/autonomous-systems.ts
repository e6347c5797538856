// Autonomous systems: ours (affiliated) and our peers'. `as add` fills one from the PeeringDB
// mirror (name, AS-SET, max prefixes, policy and its PeeringDB id) or makes a bare one when the
// mirror does not know it; `as set` changes one field. Setting by hand a field PeeringDB syncs
// turns that field's sync off, so the next sync does not undo it; turning a sync flag back on
// takes PeeringDB's value again at once.
import { specialAsn } from "../asn.js";
import type { Database, Prisma } from "../db.js";
import { UserError } from "../errors.js";
import { recordChange, type HistoryAuthor, type Tx } from "../history.js";
import { asFromNet } from "../peering.js";
import { plural } from "../text.js";
import { repr } from "./repr.js";
import { asSet, check, lineText, mailbox, maxPrefixes, peeringPolicy, unique } from "./validate.js";

type AsRow = Prisma.AutonomousSystemGetPayload<object>;

interface NetRow {
  id: number;
  name: string;
  irr_as_set: string | null;
  info_prefixes4: number | null;
  info_prefixes6: number | null;
  policy_general: string | null;
}

async function mirrorNet(tx: Tx, asn: number): Promise<NetRow | null> {
  const rows = await tx.$queryRaw<NetRow[]>`
    select id, name, irr_as_set, info_prefixes4, info_prefixes6, policy_general
      from pdb_net where asn = ${asn} and status = 'ok' order by id desc limit 1`;
  return rows[0] ?? null;
}

const isPrivate = (asn: number) =>
  (asn >= 64512 && asn <= 65534) || (asn >= 4_200_000_000 && asn <= 4_294_967_294);

/** Refuses an ASN that is no network's (AS_TRANS, reserved ones); private ones are kept, with a note. */
function checkAsn(asn: number): string[] {
  const special = specialAsn(asn);
  if (!special || special.peerable) return [];
  if (isPrivate(asn))
    return [
      `AS${asn} is ${special.what}: fine for direct sessions, but peerbot will not peer with it at an IXP.`,
    ];
  throw new UserError(`AS${asn} is ${special.what}, which is no network's number.`);
}

const run = <T>(db: Database, tx: Tx | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> =>
  tx ? fn(tx) : db.prisma.$transaction((t) => fn(t));

export interface AsAdded {
  as: AsRow;
  /** Whether the PeeringDB mirror knew it (else it was made bare). */
  fromPeeringDb: boolean;
  notes: string[];
}

export async function addAutonomousSystem(
  db: Database,
  author: HistoryAuthor,
  input: { asn: number; affiliated?: boolean; name?: string },
  opts: { tx?: Tx } = {},
): Promise<AsAdded> {
  const notes = checkAsn(input.asn);
  const name = input.name === undefined ? undefined : check(lineText("name", 255), input.name);
  return unique(
    () =>
      run(db, opts.tx, async (tx) => {
        const existing = await tx.autonomousSystem.findUnique({ where: { asn: BigInt(input.asn) } });
        if (existing) {
          throw new UserError(
            `AS${input.asn} is already in peerbot's database${existing.affiliated ? ", as one of ours" : ""}.`,
            input.affiliated && !existing.affiliated
              ? `To make it one of ours: as set ${input.asn} affiliated yes.`
              : `as ${input.asn} shows it; as set ${input.asn} <field> <value> changes it.`,
          );
        }
        const net = await mirrorNet(tx, input.asn);
        const linked = net
          ? await tx.autonomousSystem.findUnique({ where: { peeringdbNetId: net.id }, select: { asn: true } })
          : null;
        // Another of our ASes may hold that PeeringDB record (a renumbered network): keep it there.
        const fromNet = net
          ? { ...asFromNet(input.asn, net), ...(linked ? { peeringdbNetId: null } : {}) }
          : null;
        const created = await tx.autonomousSystem.create({
          data: {
            ...(fromNet ?? { asn: BigInt(input.asn), name: name || `AS${input.asn}` }),
            ...(name ? { name, syncName: false } : {}),
            affiliated: !!input.affiliated,
          },
        });
        await recordChange(tx, author, {
          type: "as",
          id: created.id,
          repr: repr.as(created),
          action: "create",
          after: created,
        });
        if (!net)
          notes.push(
            `The PeeringDB mirror does not know AS${input.asn}, so it was added bare (named ${created.name}, no AS-SET, no max prefixes); set them with as set, or sync the mirror: a later sync links it when PeeringDB lists it.`,
          );
        return { as: created, fromPeeringDb: !!net, notes };
      }),
    `AS${input.asn} is already in peerbot's database.`,
  );
}

/** The fields `as set` changes, as stored. */
export interface AsFields {
  name: string;
  irrAsSet: string;
  ipv4MaxPrefixes: number;
  ipv6MaxPrefixes: number;
  generalPolicy: string;
  comments: string;
  emailFrom: string;
  emailReplyTo: string;
  affiliated: boolean;
  syncName: boolean;
  syncIrrAsSet: boolean;
  syncMaxPrefixes: boolean;
  syncPolicy: boolean;
}

/** Which sync flag keeps each PeeringDB field up to date. */
const SYNCED_BY: Partial<
  Record<keyof AsFields, "syncName" | "syncIrrAsSet" | "syncMaxPrefixes" | "syncPolicy">
> = {
  name: "syncName",
  irrAsSet: "syncIrrAsSet",
  ipv4MaxPrefixes: "syncMaxPrefixes",
  ipv6MaxPrefixes: "syncMaxPrefixes",
  generalPolicy: "syncPolicy",
};

const SYNC_WORDS: Record<string, string> = {
  syncName: "name",
  syncIrrAsSet: "AS-SET",
  syncMaxPrefixes: "max prefixes",
  syncPolicy: "policy",
};

function validate(p: Partial<AsFields>): Partial<AsFields> {
  const out: Partial<AsFields> = { ...p };
  if (p.name !== undefined) {
    out.name = check(lineText("name", 255), p.name);
    if (!out.name) throw new UserError("A network needs a name.");
  }
  if (p.irrAsSet !== undefined) out.irrAsSet = p.irrAsSet === "" ? "" : check(asSet, p.irrAsSet);
  if (p.ipv4MaxPrefixes !== undefined) check(maxPrefixes, p.ipv4MaxPrefixes);
  if (p.ipv6MaxPrefixes !== undefined) check(maxPrefixes, p.ipv6MaxPrefixes);
  if (p.generalPolicy !== undefined)
    out.generalPolicy = p.generalPolicy === "" ? "" : check(peeringPolicy, p.generalPolicy);
  if (p.comments !== undefined) out.comments = check(lineText("comment", 2000), p.comments);
  if (p.emailFrom !== undefined) out.emailFrom = p.emailFrom === "" ? "" : check(mailbox, p.emailFrom);
  if (p.emailReplyTo !== undefined)
    out.emailReplyTo = p.emailReplyTo === "" ? "" : check(mailbox, p.emailReplyTo);
  return out;
}

export interface AsUpdated {
  as: AsRow;
  changed: boolean;
  notes: string[];
}

/** Whether changing these fields of this AS needs an admin: anything about one of ours. */
export async function asChangeNeedsAdmin(
  db: Database,
  asn: number,
  patch: Partial<AsFields>,
): Promise<boolean> {
  if (patch.affiliated !== undefined || patch.emailFrom !== undefined || patch.emailReplyTo !== undefined)
    return true;
  const a = await db.prisma.autonomousSystem.findUnique({
    where: { asn: BigInt(asn) },
    select: { affiliated: true },
  });
  return !!a?.affiliated;
}

export async function updateAutonomousSystem(
  db: Database,
  author: HistoryAuthor,
  asn: number,
  patch: Partial<AsFields>,
  opts: { tx?: Tx } = {},
): Promise<AsUpdated> {
  const p = validate(patch);
  return run(db, opts.tx, async (tx) => {
    const before = await tx.autonomousSystem.findUnique({ where: { asn: BigInt(asn) } });
    if (!before)
      throw new UserError(`AS${asn} is not in peerbot's database.`, `Add it first: as add ${asn}.`);
    const notes: string[] = [];
    const data: Prisma.AutonomousSystemUpdateInput = { ...p };
    // A field set by hand: its sync goes off, or the next sync would put PeeringDB's back.
    for (const [field, flag] of Object.entries(SYNCED_BY) as [keyof AsFields, keyof AsFields][]) {
      if (p[field] === undefined || p[flag] !== undefined || !before[flag]) continue;
      data[flag] = false;
      notes.push(
        `PeeringDB sync of AS${asn}'s ${SYNC_WORDS[flag]} is now off, so a sync keeps your value (sync-${flagWord(flag)} on takes PeeringDB's again).`,
      );
    }
    // A sync flag turned on: PeeringDB's value at once.
    const turnedOn = (Object.keys(SYNC_WORDS) as (keyof AsFields)[]).filter(
      (f) => p[f] === true && !before[f],
    );
    if (turnedOn.length) {
      const net = before.peeringdbNetId !== null ? await mirrorNetById(tx, before.peeringdbNetId) : null;
      if (!net) {
        notes.push(
          `The PeeringDB mirror has no record linked to AS${asn}, so nothing was taken from it yet.`,
        );
      } else {
        const fresh = asFromNet(asn, net);
        if (turnedOn.includes("syncName")) data.name = fresh.name;
        if (turnedOn.includes("syncIrrAsSet")) data.irrAsSet = fresh.irrAsSet;
        if (turnedOn.includes("syncMaxPrefixes")) {
          data.ipv4MaxPrefixes = fresh.ipv4MaxPrefixes;
          data.ipv6MaxPrefixes = fresh.ipv6MaxPrefixes;
        }
        if (turnedOn.includes("syncPolicy")) data.generalPolicy = fresh.generalPolicy;
      }
    }
    if (p.affiliated === false && before.affiliated) {
      const [routers, ixps] = await Promise.all([
        tx.router.count({ where: { localAsId: before.id } }),
        tx.internetExchange.count({ where: { localAsId: before.id } }),
      ]);
      if (routers || ixps) {
        throw new UserError(
          `AS${asn} is the local AS of ${[
            routers ? plural(routers, "router") : "",
            ixps ? plural(ixps, "IXP") : "",
          ]
            .filter(Boolean)
            .join(" and ")}, so it stays one of ours.`,
          "Give them another local AS first.",
        );
      }
    }
    if (p.affiliated === true && !before.affiliated) {
      const [sessions] = await Promise.all([
        tx.ixpSession.count({ where: { autonomousSystemId: before.id } }),
      ]);
      if (sessions)
        throw new UserError(
          `We have ${plural(sessions, "IXP session")} with AS${asn}; peerbot does not make a network it peers with one of ours.`,
        );
    }
    const after = await tx.autonomousSystem.update({ where: { id: before.id }, data });
    const n = await recordChange(tx, author, {
      type: "as",
      id: after.id,
      repr: repr.as(after),
      action: "update",
      before,
      after,
    });
    return { as: after, changed: n > 0, notes };
  });
}

const flagWord = (flag: string) =>
  ({ syncName: "name", syncIrrAsSet: "as-set", syncMaxPrefixes: "max-prefixes", syncPolicy: "policy" })[
    flag
  ] ?? flag;

async function mirrorNetById(tx: Tx, id: number): Promise<NetRow | null> {
  const rows = await tx.$queryRaw<NetRow[]>`
    select id, name, irr_as_set, info_prefixes4, info_prefixes6, policy_general
      from pdb_net where id = ${id} and status = 'ok'`;
  return rows[0] ?? null;
}
