// Commands that change routers: peer, session, diff, deploy; and the change workflow:
// changes, approve, reject, with the Approve/Reject buttons, and an admin's `change <id>
// abandon` for a change that is stuck.
import { buttonId, routerNamed } from "./action-helpers.js";
import { z } from "zod";
import {
  abandonChange,
  approveChange,
  changeReply,
  actorKey,
  CHANGE_ACTIONS,
  CHANGE_STATUS,
  diffRouter,
  expireChanges,
  getChange,
  listChanges,
  parseChangeId,
  planChange,
  rejectChange,
  targetName,
  type ChangeRow,
} from "../core/changes.js";
import { findRouterByName } from "../core/inventory.js";
import { PermissionError, UserError } from "../core/errors.js";
import { People, personOf, personText } from "../core/people.js";
import { hasRole } from "../core/roles.js";
import { denial } from "./dispatch.js";
import {
  changeRouterSessions,
  changeSessions,
  peer,
  peerRouteServers,
  type SessionChoice,
} from "../core/peering.js";
import { findIxps } from "../core/ixp.js";
import { parseIp } from "../core/render/ip.js";
import { commandAction } from "./intents.js";
import { clip } from "../core/text.js";
import type { Button, Form, Reply } from "../core/reply.js";
import { readForm } from "./forms.js";
import { asnArg, ixpArg, resolveIxpArg } from "./args.js";
import { quoteWord } from "./grammar.js";
import { defineCommand, type ActionDef, type CommandContext, type Registry } from "./registry.js";
import { plural } from "../core/text.js";

export function changesReply(changes: ChangeRow[], ctx: CommandContext, lead: string): Reply {
  const [first, ...rest] = changes.map((c) => changeReply(c, ctx.services.config));
  for (const c of changes) ctx.objects.push(`change:${c.id}`);
  if (!first) return { kind: "info", text: lead };
  return { ...first, text: `${lead}\n${first.text ?? ""}`, followUps: rest };
}

const peerUsage = "peer <AS>|rs at <IXP> [v4|v6] [router <name>]";

/** The network to peer with: an AS number, or `rs` for the IXP's route servers. */
const peerTargetArg = z
  .string({
    error: "Say which network: give the peer's AS number, e.g. AS6939, or rs for the route servers.",
  })
  .transform((s, ctx) => {
    if (s.trim().toLowerCase() === "rs") return "rs" as const;
    const asn = asnArg("the peer's AS number").safeParse(s);
    if (asn.success) return asn.data;
    for (const issue of asn.error.issues) ctx.addIssue({ code: "custom", message: issue.message });
    return z.NEVER;
  });

