// PeeringDB-backed commands: peers (available peers at an IXP), hide/unhide, import ixps,
// and sync (a queued job whose progress updates its message).
import { queueTracked } from "./action-helpers.js";
import { z } from "zod";
import { clip, singleLine } from "../core/text.js";
import { UserError } from "../core/errors.js";
import { chatAuthor } from "../core/history.js";
import { listIxps } from "../core/inventory.js";
import { findIxps, type IxpRef } from "../core/ixp.js";
import {
  applyImport,
  availablePeers,
  type AvailablePeer,
  hidePeer,
  listHiddenPeers,
  parsePeerFilters,
  proposeImport,
  syncStatus,
  unhidePeer,
  whyNotHideable,
} from "../core/peeringdb/index.js";
import type { Button } from "../core/reply.js";
import { applyRequestNotes } from "../core/email/tracking.js";
import { asnArg, ixpArg, resolveIxpArg } from "./args.js";
import { quoteWord, tokenize } from "./grammar.js";
import { formatSpeed } from "./ix.js";
import { defineCommand, type ActionDef, type CommandContext, type Registry } from "./registry.js";
import { plural } from "../core/text.js";
import { withSessionImport } from "./import-sessions.js";

export const PEERINGDB_SYNC_QUEUE = "peeringdb-sync";

const peersUsage =
  "peers <IXP> [policy:open|selective|restrictive|no] [rs:yes|no] [speed:>=10G] [type:content] [text] [sort:name|asn|speed]";

/** A word's letters and digits, in runs: "LINX-LON1" -> ["linx", "lon1"]. */
const tokens = (s: string) =>
  s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/**
 * Splits `words` into the IXP and the rest (filters and free text), so that
 * `peers linx lon1 policy:open` works without quotes. The IXP is the longest leading run of
 * words that names exactly one IXP, where every word after the first is a whole word of that
 * IXP's name or slug: at "Example IX Berlin", `example-ix berlin` is the name but
 * `example-ix ber` is the IXP and the free text "ber".
 */
export async function ixpAndRest(
  ctx: CommandContext,
  words: string[],
  rerun: (slug: string, rest: string[]) => string,
): Promise<{ ixp: IxpRef; rest: string[] }> {
  const plain = words.findIndex((w) => /^[a-z]+:/i.test(w));
  const limit = plain === -1 ? words.length : plain;
  for (let k = limit; k >= 1; k--) {
    const hits = await findIxps(ctx.services.db, words.slice(0, k).join(" "));
    if (hits.length !== 1) continue;
    const ixp = hits[0] as IxpRef;
    const own = new Set([...tokens(ixp.name), ...tokens(ixp.slug)]);
    const continues = words
      .slice(1, k)
      .every((w) => tokens(w).length > 0 && tokens(w).every((t) => own.has(t)));
    if (continues) return { ixp, rest: words.slice(k) };
  }
  const first = words[0] ?? "";
  const ixp = await resolveIxpArg(ctx.services.db, first, (slug) => rerun(slug, words.slice(1)), peersUsage);
  return { ixp, rest: words.slice(1) };
}

/** A network's ports in the `peers` table: "10G", or "20G (2 ports)". */
function speedCell(r: AvailablePeer): string {
  return r.ports > 1 ? `${formatSpeed(r.speed)} (${r.ports} ports)` : formatSpeed(r.speed);
}

