// `peerbot inventory export`: the whole inventory as YAML, in a stable order (every list sorted
// by natural key, in code-unit order rather than the database's collation), so that the same
// database always gives the same bytes. Fields at their default are left out; the fields PeeringDB
// fills are always written, so that a file applied to another database recreates them as they
// are. Secrets appear as references only: `env:VAR`, `stored`, never a value or ciphertext.
import { Document, isPair, isScalar, visit } from "yaml";
import type { Database } from "../db.js";
import { byText, inferCommunityKind, ipOrder, type Attachments, type Kind } from "./model.js";
import { FILE_VERSION } from "./schema.js";
import { loadState, queryOf, type State } from "./state.js";

export interface ExportResult {
  yaml: string;
  counts: Record<Kind, number>;
}

const HEADER = [
  " peerbot inventory: routers, networks, exchanges, policies, sessions and contacts.",
  " Apply with `peerbot inventory apply <file> [--dry-run] [--prune]`. Objects are named by",
  " their natural keys (router name, ASN, IXP slug, policy slug, our address at an IXP), so the",
  " file applies to any peerbot database. Secrets are references only: env:VARIABLE or stored.",
].join("\n");

type Obj = Record<string, unknown>;

/** Lists whose items are written one per line, as flow maps. */
const ONE_LINE_LISTS = new Set(["sessions", "direct_sessions", "contacts"]);

/** Sets `k` only when `v` differs from the default `def`. */
function put(o: Obj, k: string, v: unknown, def: unknown): void {
  if (v === def || (Array.isArray(v) && Array.isArray(def) && v.length === 0 && def.length === 0)) return;
  o[k] = v;
}

function links(o: Obj, r: Attachments): void {
  put(o, "import_policies", r.import_policies, []);
  put(o, "export_policies", r.export_policies, []);
  put(o, "communities", r.communities, []);
}

/** The records of one kind, in the file's order. */
const recs = <R>(stored: Map<unknown, { rec: R }>, order: (a: R, b: R) => number): R[] =>
  [...stored.values()].map((s) => s.rec).sort(order);

const bySlug = (a: { slug: string }, b: { slug: string }) => byText(a.slug, b.slug);