export const peerCommand = defineCommand({
  name: "peer",
  summary:
    "Create sessions with a network at an IXP from PeeringDB (or, with rs, with the IXP's route servers), and post the router diff for approval.",
  usage: peerUsage,
  examples: [
    "peer AS6939 at LINX",
    'peer 714 @ "LINX LON1" v6',
    "peer AS6939 at linx router edge1.lon",
    "peer rs at LINX",
    "peer rs at de-cix on edge1.fra ipv6",
  ],
  role: "operator",
  args: {
    positional: ["asn", "ixp"],
    rest: true,
    flags: ["v4", "v6", "ipv4", "ipv6"],
    keywords: [{ name: "router" }],
  },
  schema: z
    .object({
      asn: peerTargetArg,
      ixp: ixpArg,
      v4: z.boolean().optional(),
      v6: z.boolean().optional(),
      ipv4: z.boolean().optional(),
      ipv6: z.boolean().optional(),
      router: z
        .string()
        .min(1, "Say which router after `router`, e.g. router edge1.lon.")
        .max(100, "That router name is too long.")
        .optional(),
    })
    .transform(({ ipv4, ipv6, ...a }) => ({ ...a, v4: a.v4 || ipv4, v6: a.v6 || ipv6 }))
    .refine((a) => !(a.v4 && a.v6), { message: "Say v4 or v6, not both; say neither for both families." }),
  async handler(args, ctx) {
    if (args.asn === "rs") return peerRsHandler({ ...args, asn: "rs" }, ctx);
    const asn = args.asn;
    const s = ctx.services;
    const ixp = await resolveIxpArg(
      s.db,
      args.ixp,
      (slug) =>
        [
          "peer",
          `AS${asn}`,
          "at",
          quoteWord(slug),
          args.v4 ? "v4" : "",
          args.v6 ? "v6" : "",
          args.router ? `router ${args.router}` : "",
        ]
          .filter(Boolean)
          .join(" "),
      peerUsage,
    );
    ctx.objects.push(`ixp:${ixp.id}`, `as:${asn}`);
    const r = await peer(s, {
      asn,
      ixp,
      family: args.v4 ? "ipv4" : args.v6 ? "ipv6" : undefined,
      routerName: args.router,
      actor: ctx.actor,
    });
    const unchanged = unchangedText(r.unchanged);
    const replaced = r.replaced.length
      ? ` Replaces ${clip(r.replaced.map((x) => `AS${x.asn} (${x.asName}) on ${x.ipAddress}`).join(", "), 200)}: PeeringDB now lists ${r.replaced.length === 1 ? "that address" : "those addresses"} for AS${asn}.`
      : "";
    const idle = r.notOperational
      ? ` ${r.notOperational} of its port${r.notOperational === 1 ? "" : "s"} there ${r.notOperational === 1 ? "is" : "are"} not operational in PeeringDB: no session on ${r.notOperational === 1 ? "it" : "them"}.`
      : "";
    const lead = `${r.created} new session${r.created === 1 ? "" : "s"} with AS${asn} (${r.asName}) at ${ixp.name}, in provisioning${r.existing ? `; ${r.existing} already existed` : ""}.${replaced}${idle}${unchanged}${r.changes.length ? " An approver other than you must approve the diff." : ""}`;
    return changesReply(r.changes, ctx, lead);
  },
});

const unchangedText = (routers: string[]) =>
  routers.length
    ? ` ${routers.join(", ")} already ${routers.length === 1 ? "has" : "have"} them: nothing to deploy there.`
    : "";

/**
 * `peer rs at <IXP> [v4|v6] [router <name>]` (also `on <router>` after the IXP): sessions with
 * the IXP's route servers (core/peering.ts peerRouteServers), answered with the change.
 */
async function peerRsHandler(
  args: { asn: "rs"; ixp: string; v4?: boolean; v6?: boolean; router?: string },
  ctx: CommandContext,
): Promise<Reply> {
  const s = ctx.services;
  let { ixp: ixpText, router } = args;
  // "on" is noise to the grammar: `peer rs at LINX on edge1.lon` arrives as "LINX edge1.lon".
  // When the whole text names no IXP and its last word is one of our routers, that is the router.
  const words = ixpText.split(/\s+/).filter(Boolean);
  if (!router && words.length > 1 && !(await findIxps(s.db, ixpText)).length) {
    const last = await findRouterByName(s.db, words[words.length - 1]!);
    if (last) {
      router = last.name;
      ixpText = words.slice(0, -1).join(" ");
    }
  }
  const family = args.v4 ? "ipv4" : args.v6 ? "ipv6" : undefined;
  const ixp = await resolveIxpArg(
    s.db,
    ixpText,
    (slug) =>
      [
        "peer rs at",
        quoteWord(slug),
        args.v4 ? "v4" : "",
        args.v6 ? "v6" : "",
        router ? `router ${router}` : "",
      ]
        .filter(Boolean)
        .join(" "),
    peerUsage,
  );
  ctx.objects.push(`ixp:${ixp.id}`);
  const r = await peerRouteServers(s, { ixp, family, routerName: router, actor: ctx.actor });
  for (const n of r.networks) ctx.objects.push(`as:${n.asn}`);
  const who = clip(r.networks.map((n) => `AS${n.asn} (${n.name})`).join(", "), 200);
  const from = r.source === "ix-api" ? "the IX-API" : "PeeringDB";
  const replaced = r.replaced.length
    ? ` Replaces ${clip(r.replaced.map((x) => `AS${x.asn} (${x.asName}) on ${x.ipAddress}`).join(", "), 200)}: ${from} lists ${r.replaced.length === 1 ? "that address" : "those addresses"} for a route server.`
    : "";
  const lead = `${r.created} new route-server session${r.created === 1 ? "" : "s"} with ${who} at ${ixp.name} (route servers from ${from}), in provisioning${r.existing ? `; ${r.existing} already existed` : ""}.${replaced}${unchangedText(r.unchanged)}${r.changes.length ? " An approver other than you must approve the diff." : ""}`;
  return changesReply(r.changes, ctx, lead);
}

