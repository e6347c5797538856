// Contacts: Peering Manager keeps a contact once and assigns it, with a role, to objects;
// peerbot keeps one contact per autonomous system and role. Each assignment to an AS is one
// peerbot contact, keyed by the assignment's id.
import { listOf } from "./links.js";
import { name } from "./mapping.js";
import { byId, writes, type ImportRun } from "./run.js";
import type { PmContact, PmContactAssignment, PmList } from "./source.js";

const EMAIL =
  /^[^\s@<>()",;:\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/** A role as peerbot keeps it: Peering Manager's role slug (or name), lower case; "technical" when none. */
function role(r: PmContactAssignment["role"]): string {
  const v = (r?.slug || r?.name || "")
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  return v.slice(0, 40) || "technical";
}

export async function importContacts(
  run: ImportRun,
  assignments: PmList<PmContactAssignment>,
  contacts: PmList<PmContact>,
): Promise<void> {
  const byContact = new Map(contacts.records.map((c) => [c.id, c]));
  const rows = await run.tx.contact.findMany({ orderBy: { id: "asc" } });
  const rowById = new Map(rows.map((r) => [r.id, r]));
  for (const a of byId(assignments)) {
    const c = byContact.get(a.contact.id);
    const who = name(c?.name ?? a.contact.name, 60) || `#${a.contact.id}`;
    if (a.content_type !== "peering.autonomoussystem") {
      run.summary.counts.contact.skipped++;
      run.group(
        "contact-not-as",
        `${who} (${name(a.content_type, 40)})`,
        (items) =>
          `peerbot keeps contacts per autonomous system only: ${listOf(items)} ${items.length === 1 ? "was" : "were"} left out.`,
      );
      continue;
    }
    const asId = run.refs.get("as", a.object_id);
    if (asId === undefined || !c) {
      run.skip(
        "contact",
        !c
          ? `The contact ${who} could not be read from Peering Manager, so its assignment was not brought in.`
          : `The contact ${who} is assigned to an AS that was not brought in, so neither was the contact.`,
      );
      continue;
    }
    const email = c.email.trim();
    const valid = EMAIL.test(email);
    if (!valid && !c.phone.trim()) {
      run.skip(
        "contact",
        `The contact ${who} has ${email ? `no e-mail address peerbot can write to (${JSON.stringify(name(email, 60))})` : "no e-mail address"} and no phone number, so it was not brought in.`,
      );
      continue;
    }
    if (email && !valid)
      run.group(
        "contact-email",
        who,
        (items) =>
          `The e-mail addresses of ${listOf(items)} are not addresses peerbot can write to, so they came in empty.`,
      );
    const fields = {
      name: name(c.name, 100) || email,
      role: role(a.role),
      email: valid ? email : "",
      phone: name(c.phone, 40),
      autonomousSystemId: asId,
    };
    const refId = run.refs.get("contact", a.id);
    let row = refId !== undefined ? rowById.get(refId) : undefined;
    let adopted = false;
    if (!row) {
      row = rows.find(
        (r) =>
          r.autonomousSystemId === asId &&
          r.role === fields.role &&
          (fields.email ? r.email.toLowerCase() === fields.email.toLowerCase() : r.name === fields.name),
      );
      adopted = !!row;
    }
    const asn = run.asns.get(asId);
    const view = (f: typeof fields) => {
      const { autonomousSystemId: x, ...rest } = f;
      return { ...rest, as: run.asns.get(x) ?? x };
    };
    await run.apply({
      family: "contact",
      type: "contact",
      pmId: a.id,
      repr: `AS${asn} ${fields.email || fields.name}`,
      adopted,
      existing: row
        ? {
            id: row.id,
            state: view({
              name: row.name,
              role: row.role,
              email: row.email,
              phone: row.phone,
              autonomousSystemId: row.autonomousSystemId,
            }),
          }
        : null,
      desired: view(fields),
      ...writes(run.tx.contact, fields),
    });
  }
}
