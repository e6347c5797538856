// Routing policies, communities and BGP groups: finding one by the name a person gives, adding
// and removing them. Every write is one transaction with its history row (core/history.ts).
import type { AddressFamily, CommunityDirection, Database, PolicyKind } from "../db.js";
import { UserError } from "../errors.js";
import { chatAuthor, recordChange, type HistoryAuthor, type Tx } from "../history.js";
import type { Actor } from "../roles.js";
import { clip } from "../text.js";
import { attachmentsOf, type ObjectKind } from "./list.js";
import {
  checkName,
  checkSlug,
  inferCommunity,
  policySymbol,
  slugFromName,
  type CommunityValue,
} from "./values.js";

/** What each kind is called in sentences, and the command that lists them. */
export const KIND_WORDS: Record<ObjectKind, { one: string; list: string }> = {
  policy: { one: "routing policy", list: "policies" },
  community: { one: "community", list: "communities" },
  group: { one: "BGP group", list: "groups" },
};

const isUniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === "P2002";

interface Named {
  id: number;
  name: string;
  slug: string;
}

/** The one object `query` names: its slug, then its slug or name in any case. */
function pick<T extends Named>(all: T[], query: string): T | undefined {
  const q = query.trim();
  const lq = q.toLowerCase();
  return (
    all.find((x) => x.slug === q) ??
    all.find((x) => x.slug.toLowerCase() === lq) ??
    all.find((x) => x.name.toLowerCase() === lq)
  );
}

function unknown(kind: ObjectKind, query: string, all: Named[]): UserError {
  const w = KIND_WORDS[kind];
  const names = all.map((x) => x.slug).slice(0, 15);
  return new UserError(
    `There is no ${w.one} called "${clip(query)}".`,
    names.length
      ? `Known: ${names.join(", ")}${all.length > names.length ? ", …" : ""} (\`${w.list}\` lists them).`
      : `None exists yet: \`${kind} add\` makes one.`,
  );
}

export async function findPolicy(db: Database | { prisma: Tx }, query: string) {
  const all = await db.prisma.routingPolicy.findMany({ orderBy: { slug: "asc" } });
  const hit = pick(all, query);
  if (!hit) throw unknown("policy", query, all);
  return hit;
}

export async function findCommunity(db: Database | { prisma: Tx }, query: string) {
  const all = await db.prisma.community.findMany({ orderBy: { slug: "asc" } });
  const hit = pick(all, query) ?? all.find((c) => c.value === query.trim().toLowerCase());
  if (!hit) throw unknown("community", query, all);
  return hit;
}

export async function findGroup(db: Database | { prisma: Tx }, query: string) {
  const all = await db.prisma.bgpGroup.findMany({ orderBy: { slug: "asc" } });
  const hit = pick(all, query);
  if (!hit) throw unknown("group", query, all);
  return hit;
}

// ---------------------------------------------------------------------------
// Add
// ---------------------------------------------------------------------------

/**
 * One `add`: `create` (which refuses a name already taken) and its history row in one
 * transaction. An add that loses a race to another of the same slug is refused the same way.
 */
