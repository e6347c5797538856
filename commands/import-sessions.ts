// `import sessions <router>` (operator): the sessions already configured on a router, proposed
// with counts and a Confirm button (`import.sessions:<router id>:<counts>:<digest>`); nothing
// is created until it is pressed. The press reads the router again and creates what is valid
// then, saying so when that differs from what was proposed (core/import-sessions.ts).
//
// `import` itself is declared in commands/peeringdb.ts (`import ixps`, admin); withSessionImport
// wraps it so that `import sessions <router>` needs only the operator role, and `import ixps`
// still needs admin.
import { z } from "zod";
import type { Role } from "../core/config.js";
import { PermissionError, UserError } from "../core/errors.js";
import { chatAuthor } from "../core/history.js";
import {
  applySessionImport,
  planSessionImport,
  type ImportCandidate,
  type SessionImportPlan,
} from "../core/import-sessions.js";
import type { Reply } from "../core/reply.js";
import { hasRole } from "../core/roles.js";
import { clip, plural } from "../core/text.js";
import { routerNamed } from "./action-helpers.js";
import { denial } from "./dispatch.js";
import { quoteWord } from "./grammar.js";
import { commandAction } from "./intents.js";
import { defineCommand, type ActionDef, type CommandContext, type CommandDef } from "./registry.js";

export const IMPORT_SESSIONS_USAGE = "import sessions <router>";
export const IMPORT_SESSIONS_ACTION = "import.sessions";
/** Rows of the proposal shown in chat; all of them are created on Confirm. */
const SHOWN = 25;

const RELATIONSHIP: Record<string, string> = {
  transit_provider: "transit",
  customer: "customer",
  private_peering: "private peering",
  peering: "peering",
  internal: "internal",
  other: "other",
};

const STATE: Record<string, string> = {
  idle: "Idle",
  connect: "Connect",
  active: "Active",
  opensent: "OpenSent",
  openconfirm: "OpenConfirm",
  established: "Established",
};

const countsOf = (p: SessionImportPlan) => `${p.ixp.length}.${p.direct.length}.${p.newAses.length}`;

function countsText(ixp: number, direct: number, ases: number): string {
  return `${plural(ixp, "IXP session")}, ${plural(direct, "direct session")} and ${plural(ases, "new network")}`;
}

function row(c: ImportCandidate): string[] {
  const prefixes =
    c.received === undefined && c.accepted === undefined ? "" : `${c.received ?? "-"}/${c.accepted ?? "-"}`;
  return [
    c.kind === "ixp" ? "IXP" : "direct",
    `AS${c.asn}`,
    clip(c.asName, 40) + (c.asKnown ? "" : " (new)"),
    c.address,
    c.kind === "ixp"
      ? `${clip(c.ixpName ?? "", 40)}${c.isRouteServer ? " (route server)" : ""}`
      : (RELATIONSHIP[c.relationship ?? "peering"] ?? "peering"),
    STATE[c.state] ?? c.state,
    prefixes,
  ];
}

function skippedText(p: SessionImportPlan): string {
  const each = p.skipped.slice(0, 5).map((s) => `${s.address}${s.asn ? ` AS${s.asn}` : ""}: ${s.reason}`);
  return each.join("; ") + (p.skipped.length > 5 ? `; and ${p.skipped.length - 5} more` : "");
}

/** The proposal: what `import sessions` would create, with a Confirm button. */
export function proposalReply(p: SessionImportPlan): Reply {
  const name = clip(p.router.name, 63);
  const all = [...p.ixp, ...p.direct];
  const notInPdb = p.newAses.filter((a) => !a.inPeeringDb).length;
  const summary = `${name} has ${plural(p.neighbors, "BGP neighbour")}: ${p.known} already known to peerbot, ${p.skipped.length} skipped`;
  if (!all.length) {
    return {
      kind: "info",
      text: p.neighbors
        ? `Nothing to import: ${summary}.`
        : `${name} has no BGP neighbours configured, so there is nothing to import.`,
      ...(p.skipped.length ? { fields: [{ label: "Skipped", value: skippedText(p) }] } : {}),
    };
  }
  const what = countsText(p.ixp.length, p.direct.length, p.newAses.length);
  return {
    title: `Import sessions from ${name}`,
    text: `${summary}; to create: ${what}${notInPdb ? ` (${notInPdb} not in PeeringDB)` : ""}. Nothing is created until you confirm, and nothing on the router changes.`,
    table: {
      columns: ["kind", "AS", "network", "address", "where", "BGP state", "rcvd/acc"],
      rows: all.slice(0, SHOWN).map(row),
      alignRight: [6],
    },
    ...(p.skipped.length ? { fields: [{ label: "Skipped", value: skippedText(p) }] } : {}),
    buttons: [
      {
        label: "Confirm",
        style: "primary",
        actionId: `${IMPORT_SESSIONS_ACTION}:${p.router.id}:${countsOf(p)}:${p.digest}`,
        confirm: {
          title: `Import sessions from ${name}?`,
          text: `Creates ${what}, enabled, as the router has them now.`,
          confirm: "Import",
          deny: "Cancel",
        },
      },
    ],
    context:
      all.length > SHOWN
        ? `Showing ${SHOWN} of ${all.length}; Confirm creates all of them. Neighbours peerbot already has are left alone.`
        : "Neighbours peerbot already has are left alone.",
  };
}