export const peersCommand = defineCommand({
  name: "peers",
  aliases: ["available"],
  summary:
    "Networks at an IXP that we do not peer with yet, from the PeeringDB mirror, with a Peer button each.",
  usage: peersUsage,
  examples: [
    "peers linx",
    "peers linx policy:open rs:no",
    "peers de-cix speed:>=100G sort:speed",
    "peers ams-ix cloudflare",
  ],
  role: "viewer",
  // Everything after the command word; parsed below, where the IXP name may span words.
  args: { positional: ["line"], rest: true, noise: [] },
  schema: z.object({
    line: z.string({ error: "Say which IXP, e.g. peers LINX." }).max(500, "That line is too long."),
  }),
  async handler({ line }, ctx) {
    const words = tokenize(line).filter((w) => !/^(at|@|on)$/i.test(w));
    const { ixp, rest } = await ixpAndRest(ctx, words, (slug, r) =>
      ["peers", quoteWord(slug), ...r.map(quoteWord)].join(" "),
    );
    ctx.objects.push(`ixp:${ixp.id}`);
    const ixpName = singleLine(ixp.name, 60);
    const { filters, options } = parsePeerFilters(rest);
    const page = await availablePeers(ctx.services.db, ixp, filters, {
      ...options,
      pageSize: options.pageSize ?? 20,
    });
    const contacted = await applyRequestNotes(ctx.services.db, ixp.id, page, ctx.services.clock.now()); // e-mail requests
    const filterText = rest
      .filter((w) => !/^page:/i.test(w))
      .map(quoteWord)
      .join(" ");
    const shownFilters = singleLine(filterText, 100);
    const base = ["peers", quoteWord(ixp.slug), filterText].filter(Boolean).join(" ");
    if (page.total === 0) {
      return {
        kind: "info",
        text: `No available peer at ${ixpName}${shownFilters ? ` matching ${shownFilters}` : ""}: we peer with everyone listed, or nobody matches.`,
      };
    }
    if (page.page > page.pages) {
      return {
        kind: "warning",
        text: `There ${page.pages === 1 ? "is 1 page" : `are ${page.pages} pages`} of available peers at ${ixpName}${shownFilters ? ` matching ${shownFilters}` : ""}; page ${page.page} is past the end.`,
        buttons: [{ label: `Last page (${page.pages})`, actionId: `cmd:${base} page:${page.pages}` }],
      };
    }
    // Without a usable connection `peer` cannot add a session here: no Peer buttons then.
    const canPeer = page.usableConnections > 0;
    const buttons: Button[] = canPeer
      ? page.rows.map((r) => ({
          label: `Peer AS${r.asn}`,
          actionId: `cmd:peer AS${r.asn} at ${quoteWord(ixp.slug)}`,
          style: "primary",
        }))
      : [];
    return {
      title: `Available peers at ${ixpName}`,
      text: `${plural(page.total, "network")} we do not peer with yet${shownFilters ? ` (${shownFilters})` : ""}${page.pages > 1 ? `, page ${page.page} of ${page.pages}` : ""}.`,
      table: {
        columns: [
          "ASN",
          "name",
          "IPv4",
          "IPv6",
          "speed",
          "RS",
          "policy",
          "type",
          "peers elsewhere",
          "contacted",
        ],
        rows: page.rows.map((r) => [
          `AS${r.asn}`,
          clip(r.name, 50),
          r.ipv4.join(", "),
          r.ipv6.join(", "),
          speedCell(r),
          r.rsPorts === 0 ? "no" : r.rsPorts === r.ports ? "yes" : "some",
          r.policy || "?",
          clip(r.networkType, 40),
          r.peersWithUsElsewhere ? "yes" : "",
          contacted.get(r.asn) ?? "",
        ]),
        alignRight: [4],
      },
      buttons,
      pagination:
        page.pages > 1
          ? {
              page: page.page,
              pages: page.pages,
              prev: page.page > 1 ? `cmd:${base} page:${page.page - 1}` : undefined,
              next: page.page < page.pages ? `cmd:${base} page:${page.page + 1}` : undefined,
            }
          : undefined,
      context: canPeer
        ? "From the PeeringDB mirror; hidden peers are left out (`hide`/`unhide`)."
        : `From the PeeringDB mirror. We have no enabled connection with a router at ${ixpName}, so \`peer\` cannot add sessions there yet.`,
    };
  },
});

const hideUsage = "hide <AS> at <IXP> [until <YYYY-MM-DD>] [reason <text>]";

const dateArg = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined) return undefined;
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    const d = m ? new Date(`${s}T00:00:00Z`) : null;
    if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s) {
      ctx.addIssue({ code: "custom", message: `"${clip(s, 20)}" is not a date; write it as YYYY-MM-DD.` });
      return z.NEVER;
    }
    return d;
  });