const sessionUsage = "session <AS> at <IXP> | on <router> [<ip>] [all] enable|disable|remove";

export const sessionCommand = defineCommand({
  name: "session",
  summary:
    "Enable, disable or remove our sessions with a network at an IXP or on a router (IXP and direct ones), through a change.",
  usage: sessionUsage,
  examples: [
    "session AS15169 at LINX disable",
    "session AS702 at linx remove",
    "session AS174 on edge1.lon disable",
    "session AS174 on edge1.lon 192.0.2.1 enable",
    "session AS6939 on edge1.lon all disable",
  ],
  role: "operator",
  // "at" and "on" are kept: they say whether a place is an IXP or a router.
  args: {
    positional: ["asn", "place"],
    rest: true,
    flags: ["enable", "disable", "remove", "all"],
    noise: ["@"],
  },
  schema: z
    .object({
      asn: asnArg(),
      place: z
        .string({ error: "Say where: at <IXP> or on <router>, e.g. session AS15169 at LINX disable." })
        .max(200, "That is too long for an IXP or a router and an address."),
      enable: z.boolean().optional(),
      disable: z.boolean().optional(),
      remove: z.boolean().optional(),
      all: z.boolean().optional(),
    })
    .refine((a) => [a.enable, a.disable, a.remove].filter(Boolean).length === 1, {
      message: "Say what to do with the sessions: enable, disable or remove (one of them).",
    }),
  async handler(args, ctx) {
    const s = ctx.services;
    const action = args.enable ? "enable" : args.disable ? "disable" : "remove";
    const words = args.place.split(/\s+/).filter(Boolean);
    const prep = /^(at|on)$/i.test(words[0] ?? "") ? (words.shift() as string).toLowerCase() : undefined;
    const last = words.length > 1 ? parseIp(words[words.length - 1]) : null;
    if (last) words.pop();
    const ip = last?.address;
    const name = words.join(" ");
    if (!name) throw new UserError("Say where: at <IXP> or on <router>.", `Usage: ${sessionUsage}`);
    const router = await findRouterByName(s.db, name);
    if (router && !(prep === "at" && (await findIxps(s.db, name)).length)) {
      ctx.objects.push(`router:${router.id}`, `as:${args.asn}`);
      const r = await changeRouterSessions(s, {
        asn: args.asn,
        router,
        ip,
        all: args.all,
        action,
        actor: ctx.actor,
      });
      if (r.kind === "choose") return sessionChoice(args.asn, router.name, action, r);
      const direct = r.sessions.filter((x) => x.kind === "direct");
      const ixp = r.sessions.filter((x) => x.kind === "ixp");
      const which = [
        direct.length
          ? `direct ${clip(direct.map((x) => x.repr.slice(router.name.length + 1)).join(", "), 120)}`
          : "",
        ixp.length ? `IXP ${clip(ixp.map((x) => x.repr).join(", "), 160)}` : "",
      ]
        .filter(Boolean)
        .join("; ");
      return changesReply(
        r.changes,
        ctx,
        `${plural(r.sessions.length, "session")} with AS${args.asn} on ${router.name} marked to ${action}: ${which}.`,
      );
    }
    if (args.all)
      throw new UserError(
        "`all` is for the sessions on a router (session <AS> on <router> all …).",
        `Usage: ${sessionUsage}`,
      );
    const ixp = await resolveIxpArg(
      s.db,
      name,
      (slug) => `session AS${args.asn} at ${quoteWord(slug)}${ip ? ` ${ip}` : ""} ${action}`,
      sessionUsage,
    );
    ctx.objects.push(`ixp:${ixp.id}`, `as:${args.asn}`);
    const r = await changeSessions(s, { asn: args.asn, ixp, ip, action, actor: ctx.actor });
    return changesReply(
      r.changes,
      ctx,
      `${plural(r.count, "session")} with AS${args.asn} at ${ixp.name} marked to ${action}.`,
    );
  },
});

