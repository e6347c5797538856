// The plan: what applying a file would create, update and delete, field by field, like
// `terraform plan`. Deletes happen only with --prune, only in the sections (and child lists)
// the file has, and never to what an open change still carries. References (a policy attached
// by slug, a session's AS, a connection's router) must name something the file or the
// database will still hold; each refusal names its line.
import { hostOf, inPrefix, kindCount, KINDS, type Kind } from "./model.js";
import type { Desired, DesiredInventory, Problems } from "./desired.js";
import type { Located, Path } from "./parse.js";
import { SECTIONS, type Section } from "./schema.js";
import type { State, Stored } from "./state.js";

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface Op {
  kind: Kind;
  action: "create" | "update" | "delete";
  /** How the plan names the object: "router edge1.lon", "AS6939". */
  label: string;
  /** The fields an update changes. */
  changes: FieldChange[];
  /** A create's main fields, or why a delete happens ("with AS6939"). */
  note?: string;
}

export interface Plan {
  ops: Op[];
  /** Objects the file lacks, in the sections it has, left alone without --prune. */
  kept: { kind: Kind; label: string }[];
  /** Sections the file leaves out: nothing in them is looked at or deleted. */
  untouched: Section[];
  warnings: string[];
  errors: string[];
  /** What the write needs: the desired inventory, the state and the ids to delete per kind. */
  work: { desired: DesiredInventory; state: State; deletes: Record<Kind, Set<number>> };
}

const SECTION_OF: Record<Kind, Section> = {
  policy: "policies",
  community: "communities",
  group: "groups",
  as: "autonomous_systems",
  contact: "autonomous_systems",
  ixp: "ixps",
  router: "routers",
  connection: "connections",
  "ixp-session": "connections",
  "direct-session": "direct_sessions",
};

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** The fields of `want` that differ from `cur`. */
export function fieldChanges<R extends object>(cur: R, want: R): FieldChange[] {
  const out: FieldChange[] = [];
  for (const k of Object.keys(want) as (keyof R & string)[]) {
    if (!same(cur[k], want[k])) out.push({ field: k, from: cur[k], to: want[k] });
  }
  return out;
}

export function labelOf(kind: Kind, r: Record<string, unknown>, extra: { ixp?: string } = {}): string {
  switch (kind) {
    case "policy":
    case "community":
    case "group":
      return `${kind} ${String(r.slug)}`;
    case "as":
      return `AS${String(r.asn)}`;
    case "contact":
      return `contact ${String(r.name || r.email)} of AS${String(r.asn)}`;
    case "ixp":
      return `IXP ${String(r.slug)}`;
    case "router":
      return `router ${String(r.name)}`;
    case "connection":
      return `connection ${String(r.ixp)} ${String(r.router ?? "(no router)")} ${String(r.ipv4 ?? r.ipv6 ?? (r.name || "(no address)"))}`;
    case "ixp-session":
      return `IXP session AS${String(r.asn)} ${extra.ixp ?? "?"} ${String(r.ip)}`;
    case "direct-session":
      return `direct session AS${String(r.asn)} ${String(r.router ?? "(no router)")} ${String(r.ip)}`;
  }
}

function createNote(kind: Kind, r: Record<string, unknown>): string | undefined {
  switch (kind) {
    case "as":
      return String(r.name);
    case "router":
      return `${String(r.platform)}, ${String(r.hostname)}`;
    case "ixp-session":
    case "direct-session":
      return String(r.status);
    default:
      return undefined;
  }
}

