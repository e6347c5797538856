// `connection add|set|remove|list`: our ports on exchanges (admin to change, viewer to list).
// A connection is named by its id (`#12`, which `connection list` and `router show` print) or
// by its IXP and router (`LINX router edge1`) when that names one; an IXP with one connection
// may be named alone.
// `connection <name> mac <MAC> [keep-old]` (operator) changes the MAC at the exchange itself,
// through its IX-API, as a change another person approves (core/changes/ixapi.ts); `connection
// set <name> mac` only edits our own record.
import { z } from "zod";
import { PermissionError, UserError } from "../../core/errors.js";
import { changeReply } from "../../core/changes.js";
import { parseMac, planMacChange } from "../../core/changes/ixapi.js";
import { configOfConnection } from "../../core/ixapi/ixp.js";
import { hasRole } from "../../core/roles.js";
import { denial } from "../dispatch.js";
import { chatAuthor } from "../../core/history.js";
import { findRouterByName } from "../../core/inventory.js";
import type { IxpRef } from "../../core/ixp.js";
import {
  createConnection,
  findConnection,
  listConnections,
  removeConnection,
  updateConnection,
  type ConnectionFields,
  type ConnectionListRow,
} from "../../core/objects/index.js";
import type { Reply } from "../../core/reply.js";
import { clip, plural } from "../../core/text.js";
import { ixpArg, resolveIxpArg } from "../args.js";
import { quoteWord } from "../grammar.js";
import { formatSpeed } from "../ix.js";
import { defineCommand, type CommandContext } from "../registry.js";
import { runSubcommand, shortUsage, subcommand, wordsOf, type Subcommand } from "./subcommands.js";
import { isNone, required, speedMbps, wholeNumber } from "./values.js";

const addUsage =
  "connection add <IXP> router <name> [v4 <address/len>] [v6 <address/len>] [vlan <n>] [mac <mac>] [speed <Mbit/s|10G>] [name <text>]";
const setUsage = "connection set <#id | IXP [router <name>]> <field> <value>";
const removeUsage = "connection remove <#id | IXP [router <name>]>";
const listUsage = "connection list [IXP|router]";
const macUsage = "connection <#id | IXP [router <name>]> mac <MAC> [keep-old]";

const FIELDS = ["router", "v4", "v6", "vlan", "mac", "speed", "status", "name", "comments"] as const;
type Field = (typeof FIELDS)[number];
const ALIASES: Record<string, Field> = {
  ipv4: "v4",
  ipv6: "v6",
  "ipv4-address": "v4",
  "ipv6-address": "v6",
  "mac-address": "mac",
  comment: "comments",
};
const fieldOf = (w: string): Field | undefined =>
  (FIELDS as readonly string[]).includes(w.toLowerCase())
    ? (w.toLowerCase() as Field)
    : ALIASES[w.toLowerCase()];

function patchFor(field: Field, v: string): Partial<ConnectionFields> {
  switch (field) {
    case "router":
      return { router: isNone(v) ? null : v };
    case "v4":
      return { ipv4: isNone(v) ? null : v };
    case "v6":
      return { ipv6: isNone(v) ? null : v };
    case "vlan":
      return { vlan: isNone(v) ? null : wholeNumber("VLAN id", v, 1, 4094, "100") };
    case "mac":
      return { mac: isNone(v) ? "" : v };
    case "speed":
      return { speed: speedMbps(v) };
    case "status": {
      const s = v.trim().toLowerCase();
      if (s !== "enabled" && s !== "disabled" && s !== "maintenance")
        throw new UserError(
          `"${clip(v, 20)}" is not a connection status; use enabled, disabled or maintenance.`,
        );
      return { status: s };
    }
    case "name":
      return { name: isNone(v) ? "" : v };
    case "comments":
      return { comments: isNone(v) ? "" : v };
  }
}

