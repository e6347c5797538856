// Routing policies, communities and BGP groups (Peering Manager's policy options), as operators
// add them from chat and attach them to the levels the render resolves: an AS, an IXP, a BGP
// group, an IXP or a direct session.
//   policy add <slug> import|export|both [family v4|v6|both] [weight <n>] [name <text>]
//   community add <name> <value> [ingress|egress]
//   group add <name> [description <text>]
//   policy|community attach|detach <name> to|from <target> · policy|community|group remove <name>
//   policies · communities · groups
import { z } from "zod";
import type { AddressFamily, CommunityDirection, PolicyKind } from "../core/db.js";
import {
  addCommunity,
  addGroup,
  addPolicy,
  FAMILIES,
  FAMILY_WORD,
  linkCommunity,
  linkPolicy,
  listCommunities,
  listGroups,
  listPolicies,
  POLICY_KIND_WORD,
  POLICY_KINDS,
  removeObject,
  WEIGHT_MAX,
  type AttachResult,
} from "../core/policy-objects/index.js";
import type { Reply } from "../core/reply.js";
import { clip, plural } from "../core/text.js";
import { verbUsage, withUsageHint } from "./action-helpers.js";
import { quoteWord } from "./grammar.js";
import { parseTarget, targetWords } from "./policy-targets.js";
import { defineCommand, type CommandContext, type Registry } from "./registry.js";

const verbArg = (what: string, verbs: readonly string[], example: string) =>
  z
    .string({ error: `Say what to do with a ${what}: ${verbs.join(", ")}, e.g. ${example}.` })
    .transform((v) => v.toLowerCase())
    .pipe(
      z.enum(verbs as [string, ...string[]], {
        error: `A ${what} can be: ${verbs.join(", ")}, e.g. ${example}.`,
      }),
    );

const objectArg = (what: string, example: string) =>
  z
    .string({ error: `Say which ${what}, e.g. ${example}.` })
    .trim()
    .min(1, `Say which ${what}, e.g. ${example}.`)
    .max(100, `That ${what} name is too long: at most 100 characters.`);

const restArg = z.string().max(400, "That is too long for one command.").optional();

/** The sentence after an attach or detach: what changed, and which routers' diffs show it. */
function linkReply(r: AttachResult, detach: boolean): Reply {
  const community = r.lists[0] === "communities";
  const what = community ? `The community ${r.object}` : `The policy ${r.object}`;
  const how = community ? "" : ` as ${r.lists.join(" and ")}`;
  const routers = r.routers.length
    ? ` It changes the configuration of ${r.routers.join(", ")}: \`diff ${r.routers[0]}\` shows it, \`deploy ${r.routers[0]}\` makes a change of it.`
    : " No router renders a session there yet; sessions made there from now on take it.";
  return {
    kind: "success",
    text: `${what} is ${detach ? "detached from" : "attached to"} ${r.owner}${how}.${routers}`,
  };
}

/** Rewrites an attach line with another target, for the buttons of an ambiguous IXP. */
const relink =
  (cmd: string, verb: string, name: string, dir?: string) =>
  (target: string): string =>
    [cmd, verb, quoteWord(name), verb === "detach" ? "from" : "to", target, dir ?? ""]
      .filter(Boolean)
      .join(" ");

// ---------------------------------------------------------------------------
// policy
// ---------------------------------------------------------------------------

const policyUsage =
  "policy add <slug> import|export|both [family v4|v6|both] [weight <n>] [name <text>] · policy attach|detach <policy> to|from <AS|IXP|group|session> [import|export] · policy remove <policy>";

const familyArg = z
  .string()
  .optional()
  .transform((s, ctx): AddressFamily | undefined => {
    if (s === undefined) return undefined;
    const f = FAMILIES[s.toLowerCase()];
    if (!f) {
      ctx.addIssue({
        code: "custom",
        message: `"${clip(s, 20)}" is not an address family: say family v4, v6 or both.`,
      });
      return z.NEVER;
    }
    return f;
  });

const weightArg = z
  .string()
  .optional()
  .transform((s, ctx): number | undefined => {
    if (s === undefined) return undefined;
    if (!/^\d{1,5}$/.test(s) || Number(s) > WEIGHT_MAX) {
      ctx.addIssue({
        code: "custom",
        message: `"${clip(s, 20)}" is not a weight: a whole number from 0 to ${WEIGHT_MAX} (the highest runs first).`,
      });
      return z.NEVER;
    }
    return Number(s);
  });

