// `peerbot inventory apply <file> [--dry-run] [--prune]`: parse and validate the file, plan
// against the database, print the plan, and apply it in ONE transaction (a failure anywhere
// rolls everything back), with a history row per object. A dry run plans and changes nothing.
import type { Database } from "../db.js";
import { errorLine } from "../text.js";
import type { HistoryAuthor } from "../history.js";
import { buildDesired, fileAddresses, type Mirror, type Problems } from "./desired.js";
import { formatPlan, summary } from "./format.js";
import { parseInventory, type Located, type ParseResult } from "./parse.js";
import { buildPlan, type Plan } from "./plan.js";
import type { InventoryFile } from "./schema.js";
import { loadState, queryOf, type Query } from "./state.js";
import { writePlan, type WriteResult } from "./write.js";

export interface ApplyOptions {
  /** Names the file in every message. */
  filename: string;
  dryRun?: boolean;
  prune?: boolean;
  author: HistoryAuthor;
}

export type ApplyStatus =
  /** The file does not parse or validate, or refers to what is not there: nothing changed. */
  | "invalid"
  /** The plan cannot be applied (an open change, a constraint): nothing changed. */
  | "refused"
  | "no-changes"
  /** --dry-run: planned, nothing changed. */
  | "planned"
  | "applied";

export interface ApplyOutcome {
  status: ApplyStatus;
  /** What to print: the plan, then what happened. */
  text: string;
  errors: string[];
  plan?: Plan;
  result?: WriteResult;
  /** Milliseconds spent parsing, planning and writing. */
  timings: { parse: number; plan: number; write: number };
}

/** One apply at a time: a second waits for the first to commit. */
const APPLY_LOCK = "select pg_advisory_xact_lock(hashtext('peerbot:inventory-apply'))";

export async function planFor(q: Query, file: InventoryFile, loc: Located, prune: boolean): Promise<Plan> {
  const addresses = fileAddresses(file);
  const [state, canonRows] = await Promise.all([
    loadState(q),
    addresses.length
      ? q<{ raw: string; c: string }>(`select t as raw, t::inet as c from unnest($1::text[]) as t`, addresses)
      : Promise.resolve([]),
  ]);
  const canon = new Map(canonRows.map((r) => [r.raw, String(r.c)]));
  const mirror = await mirrorFor(q, file, state);
  const p: Problems = { errors: [], warnings: [] };
  const desired = buildDesired(file, state, loc, canon, mirror, p);
  const plan = buildPlan(desired, state, loc, prune, p);
  plan.errors.sort((a, b) => lineIn(a) - lineIn(b));
  return plan;
}

/** The line an error names ("inventory.yaml:42: …"), or 0 for one about the database. */
function lineIn(error: string): number {
  return Number(/^[^\n]*?:(\d+): /.exec(error)?.[1] ?? 0);
}

/** The PeeringDB records of the networks and exchanges a file adds without their details. */
async function mirrorFor(
  q: Query,
  file: InventoryFile,
  state: Awaited<ReturnType<typeof loadState>>,
): Promise<Mirror> {
  const asns = (file.autonomous_systems ?? [])
    .filter(
      (a) =>
        !state.ases.has(a.asn) &&
        [a.name, a.irr_as_set, a.ipv4_max_prefixes, a.ipv6_max_prefixes, a.policy, a.peeringdb_id].some(
          (v) => v === undefined,
        ),
    )
    .map((a) => String(a.asn));
  const ixIds = (file.ixps ?? [])
    .filter((x) => !state.ixps.has(x.slug) && typeof x.peeringdb_ix_id === "number")
    .filter((x) => x.name === undefined || x.prefixes === undefined || x.peeringdb_ixlan_id === undefined)
    .map((x) => x.peeringdb_ix_id as number);
  const mirror: Mirror = { nets: new Map(), ixes: new Map() };
  if (asns.length) {
    const rows = await q<Record<string, unknown>>(
      `select id, asn::text as asn, name, irr_as_set, info_prefixes4, info_prefixes6, policy_general
         from pdb_net where asn = any($1::text[]::bigint[]) and status = 'ok'`,
      asns,
    );
    for (const r of rows)
      mirror.nets.set(Number(r.asn), {
        id: Number(r.id),
        name: String(r.name),
        irr_as_set: String(r.irr_as_set ?? ""),
        info_prefixes4: r.info_prefixes4 === null ? null : Number(r.info_prefixes4),
        info_prefixes6: r.info_prefixes6 === null ? null : Number(r.info_prefixes6),
        policy_general: String(r.policy_general ?? ""),
      });
  }
  if (ixIds.length) {
    const rows = await q<{ id: number; name: string; ixlan: number | null; prefixes: string[] | null }>(
      `select x.id, x.name, l.id as ixlan,
              (select array_agg(p.prefix::text order by family(p.prefix), p.prefix) from pdb_ixpfx p
                where p.ixlan_id = l.id and p.status = 'ok') as prefixes
         from pdb_ix x
         left join lateral (select id from pdb_ixlan where ix_id = x.id and status = 'ok' order by id limit 1) l on true
        where x.id = any($1::int[])`,
      ixIds,
    );
    for (const r of rows)
      mirror.ixes.set(Number(r.id), {
        name: r.name,
        ixlanId: r.ixlan === null ? null : Number(r.ixlan),
        prefixes: r.prefixes ?? [],
      });
  }
  return mirror;
}