export function buildPlan(
  d: DesiredInventory,
  state: State,
  loc: Located,
  prune: boolean,
  p: Problems,
): Plan {
  const err = (path: Path, m: string) => p.errors.push(loc.error(path, m));
  const ops: Op[] = [];
  const kept: Plan["kept"] = [];
  const deletes = Object.fromEntries(KINDS.map((k) => [k, new Set<number>()])) as Record<Kind, Set<number>>;
  const connIxp = new Map(state.connections.map((c) => [c.id, c.rec.ixp]));
  const sessionLabel = (s: { rec: Record<string, unknown>; connectionId: number }) =>
    labelOf("ixp-session", s.rec, { ixp: connIxp.get(s.connectionId) });

  // --- creates and updates
  const diff = <R extends object>(
    kind: Kind,
    items: Iterable<Desired<R, Stored<R>>>,
    extra?: (x: Desired<R, Stored<R>>) => { ixp?: string },
  ) => {
    for (const x of items) {
      const rec = x.rec as Record<string, unknown>;
      const label = labelOf(kind, rec, extra?.(x));
      if (!x.cur) ops.push({ kind, action: "create", label, changes: [], note: createNote(kind, rec) });
      else {
        const changes = fieldChanges(x.cur.rec, x.rec);
        if (changes.length) ops.push({ kind, action: "update", label, changes });
      }
    }
  };
  diff("policy", d.policies.values());
  diff("community", d.communities.values());
  diff("group", d.groups.values());
  diff("as", d.ases.values());
  diff("contact", d.contacts);
  diff("ixp", d.ixps.values());
  diff("router", d.routers.values());
  diff("connection", d.connections);
  diff("ixp-session", d.ixpSessions, (x) => ({
    ixp: d.connections[(x as unknown as { conn: number }).conn]?.rec.ixp,
  }));
  diff("direct-session", d.directSessions);

  // --- what the file lacks: deleted with --prune (in the sections it has), else kept
  const matched = (items: Iterable<{ cur?: { id: number } }>) => {
    const s = new Set<number>();
    for (const x of items) if (x.cur) s.add(x.cur.id);
    return s;
  };
  const absent = <S extends { id: number }>(
    kind: Kind,
    all: Iterable<S>,
    inFile: Set<number>,
    inScope: (s: S) => boolean,
    label: (s: S) => string,
  ) => {
    for (const s of all) {
      if (inFile.has(s.id) || !inScope(s)) continue;
      if (prune) {
        deletes[kind].add(s.id);
        ops.push({ kind, action: "delete", label: label(s), changes: [] });
      } else kept.push({ kind, label: label(s) });
    }
  };
  const has = (kind: Kind) => d.sections.has(SECTION_OF[kind]);
  const lbl = (kind: Kind) => (s: Stored<unknown>) => labelOf(kind, s.rec as Record<string, unknown>);
  if (has("policy"))
    absent("policy", state.policies.values(), matched(d.policies.values()), () => true, lbl("policy"));
  if (has("community"))
    absent(
      "community",
      state.communities.values(),
      matched(d.communities.values()),
      () => true,
      lbl("community"),
    );
  if (has("group"))
    absent("group", state.groups.values(), matched(d.groups.values()), () => true, lbl("group"));
  if (has("as")) absent("as", state.ases.values(), matched(d.ases.values()), () => true, lbl("as"));
  // Contacts: of the ASes the file has (deleted with their AS otherwise), when it lists them.
  absent(
    "contact",
    state.contacts,
    matched(d.contacts),
    (s) => d.contactsListed.has(s.rec.asn),
    lbl("contact"),
  );
  if (has("ixp")) absent("ixp", state.ixps.values(), matched(d.ixps.values()), () => true, lbl("ixp"));
  if (has("router"))
    absent("router", state.routers.values(), matched(d.routers.values()), () => true, lbl("router"));
  if (has("connection"))
    absent("connection", state.connections, matched(d.connections), () => true, lbl("connection"));
  const listed = new Set(d.connections.filter((c) => c.listsSessions && c.cur).map((c) => c.cur!.id));
  absent(
    "ixp-session",
    state.ixpSessions,
    matched(d.ixpSessions),
    (s) => listed.has(s.connectionId),
    (s) => sessionLabel(s as never),
  );
  if (has("direct-session"))
    absent(
      "direct-session",
      state.directSessions,
      matched(d.directSessions),
      () => true,
      lbl("direct-session"),
    );

  // --- what goes with a deleted object (the database would cascade it without a word)
  const cascade = <S extends { id: number }>(
    kind: Kind,
    children: Iterable<S>,
    parentOf: (s: S) => string | null,
    label: (s: S) => string,
  ) => {
    for (const s of children) {
      if (deletes[kind].has(s.id)) continue;
      const parent = parentOf(s);
      if (parent === null) continue;
      deletes[kind].add(s.id);
      ops.push({ kind, action: "delete", label: label(s), changes: [], note: `with ${parent}` });
    }
  };
  const asDeleted = new Set([...deletes.as].map((id) => state.names.as.get(id)));
  const ixpDeleted = new Set([...deletes.ixp].map((id) => state.names.ixp.get(id)));
  cascade(
    "contact",
    state.contacts,
    (s) => (asDeleted.has(s.rec.asn) ? `AS${s.rec.asn}` : null),
    lbl("contact"),
  );
  cascade(
    "connection",
    state.connections,
    (s) => (ixpDeleted.has(s.rec.ixp) ? `IXP ${s.rec.ixp}` : null),
    lbl("connection"),
  );
  const connDeleted = deletes.connection;
  cascade(
    "ixp-session",
    state.ixpSessions,
    (s) =>
      connDeleted.has(s.connectionId) ? "its connection" : asDeleted.has(s.rec.asn) ? `AS${s.rec.asn}` : null,
    (s) => sessionLabel(s as never),
  );
  cascade(
    "direct-session",
    state.directSessions,
    (s) => (asDeleted.has(s.rec.asn) ? `AS${s.rec.asn}` : null),
    lbl("direct-session"),
  );

  checkOpenChanges(state, deletes, p, sessionLabel);
  checkReferences(d, state, deletes, err, p);
  checkAddresses(d, state, loc, p);

  const routerDeletes = [...deletes.router];
  for (const id of routerDeletes) {
    const n = state.changesPerRouter.get(id) ?? 0;
    const op = ops.find(
      (o) =>
        o.kind === "router" && o.action === "delete" && o.label === `router ${state.names.router.get(id)}`,
    );
    if (op && n) op.note = `with its ${n} past change${n === 1 ? "" : "s"}`;
  }

  ops.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind));
  const untouched = SECTIONS.filter((s) => !d.sections.has(s));
  return {
    ops,
    kept,
    untouched,
    warnings: p.warnings,
    errors: p.errors,
    work: { desired: d, state, deletes },
  };
}