export const policyCommand = withUsageHint(
  defineCommand({
    name: "policy",
    summary:
      "Add a routing policy, attach it to an AS, IXP, BGP group or session (or detach it), or remove it.",
    usage: policyUsage,
    examples: [
      "policy add transit-in import weight 200 name Transit in",
      "policy add peering-out export family v6",
      "policy attach transit-in to group transit",
      "policy attach peering-in to IXP LINX",
      "policy attach peering-in to AS6939",
      "policy attach peering-in to session AS6939 at LINX 195.66.224.21",
      "policy detach peering-in from AS6939",
      "policy remove peering-out",
    ],
    role: "operator",
    args: {
      positional: ["verb", "object", "rest"],
      rest: true,
      keywords: [{ name: "family" }, { name: "weight" }, { name: "name", rest: true }],
      flags: ["import", "export", "both"],
    },
    schema: z
      .object({
        verb: verbArg("policy", ["add", "attach", "detach", "remove"], "policy add transit-in import"),
        object: objectArg("policy", "policy add transit-in import"),
        rest: restArg,
        import: z.boolean().optional(),
        export: z.boolean().optional(),
        both: z.boolean().optional(),
        family: familyArg,
        weight: weightArg,
        name: z.string().max(200, "That policy name is too long: at most 100 characters.").optional(),
      })
      .superRefine((a, ctx) => {
        const kinds = [a.import, a.export, a.both].filter(Boolean).length;
        const say = (message: string) => ctx.addIssue({ code: "custom", message });
        if (a.verb === "add") {
          if (kinds !== 1)
            say(
              kinds
                ? "Say one of import, export or both, not several."
                : "Say whether the policy is for import, export or both, e.g. policy add transit-in import.",
            );
          else if (a.rest) say(`I did not understand "${clip(a.rest)}" in that policy add.`);
          return;
        }
        if (a.family !== undefined || a.weight !== undefined || a.name !== undefined)
          say("family, weight and name are for `policy add`.");
        else if (a.verb === "remove" && (a.rest || kinds))
          say(`I did not understand "${clip(a.rest ?? "")}" after policy remove.`);
        else if (a.verb !== "remove" && !a.rest)
          say(
            `Say what to ${a.verb} it ${a.verb === "attach" ? "to" : "from"}: AS <asn>, IXP <name>, group <name> or session <AS> on <router|IXP> <ip>.`,
          );
        else if (a.both || (a.import && a.export))
          say("Say import or export to attach one way only, or neither for the policy's own kind.");
      }),
    async handler(a, ctx) {
      const db = ctx.services.db;
      if (a.verb === "add") {
        const kind = (a.import ? "import" : a.export ? "export" : "both") satisfies keyof typeof POLICY_KINDS;
        const p = await addPolicy(
          db,
          {
            slug: a.object,
            kind: POLICY_KINDS[kind] as PolicyKind,
            family: a.family ?? "all",
            weight: a.weight ?? 0,
            name: a.name,
          },
          ctx.actor,
        );
        ctx.objects.push(`policy:${p.slug}`);
        return {
          kind: "success",
          text: `Routing policy ${p.slug} added: ${POLICY_KIND_WORD[p.kind]}, ${FAMILY_WORD[p.addressFamily]}, weight ${p.weight}. Attach it with \`policy attach ${p.slug} to …\` (an AS, an IXP, a group or a session); routers define it themselves under that name.`,
        };
      }
      if (a.verb === "remove") {
        const p = await removeObject(db, "policy", a.object, ctx.actor);
        ctx.objects.push(`policy:${p.slug}`);
        return { kind: "success", text: `Routing policy ${p.slug} removed.` };
      }
      const direction = a.import ? "import" : a.export ? "export" : undefined;
      const owner = await parseTarget(
        db,
        targetWords(a.rest),
        relink("policy", a.verb, a.object, direction),
        policyUsage,
      );
      const r = await linkPolicy(db, {
        policy: a.object,
        owner,
        detach: a.verb === "detach",
        direction,
        actor: ctx.actor,
      });
      ctx.objects.push(`policy:${r.object}`);
      return linkReply(r, a.verb === "detach");
    },
  }),
  (a) => verbUsage(policyUsage, a.verb),
);

// ---------------------------------------------------------------------------
// community
// ---------------------------------------------------------------------------