export const hideCommand = defineCommand({
  name: "hide",
  summary:
    "Leave a network out of `peers` at an IXP, for good or until a date (Peering Manager's hidden peers).",
  usage: hideUsage,
  examples: ["hide AS6939 at LINX", "hide AS6939 at LINX until 2027-01-31 reason asked to wait"],
  role: "operator",
  args: {
    positional: ["asn", "ixp"],
    rest: true,
    keywords: [{ name: "until" }, { name: "reason", rest: true }],
  },
  schema: z.object({ asn: asnArg(), ixp: ixpArg, until: dateArg, reason: z.string().max(500).optional() }),
  async handler(args, ctx) {
    // The AS first: an ambiguous IXP's buttons must not carry an ASN that cannot be hidden.
    const why = await whyNotHideable(ctx.services.db, args.asn);
    if (why) throw new UserError(why, `Usage: ${hideUsage}`);
    const ixp = await resolveIxpArg(
      ctx.services.db,
      args.ixp,
      (slug) => `hide AS${args.asn} at ${quoteWord(slug)}`,
      hideUsage,
    );
    ctx.objects.push(`ixp:${ixp.id}`, `as:${args.asn}`);
    const h = await hidePeer(ctx.services.db, {
      asn: args.asn,
      ixpId: ixp.id,
      until: args.until ?? null,
      reason: args.reason ?? "",
      createdBy: ctx.actor.userName,
      now: ctx.services.clock.now(),
    });
    return {
      kind: "success",
      text: `AS${h.asn} is hidden from \`peers ${ixp.slug}\`${h.until ? ` until ${h.until.toISOString().slice(0, 10)}` : ""}${h.reason ? ` (${h.reason})` : ""}.`,
      buttons: [{ label: "Undo", actionId: `cmd:unhide AS${h.asn} at ${quoteWord(ixp.slug)}` }],
    };
  },
});

export const unhideCommand = defineCommand({
  name: "unhide",
  summary: "Show a hidden network in `peers` again; `unhide` alone lists the hidden ones.",
  usage: "unhide [<AS> at <IXP>]",
  examples: ["unhide AS6939 at LINX", "unhide"],
  role: "operator",
  args: { positional: ["asn", "ixp"], rest: true },
  schema: z.object({ asn: asnArg().optional(), ixp: ixpArg.optional() }),
  async handler(args, ctx) {
    const db = ctx.services.db;
    if (args.asn === undefined) {
      const list = await listHiddenPeers(db, undefined, ctx.services.clock.now());
      if (!list.length) return { kind: "info", text: "No network is hidden." };
      const ixps = new Map((await listIxps(db)).map((x) => [x.id, singleLine(x.name, 60)]));
      return {
        title: "Hidden peers",
        table: {
          columns: ["ASN", "IXP", "until", "reason", "by"],
          rows: list.map((h) => [
            `AS${h.asn}`,
            ixps.get(h.ixpId) ?? "",
            h.until?.toISOString().slice(0, 10) ?? "for good",
            h.reason,
            h.createdBy,
          ]),
        },
      };
    }
    if (!args.ixp)
      throw new UserError(
        "Say at which IXP to unhide it, e.g. unhide AS6939 at LINX.",
        "Usage: unhide [<AS> at <IXP>]",
      );
    const asn = args.asn;
    const ixp = await resolveIxpArg(
      db,
      args.ixp,
      (slug) => `unhide AS${asn} at ${quoteWord(slug)}`,
      "unhide <AS> at <IXP>",
    );
    ctx.objects.push(`ixp:${ixp.id}`, `as:${asn}`);
    const was = await unhidePeer(db, asn, ixp.id);
    if (!was)
      throw new UserError(`AS${asn} was not hidden at ${ixp.name}.`, "`unhide` alone lists the hidden ones.");
    return { kind: "success", text: `AS${asn} shows in \`peers ${ixp.slug}\` again.` };
  },
});