/** The network has IXP and direct sessions on the router: which ones? (nothing changed yet) */
function sessionChoice(asn: number, routerName: string, action: string, c: SessionChoice): Reply {
  const on = `session AS${asn} on ${quoteWord(routerName)}`;
  const buttons: Button[] = [
    ...c.direct.map((d) => ({
      label: `direct ${d.ip} (${d.relationship})`,
      actionId: commandAction(`${on} ${d.ip} ${action}`),
    })),
    ...c.ixps.map((x) => ({
      label: `${x.name} (${plural(x.count, "session")})`,
      actionId: commandAction(`session AS${asn} at ${quoteWord(x.slug)} ${action}`),
    })),
    { label: "all of them", actionId: commandAction(`${on} all ${action}`), style: "danger" as const },
  ];
  const ixpCount = c.ixps.reduce((n, x) => n + x.count, 0);
  return {
    kind: "warning",
    text: `AS${asn} has ${plural(c.direct.length, "direct session")} and ${plural(ixpCount, "IXP session")} on ${routerName}; which to ${action}? Nothing has changed yet.`,
    buttons,
    ephemeral: true,
  };
}

export const diffCommand = defineCommand({
  name: "diff",
  summary: "Render a router's configuration and show how it differs from the router's, without a change.",
  usage: "diff <router>",
  examples: ["diff edge1.lon"],
  role: "viewer",
  args: { positional: ["router"] },
  schema: z.object({ router: z.string({ error: "Say which router, e.g. diff edge1.lon." }).max(100) }),
  async handler({ router: name }, ctx) {
    const router = await routerNamed(ctx, name, "diff <router>");
    const d = await diffRouter(ctx.services, router.id);
    if (!d.diff)
      return {
        kind: "success",
        text: `${router.name} already has exactly the configuration peerbot renders (sha256 ${d.toSha256.slice(0, 16)}).`,
      };
    return {
      title: `Diff for ${router.name}`,
      text: `+${d.added} −${d.removed} lines. \`deploy ${router.name}\` makes a change of it.`,
      code: { language: "diff", content: d.diff, filename: `${router.name}.diff` },
      context: `diff sha256 ${d.diffSha256.slice(0, 16)} · against config sha256 ${d.fromSha256.slice(0, 16)}`,
    };
  },
});

export const deployCommand = defineCommand({
  name: "deploy",
  summary: "Make a change of whatever differs between a router and peerbot's rendering, for approval.",
  usage: "deploy <router>",
  examples: ["deploy edge1.lon"],
  role: "operator",
  args: { positional: ["router"] },
  schema: z.object({ router: z.string({ error: "Say which router, e.g. deploy edge1.lon." }).max(100) }),
  async handler({ router: name }, ctx) {
    const router = await routerNamed(ctx, name, "deploy <router>");
    const r = await planChange(ctx.services, {
      routerId: router.id,
      summary: `deploy ${router.name}`,
      actor: ctx.actor,
      effects: [],
    });
    if (r.kind === "nochange")
      return {
        kind: "success",
        text: `${router.name} already has exactly the configuration peerbot renders; nothing to deploy.`,
      };
    return changesReply([r.change], ctx, `Change for ${router.name}.`);
  },
});

export const changesCommand = defineCommand({
  name: "changes",
  summary: "List open change requests (pending, queued, deploying, being planned).",
  usage: "changes [all]",
  examples: ["changes", "changes all"],
  role: "viewer",
  args: { flags: ["all"] },
  schema: z.object({ all: z.boolean().optional() }),
  async handler({ all }, ctx) {
    const s = ctx.services;
    await expireChanges(s);
    const list = await listChanges(s.db, !!all);
    if (!list.length)
      return { kind: "info", text: all ? "No change has been requested yet." : "No change is open." };
    return {
      title: all ? "Recent changes" : "Open changes",
      table: {
        columns: ["#", "router", "what", "requested by", "status", "diff"],
        rows: list.map((c) => [
          String(c.id),
          targetName(c),
          c.summary,
          personText(personOf(c.requestedBy, c.requestedByName)),
          CHANGE_STATUS[c.status].label,
          `+${c.added} −${c.removed}`,
        ]),
        alignRight: [0],
      },
    };
  },
});