const communityUsage =
  "community add <name> <value> [ingress|egress] · community attach|detach <community> to|from <AS|IXP|group|session> · community remove <community>";

export const communityCommand = withUsageHint(
  defineCommand({
    name: "community",
    summary:
      "Add a BGP community (standard, extended or large), attach it to an AS, IXP, group or session, or remove it.",
    usage: communityUsage,
    examples: [
      "community add learned-at-linx 64500:100",
      'community add "from transit" 64500:1:300 ingress',
      "community add rt-customers target:64500:42 egress",
      "community attach learned-at-linx to IXP LINX",
      "community attach from-transit to group transit",
      "community detach learned-at-linx from IXP LINX",
      "community remove rt-customers",
    ],
    role: "operator",
    args: { positional: ["verb", "object", "rest"], rest: true, flags: ["ingress", "egress"] },
    schema: z
      .object({
        verb: verbArg(
          "community",
          ["add", "attach", "detach", "remove"],
          "community add learned-at-linx 64500:100",
        ),
        object: objectArg("community", "community add learned-at-linx 64500:100"),
        rest: restArg,
        ingress: z.boolean().optional(),
        egress: z.boolean().optional(),
      })
      .superRefine((a, ctx) => {
        const say = (message: string) => ctx.addIssue({ code: "custom", message });
        const words = (a.rest ?? "").split(/\s+/).filter(Boolean);
        if (a.verb === "add") {
          if (a.ingress && a.egress)
            say("Say ingress (tags routes we receive) or egress (routes we send), not both.");
          else if (!words.length)
            say("Say the community's value after its name, e.g. community add learned-at-linx 64500:100.");
          else if (words.length > 1)
            say(
              `Put a name with spaces in quotes, e.g. community add "${clip(`${a.object} ${words.slice(0, -1).join(" ")}`, 40)}" ${clip(words.at(-1) ?? "", 30)}.`,
            );
          return;
        }
        if (a.ingress || a.egress) say("ingress and egress are for `community add`.");
        else if (a.verb === "remove" && words.length)
          say(`I did not understand "${clip(a.rest ?? "")}" after community remove.`);
        else if (a.verb !== "remove" && !words.length)
          say(
            `Say what to ${a.verb} it ${a.verb === "attach" ? "to" : "from"}: AS <asn>, IXP <name>, group <name> or session <AS> on <router|IXP> <ip>.`,
          );
      }),
    async handler(a, ctx) {
      const db = ctx.services.db;
      if (a.verb === "add") {
        const direction: CommunityDirection = a.egress ? "egress" : "ingress";
        const c = await addCommunity(
          db,
          { name: a.object, value: (a.rest ?? "").trim(), direction },
          ctx.actor,
        );
        ctx.objects.push(`community:${c.slug}`);
        return {
          kind: "success",
          text: `Community ${c.slug} added: ${c.kind} ${c.value}, ${c.direction === "ingress" ? "ingress (tags the routes we receive)" : "egress (tags the routes we send)"}. Attach it with \`community attach ${c.slug} to …\`.`,
        };
      }
      if (a.verb === "remove") {
        const c = await removeObject(db, "community", a.object, ctx.actor);
        ctx.objects.push(`community:${c.slug}`);
        return { kind: "success", text: `Community ${c.slug} removed.` };
      }
      const owner = await parseTarget(
        db,
        targetWords(a.rest),
        relink("community", a.verb, a.object),
        communityUsage,
      );
      const r = await linkCommunity(db, {
        community: a.object,
        owner,
        detach: a.verb === "detach",
        actor: ctx.actor,
      });
      ctx.objects.push(`community:${r.object}`);
      return linkReply(r, a.verb === "detach");
    },
  }),
  (a) => verbUsage(communityUsage, a.verb),
);

// ---------------------------------------------------------------------------
// group
// ---------------------------------------------------------------------------

const groupUsage = "group add <name> [description <text>] · group remove <name>";