/** `import sessions <router>`. */
export async function importSessions(routerName: string, ctx: CommandContext): Promise<Reply> {
  const router = await routerNamed(ctx, routerName, IMPORT_SESSIONS_USAGE);
  return proposalReply(await planSessionImport(ctx.services, router.id));
}

export const importSessionsActions: ActionDef[] = [
  {
    prefix: IMPORT_SESSIONS_ACTION,
    role: "operator",
    label: "import a router's sessions",
    async handler(arg, ctx) {
      const m = /^(\d{1,9})(?::(\d+)\.(\d+)\.(\d+))?(?::([0-9a-f]{1,64}))?$/.exec(arg);
      if (!m)
        throw new UserError(
          "That button no longer does anything.",
          `Run \`${IMPORT_SESSIONS_USAGE}\` again.`,
        );
      const id = Number(m[1]);
      ctx.objects.push(`router:${id}`);
      const r = await applySessionImport(ctx.services, id, chatAuthor(ctx.actor, "import"));
      const name = clip(r.plan.router.name, 63);
      const created = r.ixpSessions + r.directSessions;
      const changed =
        m[5] !== undefined && m[5] !== r.plan.digest && m[2] !== undefined
          ? ` The router changed since the proposal, which had ${countsText(Number(m[2]), Number(m[3]), Number(m[4]))}; this is what it has now.`
          : "";
      const raced = r.raced
        ? ` ${plural(r.raced, "neighbour")} got a session meanwhile and ${r.raced === 1 ? "was" : "were"} left alone.`
        : "";
      if (!created) {
        return {
          kind: "info",
          text: `Nothing to import from ${name} any more: ${plural(r.plan.known + r.raced, "neighbour")} already known, ${r.plan.skipped.length} skipped.${changed}`,
        };
      }
      return {
        kind: "success",
        title: `Imported sessions from ${name}`,
        text: `Created ${countsText(r.ixpSessions, r.directSessions, r.ases)}, enabled with their state as the router reported it.${changed}${raced} Nothing on the router changed; \`diff ${name}\` shows what peerbot would render for it.`,
        buttons: [
          { label: "Sessions", actionId: commandAction(`sessions ${quoteWord(r.plan.router.name)}`) },
          { label: "Diff", actionId: commandAction(`diff ${quoteWord(r.plan.router.name)}`) },
        ],
      };
    },
  },
];

const IMPORT_USAGE = "import ixps | import sessions <router>";

/**
 * The `import` command with `import sessions <router>` added: the operator role runs it, and
 * `import ixps` still needs admin (checked here, as the registry checks the command's role).
 */
export function withSessionImport<S extends z.ZodType>(ixps: CommandDef<S>): CommandDef {
  const ixpsRole: Role = ixps.role;
  return defineCommand({
    ...(ixps as unknown as CommandDef),
    summary:
      "`import ixps` (admin): our own IXPs and connections from PeeringDB; `import sessions <router>`: the BGP sessions a router already has. Each is proposed first; nothing is created until confirmed.",
    usage: IMPORT_USAGE,
    examples: [...ixps.examples, "import sessions edge1.lon"],
    role: "operator",
    args: { positional: ["what", "router"] },
    schema: z.object({
      what: z
        .string({ error: "Say what to import: import ixps, or import sessions <router>." })
        .refine(
          (w) => /^(ixps?|sessions?)$/i.test(w),
          "peerbot imports IXPs (import ixps) or a router's sessions (import sessions <router>).",
        ),
      router: z.string().max(100, "That router name is too long.").optional(),
    }),
    async handler(args: { what: string; router?: string }, ctx: CommandContext) {
      if (/^sessions?$/i.test(args.what)) {
        if (!args.router)
          throw new UserError("Say which router to import sessions from.", `Usage: ${IMPORT_SESSIONS_USAGE}`);
        return importSessions(args.router, ctx);
      }
      if (args.router !== undefined)
        throw new UserError(`\`import ixps\` takes nothing after it.`, `Usage: ${IMPORT_USAGE}`);
      if (!hasRole(ctx.role, ixpsRole)) throw new PermissionError(denial(ixpsRole, "run `import ixps`"));
      const parsed = ixps.schema.safeParse({ what: args.what });
      if (!parsed.success)
        throw new UserError(
          parsed.error.issues[0]?.message ?? "peerbot imports IXPs.",
          `Usage: ${IMPORT_USAGE}`,
        );
      return ixps.handler(parsed.data, ctx);
    },
  });
}