async function addOne<T extends { id: number }>(
  db: Database,
  kind: ObjectKind,
  slug: string,
  actor: Actor | HistoryAuthor,
  create: (tx: Tx) => Promise<T>,
): Promise<T> {
  const author = "platform" in actor ? chatAuthor(actor) : actor;
  try {
    return await db.prisma.$transaction(async (tx) => {
      const row = await create(tx);
      await recordChange(tx, author, { type: kind, id: row.id, repr: slug, action: "create", after: row });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      const w = KIND_WORDS[kind];
      throw new UserError(`There is already a ${w.one} called ${slug}.`, `\`${w.list}\` lists them.`);
    }
    throw err;
  }
}

export interface PolicyInput {
  slug: string;
  kind: PolicyKind;
  family: AddressFamily;
  weight: number;
  /** Defaults to the slug. */
  name?: string;
}

/** `policy add`: refused when the slug (or its BIRD function name) is taken. */
export async function addPolicy(db: Database, input: PolicyInput, actor: Actor | HistoryAuthor) {
  const slug = checkSlug(input.slug, "routing policy");
  const name = input.name === undefined ? slug : checkName(input.name, "policy");
  const symbol = policySymbol(slug);
  return addOne(db, "policy", slug, actor, async (tx) => {
    const all = await tx.routingPolicy.findMany({ select: { slug: true } });
    const same = all.find(
      (p) => p.slug.toLowerCase() === slug.toLowerCase() || policySymbol(p.slug) === symbol,
    );
    if (same)
      throw new UserError(
        same.slug === slug
          ? `There is already a routing policy called ${slug}.`
          : `The routing policy ${same.slug} already exists, and ${slug} would have the same name on a router (${symbol} in BIRD).`,
        "`policies` lists them.",
      );
    return tx.routingPolicy.create({
      data: { slug, name, kind: input.kind, addressFamily: input.family, weight: input.weight },
    });
  });
}

export interface CommunityInput {
  name: string;
  /** As typed: its kind is inferred (core/policy-objects/values.ts inferCommunity). */
  value: string;
  direction: CommunityDirection;
}

/** `community add`: the slug is made from the name; the value must parse. */
export async function addCommunity(db: Database, input: CommunityInput, actor: Actor | HistoryAuthor) {
  const name = checkName(input.name, "community");
  const slug = slugFromName(name, "community");
  const parsed: CommunityValue = inferCommunity(input.value);
  return addOne(db, "community", slug, actor, async (tx) => {
    const same = await tx.community.findFirst({ where: { slug: { equals: slug, mode: "insensitive" } } });
    if (same)
      throw new UserError(
        `There is already a community called ${same.slug} (${same.value}).`,
        "`communities` lists them; give this one another name.",
      );
    return tx.community.create({
      data: { name, slug, value: parsed.value, kind: parsed.kind, direction: input.direction },
    });
  });
}

/** `group add`: the slug is made from the name. */
export async function addGroup(
  db: Database,
  input: { name: string; description?: string },
  actor: Actor | HistoryAuthor,
) {
  const name = checkName(input.name, "BGP group");
  const slug = slugFromName(name, "BGP group");
  const comments = input.description === undefined ? "" : clip(input.description.trim(), 500);
  return addOne(db, "group", slug, actor, async (tx) => {
    const same = await tx.bgpGroup.findFirst({ where: { slug: { equals: slug, mode: "insensitive" } } });
    if (same)
      throw new UserError(`There is already a BGP group called ${same.slug}.`, "`groups` lists them.");
    return tx.bgpGroup.create({ data: { name, slug, comments } });
  });
}

// ---------------------------------------------------------------------------
// Remove
// ---------------------------------------------------------------------------

/**
 * `policy|community|group remove`: refused while it is attached anywhere (or, for a group,
 * while a direct session is in it), saying where; nothing is detached behind anyone's back.
 */
export async function removeObject(db: Database, kind: ObjectKind, query: string, actor: Actor) {
  const w = KIND_WORDS[kind];
  const author = chatAuthor(actor);
  return db.prisma.$transaction(async (tx) => {
    const t = { prisma: tx };
    const obj =
      kind === "policy"
        ? await findPolicy(t, query)
        : kind === "community"
          ? await findCommunity(t, query)
          : await findGroup(t, query);
    const where = await attachmentsOf(tx, kind, obj.id);
    if (where.length)
      throw new UserError(
        `The ${w.one} ${obj.slug} is still ${kind === "group" ? "used by" : "attached to"} ${clip(where.join(", "), 300)}.`,
        kind === "group"
          ? "Move or remove its sessions first."
          : `Detach it first: \`${kind} detach ${obj.slug} from …\`.`,
      );
    if (kind === "policy") await tx.routingPolicy.delete({ where: { id: obj.id } });
    else if (kind === "community") await tx.community.delete({ where: { id: obj.id } });
    else await tx.bgpGroup.delete({ where: { id: obj.id } });
    await recordChange(tx, author, { type: kind, id: obj.id, repr: obj.slug, action: "delete", before: obj });
    return obj;
  });
}