function checkOpenChanges(
  state: State,
  deletes: Record<Kind, Set<number>>,
  p: Problems,
  sessionLabel: (s: { rec: Record<string, unknown>; connectionId: number }) => string,
): void {
  const open = (c: { id: number; status: string }) => `change #${c.id} (${c.status})`;
  for (const id of deletes.router) {
    const c = state.openChanges.find((x) => x.routerId === id);
    if (c)
      p.errors.push(
        `router ${state.names.router.get(id)} cannot be deleted: ${open(c)} is open on it; reject it, or let it deploy, first.`,
      );
  }
  const carried = new Map<string, (typeof state.openChanges)[number]>();
  for (const c of state.openChanges) for (const s of c.sessions) carried.set(s, c);
  for (const s of state.ixpSessions) {
    const c = deletes["ixp-session"].has(s.id) ? carried.get(`ixp:${s.id}`) : undefined;
    if (c)
      p.errors.push(
        `${sessionLabel(s as never)} cannot be deleted: ${open(c)} carries it; reject it, or let it deploy, first.`,
      );
  }
  for (const s of state.directSessions) {
    const c = deletes["direct-session"].has(s.id) ? carried.get(`direct:${s.id}`) : undefined;
    if (c)
      p.errors.push(
        `${labelOf("direct-session", s.rec as never)} cannot be deleted: ${open(c)} carries it; reject it, or let it deploy, first.`,
      );
  }
}

