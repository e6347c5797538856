// The render context of one router: the rows of one round trip (load.ts) made into what the
// templates see (contract.ts). The work is done in rooms of its own, called from here in
// this order:
// - policy.ts: policies and communities, resolved by level (session, AS, IXP or BGP group);
// - network.ts: the router's IXPs and connections, and the peers;
// - sessions.ts: IXP and direct sessions (one builder), their groups and their order;
// - chains.ts: the import and export chains the sessions share.
//
// Every value that reaches a template is validated or escaped on the way, once, for the
// router's dialect: text through safeText, identifiers through identifier(), numbers
// range-checked, addresses parsed. Sessions in `requested`, `decommissioning` or
// `decommissioned` are left out (by the load); `disabled` and `maintenance` ones (or whose
// connection, IXP or BGP group is) are rendered with `shutdown: true`.
import type { SecretBox } from "../crypto.js";
import type { Database } from "../db.js";
import { parseDuration } from "../config.js";
import { Chains } from "./chains.js";
import { DEFAULT_IRR_STALE_AFTER, IrrLists } from "./irr.js";
import type { Afi, RenderContext, RouterContext } from "./contract.js";
import { dialectFor, RenderError, safeText, type Dialect } from "./escape.js";
import { loadRenderRows, type RenderRows, type RouterRow } from "./load.js";
import { buildIxps, Peers } from "./network.js";
import { PolicyLevels } from "./policy.js";
import {
  directAttachment,
  ixpAttachment,
  SessionBuilder,
  type Attachment,
  type PasswordEnv,
} from "./sessions.js";
import { asn, bySlug, objectStatus } from "./values.js";

// What other files import from here, from before the context had rooms of its own.
export * from "./contract.js";
export { loadRenderRows, type RenderRows } from "./load.js";

export interface LoadOptions {
  /** Decrypts session passwords; without it a session with a password is refused. */
  secretBox?: SecretBox | null;
  /** Where a direct session's `passwordEnv` is read (process.env by default). */
  env?: PasswordEnv;
  /** Overrides the dialect derived from the router's platform and template. */
  dialect?: Dialect;
  /** Overrides the router's template name (for the dialect derivation). */
  template?: string;
  /** An IRR list fetched longer ago is not used (PEERBOT_IRR_STALE_AFTER; 7 days by default). */
  irrStaleAfterMs?: number;
  /** The time staleness is measured at (now by default). */
  now?: Date;
}

function irrStaleAfter(opt: number | undefined): number {
  if (opt !== undefined) return opt;
  const v = process.env.PEERBOT_IRR_STALE_AFTER;
  if (v && v.trim()) {
    try {
      return parseDuration(v.trim());
    } catch {
      // loadConfig refuses a bad value at start; a render never fails on it.
    }
  }
  return DEFAULT_IRR_STALE_AFTER;
}

/** The router's BGP router id: a dotted quad, or "" (refused otherwise, never rendered raw). */
function routerIdOf(r: RouterRow): string {
  const id = (r.bgpRouterId ?? "").trim();
  if (!id) return "";
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(id);
  if (!m || m.slice(1).some((x) => Number(x) > 255)) {
    throw new RenderError(
      `the router ${r.name} has a BGP router id that is not an IPv4 address: set a dotted quad such as 192.0.2.1`,
    );
  }
  return m.slice(1).map(Number).join(".");
}

/** Builds the context from rows (no I/O): the part the benchmark can time on its own. */
export function buildRenderContext(rows: RenderRows, opts: LoadOptions = {}): RenderContext {
  const r = rows.router;
  const template = opts.template ?? r.template;
  const dialect = opts.dialect ?? dialectFor(r.platform, template || r.platform);
  const text = (v: unknown) => safeText(v, dialect);
  const routerName = text(r.name);
  const localAsn = asn(r.localAsn, `router ${routerName}`);

  const chains = new Chains();
  const levels = new PolicyLevels(rows, dialect, chains);
  const { ixps, ports } = buildIxps(rows.connections, levels, dialect);
  const peers = new Peers(rows.ases, dialect);
  const irr = new IrrLists(
    rows.irr ?? [],
    rows.ases.filter((a) => a.irrOn === false).map((a) => a.id),
    dialect,
    { staleAfterMs: irrStaleAfter(opts.irrStaleAfterMs), now: opts.now ?? new Date() },
  );
  const builder = new SessionBuilder(
    dialect,
    localAsn,
    levels,
    peers,
    opts.secretBox,
    opts.env ?? process.env,
    chains,
    irr,
  );
  const atPort = new Map<number, Attachment>();
  for (const [id, port] of ports) atPort.set(id, ixpAttachment(port.conn, port.ixp));
  for (const s of rows.ixpSessions) {
    // Always found (the load reads sessions through these connections, in one snapshot).
    const at = atPort.get(s.cid);
    if (at) builder.add(s, at);
  }
  for (const d of rows.directSessions) builder.add(d, directAttachment(d, dialect, localAsn));
  const { sessions, groups } = builder.finish();

  const warnings = builder.warnings();
  const asSetWarning = peers.warning();
  if (asSetWarning) warnings.push(asSetWarning);
  warnings.push(...irr.warnings());
  const ixpSessions = sessions.filter((s) => s.kind === "ixp");
  const directSessions = sessions.filter((s) => s.kind === "direct");
  const used = chains.used();
  const router: RouterContext = {
    id: r.id,
    name: routerName,
    hostname: text(r.hostname),
    routerId: routerIdOf(r),
    platform: r.platform,
    template,
    status: objectStatus(r.status),
    localAsn,
    localAsName: text(r.localAsName),
  };
  return {
    dialect,
    router,
    localAsn,
    ixps: [...ixps.values()].sort(bySlug),
    groups,
    families: ([4, 6] as const)
      .map((family) => ({
        family,
        afi: (family === 4 ? "ipv4" : "ipv6") as Afi,
        groups: groups.filter((g) => g.family === family),
        sessions: sessions.filter((s) => s.family === family),
      }))
      .filter((f) => f.groups.length > 0),
    sessions,
    ixpSessions,
    directSessions,
    policies: used.policies,
    communities: used.communities,
    chains: chains.generated(),
    birdFilters: chains.birdFilters(),
    usesDeny: chains.usesDeny(),
    irrLists: chains.irrLists(),
    counts: {
      sessions: sessions.length,
      ixpSessions: ixpSessions.length,
      directSessions: directSessions.length,
      shutdown: sessions.filter((s) => s.shutdown).length,
    },
    warnings,
  };
}

/** Loads and builds the render context of one router (one database round trip). */
export async function loadRenderContext(
  db: Database,
  routerId: number,
  opts: LoadOptions = {},
): Promise<RenderContext> {
  return buildRenderContext(await loadRenderRows(db, routerId), opts);
}
