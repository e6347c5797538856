// What a file asks for, as records (model.ts), each matched to the object it names in the
// database (by natural key) and remembering where in the file it was written, for errors.
//
// A field left out takes its default, except:
// - a secret reference (credential, private_key, host_key, password) keeps what the database has;
// - the fields PeeringDB fills (an AS's name, irr_as_set, max prefixes, policy and peeringdb_id;
//   an IXP's name, PeeringDB ids and prefixes; a connection's speed and netixlan id) keep the
//   object's own, and a new object takes them from the PeeringDB mirror;
// - local_as keeps the object's own, else names our one affiliated AS.
import { singleLine } from "../text.js";
import { parseCommunity } from "../render/escape.js";
import {
  byText,
  hostOf,
  inferCommunityKind,
  type AsRec,
  type Attachments,
  type CommunityRec,
  type ConnectionRec,
  type ContactRec,
  type DirectSessionRec,
  type GroupRec,
  type IxpRec,
  type IxpSessionRec,
  type PolicyRec,
  type RouterRec,
  type SecretRef,
} from "./model.js";
import type { Located, Path } from "./parse.js";
import type { InventoryFile, Section } from "./schema.js";
import type { State, Stored, StoredConnection, StoredIxpSession } from "./state.js";

export interface Desired<R, S = Stored<R>> {
  rec: R;
  path: Path;
  /** The object it names in the database, when there is one. */
  cur?: S;
}

export interface DesiredConnection extends Desired<ConnectionRec, StoredConnection> {
  /** Whether the file lists its sessions (only then does --prune delete the ones it lacks). */
  listsSessions: boolean;
}

export interface DesiredIxpSession extends Desired<IxpSessionRec, StoredIxpSession> {
  /** Index of its connection in `connections`. */
  conn: number;
}

export interface DesiredInventory {
  /** The sections the file has: --prune deletes only in these. */
  sections: Set<Section>;
  policies: Map<string, Desired<PolicyRec>>;
  communities: Map<string, Desired<CommunityRec>>;
  groups: Map<string, Desired<GroupRec>>;
  ases: Map<number, Desired<AsRec>>;
  /** ASNs whose entry lists its contacts (only those are pruned). */
  contactsListed: Set<number>;
  contacts: Desired<ContactRec>[];
  ixps: Map<string, Desired<IxpRec>>;
  routers: Map<string, Desired<RouterRec>>;
  connections: DesiredConnection[];
  ixpSessions: DesiredIxpSession[];
  directSessions: Desired<DirectSessionRec>[];
}

/** What the PeeringDB mirror says about the networks and exchanges a file names without details. */
export interface Mirror {
  nets: Map<
    number,
    {
      id: number;
      name: string;
      irr_as_set: string;
      info_prefixes4: number | null;
      info_prefixes6: number | null;
      policy_general: string;
    }
  >;
  ixes: Map<number, { name: string; ixlanId: number | null; prefixes: string[] }>;
}

export interface Problems {
  errors: string[];
  warnings: string[];
}

const sorted = (xs: string[] | undefined) => [...(xs ?? [])].sort(byText);

/** An object's attachments as the file lists them (none when left out), sorted. */
const attachmentsOf = (x: Partial<Attachments>): Attachments => ({
  import_policies: sorted(x.import_policies),
  export_policies: sorted(x.export_policies),
  communities: sorted(x.communities),
});

/** A stored secret the file says to keep, when this database holds none: warned, then kept as it is. */
function keepSecret<T extends SecretRef>(
  want: T | undefined,
  cur: T | undefined,
  warn: () => void,
): T | "none" {
  if (want === undefined) return cur ?? "none";
  if (want === "stored" && cur !== "stored") {
    warn();
    return cur ?? "none";
  }
  return want;
}

