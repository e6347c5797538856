// The mirror's tables: which column holds which record field, in which PostgreSQL type, and
// the encoder that turns records into COPY text. The columns are those of the PeeringDB
// section of prisma/schema.prisma (tests/peeringdb/tables.test.ts checks the two agree).
import type { PdbRecordMap, PdbType } from "./types.js";

export type ColumnKind = "int" | "bigint" | "float" | "bool" | "text" | "text[]" | "ts" | "inet";

export interface TableSpec<T extends PdbType = PdbType> {
  type: T;
  table: string;
  columns: readonly (readonly [keyof PdbRecordMap[T] & string, ColumnKind])[];
}

const base = [
  ["status", "text"],
  ["created", "ts"],
  ["updated", "ts"],
] as const;

const address = [
  ["address1", "text"],
  ["address2", "text"],
  ["city", "text"],
  ["country", "text"],
  ["state", "text"],
  ["zipcode", "text"],
  ["floor", "text"],
  ["suite", "text"],
  ["latitude", "float"],
  ["longitude", "float"],
] as const;

export const TABLES: { [T in PdbType]: TableSpec<T> } = {
  org: {
    type: "org",
    table: "pdb_org",
    columns: [
      ["id", "int"],
      ["name", "text"],
      ["aka", "text"],
      ["name_long", "text"],
      ["website", "text"],
      ["notes", "text"],
      ...address,
      ...base,
    ],
  },
  fac: {
    type: "fac",
    table: "pdb_fac",
    columns: [
      ["id", "int"],
      ["org_id", "int"],
      ["campus_id", "int"],
      ["name", "text"],
      ["aka", "text"],
      ["name_long", "text"],
      ["website", "text"],
      ["clli", "text"],
      ["rencode", "text"],
      ["npanxx", "text"],
      ["notes", "text"],
      ["net_count", "int"],
      ["ix_count", "int"],
      ["carrier_count", "int"],
      ["sales_email", "text"],
      ["sales_phone", "text"],
      ["tech_email", "text"],
      ["tech_phone", "text"],
      ["property", "text"],
      ["region_continent", "text"],
      ["status_dashboard", "text"],
      ...address,
      ...base,
    ],
  },
  ix: {
    type: "ix",
    table: "pdb_ix",
    columns: [
      ["id", "int"],
      ["org_id", "int"],
      ["name", "text"],
      ["aka", "text"],
      ["name_long", "text"],
      ["city", "text"],
      ["country", "text"],
      ["region_continent", "text"],
      ["media", "text"],
      ["notes", "text"],
      ["proto_unicast", "bool"],
      ["proto_multicast", "bool"],
      ["proto_ipv6", "bool"],
      ["website", "text"],
      ["url_stats", "text"],
      ["tech_email", "text"],
      ["tech_phone", "text"],
      ["policy_email", "text"],
      ["policy_phone", "text"],
      ["sales_email", "text"],
      ["sales_phone", "text"],
      ["net_count", "int"],
      ["fac_count", "int"],
      ["service_level", "text"],
      ["terms", "text"],
      ["status_dashboard", "text"],
      ...base,
    ],
  },
  ixlan: {
    type: "ixlan",
    table: "pdb_ixlan",
    columns: [
      ["id", "int"],
      ["ix_id", "int"],
      ["name", "text"],
      ["descr", "text"],
      ["mtu", "int"],
      ["dot1q_support", "bool"],
      ["rs_asn", "bigint"],
      ["arp_sponge", "text"],
      ["ixf_ixp_member_list_url_visible", "text"],
      ["ixf_ixp_import_enabled", "bool"],
      ...base,
    ],
  },
  ixpfx: {
    type: "ixpfx",
    table: "pdb_ixpfx",
    columns: [
      ["id", "int"],
      ["ixlan_id", "int"],
      ["protocol", "text"],
      ["prefix", "inet"],
      ["in_dfz", "bool"],
      ...base,
    ],
  },
  net: {
    type: "net",
    table: "pdb_net",
    columns: [
      ["id", "int"],
      ["org_id", "int"],
      ["name", "text"],
      ["aka", "text"],
      ["name_long", "text"],
      ["website", "text"],
      ["asn", "bigint"],
      ["looking_glass", "text"],
      ["route_server", "text"],
      ["irr_as_set", "text"],
      ["info_type", "text"],
      ["info_types", "text[]"],
      ["info_prefixes4", "int"],
      ["info_prefixes6", "int"],
      ["info_traffic", "text"],
      ["info_ratio", "text"],
      ["info_scope", "text"],
      ["info_unicast", "bool"],
      ["info_multicast", "bool"],
      ["info_ipv6", "bool"],
      ["info_never_via_route_servers", "bool"],
      ["notes", "text"],
      ["policy_url", "text"],
      ["policy_general", "text"],
      ["policy_locations", "text"],
      ["policy_ratio", "bool"],
      ["policy_contracts", "text"],
      ["allow_ixp_update", "bool"],
      ["status_dashboard", "text"],
      ["rir_status", "text"],
      ["netixlan_updated", "ts"],
      ["netfac_updated", "ts"],
      ["poc_updated", "ts"],
      ...base,
    ],
  },
  poc: {
    type: "poc",
    table: "pdb_poc",
    columns: [
      ["id", "int"],
      ["net_id", "int"],
      ["role", "text"],
      ["visible", "text"],
      ["name", "text"],
      ["phone", "text"],
      ["email", "text"],
      ["url", "text"],
      ...base,
    ],
  },
  netfac: {
    type: "netfac",
    table: "pdb_netfac",
    columns: [
      ["id", "int"],
      ["net_id", "int"],
      ["fac_id", "int"],
      ["local_asn", "bigint"],
      ["name", "text"],
      ["city", "text"],
      ["country", "text"],
      ...base,
    ],
  },
  ixfac: {
    type: "ixfac",
    table: "pdb_ixfac",
    columns: [
      ["id", "int"],
      ["ix_id", "int"],
      ["fac_id", "int"],
      ["name", "text"],
      ["city", "text"],
      ["country", "text"],
      ...base,
    ],
  },
  netixlan: {
    type: "netixlan",
    table: "pdb_netixlan",
    columns: [
      ["id", "int"],
      ["net_id", "int"],
      ["ix_id", "int"],
      ["ixlan_id", "int"],
      ["name", "text"],
      ["notes", "text"],
      ["speed", "int"],
      ["asn", "bigint"],
      ["ipaddr4", "inet"],
      ["ipaddr6", "inet"],
      ["is_rs_peer", "bool"],
      ["bfd_support", "bool"],
      ["operational", "bool"],
      ["net_side_id", "int"],
      ["ix_side_id", "int"],
      ...base,
    ],
  },
};