const idArg = (verb: string) =>
  z
    .string({ error: `Say which change to ${verb}, e.g. ${verb} 12.` })
    .regex(/^#?\d{1,9}$/, `A change is named by its number, e.g. ${verb} 12.`)
    .transform((s) => Number(s.replace("#", "")));

export const approveCommand = defineCommand({
  name: "approve",
  summary: "Approve a change (not your own): its deploy is queued at once.",
  usage: "approve <change>",
  examples: ["approve 12"],
  role: "approver",
  args: { positional: ["id"] },
  schema: z.object({ id: idArg("approve") }),
  async handler({ id }, ctx) {
    ctx.objects.push(`change:${id}`);
    const c = await approveChange(ctx.services, id, ctx.actor);
    return { kind: "success", text: `Change #${c.id} on ${targetName(c)} approved; ${queuedText(c)}.` };
  },
});

export const rejectCommand = defineCommand({
  name: "reject",
  summary: "Reject a pending change; the sessions it created are removed.",
  usage: "reject <change> [reason]",
  examples: ["reject 12", "reject 12 wrong router"],
  role: "operator",
  args: { positional: ["id", "reason"], rest: true },
  schema: z.object({
    id: idArg("reject"),
    reason: z.string().max(500, "That reason is too long: say it in 500 characters or fewer.").optional(),
  }),
  async handler({ id, reason }, ctx) {
    ctx.objects.push(`change:${id}`);
    const c = await rejectChange(ctx.services, id, ctx.actor, reason ?? "", rejectOpts(ctx));
    return { kind: "info", text: `Change #${c.id} on ${targetName(c)} rejected.` };
  },
});

/** The requester may withdraw their own change; one that carries anyone else's needs an approver. */
const rejectOpts = (ctx: CommandContext) => ({ mayRejectOthers: hasRole(ctx.role, "approver") });

/** What an approval answers about the deploy job. */
function queuedText(c: ChangeRow): string {
  return c.steps.some((l) => l.startsWith("the job queue could not be reached"))
    ? "the job queue cannot be reached right now, so the deploy starts as soon as it can be"
    : "the deploy is queued";
}

export const changeCommand = defineCommand({
  name: "change",
  summary: "Show one change; `abandon` ends one stuck queued, deploying or planning (admin).",
  usage: "change <id> [abandon [reason]]",
  examples: ["change 12", "change 12 abandon the router was replaced"],
  role: "viewer",
  args: { positional: ["id", "verb", "reason"], rest: true },
  schema: z.object({
    id: z
      .string({ error: "Say which change, e.g. change 12." })
      .regex(/^#?\d{1,9}$/, "A change is named by its number, e.g. change 12.")
      .transform((x) => Number(x.replace("#", ""))),
    verb: z
      .enum(["abandon"], {
        error: "The only thing to do with a change here is abandon it, e.g. change 12 abandon.",
      })
      .optional(),
    reason: z.string().max(500, "That reason is too long: say it in 500 characters or fewer.").optional(),
  }),
  async handler({ id, verb, reason }, ctx) {
    ctx.objects.push(`change:${id}`);
    if (!verb) {
      const c = await getChange(ctx.services.db, id);
      if (!c) throw new UserError(`There is no change #${id}.`, "`changes all` lists the recent ones.");
      return changeReply(c, ctx.services.config);
    }
    if (!hasRole(ctx.role, "admin")) throw new PermissionError(denial("admin", "abandon a change"));
    const { change, seen } = await abandonChange(ctx.services, id, ctx.actor, reason ?? "");
    const what = {
      approved: change.router
        ? `${change.router.name} runs the approved configuration, so the change ends deployed`
        : `the IXP lists the approved MACs, so the change ends deployed and our record takes the new MAC`,
      base: change.router
        ? `${change.router.name} runs the configuration from before the change, so it ends failed and its sessions are reverted`
        : `the IXP still lists the MACs from before the change, so it ends failed and our record is unchanged`,
      other: change.router
        ? `${change.router.name} runs neither the approved configuration nor the one before it; the change ends failed and its sessions are reverted (\`diff ${change.router.name}\` shows what differs)`
        : `the IXP lists neither the approved MACs nor the ones before the change; it ends failed and our record is unchanged (\`ix\` shows what the IXP has)`,
      unreachable: change.router
        ? `${change.router.name} could not be read; the change ends failed and its sessions are reverted (an unconfirmed commit is undone by the router's own timer)`
        : `the IX-API could not be read; the change ends failed and our record is unchanged`,
    }[seen];
    return {
      kind: "warning",
      text: `Change #${change.id} abandoned: ${what}. Its ${change.router ? "router" : "connection"} is unlocked.`,
    };
  },
});

function parseId(arg: string): number {
  return buttonId(parseChangeId(arg), "Run `changes` for the open ones.");
}

export const changeActions: ActionDef[] = [
  {
    prefix: CHANGE_ACTIONS.approve,
    role: "approver",
    label: "approve changes",
    async handler(arg, ctx) {
      const id = parseId(arg);
      ctx.objects.push(`change:${id}`);
      const c = await approveChange(ctx.services, id, ctx.actor);
      const people = new People();
      return {
        kind: "success",
        text: `Change #${c.id} on ${targetName(c)} approved by ${people.of(actorKey(ctx.actor), ctx.actor.userName)}; ${queuedText(c)}.`,
        mentions: people.list,
      };
    },
  },
  {
    // The Reject button opens a form asking for an optional reason; its submit (the same
    // action, with the form's values) rejects. The typed `reject <id> [reason]` needs no form.
    prefix: CHANGE_ACTIONS.reject,
    role: "operator",
    label: "reject changes",
    async handler(arg, ctx) {
      const id = parseId(arg);
      ctx.objects.push(`change:${id}`);
      const form = rejectForm(id);
      if (!ctx.values) {
        const c = await getChange(ctx.services.db, id);
        if (!c) throw new UserError(`There is no change #${id}.`, "`changes all` lists the recent ones.");
        if (!CHANGE_STATUS[c.status].open)
          throw new UserError(
            `Change #${id} is ${CHANGE_STATUS[c.status].label}; there is nothing to reject.`,
            `\`change ${id}\` shows it.`,
          );
        return {
          kind: "info",
          text: `To reject change #${id} with a reason, type \`reject ${id} <reason>\` (or \`reject ${id}\` without one).`,
          ephemeral: true,
          form,
        };
      }
      const { reason = "" } = readForm(form, ctx.values);
      const c = await rejectChange(ctx.services, id, ctx.actor, reason, rejectOpts(ctx));
      const people = new People();
      return {
        kind: "info",
        text: `Change #${c.id} on ${targetName(c)} rejected by ${people.of(actorKey(ctx.actor), ctx.actor.userName)}${reason ? `: ${clip(reason, 200)}` : ""}.`,
        mentions: people.list,
      };
    },
  },
];

/** The form of the Reject button: an optional reason, kept in the change and shown in its message. */
function rejectForm(id: number): Form {
  return {
    title: `Reject change #${id}`,
    submitLabel: "Reject",
    action: `${CHANGE_ACTIONS.reject}:${id}`,
    intro: `Change #${id} ends rejected and the sessions it created are removed.`,
    fields: [
      {
        name: "reason",
        label: "Reason (optional)",
        kind: "line",
        placeholder: "e.g. wrong router",
        maxLength: 200,
      },
    ],
  };
}

export function addChangeCommands(r: Registry): void {
  r.add(peerCommand).add(sessionCommand).add(diffCommand).add(deployCommand);
  r.add(changesCommand).add(changeCommand).add(approveCommand).add(rejectCommand);
  for (const a of changeActions) r.addAction(a);
}

export { getChange };