export const importCommand = defineCommand({
  name: "import",
  summary:
    "Find our own IXPs and connections in PeeringDB (by our ASNs) and propose them; nothing is created until confirmed.",
  usage: "import ixps",
  examples: ["import ixps"],
  role: "admin",
  args: { positional: ["what"] },
  schema: z.object({
    what: z
      .string({ error: "Say what to import: import ixps." })
      .refine((w) => /^ixps?$/i.test(w), "peerbot imports IXPs: import ixps."),
  }),
  async handler(_args, ctx) {
    const p = await proposeImport(ctx.services.db);
    if (!p.newIxps && !p.newConnections) {
      return {
        kind: "success",
        text: `PeeringDB lists nothing for AS${p.asns.join(", AS")} that peerbot does not have already.`,
      };
    }
    const rows = p.ixps.flatMap((x) =>
      x.connections
        .filter((c) => c.existingConnectionId === null)
        .map((c) => [
          x.name,
          x.existingIxpId === null ? "new" : "known",
          `AS${c.asn}`,
          c.ipv4Address ?? "",
          c.ipv6Address ?? "",
          formatSpeed(c.speed),
        ]),
    );
    return {
      title: "Import from PeeringDB",
      text: `${p.newIxps} new IXP${p.newIxps === 1 ? "" : "s"} and ${p.newConnections} new connection${p.newConnections === 1 ? "" : "s"} for AS${p.asns.join(", AS")}. Nothing is created until you confirm.`,
      table: { columns: ["IXP", "IXP is", "our AS", "IPv4", "IPv6", "speed"], rows, alignRight: [5] },
      buttons: [
        {
          label: "Create them",
          actionId: "import.apply:ixps",
          style: "primary",
          confirm: {
            title: "Import from PeeringDB?",
            text: `Creates ${p.newIxps} IXPs and ${p.newConnections} connections.`,
            confirm: "Create",
            deny: "Cancel",
          },
        },
      ],
    };
  },
});

export const importActions: ActionDef[] = [
  {
    prefix: "import.apply",
    role: "admin",
    label: "import IXPs and connections",
    async handler(_arg, ctx) {
      // The proposal is made again at the press: what is created is what PeeringDB says now.
      const p = await proposeImport(ctx.services.db);
      const r = await applyImport(ctx.services.db, p, { author: chatAuthor(ctx.actor, "import") });
      for (const x of r.createdIxps) ctx.objects.push(`ixp:${x.id}`);
      return {
        kind: "success",
        text: `Created ${plural(r.createdIxps.length, "IXP")} (${r.createdIxps.map((x) => x.name).join(", ") || "none"}) and ${plural(r.createdConnections, "connection")}${r.skippedConnections ? `; ${r.skippedConnections} already existed` : ""}. Assign each connection a router to peer there.`,
      };
    },
  },
];

export const syncCommand = defineCommand({
  name: "sync",
  summary: "Sync the PeeringDB mirror now (incremental), or `sync status` for the last runs.",
  usage: "sync [status|full]",
  examples: ["sync", "sync status", "sync full"],
  role: "operator",
  args: { flags: ["status", "full"] },
  schema: z.object({ status: z.boolean().optional(), full: z.boolean().optional() }),
  async handler(args, ctx) {
    const s = ctx.services;
    if (args.status) {
      const st = await syncStatus(s.db);
      if (!st.length)
        return { kind: "info", text: "The PeeringDB mirror has never been synced. Run `sync`." };
      return {
        title: "PeeringDB mirror",
        table: {
          columns: ["type", "rows", "last success", "watermark", "status"],
          rows: st.map((t) => [
            t.type,
            String(t.rows),
            t.lastSuccessAt?.toISOString().slice(0, 16).replace("T", " ") ?? "never",
            t.watermark?.toISOString().slice(0, 16).replace("T", " ") ?? "",
            t.lastStatus === "failed" ? `failed: ${clip(t.lastError, 60)}` : t.lastStatus,
          ]),
          alignRight: [1],
        },
      };
    }
    return queueTracked(
      ctx,
      { queue: PEERINGDB_SYNC_QUEUE, name: "peeringdb-sync", prefix: "sync", data: { full: !!args.full } },
      `PeeringDB ${args.full ? "full " : ""}sync queued; this message shows its progress.`,
    );
  },
});

export function addPeeringdbCommands(r: Registry): void {
  r.add(peersCommand)
    .add(hideCommand)
    .add(unhideCommand)
    .add(withSessionImport(importCommand))
    .add(syncCommand);
  for (const a of importActions) r.addAction(a);
}