export const SYNC_STATE_TABLE = "pdb_sync_state";

export function columnNames(type: PdbType): string[] {
  return TABLES[type].columns.map(([name]) => name);
}

// ---------------------------------------------------------------------------
// COPY text format
// ---------------------------------------------------------------------------

// Characters COPY's text format gives meaning to, plus NUL, which no PostgreSQL text can hold.
const COPY_SPECIAL = /[\\\n\r\t\0]/;
const COPY_SPECIAL_G = /[\\\n\r\t\0]/g;
const COPY_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\0": "",
};

/** Escapes a string for one field of COPY's text format. */
export function copyText(s: string): string {
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIAL_G, (c) => COPY_ESCAPES[c] ?? "") : s;
}

/** A PostgreSQL array literal of text elements ({"a","b \"c\""}), before COPY escaping. */
export function pgTextArray(items: readonly string[]): string {
  let out = "{";
  for (let i = 0; i < items.length; i++) {
    if (i) out += ",";
    out += '"' + (items[i] ?? "").replace(/\0/g, "").replace(/[\\"]/g, (c) => "\\" + c) + '"';
  }
  return out + "}";
}

function field(v: unknown, kind: ColumnKind): string {
  if (v === null || v === undefined) return "\\N";
  switch (kind) {
    case "int":
    case "bigint":
    case "float":
      return String(v);
    case "bool":
      return v ? "t" : "f";
    case "text[]":
      return copyText(pgTextArray(v as string[]));
    case "ts":
    case "inet":
    case "text":
      return copyText(String(v));
  }
}

/** The expression that encodes `v` (a record's field) as one COPY field, by column kind. */
function fieldCode(v: string, kind: ColumnKind): string {
  switch (kind) {
    case "int":
    case "bigint":
    case "float":
      return `(${v} == null ? "\\\\N" : "" + ${v})`;
    case "bool":
      return `(${v} == null ? "\\\\N" : ${v} ? "t" : "f")`;
    case "text[]":
      return `(${v} == null ? "\\\\N" : copyText(pgTextArray(${v})))`;
    case "ts":
    case "inet":
    case "text":
      // Validated records hold strings here; anything else goes the general way.
      return `(typeof ${v} === "string" ? (${v} === "" || !special.test(${v}) ? ${v} : copyText(${v})) : field(${v}, ${JSON.stringify(kind)}))`;
  }
}

/**
 * An encoder from records of `type` to COPY text lines, in TABLES[type].columns order. It is
 * generated once per type as straight-line code (one expression per column, no per-field
 * dispatch on the kind), being the inner loop of a full sync.
 */
export function copyEncoder<T extends PdbType>(type: T): (records: readonly PdbRecordMap[T][]) => string {
  const cols = TABLES[type].columns as readonly (readonly [string, ColumnKind])[];
  const body = cols
    .map(([name, kind], c) => {
      const v = `v${c}`;
      return `const ${v} = rec[${JSON.stringify(name)}];\n      line += ${c ? '"\\t" + ' : ""}${fieldCode(v, kind)};`;
    })
    .join("\n      ");
  // The column names and kinds come from TABLES above, never from data.
  const make = new Function(
    "copyText",
    "pgTextArray",
    "field",
    "special",
    `"use strict";
  return function encode(records) {
    const n = records.length;
    if (n === 0) return "";
    let out = "";
    for (let r = 0; r < n; r++) {
      const rec = records[r];
      let line = "";
      ${body}
      out += line + "\\n";
    }
    return out;
  };`,
  ) as (...deps: unknown[]) => (records: readonly PdbRecordMap[T][]) => string;
  return make(copyText, pgTextArray, field, COPY_SPECIAL);
}