/** The file's object for each section, from what the database holds. */
export function inventoryObject(state: State): { file: Obj; counts: Record<Kind, number> } {
  const policies = recs(state.policies, bySlug).map((r) => {
    const o: Obj = { slug: r.slug };
    put(o, "name", r.name, r.slug);
    put(o, "kind", r.kind, "import_export");
    put(o, "family", r.family, "all");
    put(o, "weight", r.weight, 0);
    put(o, "comments", r.comments, "");
    return o;
  });
  const communities = recs(state.communities, bySlug).map((r) => {
    const o: Obj = { slug: r.slug };
    put(o, "name", r.name, r.slug);
    o.value = r.value;
    put(o, "kind", r.kind, inferCommunityKind(r.value));
    put(o, "direction", r.direction, "ingress");
    put(o, "comments", r.comments, "");
    return o;
  });
  const groups = recs(state.groups, bySlug).map((r) => {
    const o: Obj = { slug: r.slug };
    put(o, "name", r.name, r.slug);
    put(o, "status", r.status, "enabled");
    put(o, "comments", r.comments, "");
    links(o, r);
    return o;
  });
  const contactsOf = new Map<number, Obj[]>();
  const contacts = [...state.contacts].sort(
    (a, b) =>
      byText(a.rec.role, b.rec.role) ||
      byText(a.rec.name, b.rec.name) ||
      byText(a.rec.email, b.rec.email) ||
      byText(a.rec.phone, b.rec.phone) ||
      a.id - b.id,
  );
  for (const c of contacts) {
    const o: Obj = {};
    put(o, "name", c.rec.name, "");
    put(o, "role", c.rec.role, "technical");
    put(o, "email", c.rec.email, "");
    put(o, "phone", c.rec.phone, "");
    contactsOf.set(c.rec.asn, [...(contactsOf.get(c.rec.asn) ?? []), o]);
  }
  const ases = recs(state.ases, (a, b) => a.asn - b.asn).map((r) => {
    const o: Obj = { asn: r.asn, name: r.name };
    put(o, "affiliated", r.affiliated, false);
    o.irr_as_set = r.irr_as_set;
    o.ipv4_max_prefixes = r.ipv4_max_prefixes;
    o.ipv6_max_prefixes = r.ipv6_max_prefixes;
    o.policy = r.policy;
    o.peeringdb_id = r.peeringdb_id;
    const sync: Obj = {};
    put(sync, "name", r.sync_name, true);
    put(sync, "irr_as_set", r.sync_irr_as_set, true);
    put(sync, "max_prefixes", r.sync_max_prefixes, true);
    put(sync, "policy", r.sync_policy, true);
    if (Object.keys(sync).length) o.sync = sync;
    put(o, "comments", r.comments, "");
    put(o, "email_from", r.email_from, "");
    put(o, "email_reply_to", r.email_reply_to, "");
    links(o, r);
    const cs = contactsOf.get(r.asn);
    if (cs) o.contacts = cs;
    return o;
  });
  const ixps = recs(state.ixps, bySlug).map((r) => {
    const o: Obj = {
      slug: r.slug,
      name: r.name,
      local_as: r.local_as,
      peeringdb_ix_id: r.peeringdb_ix_id,
      peeringdb_ixlan_id: r.peeringdb_ixlan_id,
      prefixes: r.prefixes,
    };
    put(o, "status", r.status, "enabled");
    put(o, "comments", r.comments, "");
    links(o, r);
    return o;
  });
  const routers = recs(state.routers, (a, b) => byText(a.name, b.name)).map((r) => {
    const o: Obj = { name: r.name, hostname: r.hostname };
    put(o, "port", r.port, 22);
    o.platform = r.platform;
    o.local_as = r.local_as;
    put(o, "status", r.status, "enabled");
    put(o, "template", r.template, "");
    put(o, "config_path", r.config_path, "");
    put(o, "bgp_router_id", r.bgp_router_id, "");
    put(o, "poll_session_state", r.poll_session_state, false);
    put(o, "four_eyes", r.four_eyes, true);
    put(o, "username", r.username, "");
    put(o, "credential", r.credential, "none");
    put(o, "private_key", r.private_key, "none");
    put(o, "host_key", r.host_key, "");
    put(o, "comments", r.comments, "");
    return o;
  });

  const sessionsOf = new Map<number, State["ixpSessions"]>();
  for (const s of state.ixpSessions)
    sessionsOf.set(s.connectionId, [...(sessionsOf.get(s.connectionId) ?? []), s]);
  const ipKey = (ip: string | null) => ip ?? "";
  const connections = [...state.connections]
    .sort(
      (a, b) =>
        byText(a.rec.ixp, b.rec.ixp) ||
        byText(a.rec.router ?? "", b.rec.router ?? "") ||
        ipOrder(ipKey(a.rec.ipv4), ipKey(b.rec.ipv4)) ||
        ipOrder(ipKey(a.rec.ipv6), ipKey(b.rec.ipv6)) ||
        byText(a.rec.name, b.rec.name) ||
        a.id - b.id,
    )
    .map((c) => {
      const r = c.rec;
      const o: Obj = { ixp: r.ixp };
      put(o, "router", r.router, null);
      put(o, "name", r.name, "");
      put(o, "ipv4", r.ipv4, null);
      put(o, "ipv6", r.ipv6, null);
      put(o, "vlan", r.vlan, null);
      put(o, "mac", r.mac, "");
      put(o, "speed", r.speed, 0);
      put(o, "status", r.status, "enabled");
      put(o, "peeringdb_netixlan_id", r.peeringdb_netixlan_id, null);
      put(o, "comments", r.comments, "");
      const sessions = (sessionsOf.get(c.id) ?? [])
        .sort((a, b) => ipOrder(a.rec.ip, b.rec.ip) || byText(a.rec.ip, b.rec.ip) || a.id - b.id)
        .map((s) => {
          const x = s.rec;
          const so: Obj = { asn: x.asn, ip: x.ip, status: x.status };
          put(so, "route_server", x.route_server, false);
          put(so, "password", x.password, "none");
          put(so, "multihop_ttl", x.multihop_ttl, null);
          put(so, "passive", x.passive, false);
          put(so, "bfd", x.bfd, false);
          put(so, "comments", x.comments, "");
          links(so, x);
          return so;
        });
      if (sessions.length) o.sessions = sessions;
      return o;
    });
  const directSessions = [...state.directSessions]
    .sort(
      (a, b) =>
        byText(a.rec.router ?? "", b.rec.router ?? "") ||
        ipOrder(a.rec.ip, b.rec.ip) ||
        byText(a.rec.ip, b.rec.ip) ||
        a.id - b.id,
    )
    .map((s) => {
      const x = s.rec;
      const o: Obj = {};
      put(o, "router", x.router, null);
      o.ip = x.ip;
      o.asn = x.asn;
      put(o, "local_asn", x.local_asn, null);
      put(o, "local_ip", x.local_ip, null);
      put(o, "relationship", x.relationship, "peering");
      o.status = x.status;
      put(o, "group", x.group, null);
      put(o, "password", x.password, "none");
      put(o, "multihop_ttl", x.multihop_ttl, null);
      put(o, "passive", x.passive, false);
      put(o, "bfd", x.bfd, false);
      put(o, "comments", x.comments, "");
      links(o, x);
      return o;
    });

  return {
    file: {
      version: FILE_VERSION,
      policies,
      communities,
      groups,
      autonomous_systems: ases,
      ixps,
      routers,
      connections,
      direct_sessions: directSessions,
    },
    counts: {
      policy: policies.length,
      community: communities.length,
      group: groups.length,
      as: ases.length,
      contact: state.contacts.length,
      ixp: ixps.length,
      router: routers.length,
      connection: connections.length,
      "ixp-session": state.ixpSessions.length,
      "direct-session": directSessions.length,
    },
  };
}

/** The file's text: lists of plain values on one line (`[a, b]`), nothing folded. */
export function inventoryYaml(file: Obj): string {
  const doc = new Document(file);
  doc.commentBefore = HEADER;
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Map(_, node, path) {
      // A session or a contact on one line, like a table row, unless it carries comments.
      const parent = path.at(-2);
      const inList = isPair(parent) && isScalar(parent.key) && ONE_LINE_LISTS.has(String(parent.key.value));
      if (inList && !node.has("comments")) node.flow = true;
    },
    Scalar(_, node) {
      // 64500:100 is text in YAML 1.2, but a number to YAML 1.1 readers: quoted for them.
      if (typeof node.value === "string" && /^\d+(:\d+)+$/.test(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  return doc.toString({ lineWidth: 0, indentSeq: true, nullStr: "null", flowCollectionPadding: false });
}

export async function exportInventory(db: Database): Promise<ExportResult> {
  const state = await loadState(queryOf(db.prisma));
  const { file, counts } = inventoryObject(state);
  return { yaml: inventoryYaml(file), counts };
}
