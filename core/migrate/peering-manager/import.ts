// `peerbot import peering-manager`: everything is read from the instance first (nothing is
// written while the network is being read), then written in ONE transaction, family by family
// in the order their references need (policies and communities, groups, ASes, IXPs, routers,
// connections, sessions, contacts), each object keyed by its Peering Manager id through
// ExternalRef, so that a second run updates instead of duplicating and, when nothing changed
// there, changes nothing here. An object peerbot already has under the same natural key (ASN,
// slug, router name, address) is adopted. Every create and update is in the history, via
// "peering-manager". A dry run makes the same transaction and rolls it back. E-mail template
// overrides are files, written after the commit.
import type { SecretBox } from "../../crypto.js";
import type { Database } from "../../db.js";
import { processAuthor, type HistoryAuthor } from "../../history.js";
import { plural } from "../../text.js";
import { importCommunities, importGroups, importPolicies } from "./bgp.js";
import { importConnections } from "./connections.js";
import { importContacts } from "./contacts.js";
import { planEmailTemplates, writeEmailTemplates } from "./emails.js";
import { listOf } from "./links.js";
import { importAutonomousSystems, importIxps } from "./networks.js";
import { importRouters } from "./routers.js";
import { ImportRun, RefStore, type RefType } from "./run.js";
import { importDirectSessions, importIxpSessions } from "./sessions.js";
import { readSnapshot, type PeeringManagerSource, type PmKind, type PmSnapshot } from "./source.js";
import { FAMILIES, ImportSummary, type Family } from "./summary.js";

export interface ImportOptions {
  dryRun?: boolean;
  /** Who runs it ("cli:<user>"), for the history. */
  actor: string;
  actorName?: string;
  /** Encrypts session passwords; without it they are not brought in (and the summary says so). */
  secrets?: SecretBox;
  /** Where e-mail template overrides go (<dir>/email/); none when undefined. */
  templatesDir?: string;
  /** Whether peerbot reads that folder already (PEERBOT_TEMPLATES_DIR names it). */
  templatesDirInUse?: boolean;
}

class DryRun extends Error {}

/** The ExternalRef source of an instance. */
export const sourceName = (host: string) => `peering-manager:${host.toLowerCase()}`;

/** Which list each family's records come from, the ref types that key them, and their names. */
const FAMILY_OF: Partial<Record<PmKind, { family: Family; refs: RefType[]; one: string; many: string }>> = {
  "autonomous-systems": { family: "as", refs: ["as"], one: "autonomous system", many: "autonomous systems" },
  "internet-exchanges": { family: "ixp", refs: ["ixp"], one: "IXP", many: "IXPs" },
  routers: { family: "router", refs: ["router"], one: "router", many: "routers" },
  connections: { family: "connection", refs: ["connection"], one: "connection", many: "connections" },
  "bgp-groups": { family: "group", refs: ["group"], one: "BGP group", many: "BGP groups" },
  "routing-policies": { family: "policy", refs: ["policy"], one: "routing policy", many: "routing policies" },
  communities: {
    family: "community",
    refs: ["community", "community-egress"],
    one: "community",
    many: "communities",
  },
  "ixp-sessions": { family: "ixp-session", refs: ["ixp-session"], one: "IXP session", many: "IXP sessions" },
  "direct-sessions": {
    family: "direct-session",
    refs: ["direct-session"],
    one: "direct session",
    many: "direct sessions",
  },
  "contact-assignments": {
    family: "contact",
    refs: ["contact"],
    one: "contact assignment",
    many: "contact assignments",
  },
  emails: { family: "email-template", refs: [], one: "e-mail template", many: "e-mail templates" },
};
const families = () => Object.entries(FAMILY_OF) as [PmKind, NonNullable<(typeof FAMILY_OF)[PmKind]>][];

