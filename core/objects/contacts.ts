// Contacts of an autonomous system (ours or a peer's), with Peering Manager's roles: whom to
// write about peering, maintenance or abuse. One row per address and role.
import type { Database, Prisma } from "../db.js";
import { UserError } from "../errors.js";
import { recordChanges, recordChange, type HistoryAuthor, type Tx } from "../history.js";
import { plural } from "../text.js";
import { repr } from "./repr.js";
import { check, contactRole, email as emailSchema, lineText, phone as phoneSchema } from "./validate.js";

type ContactRow = Prisma.ContactGetPayload<object>;

const run = <T>(db: Database, tx: Tx | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> =>
  tx ? fn(tx) : db.prisma.$transaction((t) => fn(t));

async function requireAs(tx: Tx, asn: number) {
  const a = await tx.autonomousSystem.findUnique({
    where: { asn: BigInt(asn) },
    select: { id: true, asn: true },
  });
  if (!a) throw new UserError(`AS${asn} is not in peerbot's database.`, `Add it first: as add ${asn}.`);
  return a;
}

export async function addContact(
  db: Database,
  author: HistoryAuthor,
  input: { asn: number; email: string; name?: string; role?: string; phone?: string },
  opts: { tx?: Tx } = {},
): Promise<ContactRow> {
  const email = check(emailSchema, input.email);
  const role = input.role === undefined ? "technical" : check(contactRole, input.role);
  const name = input.name === undefined ? "" : check(lineText("name", 100), input.name);
  const phone = input.phone === undefined ? "" : (check(phoneSchema, input.phone) as string);
  return run(db, opts.tx, async (tx) => {
    const as = await requireAs(tx, input.asn);
    const same = await tx.contact.findFirst({
      where: { autonomousSystemId: as.id, email: { equals: email, mode: "insensitive" }, role },
      select: { id: true },
    });
    if (same) throw new UserError(`${email} is already AS${input.asn}'s ${role} contact.`);
    const created = await tx.contact.create({
      data: { autonomousSystemId: as.id, email, role, name, phone },
    });
    await recordChange(tx, author, {
      type: "contact",
      id: created.id,
      repr: repr.contact(created, as.asn),
      action: "create",
      after: created,
    });
    return created;
  });
}

/** Removes the AS's contacts with that address (only in that role, when given); returns them. */
export async function removeContact(
  db: Database,
  author: HistoryAuthor,
  input: { asn: number; email: string; role?: string },
  opts: { tx?: Tx } = {},
): Promise<ContactRow[]> {
  const email = check(emailSchema, input.email);
  const role = input.role === undefined ? undefined : check(contactRole, input.role);
  return run(db, opts.tx, async (tx) => {
    const as = await requireAs(tx, input.asn);
    const rows = await tx.contact.findMany({
      where: {
        autonomousSystemId: as.id,
        email: { equals: email, mode: "insensitive" },
        ...(role ? { role } : {}),
      },
      orderBy: { id: "asc" },
    });
    if (!rows.length) {
      const others = await tx.contact.count({ where: { autonomousSystemId: as.id } });
      throw new UserError(
        `AS${input.asn} has no ${role ? `${role} ` : ""}contact ${email}.`,
        others ? `It has ${plural(others, "contact")}: as ${input.asn} lists them.` : "It has no contacts.",
      );
    }
    await tx.contact.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
    await recordChanges(
      tx,
      author,
      rows.map((r) => ({
        type: "contact",
        id: r.id,
        repr: repr.contact(r, as.asn),
        action: "delete",
        before: r,
      })),
    );
    return rows;
  });
}