/** Every reference must name something that will still be there. */
function checkReferences(
  d: DesiredInventory,
  state: State,
  deletes: Record<Kind, Set<number>>,
  err: (path: Path, m: string) => void,
  p: Problems,
): void {
  const alive = <K>(inFile: Map<K, unknown>, inDb: Map<K, { id: number }>, kind: Kind, key: K) => {
    if (inFile.has(key)) return "yes";
    const s = inDb.get(key);
    if (!s) return "no";
    return deletes[kind].has(s.id) ? "deleted" : "yes";
  };
  const why = (state: string, what: string) =>
    state === "deleted"
      ? `${what} is not in the file, and --prune deletes it`
      : `there is no ${what} in the file or the database` +
        (what.startsWith("AS")
          ? ` (add \`- asn: ${what.slice(2)}\` under autonomous_systems: PeeringDB fills in the rest)`
          : "");
  const asDb = new Map([...state.ases].map(([k, v]) => [k, v]));
  const ref = <K>(
    path: Path,
    inFile: Map<K, unknown>,
    inDb: Map<K, { id: number }>,
    kind: Kind,
    key: K,
    what: string,
  ) => {
    const a = alive(inFile, inDb, kind, key);
    if (a !== "yes") err(path, why(a, what));
  };
  const links = (
    path: Path,
    x: { import_policies: string[]; export_policies: string[]; communities: string[] },
  ) => {
    for (const s of x.import_policies)
      ref([...path, "import_policies"], d.policies, state.policies, "policy", s, `policy ${s}`);
    for (const s of x.export_policies)
      ref([...path, "export_policies"], d.policies, state.policies, "policy", s, `policy ${s}`);
    for (const s of x.communities)
      ref([...path, "communities"], d.communities, state.communities, "community", s, `community ${s}`);
  };
  for (const x of d.groups.values()) links(x.path, x.rec);
  for (const x of d.ases.values()) links(x.path, x.rec);
  const ours = (path: Path, asn: number) => {
    const a = d.ases.get(asn)?.rec ?? state.ases.get(asn)?.rec;
    if (a && !a.affiliated)
      p.warnings.push(
        `AS${asn} is the local AS of ${labelAt(d, path)} but is not marked affiliated (one of ours).`,
      );
  };
  for (const x of d.ixps.values()) {
    links(x.path, x.rec);
    ref([...x.path, "local_as"], d.ases, asDb, "as", x.rec.local_as, `AS${x.rec.local_as}`);
    ours(x.path, x.rec.local_as);
  }
  for (const x of d.routers.values()) {
    ref([...x.path, "local_as"], d.ases, asDb, "as", x.rec.local_as, `AS${x.rec.local_as}`);
    ours(x.path, x.rec.local_as);
  }
  for (const x of d.connections) {
    ref([...x.path, "ixp"], d.ixps, state.ixps, "ixp", x.rec.ixp, `IXP ${x.rec.ixp}`);
    if (x.rec.router !== null)
      ref([...x.path, "router"], d.routers, state.routers, "router", x.rec.router, `router ${x.rec.router}`);
  }
  for (const x of d.ixpSessions) {
    links(x.path, x.rec);
    ref([...x.path, "asn"], d.ases, asDb, "as", x.rec.asn, `AS${x.rec.asn}`);
  }
  for (const x of d.directSessions) {
    links(x.path, x.rec);
    ref([...x.path, "asn"], d.ases, asDb, "as", x.rec.asn, `AS${x.rec.asn}`);
    if (x.rec.router !== null)
      ref([...x.path, "router"], d.routers, state.routers, "router", x.rec.router, `router ${x.rec.router}`);
    if (x.rec.group !== null)
      ref([...x.path, "group"], d.groups, state.groups, "group", x.rec.group, `group ${x.rec.group}`);
  }

  // An AS still used as the local AS of a router or IXP that stays cannot go.
  for (const id of deletes.as) {
    const asn = state.names.as.get(id);
    const users = [
      ...[...state.routers.values()]
        .filter((r) => !deletes.router.has(r.id) && !d.routers.has(r.rec.name) && r.rec.local_as === asn)
        .map((r) => `router ${r.rec.name}`),
      ...[...d.routers.values()].filter((r) => r.rec.local_as === asn).map((r) => `router ${r.rec.name}`),
      ...[...state.ixps.values()]
        .filter((r) => !deletes.ixp.has(r.id) && !d.ixps.has(r.rec.slug) && r.rec.local_as === asn)
        .map((r) => `IXP ${r.rec.slug}`),
      ...[...d.ixps.values()].filter((r) => r.rec.local_as === asn).map((r) => `IXP ${r.rec.slug}`),
    ];
    if (users.length)
      p.errors.push(
        `AS${asn} cannot be deleted: it is the local AS of ${users.slice(0, 3).join(", ")}${users.length > 3 ? ` and ${users.length - 3} more` : ""}.`,
      );
  }

  // Routers that go: what keeps pointing at them loses its router.
  if (deletes.router.size) {
    const gone = new Set([...deletes.router].map((id) => state.names.router.get(id)));
    const matchedConns = new Set(d.connections.map((x) => x.cur?.id));
    const matchedDirect = new Set(d.directSessions.map((x) => x.cur?.id));
    const conns = state.connections.filter(
      (c) => !deletes.connection.has(c.id) && !matchedConns.has(c.id) && gone.has(c.rec.router ?? ""),
    ).length;
    const direct = state.directSessions.filter(
      (s) => !deletes["direct-session"].has(s.id) && !matchedDirect.has(s.id) && gone.has(s.rec.router ?? ""),
    ).length;
    const what = [
      conns && kindCount("connection", conns),
      direct && kindCount("direct-session", direct),
    ].filter(Boolean);
    if (what.length)
      p.warnings.push(`${what.join(" and ")} that the file leaves out will be left without a router.`);
  }

  // Ids PeeringDB gives are unique here too.
  const pdb = new Map<number, string>();
  for (const [asn, s] of state.ases)
    if (!d.ases.has(asn) && !deletes.as.has(s.id) && s.rec.peeringdb_id !== null)
      pdb.set(s.rec.peeringdb_id, `AS${asn}`);
  for (const x of d.ases.values()) {
    const id = x.rec.peeringdb_id;
    if (id === null) continue;
    const other = pdb.get(id);
    if (other) err([...x.path, "peeringdb_id"], `PeeringDB network ${id} is already ${other}'s`);
    else pdb.set(id, `AS${x.rec.asn}`);
  }
  const nix = new Map<number, string>();
  const matchedConn = new Set(d.connections.map((c) => c.cur?.id));
  for (const c of state.connections)
    if (!matchedConn.has(c.id) && !deletes.connection.has(c.id) && c.rec.peeringdb_netixlan_id !== null)
      nix.set(c.rec.peeringdb_netixlan_id, labelOf("connection", c.rec as never));
  for (const x of d.connections) {
    const id = x.rec.peeringdb_netixlan_id;
    if (id === null) continue;
    const other = nix.get(id);
    if (other) err([...x.path, "peeringdb_netixlan_id"], `PeeringDB netixlan ${id} is already ${other}'s`);
    else nix.set(id, labelOf("connection", x.rec as never));
  }
}