export function buildDesired(
  file: InventoryFile,
  state: State,
  loc: Located,
  canon: Map<string, string>,
  mirror: Mirror,
  p: Problems,
): DesiredInventory {
  const err = (path: Path, m: string) => p.errors.push(loc.error(path, m));
  const warn = (path: Path, m: string) => p.warnings.push(loc.error(path, m));
  const ip = (raw: string | null | undefined) =>
    raw === null || raw === undefined ? null : (canon.get(raw) ?? raw);
  const d: DesiredInventory = {
    sections: new Set(
      (Object.keys(file) as (keyof InventoryFile)[]).filter((k): k is Section => k !== "version"),
    ),
    policies: new Map(),
    communities: new Map(),
    groups: new Map(),
    ases: new Map(),
    contactsListed: new Set(),
    contacts: [],
    ixps: new Map(),
    routers: new Map(),
    connections: [],
    ixpSessions: [],
    directSessions: [],
  };
  const once = <K, V extends { path: Path }>(map: Map<K, V>, key: K, v: V, what: string) => {
    const prev = map.get(key);
    if (prev) return err(v.path, `${what} is already in the file, at line ${loc.lineOf(prev.path)}`);
    map.set(key, v);
  };

  (file.policies ?? []).forEach((x, i) => {
    const path: Path = ["policies", i];
    const rec: PolicyRec = {
      slug: x.slug,
      name: x.name ?? x.slug,
      kind: x.kind ?? "import_export",
      family: x.family ?? "all",
      weight: x.weight ?? 0,
      comments: x.comments ?? "",
    };
    once(d.policies, x.slug, { rec, path, cur: state.policies.get(x.slug) }, `policy ${x.slug}`);
  });

  (file.communities ?? []).forEach((x, i) => {
    const path: Path = ["communities", i];
    const kind = x.kind ?? inferCommunityKind(x.value);
    try {
      parseCommunity(x.value, kind as "standard", `community ${x.slug}`);
    } catch {
      err(
        [...path, "value"],
        `not a ${kind} community; write e.g. 64500:100 (standard), 64500:1:2 (large) or rt 64500:100 (extended)`,
      );
    }
    const rec: CommunityRec = {
      slug: x.slug,
      name: x.name ?? x.slug,
      value: x.value.trim(),
      kind,
      direction: x.direction ?? "ingress",
      comments: x.comments ?? "",
    };
    once(d.communities, x.slug, { rec, path, cur: state.communities.get(x.slug) }, `community ${x.slug}`);
  });

  (file.groups ?? []).forEach((x, i) => {
    const path: Path = ["groups", i];
    const rec: GroupRec = {
      slug: x.slug,
      name: x.name ?? x.slug,
      status: x.status ?? "enabled",
      comments: x.comments ?? "",
      ...attachmentsOf(x),
    };
    once(d.groups, x.slug, { rec, path, cur: state.groups.get(x.slug) }, `group ${x.slug}`);
  });

  const contactKey = (c: ContactRec) => `${c.asn}|${c.name.toLowerCase()}|${c.email.toLowerCase()}`;
  const stateContacts = new Map<string, Stored<ContactRec>[]>();
  for (const c of state.contacts) {
    const k = contactKey(c.rec);
    stateContacts.set(k, [...(stateContacts.get(k) ?? []), c]);
  }
  const contactSeen = new Map<string, Path>();

  (file.autonomous_systems ?? []).forEach((x, i) => {
    const path: Path = ["autonomous_systems", i];
    const cur = state.ases.get(x.asn);
    const net = mirror.nets.get(x.asn);
    let name = x.name ?? cur?.rec.name ?? (net ? singleLine(net.name, 255) : undefined);
    if (name === undefined) {
      err(path, `AS${x.asn} has no name, and the PeeringDB mirror does not know it: add name: <its name>`);
      name = `AS${x.asn}`;
    }
    const rec: AsRec = {
      asn: x.asn,
      name,
      affiliated: x.affiliated ?? false,
      irr_as_set: x.irr_as_set ?? cur?.rec.irr_as_set ?? net?.irr_as_set ?? "",
      ipv4_max_prefixes: x.ipv4_max_prefixes ?? cur?.rec.ipv4_max_prefixes ?? net?.info_prefixes4 ?? 0,
      ipv6_max_prefixes: x.ipv6_max_prefixes ?? cur?.rec.ipv6_max_prefixes ?? net?.info_prefixes6 ?? 0,
      policy: x.policy ?? cur?.rec.policy ?? normalPolicy(net?.policy_general),
      comments: x.comments ?? "",
      peeringdb_id:
        x.peeringdb_id !== undefined ? x.peeringdb_id : cur ? cur.rec.peeringdb_id : (net?.id ?? null),
      sync_name: x.sync?.name ?? true,
      sync_irr_as_set: x.sync?.irr_as_set ?? true,
      sync_max_prefixes: x.sync?.max_prefixes ?? true,
      sync_policy: x.sync?.policy ?? true,
      email_from: x.email_from ?? "",
      email_reply_to: x.email_reply_to ?? "",
      ...attachmentsOf(x),
    };
    once(d.ases, x.asn, { rec, path, cur }, `AS${x.asn}`);
    if (x.contacts !== undefined) d.contactsListed.add(x.asn);
    (x.contacts ?? []).forEach((c, j) => {
      const cpath: Path = [...path, "contacts", j];
      const crec: ContactRec = {
        asn: x.asn,
        name: c.name ?? "",
        role: c.role ?? "technical",
        email: c.email ?? "",
        phone: c.phone ?? "",
      };
      if (!crec.name && !crec.email) return err(cpath, "a contact needs a name or an e-mail address");
      const k = contactKey(crec);
      const prev = contactSeen.get(k);
      if (prev) return err(cpath, `this contact is already in the file, at line ${loc.lineOf(prev)}`);
      contactSeen.set(k, cpath);
      d.contacts.push({ rec: crec, path: cpath, cur: stateContacts.get(k)?.shift() });
    });
  });

  // Our one affiliated AS, for IXPs and routers that leave local_as out.
  const affiliated = new Set<number>();
  for (const [asn, s] of state.ases) if (s.rec.affiliated && !d.ases.has(asn)) affiliated.add(asn);
  for (const [asn, a] of d.ases) if (a.rec.affiliated) affiliated.add(asn);
  const localAs = (given: number | undefined, cur: number | undefined, path: Path): number => {
    if (given !== undefined) return given;
    if (cur !== undefined) return cur;
    if (affiliated.size === 1) return [...affiliated][0] as number;
    err(
      path,
      affiliated.size
        ? `say which of our ASes it belongs to (${[...affiliated].map((a) => `AS${a}`).join(", ")}): add local_as`
        : "no affiliated AS to belong to: add one (affiliated: true) under autonomous_systems, or local_as",
    );
    return 0;
  };

  (file.ixps ?? []).forEach((x, i) => {
    const path: Path = ["ixps", i];
    const cur = state.ixps.get(x.slug);
    const ixId = x.peeringdb_ix_id !== undefined ? x.peeringdb_ix_id : (cur?.rec.peeringdb_ix_id ?? null);
    const pdb = ixId !== null ? mirror.ixes.get(ixId) : undefined;
    const ixlan =
      x.peeringdb_ixlan_id !== undefined
        ? x.peeringdb_ixlan_id
        : cur
          ? cur.rec.peeringdb_ixlan_id
          : (pdb?.ixlanId ?? null);
    let name = x.name ?? cur?.rec.name ?? pdb?.name;
    if (name === undefined) {
      err(
        path,
        `IXP ${x.slug} has no name${ixId ? ", and the PeeringDB mirror does not know it" : ""}: add name: <its name>`,
      );
      name = x.slug;
    }
    const rec: IxpRec = {
      slug: x.slug,
      name,
      local_as: localAs(x.local_as, cur?.rec.local_as, [...path, "local_as"]),
      peeringdb_ix_id: ixId,
      peeringdb_ixlan_id: ixlan,
      // Text, as PeeringDB writes it (the column is not an address type).
      prefixes: x.prefixes ?? cur?.rec.prefixes ?? pdb?.prefixes ?? [],
      status: x.status ?? "enabled",
      comments: x.comments ?? "",
      ...attachmentsOf(x),
    };
    once(d.ixps, x.slug, { rec, path, cur }, `IXP ${x.slug}`);
  });

  (file.routers ?? []).forEach((x, i) => {
    const path: Path = ["routers", i];
    const cur = state.routers.get(x.name);
    const rec: RouterRec = {
      name: x.name,
      hostname: x.hostname,
      port: x.port ?? 22,
      platform: x.platform,
      local_as: localAs(x.local_as, cur?.rec.local_as, [...path, "local_as"]),
      status: x.status ?? "enabled",
      template: x.template ?? "",
      config_path: x.config_path ?? "",
      bgp_router_id: x.bgp_router_id ?? "",
      poll_session_state: x.poll_session_state ?? false,
      four_eyes: x.four_eyes ?? true,
      username: x.username ?? "",
      credential: keepSecret(x.credential as SecretRef | undefined, cur?.rec.credential, () =>
        warn(
          [...path, "credential"],
          `says stored, but this database holds no password for ${x.name}: set it with \`peerbot secret set router ${x.name}\``,
        ),
      ),
      private_key: keepSecret(x.private_key as "stored" | "none" | undefined, cur?.rec.private_key, () =>
        warn([...path, "private_key"], `says stored, but this database holds no SSH key for ${x.name}`),
      ) as "stored" | "none",
      host_key:
        x.host_key === undefined ? (cur?.rec.host_key ?? "") : x.host_key === "none" ? "" : x.host_key,
      comments: x.comments ?? "",
    };
    once(d.routers, x.name, { rec, path, cur }, `router ${x.name}`);
  });

  // Connections are named by IXP and our address on it (the router may change: a port moved);
  // one without an address by IXP, router and name.
  const taken = new Set<number>();
  const seen = new Map<string, Path>();
  const byConnection = new Map<number, Map<string, StoredIxpSession[]>>();
  for (const s of state.ixpSessions) {
    const m = byConnection.get(s.connectionId) ?? new Map<string, StoredIxpSession[]>();
    const h = hostOf(s.rec.ip);
    m.set(h, [...(m.get(h) ?? []), s]);
    byConnection.set(s.connectionId, m);
  }
  (file.connections ?? []).forEach((x, i) => {
    const path: Path = ["connections", i];
    const v4 = ip(x.ipv4);
    const v6 = ip(x.ipv6);
    const keys = [v4 && `${x.ixp}|${hostOf(v4)}`, v6 && `${x.ixp}|${hostOf(v6)}`].filter(Boolean) as string[];
    if (!keys.length) keys.push(`${x.ixp}|-|${x.router ?? ""}|${x.name ?? ""}`);
    const dup = keys.map((k) => seen.get(k)).find(Boolean);
    if (dup)
      return err(path, `this port is already in the file, at line ${loc.lineOf(dup)} (same IXP and address)`);
    for (const k of keys) seen.set(k, path);
    const cur = state.connections.find(
      (s) =>
        !taken.has(s.id) &&
        s.rec.ixp === x.ixp &&
        ((v4 !== null && s.rec.ipv4 !== null && hostOf(s.rec.ipv4) === hostOf(v4)) ||
          (v6 !== null && s.rec.ipv6 !== null && hostOf(s.rec.ipv6) === hostOf(v6)) ||
          (v4 === null &&
            v6 === null &&
            s.rec.ipv4 === null &&
            s.rec.ipv6 === null &&
            s.rec.router === (x.router ?? null) &&
            s.rec.name === (x.name ?? ""))),
    );
    if (cur) taken.add(cur.id);
    const rec: ConnectionRec = {
      ixp: x.ixp,
      router: x.router ?? null,
      name: x.name ?? "",
      ipv4: v4,
      ipv6: v6,
      vlan: x.vlan ?? null,
      mac: x.mac ?? "",
      speed: x.speed ?? cur?.rec.speed ?? 0,
      status: x.status ?? "enabled",
      peeringdb_netixlan_id:
        x.peeringdb_netixlan_id !== undefined
          ? x.peeringdb_netixlan_id
          : (cur?.rec.peeringdb_netixlan_id ?? null),
      comments: x.comments ?? "",
    };
    const conn = d.connections.push({ rec, path, cur, listsSessions: x.sessions !== undefined }) - 1;
    const onConn = cur ? byConnection.get(cur.id) : undefined;
    const hosts = new Map<string, Path>();
    (x.sessions ?? []).forEach((s, j) => {
      const spath: Path = [...path, "sessions", j];
      const sip = ip(s.ip) as string;
      const h = hostOf(sip);
      const prev = hosts.get(h);
      if (prev)
        return err(spath, `a session with ${h} is already on this connection, at line ${loc.lineOf(prev)}`);
      hosts.set(h, spath);
      const list = onConn?.get(h) ?? [];
      // The row with the very same text first (a session being replaced may share the host).
      const at = Math.max(
        0,
        list.findIndex((c) => c.rec.ip === sip),
      );
      const scur = list.splice(at, 1)[0];
      const srec: IxpSessionRec = {
        asn: s.asn,
        ip: sip,
        status: s.status,
        route_server: s.route_server ?? false,
        password: keepSecret(s.password as "stored" | "none" | undefined, scur?.rec.password, () =>
          warn(
            [...spath, "password"],
            "says stored, but this database holds no password for this session: it has none",
          ),
        ) as "stored" | "none",
        multihop_ttl: s.multihop_ttl ?? null,
        passive: s.passive ?? false,
        bfd: s.bfd ?? false,
        comments: s.comments ?? "",
        ...attachmentsOf(s),
      };
      d.ixpSessions.push({ rec: srec, path: spath, cur: scur, conn });
    });
  });

  const directKey = (router: string | null, h: string) => `${router ?? ""}|${h}`;
  const stateDirect = new Map<string, Stored<DirectSessionRec>[]>();
  for (const s of state.directSessions) {
    const k = directKey(s.rec.router, hostOf(s.rec.ip));
    stateDirect.set(k, [...(stateDirect.get(k) ?? []), s]);
  }
  const directSeen = new Map<string, Path>();
  (file.direct_sessions ?? []).forEach((x, i) => {
    const path: Path = ["direct_sessions", i];
    const sip = ip(x.ip) as string;
    const k = directKey(x.router ?? null, hostOf(sip));
    const prev = directSeen.get(k);
    if (prev)
      return err(
        path,
        `a direct session with ${hostOf(sip)} on this router is already in the file, at line ${loc.lineOf(prev)}`,
      );
    directSeen.set(k, path);
    const list = stateDirect.get(k) ?? [];
    const at = Math.max(
      0,
      list.findIndex((c) => c.rec.ip === sip),
    );
    const cur = list.splice(at, 1)[0];
    const rec: DirectSessionRec = {
      router: x.router ?? null,
      ip: sip,
      asn: x.asn,
      local_asn: x.local_asn ?? null,
      local_ip: ip(x.local_ip),
      relationship: x.relationship ?? "peering",
      status: x.status,
      group: x.group ?? null,
      password: keepSecret(x.password as SecretRef | undefined, cur?.rec.password, () =>
        warn(
          [...path, "password"],
          "says stored, but this database holds no password for this session: it has none",
        ),
      ),
      multihop_ttl: x.multihop_ttl ?? null,
      passive: x.passive ?? false,
      bfd: x.bfd ?? false,
      comments: x.comments ?? "",
      ...attachmentsOf(x),
    };
    d.directSessions.push({ rec, path, cur });
  });
  return d;
}

function normalPolicy(p: string | undefined): string {
  const v = (p ?? "").trim().toLowerCase();
  return (
    (
      { open: "Open", selective: "Selective", restrictive: "Restrictive", no: "No" } as Record<string, string>
    )[v] ?? ""
  );
}

/** Every address text in a file, to be written the way PostgreSQL writes it (one query). */
export function fileAddresses(file: InventoryFile): string[] {
  const out = new Set<string>();
  const add = (s: string | null | undefined) => {
    if (s) out.add(s);
  };
  for (const c of file.connections ?? []) {
    add(c.ipv4);
    add(c.ipv6);
    for (const s of c.sessions ?? []) add(s.ip);
  }
  for (const s of file.direct_sessions ?? []) {
    add(s.ip);
    add(s.local_ip);
  }
  return [...out];
}