export const groupCommand = withUsageHint(
  defineCommand({
    name: "group",
    summary: "Add a BGP group for direct sessions (policies and communities attach to it), or remove one.",
    usage: groupUsage,
    examples: [
      "group add transit description Our upstreams",
      "group add customers",
      "group remove customers",
    ],
    role: "operator",
    args: { positional: ["verb", "object"], rest: true, keywords: [{ name: "description", rest: true }] },
    schema: z
      .object({
        verb: verbArg("BGP group", ["add", "remove"], "group add transit"),
        object: objectArg("BGP group", "group add transit"),
        description: z.string().max(500, "That description is too long: at most 500 characters.").optional(),
      })
      .refine((a) => a.verb === "add" || a.description === undefined, {
        message: "A description is for `group add`.",
      }),
    async handler(a, ctx) {
      const db = ctx.services.db;
      if (a.verb === "remove") {
        const g = await removeObject(db, "group", a.object, ctx.actor);
        ctx.objects.push(`group:${g.slug}`);
        return { kind: "success", text: `BGP group ${g.slug} removed.` };
      }
      const g = await addGroup(db, { name: a.object, description: a.description }, ctx.actor);
      ctx.objects.push(`group:${g.slug}`);
      return {
        kind: "success",
        text: `BGP group ${g.slug} added. Put direct sessions in it with \`direct <AS> on <router> <ip> group ${g.slug}\`, and attach policies with \`policy attach <policy> to group ${g.slug}\`.`,
      };
    },
  }),
  (a) => verbUsage(groupUsage, a.verb),
);

// ---------------------------------------------------------------------------
// Listings
// ---------------------------------------------------------------------------

const attachedText = (xs: string[]) => (xs.length ? clip(xs.join(", "), 200) : "—");

export const policiesCommand = defineCommand({
  name: "policies",
  summary: "List the routing policies: kind, address family, weight, and where each is attached.",
  usage: "policies",
  examples: ["policies"],
  role: "viewer",
  args: {},
  schema: z.object({}),
  async handler(_a, ctx: CommandContext) {
    const rows = await listPolicies(ctx.services.db);
    if (!rows.length)
      return {
        kind: "info",
        text: "No routing policy yet: `policy add <slug> import|export|both` adds one.",
      };
    return {
      title: rows.length === 1 ? "1 routing policy" : `${rows.length} routing policies`,
      table: {
        columns: ["policy", "name", "kind", "family", "weight", "attached to"],
        rows: rows.map((p) => [
          p.slug,
          p.name,
          POLICY_KIND_WORD[p.kind],
          FAMILY_WORD[p.family],
          String(p.weight),
          attachedText(p.attached),
        ]),
        alignRight: [4],
      },
    };
  },
});

export const communitiesCommand = defineCommand({
  name: "communities",
  summary: "List the BGP communities: kind, value, direction, and where each is attached.",
  usage: "communities",
  examples: ["communities"],
  role: "viewer",
  args: {},
  schema: z.object({}),
  async handler(_a, ctx: CommandContext) {
    const rows = await listCommunities(ctx.services.db);
    if (!rows.length)
      return { kind: "info", text: "No community yet: `community add <name> <value>` adds one." };
    return {
      title: rows.length === 1 ? "1 community" : `${rows.length} communities`,
      table: {
        columns: ["community", "name", "kind", "value", "direction", "attached to"],
        rows: rows.map((c) => [c.slug, c.name, c.kind, c.value, c.direction, attachedText(c.attached)]),
      },
    };
  },
});

export const groupsCommand = defineCommand({
  name: "groups",
  summary:
    "List the BGP groups: their direct sessions and routers, and the policies and communities attached.",
  usage: "groups",
  examples: ["groups"],
  role: "viewer",
  args: {},
  schema: z.object({}),
  async handler(_a, ctx: CommandContext) {
    const rows = await listGroups(ctx.services.db);
    if (!rows.length) return { kind: "info", text: "No BGP group yet: `group add <name>` adds one." };
    const list = (xs: string[]) => (xs.length ? clip(xs.join(", "), 100) : "—");
    return {
      title: plural(rows.length, "BGP group"),
      table: {
        columns: ["group", "name", "status", "sessions", "routers", "import", "export", "communities"],
        rows: rows.map((g) => [
          g.slug,
          g.description ? `${g.name} (${g.description})` : g.name,
          g.status,
          String(g.sessions),
          list(g.routers),
          list(g.importPolicies),
          list(g.exportPolicies),
          list(g.communities),
        ]),
        alignRight: [3],
      },
    };
  },
});

export function addPolicyCommands(r: Registry): void {
  r.add(policyCommand).add(communityCommand).add(groupCommand);
  r.add(policiesCommand).add(communitiesCommand).add(groupsCommand);
}
