// Who an e-mail goes to. Candidates are the network's local contacts (Contact rows, when it is
// an AS in peerbot) and its PeeringDB `poc` rows; the configured role order
// (PEERBOT_EMAIL_ROLES, or PEERBOT_EMAIL_MAINTENANCE_ROLES for maintenance notices) decides.
// The To list is one group, the first of these that has a valid address:
//   1. every local contact whose role is one of the configured roles (in that order): people
//      an operator entered on purpose come first;
//   2. the PeeringDB contacts of the first configured role that has any (Policy, else
//      Technical, else NOC by default): one team, not every mailbox of the network;
//   3. every local contact, whatever its role (an operator's contact beats none at all).
// PeeringDB roles outside the list (Sales, Abuse, Public Relations by default) are never
// written to. Roles compare case-insensitively. A `to:` override replaces that list; `cc:`
// and the configured CC are added as Cc, the configured BCC as Bcc. Addresses are validated
// (core/email/address.ts) and de-duplicated case-insensitively across To, Cc and Bcc, in that
// order; invalid ones of the groups looked at are left out and named.
import { AddressError, addressKey, headerText, parseMailbox, splitAddressField } from "./address.js";

export interface ContactCandidate {
  role: string;
  email: string;
  name?: string;
}

export interface Dropped {
  address: string;
  reason: string;
}

export interface RecipientInput {
  local: readonly ContactCandidate[];
  peeringdb: readonly ContactCandidate[];
  /** The configured role order. */
  roles: readonly string[];
  /** From `to:` / `cc:` arguments: `to` replaces the resolved To, `cc` adds. */
  override?: { to?: readonly string[]; cc?: readonly string[] };
  /** Configured CC and BCC, already validated. */
  cc: readonly string[];
  bcc: readonly string[];
}

export interface RecipientPlan {
  to: string[];
  cc: string[];
  bcc: string[];
  dropped: Dropped[];
  source: "local" | "peeringdb" | "override";
  /** The role whose contacts are the To list ("" for an override or local contacts of any role). */
  role: string;
}

/** "Policy, Technical ,NOC" -> ["Policy", "Technical", "NOC"]. */
export function parseRoles(text: string): string[] {
  const out: string[] = [];
  for (const r of text.split(",")) {
    const t = r.trim();
    if (t && !out.some((o) => o.toLowerCase() === t.toLowerCase())) out.push(t);
  }
  return out;
}

/** Thrown for an invalid `to:`/`cc:` address a person typed: the command answers it. */
export class OverrideAddressError extends AddressError {}

function validOverride(list: readonly string[] | undefined): string[] {
  return (list ?? []).map((text) => {
    try {
      return parseMailbox(text).address;
    } catch (err) {
      if (err instanceof AddressError) throw new OverrideAddressError(err.text, err.problem);
      throw err;
    }
  });
}

/** The valid addresses of a group of contacts; the invalid ones go to `dropped`. */
function addressesOf(group: readonly ContactCandidate[], where: string, dropped: Dropped[]): string[] {
  const out: string[] = [];
  for (const c of group) {
    const { ok, bad } = splitAddressField(c.email ?? "");
    out.push(...ok);
    const role = headerText(c.role, 30) || "no role";
    for (const b of bad) dropped.push({ address: b.address, reason: `${where} (${role}): ${b.reason}` });
  }
  return out;
}

function unique(list: readonly string[], seen: Set<string>): string[] {
  const out: string[] = [];
  for (const a of list) {
    const k = addressKey(a);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(a);
  }
  return out;
}

const roleIndex = (roles: readonly string[], role: string) => {
  const i = roles.findIndex((r) => r.toLowerCase() === role.trim().toLowerCase());
  return i < 0 ? Infinity : i;
};

/**
 * The recipients of one message. `to` is empty when no group has a valid address (the caller
 * says so, with the way out). Throws OverrideAddressError for an invalid `to:`/`cc:` address.
 */
export function chooseRecipients(input: RecipientInput): RecipientPlan {
  const dropped: Dropped[] = [];
  const overrideTo = validOverride(input.override?.to);
  const overrideCc = validOverride(input.override?.cc);
  let to: string[] = [];
  let source: RecipientPlan["source"] = "override";
  let role = "";
  if (overrideTo.length) {
    to = overrideTo;
  } else {
    const listed = input.local
      .map((c, i) => ({ c, i, r: roleIndex(input.roles, c.role) }))
      .filter((x) => x.r !== Infinity)
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map((x) => x.c);
    const groups: { list: readonly ContactCandidate[]; source: "local" | "peeringdb"; role: string }[] = [
      { list: listed, source: "local", role: "" },
      ...input.roles.map((r) => ({
        list: input.peeringdb.filter((c) => c.role.trim().toLowerCase() === r.toLowerCase()),
        source: "peeringdb" as const,
        role: r,
      })),
      { list: input.local.filter((c) => !listed.includes(c)), source: "local", role: "" },
    ];
    for (const g of groups) {
      if (!g.list.length) continue;
      const found = addressesOf(
        g.list,
        g.source === "local" ? "local contact" : "PeeringDB contact",
        dropped,
      );
      if (found.length) {
        to = found;
        source = g.source;
        role = g.role;
        break;
      }
    }
  }
  const seen = new Set<string>();
  const toList = unique(to, seen);
  const ccList = unique([...overrideCc, ...input.cc], seen);
  const bccList = unique(input.bcc, seen);
  return { to: toList, cc: ccList, bcc: bccList, dropped, source, role };
}