class Refused extends Error {
  constructor(readonly plan: Plan) {
    super("refused");
  }
}

export async function applyInventory(db: Database, text: string, opts: ApplyOptions): Promise<ApplyOutcome> {
  const t0 = performance.now();
  const parsed = parseInventory(text, opts.filename);
  const ms = performance.now() - t0;
  if (!parsed.ok) return invalid(parsed.errors, { parse: ms, plan: 0, write: 0 });
  const out = await applyParsed(db, parsed, opts);
  out.timings.parse = ms;
  return out;
}

/** Applies a file already parsed (the CLI parses before it opens the database). */
export async function applyParsed(
  db: Database,
  parsed: Extract<ParseResult, { ok: true }>,
  opts: ApplyOptions,
): Promise<ApplyOutcome> {
  const timings = { parse: 0, plan: 0, write: 0 };
  const prune = opts.prune ?? false;

  if (opts.dryRun) {
    const t1 = performance.now();
    const plan = await planFor(queryOf(db.prisma), parsed.file, parsed, prune);
    timings.plan = performance.now() - t1;
    if (plan.errors.length) return invalid(plan.errors, timings, plan);
    const shown = formatPlan(plan, opts.filename);
    return {
      status: plan.ops.length ? "planned" : "no-changes",
      text: plan.ops.length ? `${shown}\nDry run: nothing was changed.\n` : shown,
      errors: [],
      plan,
      timings,
    };
  }

  try {
    return await db.prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(APPLY_LOCK);
        const t1 = performance.now();
        const plan = await planFor(queryOf(tx), parsed.file, parsed, prune);
        timings.plan = performance.now() - t1;
        if (plan.errors.length) throw new Refused(plan);
        const shown = formatPlan(plan, opts.filename);
        if (!plan.ops.length)
          return { status: "no-changes" as const, text: shown, errors: [], plan, timings };
        const t2 = performance.now();
        const result = await writePlan(tx, plan, opts.author);
        timings.write = performance.now() - t2;
        const done = [
          summary(result.created) && `created ${summary(result.created)}`,
          summary(result.updated) && `updated ${summary(result.updated)}`,
          summary(result.deleted) && `deleted ${summary(result.deleted)}`,
        ].filter(Boolean);
        return {
          status: "applied" as const,
          text: `${shown}\nApplied: ${done.join("; ")}. History: ${result.historyRows} row${result.historyRows === 1 ? "" : "s"} (request ${opts.author.requestId}).\n`,
          errors: [],
          plan,
          result,
          timings,
        };
      },
      { timeout: 15 * 60_000, maxWait: 60_000 },
    );
  } catch (err) {
    if (err instanceof Refused) return invalid(err.plan.errors, timings, err.plan);
    const line = `The database refused the apply, and nothing was changed: ${errorLine(err)}`;
    return { status: "refused", text: `${line}\n`, errors: [line], timings };
  }
}

/** The outcome of a file that did not parse or validate. */
export function invalid(errors: string[], timings: ApplyOutcome["timings"], plan?: Plan): ApplyOutcome {
  const n = errors.length;
  const shown = errors.slice(0, 50);
  const more = n > shown.length ? [`… and ${n - shown.length} more.`] : [];
  return {
    status: "invalid",
    text: [...shown, ...more, `${n} problem${n === 1 ? "" : "s"}; nothing was changed.`].join("\n") + "\n",
    errors,
    plan,
    timings,
  };
}