/** Records that did not have the shape peerbot reads: one sentence per kind. */
function reportInvalid(snap: PmSnapshot, summary: ImportSummary): void {
  for (const [kind, f] of families()) {
    const bad = snap[kind].invalid;
    if (!bad.length) continue;
    summary.counts[f.family].skipped += bad.length;
    const shown = bad.slice(0, 3).map((b) => `${b.id === null ? "one" : `#${b.id}`}: ${b.why}`);
    const one = bad.length === 1;
    summary.note(
      `${one ? `One ${f.one}` : `${bad.length} ${f.many}`} from ${snap[kind].path} ${one ? "does" : "do"} not have the shape peerbot reads and ${one ? "was" : "were"} skipped (${shown.join("; ")}${bad.length > 3 ? "; …" : ""}).`,
    );
  }
  for (const kind of ["platforms", "contacts"] as const) {
    const bad = snap[kind].invalid;
    if (bad.length)
      summary.note(
        `${plural(bad.length, kind === "platforms" ? "platform" : "contact")} from ${snap[kind].path} could not be read (${bad
          .slice(0, 3)
          .map((b) => b.why)
          .join("; ")}); what names them is skipped.`,
      );
  }
}

/** Objects imported from this instance before that it no longer lists: left alone, and counted. */
function reportGone(snap: PmSnapshot, refs: RefStore, summary: ImportSummary): void {
  const gone: string[] = [];
  let total = 0;
  for (const [kind, f] of families()) {
    if (!f.refs.length) continue;
    const present = new Set<number>([
      ...(snap[kind].records as { id: number }[]).map((r) => r.id),
      ...snap[kind].invalid.map((r) => r.id).filter((x): x is number => x !== null),
    ]);
    const ids = new Set(f.refs.flatMap((t) => refs.ids(t)).filter((id) => !present.has(id)));
    if (!ids.size) continue;
    total += ids.size;
    gone.push(`${ids.size} ${ids.size === 1 ? f.one : f.many}`);
  }
  if (gone.length)
    summary.note(
      `${listOf(gone)} imported earlier from this instance ${total === 1 ? "is" : "are"} no longer in Peering Manager; peerbot left ${total === 1 ? "it as it is" : "them as they are"} (remove what you no longer want by hand).`,
    );
}

/** Writes the snapshot into peerbot in one transaction (rolled back for a dry run). */
export async function applySnapshot(
  db: Database,
  snap: PmSnapshot,
  opts: ImportOptions,
  summary = new ImportSummary(),
): Promise<ImportSummary> {
  summary.version = snap.version;
  summary.host = snap.host;
  summary.dryRun = !!opts.dryRun;
  const author: HistoryAuthor = processAuthor(opts.actor, "peering-manager", opts.actorName ?? opts.actor);
  const source = sourceName(snap.host);
  try {
    await db.prisma.$transaction(
      async (tx) => {
        // One import at a time: two at once would both create what neither has yet.
        await tx.$executeRaw`select pg_advisory_xact_lock(hashtext('peerbot:import:peering-manager'))`;
        const refs = await RefStore.load(tx, source);
        reportInvalid(snap, summary);
        reportGone(snap, refs, summary);
        const run = new ImportRun(tx, author, refs, summary, opts.secrets);
        await importCommunities(run, snap.communities);
        await importPolicies(run, snap["routing-policies"]);
        await importGroups(run, snap["bgp-groups"]);
        await importAutonomousSystems(run, snap["autonomous-systems"]);
        await importIxps(run, snap["internet-exchanges"]);
        await importRouters(run, snap.routers, snap.platforms);
        await importConnections(run, snap.connections);
        await importIxpSessions(run, snap["ixp-sessions"]);
        await importDirectSessions(run, snap["direct-sessions"]);
        await importContacts(run, snap["contact-assignments"], snap.contacts);
        await run.finish();
        if (opts.dryRun) throw new DryRun();
      },
      { timeout: 30 * 60_000, maxWait: 60_000 },
    );
  } catch (err) {
    if (!(err instanceof DryRun)) throw err;
  }
  if (opts.templatesDir) {
    const writes = planEmailTemplates(snap.emails, opts.templatesDir, snap.host, summary);
    if (!opts.dryRun) writeEmailTemplates(writes);
    if (writes.length && !opts.templatesDirInUse)
      summary.note(
        `peerbot reads e-mail template overrides from PEERBOT_TEMPLATES_DIR, which is not set: set PEERBOT_TEMPLATES_DIR=${opts.templatesDir} to use the imported ones.`,
      );
  } else if (snap.emails.records.length) {
    summary.counts["email-template"].skipped += snap.emails.records.length;
    summary.note("E-mail templates were not brought in: no folder for template overrides was given.");
  }
  return summary;
}

/** Reads the instance, then applies what it read (see applySnapshot). */
export async function importPeeringManager(
  db: Database,
  source: PeeringManagerSource,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const snap = await readSnapshot(source);
  const summary = new ImportSummary();
  await applySnapshot(db, snap, opts, summary);
  summary.requests = source.requests;
  return summary;
}

export { FAMILIES };