function labelAt(d: DesiredInventory, path: Path): string {
  const [section, i] = path;
  if (section === "ixps") return `IXP ${[...d.ixps.values()].find((x) => x.path[1] === i)?.rec.slug ?? "?"}`;
  if (section === "routers")
    return `router ${[...d.routers.values()].find((x) => x.path[1] === i)?.rec.name ?? "?"}`;
  return String(section);
}

/** Our addresses on the IXP's LAN, and peers' addresses that are ours. */
function checkAddresses(d: DesiredInventory, state: State, loc: Located, p: Problems): void {
  const prefixesOf = (slug: string) =>
    d.ixps.get(slug)?.rec.prefixes ?? state.ixps.get(slug)?.rec.prefixes ?? [];
  const ixpName = (slug: string) => d.ixps.get(slug)?.rec.name ?? state.ixps.get(slug)?.rec.name ?? slug;
  for (const c of d.connections) {
    const prefixes = prefixesOf(c.rec.ixp);
    for (const [field, addr, v6] of [
      ["ipv4", c.rec.ipv4, false],
      ["ipv6", c.rec.ipv6, true],
    ] as const) {
      if (addr === null) continue;
      const family = prefixes.filter((x) => x.includes(":") === v6);
      if (family.length && !family.some((x) => inPrefix(addr, x)))
        p.errors.push(
          loc.error(
            [...c.path, field],
            `${hostOf(addr)} is not in ${ixpName(c.rec.ixp)}'s peering LAN (${family.join(", ")})`,
          ),
        );
    }
  }
  for (const s of d.ixpSessions) {
    const c = d.connections[s.conn];
    if (!c) continue;
    const h = hostOf(s.rec.ip);
    const v6 = h.includes(":");
    const own = v6 ? c.rec.ipv6 : c.rec.ipv4;
    if (own && hostOf(own) === h) {
      p.errors.push(loc.error([...s.path, "ip"], `${h} is our own address on this connection, not a peer's`));
      continue;
    }
    if (!own)
      p.warnings.push(
        loc.error(
          [...s.path, "ip"],
          `the connection has no IPv${v6 ? 6 : 4} address of ours: this session cannot be configured`,
        ),
      );
  }
  for (const s of d.directSessions) {
    if (s.rec.local_ip && hostOf(s.rec.local_ip) === hostOf(s.rec.ip))
      p.errors.push(
        loc.error([...s.path, "ip"], `${hostOf(s.rec.ip)} is our own address (local_ip), not the peer's`),
      );
  }
}