const idWord = (w: string | undefined) => (w && /^#?\d{1,9}$/.test(w) ? Number(w.replace("#", "")) : null);

const describe = (c: { id: number; router: string | null; ipv4: string | null; ipv6: string | null }) =>
  `#${c.id}${c.router ? ` on ${c.router}` : " (no router)"} ${c.ipv4 ?? c.ipv6 ?? ""}`.trim();

/**
 * The connection the words of `line` start with: `#12` (or 12), or an IXP's name with
 * `router <name>` (in `set`, when a field follows it). Returns it and the words after.
 */
async function target(
  ctx: CommandContext,
  line: string | undefined,
  mode: "set" | "remove" | "mac",
): Promise<{ id: number; rest: string[] }> {
  const words = wordsOf(line);
  const usage = { set: setUsage, remove: removeUsage, mac: macUsage }[mode];
  const rerun = (slug: string, rest: string[]) =>
    [mode === "mac" ? "connection" : `connection ${mode}`, quoteWord(slug), ...rest.map(quoteWord)].join(" ");
  const id = idWord(words[0]);
  if (id !== null) {
    const c = await findConnection(ctx.services.db, id);
    if (!c)
      throw new UserError(
        `There is no connection #${id}.`,
        `\`connection list\` shows them. Usage: ${usage}`,
      );
    return { id, rest: words.slice(1) };
  }
  const w = words.filter((x) => !/^(at|@)$/i.test(x));
  let i = 0;
  while (i < w.length && !fieldOf(w[i] as string)) i++;
  const ixpWords = w.slice(0, i);
  let rest = w.slice(i);
  if (!ixpWords.length)
    throw new UserError("Say which connection: #<id>, or the IXP (and router <name>).", `Usage: ${usage}`);
  const ixpName = ixpArg.safeParse(ixpWords.join(" "));
  if (!ixpName.success)
    throw new UserError(ixpName.error.issues[0]?.message ?? "Say which IXP.", `Usage: ${usage}`);
  const ixp: IxpRef = await resolveIxpArg(ctx.services.db, ixpName.data, (slug) => rerun(slug, rest), usage);
  let routerName: string | undefined;
  // `router <name>` chooses the connection: always in a removal; in `set`, when a field follows
  // it (alone, it is the field being set).
  const chooses = mode === "remove" ? rest.length >= 2 : rest.length > 2 && !!fieldOf(rest[2] as string);
  if ((rest[0] ?? "").toLowerCase() === "router" && chooses) {
    routerName = rest[1];
    rest = rest.slice(2);
  }
  let rows = await listConnections(ctx.services.db, { ixpId: ixp.id });
  if (routerName !== undefined) rows = rows.filter((c) => c.router === routerName);
  if (rows.length === 1) return { id: (rows[0] as ConnectionListRow).id, rest };
  if (!rows.length)
    throw new UserError(
      routerName !== undefined
        ? `We have no connection to ${ixp.name} on router ${clip(routerName, 40)}.`
        : `We have no connection to ${ixp.name}.`,
      `\`connection list ${quoteWord(ixp.slug)}\` shows what there is. Usage: ${usage}`,
    );
  // Giving a router to the one connection there without one is unambiguous.
  const free = rows.filter((c) => c.router === null);
  if (
    mode === "set" &&
    routerName === undefined &&
    free.length === 1 &&
    (rest[0] ?? "").toLowerCase() === "router"
  )
    return { id: (free[0] as ConnectionListRow).id, rest };
  throw new UserError(
    `We have ${rows.length} connections to ${ixp.name} (${rows.map(describe).join(", ")}); say which, e.g. ${mode === "mac" ? `connection #${rows[0]?.id} mac …` : `connection ${mode} #${rows[0]?.id} …`}.`,
  );
}

const connectionAdd = subcommand({
  name: "connection add",
  usage: addUsage,
  summary:
    "Add one of our ports on an exchange, on a router (admin); addresses are checked against the IXP's peering LAN.",
  examples: [
    "connection add LINX router edge1.lon v4 195.66.224.10/22 v6 2001:7f8:4::fbf4:1/64 speed 100G",
    "connection add DE-CIX router edge1.fra v6 2001:7f8::fbf4:0:1 vlan 100 mac 00:1b:21:3a:4c:5d",
  ],
  role: "admin",
  words: {
    positional: ["ixp"],
    rest: true,
    keywords: ["router", "v4", "v6", "ipv4", "ipv6", "vlan", "mac", "speed", "status"],
    text: ["name", "comments"],
  },
  schema: z.object({
    ixp: ixpArg,
    router: required("Say which router the port is on: router <name>."),
    v4: z.string().optional(),
    v6: z.string().optional(),
    ipv4: z.string().optional(),
    ipv6: z.string().optional(),
    vlan: z.string().optional(),
    mac: z.string().optional(),
    speed: z.string().optional(),
    status: z.string().optional(),
    name: z.string().optional(),
    comments: z.string().optional(),
  }),
  async handler(a, ctx) {
    const db = ctx.services.db;
    const ixp = await resolveIxpArg(
      db,
      a.ixp,
      (slug) => `connection add ${quoteWord(slug)} router ${quoteWord(a.router)}`,
      addUsage,
    );
    const v4 = a.v4 ?? a.ipv4;
    const v6 = a.v6 ?? a.ipv6;
    const r = await createConnection(db, chatAuthor(ctx.actor), {
      ixpId: ixp.id,
      router: a.router,
      ...(v4 !== undefined ? { ipv4: v4 } : {}),
      ...(v6 !== undefined ? { ipv6: v6 } : {}),
      ...(a.vlan !== undefined ? patchFor("vlan", a.vlan) : {}),
      ...(a.mac !== undefined ? { mac: a.mac } : {}),
      ...(a.speed !== undefined ? { speed: speedMbps(a.speed) } : {}),
      ...(a.status !== undefined ? patchFor("status", a.status) : {}),
      ...(a.name !== undefined ? { name: a.name } : {}),
      ...(a.comments !== undefined ? { comments: a.comments } : {}),
    });
    const c = r.connection;
    ctx.objects.push(`connection:${c.id}`, `ixp:${ixp.id}`);
    return {
      kind: "success",
      text: [
        `Connection #${c.id} added at ${r.ixpName} on ${r.routerName}: ${[c.ipv4Address, c.ipv6Address].filter(Boolean).join(", ")}${c.speed ? `, ${formatSpeed(c.speed)}` : ""}.`,
        ...r.notes,
      ].join("\n"),
      context: `\`peers ${quoteWord(ixp.slug)}\` lists who we can peer with there; \`peer <AS> at ${quoteWord(ixp.slug)}\` adds sessions.`,
    };
  },
});

/** Words after the subcommand, read by hand: the target's form decides where the field starts. */
const raw = z.object({ line: z.string().optional() });

const connectionSet = subcommand({
  name: "connection set",
  usage: setUsage,
  summary: `Change one field of a connection (admin): ${FIELDS.join(", ")}.`,
  examples: [
    "connection set #3 router edge2.lon",
    "connection set LINX router edge1.lon speed 200G",
    "connection set #3 v4 195.66.224.11/22",
    "connection set #3 status maintenance",
  ],
  role: "admin",
  words: { positional: ["line"], rest: true, noise: [] },
  schema: raw,
  async handler({ line }, ctx) {
    const t = await target(ctx, line, "set");
    const [fieldWord, ...valueWords] = t.rest;
    const field = fieldWord ? fieldOf(fieldWord) : undefined;
    if (!field)
      throw new UserError(
        fieldWord
          ? `A connection has no field "${clip(fieldWord, 30)}"; the fields are ${FIELDS.join(", ")}.`
          : `Say which field to change: ${FIELDS.join(", ")}.`,
      );
    const value = valueWords.join(" ");
    if (!value)
      throw new UserError(`Say the new ${field}, e.g. connection set #${t.id} ${field} ${EXAMPLE[field]}.`);
    const r = await updateConnection(ctx.services.db, chatAuthor(ctx.actor), t.id, patchFor(field, value));
    const c = r.connection;
    ctx.objects.push(`connection:${c.id}`);
    const now: Record<Field, string> = {
      router: r.routerName ?? "none",
      v4: c.ipv4Address ?? "none",
      v6: c.ipv6Address ?? "none",
      vlan: c.vlan === null ? "none" : String(c.vlan),
      mac: c.macAddress || "none",
      speed: c.speed ? formatSpeed(c.speed) : "unknown",
      status: c.status,
      name: c.name || "none",
      comments: c.comments ? `"${clip(c.comments, 80)}"` : "none",
    };
    return {
      kind: r.changed ? "success" : "info",
      text: [
        r.changed
          ? `Connection #${c.id} at ${r.ixpName}: ${field} is now ${now[field]}.`
          : `Connection #${c.id} at ${r.ixpName} already had ${field} ${now[field]}.`,
        ...r.notes,
      ].join("\n"),
    };
  },
});

const EXAMPLE: Record<Field, string> = {
  router: "edge1.lon",
  v4: "195.66.224.10/22",
  v6: "2001:7f8:4::fbf4:1/64",
  vlan: "100",
  mac: "00:1b:21:3a:4c:5d",
  speed: "100G",
  status: "maintenance",
  name: "LINX LON1 port 2",
  comments: "cross-connect XC-1234",
};

const connectionRemove = subcommand({
  name: "connection remove",
  usage: removeUsage,
  summary: "Remove a connection (admin); refused while sessions use it.",
  examples: ["connection remove #3", "connection remove LINX router edge2.lon"],
  role: "admin",
  words: { positional: ["line"], rest: true, noise: [] },
  schema: raw,
  async handler({ line }, ctx) {
    const t = await target(ctx, line, "remove");
    if (t.rest.length)
      throw new UserError(
        `I did not understand "${clip(t.rest.join(" "))}" in that \`connection remove\` command.`,
      );
    const r = await removeConnection(ctx.services.db, chatAuthor(ctx.actor), t.id);
    ctx.objects.push(`connection:${t.id}`);
    return { kind: "success", text: `Connection #${t.id} (${r.repr}) removed.` };
  },
});

const connectionList = subcommand({
  name: "connection list",
  usage: listUsage,
  summary: "Our connections with their ids, at an IXP, on a router, or all.",
  examples: ["connection list", "connection list linx", "connection list edge1.lon"],
  role: "viewer",
  words: { positional: ["scope"], rest: true },
  schema: z.object({
    scope: z.string().max(100, "That name is too long for an IXP or a router.").optional(),
  }),
  async handler({ scope }, ctx) {
    const db = ctx.services.db;
    let filter: { ixpId?: number; routerId?: number } = {};
    let label = "all";
    if (scope) {
      const router = await findRouterByName(db, scope);
      if (router) {
        filter = { routerId: router.id };
        label = `router ${router.name}`;
      } else {
        const ixp = await resolveIxpArg(db, scope, (slug) => `connection list ${quoteWord(slug)}`, listUsage);
        filter = { ixpId: ixp.id };
        label = ixp.name;
      }
    }
    const rows = await listConnections(db, filter);
    if (!rows.length)
      return {
        kind: "info",
        text: scope ? `We have no connection for ${label}.` : "We have no connection to an IXP yet.",
        context: "`import ixps` finds ours in PeeringDB; `connection add` adds one by hand.",
      };
    return connectionTable(rows, `Connections: ${label}`);
  },
});

function connectionTable(rows: ConnectionListRow[], title: string): Reply {
  return {
    title,
    text: `${plural(rows.length, "connection")}.`,
    table: {
      columns: ["id", "IXP", "router", "IPv4", "IPv6", "VLAN", "speed", "status", "sessions"],
      rows: rows.map((c) => [
        `#${c.id}`,
        c.ixp,
        c.router ?? "",
        c.ipv4 ?? "",
        c.ipv6 ?? "",
        c.vlan === null ? "" : String(c.vlan),
        c.speed ? formatSpeed(c.speed) : "",
        c.status,
        String(c.sessions),
      ]),
      alignRight: [8],
    },
  };
}

const KEEP_OLD = /^(keep-old|keepold|keep_old|keep)$/i;

/**
 * `connection <name> mac <MAC> [keep-old]`: a pending IX-API change of the connection's MACs at
 * the exchange (keep-old: the new one beside the old, for a router migration). Our record takes
 * the new MAC when the exchange has it, on deploy, so the two never disagree.
 */
async function connectionMac(line: string, ctx: CommandContext): Promise<Reply> {
  if (!hasRole(ctx.role, "operator"))
    throw new PermissionError(denial("operator", "change a connection's MAC at the exchange"));
  const t = await target(ctx, line, "mac");
  const [macWord, value, ...more] = t.rest;
  if (!macWord || !/^mac(-address)?$/i.test(macWord))
    throw new UserError(
      `Say the new MAC after \`mac\`, e.g. connection #${t.id} mac 1c:b8:7f:00:00:01.`,
      `Usage: ${macUsage}`,
    );
  if (!value)
    throw new UserError(
      `Say the new MAC, e.g. connection #${t.id} mac 1c:b8:7f:00:00:01.`,
      `Usage: ${macUsage}`,
    );
  const keepOld = more.length === 1 && KEEP_OLD.test(more[0]!);
  if (more.length && !keepOld)
    throw new UserError(
      `I did not understand "${clip(more.join(" "), 40)}" after the MAC; only keep-old may follow it.`,
      `Usage: ${macUsage}`,
    );
  const mac = parseMac(value);
  ctx.objects.push(`connection:${t.id}`);
  // A connection matched by address in the last snapshot gets its config id recorded first.
  await configOfConnection(ctx.services.db, chatAuthor(ctx.actor), t.id);
  const r = await planMacChange(ctx.services, { connectionId: t.id, mac, keepOld, actor: ctx.actor });
  if (r.kind === "nochange") return { kind: "info", text: r.text };
  const c = r.change;
  ctx.objects.push(`change:${c.id}`);
  const reply = changeReply(c, ctx.services.config);
  const lead = [
    `Change #${c.id}: ${c.summary}.`,
    r.superseded.length ? ` It replaces ${r.superseded.map((id) => `#${id}`).join(", ")}.` : "",
    " Another approver must approve it; then peerbot writes it to the exchange's IX-API, and our record takes the new MAC once the exchange has it.",
  ].join("");
  return { ...reply, text: `${lead}\n${reply.text ?? ""}` };
}

export const connectionSubcommands: Record<string, Subcommand> = {
  add: connectionAdd,
  set: connectionSet,
  remove: connectionRemove,
  list: connectionList,
};

export const connectionCommand = defineCommand({
  name: "connection",
  aliases: ["connections"],
  summary:
    "Add, change, remove or list our connections to IXPs (admin; list: everyone); `connection` alone lists them all, `connection add` alone gives the syntax.",
  usage: `${shortUsage("connection", connectionSubcommands)} · ${macUsage}`,
  examples: [
    ...Object.values(connectionSubcommands).flatMap((s) => s.examples),
    "connection #3 mac 1c:b8:7f:00:00:01",
    "connection LINX router edge2.lon mac 1c:b8:7f:00:00:01 keep-old",
  ],
  role: "viewer",
  args: { positional: ["line"], rest: true, noise: [] },
  schema: z.object({ line: z.string().max(2000, "That line is too long.").optional() }),
  async handler({ line }, ctx) {
    // `connections` alone lists them all; `connections linx` those at LINX.
    const words = wordsOf(line);
    if (!words.length) return connectionList.run([], ctx);
    return runSubcommand("connection", connectionSubcommands, words, ctx, async (w) => {
      // `connection <name> mac <MAC>`: the MAC at the exchange, through an approved change.
      if (w.slice(1).some((x) => /^mac(-address)?$/i.test(x))) return connectionMac(line ?? "", ctx);
      return w.length === 1 ? connectionList.run(w, ctx) : null;
    });
  },
});
