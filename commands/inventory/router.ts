// `router add|set|show|remove`: our routers, from chat. Adding, changing and removing one
// needs an admin; showing one, a viewer. A credential is never typed here: `credential` takes
// only `env:<VAR>`, and a password is stored from the shell (`peerbot secret set router <name>`).
//
// The subcommands are the table `routerSubcommands` below: a new one is one entry and its
// import (`test` comes from commands/router-test.ts), each made with `subcommand()` from
// ./subcommands.ts; `show` lives in ./router-show.ts.
import { z } from "zod";
import { parseAsn } from "../../core/asn.js";
import { UserError } from "../../core/errors.js";
import { chatAuthor } from "../../core/history.js";
import {
  createRouter,
  credentialLines,
  platform as platformSchema,
  removeRouter,
  updateRouter,
  type RouterFields,
} from "../../core/objects/index.js";
import { clip, plural } from "../../core/text.js";
import { quoteWord } from "../grammar.js";
import { defineCommand, type CommandContext } from "../registry.js";
import { routerShow, showRouter } from "./router-show.js";
import { runSubcommand, shortUsage, subcommand, wordsOf, type Subcommand } from "./subcommands.js";
import { credentialWord, isNone, onOff, required } from "./values.js";
import { routerTestSubcommand } from "../router-test.js";

const addUsage =
  "router add <name> host <hostname> platform <junos|iosxr|eos|bird2|frr|file> [port <n>] [as <local ASN>] [user <name>] [credential env:<VAR>] [template <name>] [router-id <IPv4>] [config-path <path>]";
const setUsage = "router set <name> <field> <value>";

/** The fields `router set` changes, with their aliases, in the order `help` lists them. */
const SET_FIELDS = [
  "hostname",
  "port",
  "platform",
  "as",
  "user",
  "credential",
  "template",
  "poll",
  "four-eyes",
  "router-id",
  "config-path",
  "status",
  "comments",
] as const;
type SetField = (typeof SET_FIELDS)[number];
const FIELD_ALIASES: Record<string, SetField> = {
  host: "hostname",
  "local-as": "as",
  asn: "as",
  username: "user",
  login: "user",
  password: "credential",
  "poll-sessions": "poll",
  polling: "poll",
  foureyes: "four-eyes",
  "4-eyes": "four-eyes",
  routerid: "router-id",
  "bgp-router-id": "router-id",
  configpath: "config-path",
  path: "config-path",
  comment: "comments",
};

const asnValue = (v: string) => {
  const n = parseAsn(v);
  if (n === null) throw new UserError(`"${clip(v, 20)}" is not an AS number; write it as AS64500 or 64500.`);
  return n;
};

/** One `router set` field and its typed value, as core/objects takes it. */
function fieldPatch(field: SetField, v: string, router: string): Partial<RouterFields> {
  switch (field) {
    case "hostname":
      return { hostname: v };
    case "port":
      return { port: portValue(v) };
    case "platform":
      return { platform: platformValue(v) };
    case "as":
      return { localAsn: asnValue(v) };
    case "user":
      return { username: isNone(v) ? "" : v };
    case "credential":
      return { credential: credentialWord(v, router) };
    case "template":
      return { template: isNone(v) ? "" : v };
    case "poll":
      return { pollSessionState: onOff("poll", v) };
    case "four-eyes":
      return { fourEyes: onOff("four-eyes", v) };
    case "router-id":
      return { bgpRouterId: isNone(v) ? "" : v };
    case "config-path":
      return { configPath: isNone(v) ? "" : v };
    case "status": {
      const s = v.trim().toLowerCase();
      if (s !== "enabled" && s !== "disabled" && s !== "maintenance")
        throw new UserError(`"${clip(v, 20)}" is not a router status; use enabled, disabled or maintenance.`);
      return { status: s };
    }
    case "comments":
      return { comments: isNone(v) ? "" : v };
  }
}

function portValue(v: string): number {
  const t = v.trim();
  const n = /^\d{1,6}$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new UserError(`"${clip(v, 20)}" is not a TCP port: use 1 to 65535.`);
  return n;
}

/** The platform word, refused in one sentence when it is not one peerbot drives. */
function platformValue(v: string) {
  const r = platformSchema.safeParse(v);
  if (!r.success) throw new UserError(r.error.issues[0]?.message ?? "That is not a platform.");
  return r.data;
}

/** What the router writes need to know of the running peerbot: its templates and data folder. */
const writeOptions = (ctx: CommandContext) => ({
  templatesDir: ctx.services.config.PEERBOT_TEMPLATES_DIR ?? null,
  confineFilesTo: ctx.services.config.PEERBOT_DATA_DIR,
});

const routerAdd = subcommand({
  name: "router add",
  usage: addUsage,
  summary: "Add one of our routers (admin).",
  examples: [
    "router add edge1.lon host edge1.lon.example.net platform junos user peerbot credential env:EDGE1_LON_PASSWORD",
    "router add rs1 host 192.0.2.10 platform bird2 as 64500",
    "router add lab1 host localhost platform file template bird2",
  ],
  role: "admin",
  words: {
    positional: ["name"],
    keywords: [
      "host",
      "hostname",
      "platform",
      "port",
      "as",
      "user",
      "username",
      "credential",
      "template",
      "config-path",
      "router-id",
    ],
    text: ["comments"],
  },
  schema: z.object({
    name: required(
      "Say the router's name, e.g. router add edge1.lon host edge1.lon.example.net platform junos.",
      200,
    ),
    host: z.string().optional(),
    hostname: z.string().optional(),
    platform: z.string({
      error: "Say the router's platform: platform junos, iosxr, eos, bird2, frr or file.",
    }),
    port: z.string().optional(),
    as: z.string().optional(),
    user: z.string().optional(),
    username: z.string().optional(),
    credential: z.string().optional(),
    template: z.string().optional(),
    "config-path": z.string().optional(),
    "router-id": z.string().optional(),
    comments: z.string().optional(),
  }),
  async handler(a, ctx) {
    const plat = platformValue(a.platform);
    const host = a.host ?? a.hostname ?? (plat === "file" ? "localhost" : undefined);
    if (!host) throw new UserError(`Say where ${clip(a.name)} is: host <hostname or address>.`);
    const user = a.user ?? a.username;
    const { router, notes } = await createRouter(
      ctx.services.db,
      chatAuthor(ctx.actor),
      {
        name: a.name,
        hostname: host,
        platform: plat,
        ...(a.port !== undefined ? { port: portValue(a.port) } : {}),
        ...(a.as !== undefined ? { localAsn: asnValue(a.as) } : {}),
        ...(user !== undefined ? { username: user } : {}),
        ...(a.credential !== undefined ? { credential: credentialWord(a.credential, a.name) } : {}),
        ...(a.template !== undefined ? { template: a.template } : {}),
        ...(a["config-path"] !== undefined ? { configPath: a["config-path"] } : {}),
        ...(a["router-id"] !== undefined ? { bgpRouterId: a["router-id"] } : {}),
        ...(a.comments !== undefined ? { comments: a.comments } : {}),
      },
      writeOptions(ctx),
    );
    ctx.objects.push(`router:${router.id}`);
    const next = [
      routerSubcommands.test
        ? `\`router test ${router.name}\` checks that peerbot can log in and pins its host key`
        : "",
      `\`connection add <IXP> router ${router.name} v4 <address/len>\` puts it on an exchange`,
    ].filter(Boolean);
    return {
      kind: "success",
      text: [
        `Router ${router.name} added: ${router.platform} at ${router.hostname}:${router.port}.`,
        ...notes,
      ].join("\n"),
      context: `Next: ${next.join("; ")}.`,
      buttons: [{ label: "Show", actionId: `cmd:router show ${quoteWord(router.name)}` }],
    };
  },
});

const routerSet = subcommand({
  name: "router set",
  usage: setUsage,
  summary: `Change one field of a router (admin): ${SET_FIELDS.join(", ")}.`,
  examples: [
    "router set edge1.lon credential env:EDGE1_LON_PASSWORD",
    "router set edge1.lon status maintenance",
    "router set edge1.lon poll on",
    "router set edge1.lon router-id 192.0.2.1",
  ],
  role: "admin",
  words: { positional: ["name", "field", "value"], rest: true, noise: [] },
  schema: z.object({
    name: required("Say which router, e.g. router set edge1.lon status maintenance."),
    field: required(`Say which field to change: ${SET_FIELDS.join(", ")}.`),
    value: z.string().optional(),
  }),
  async handler(a, ctx) {
    // "router set edge1 as 64501" reaches here as "AS64501" (the grammar joins "as 64501").
    const joined = /^as(\d+)$/i.exec(a.field);
    const word = joined ? "as" : a.field.toLowerCase();
    const value = joined ? joined[1] : a.value;
    const field = (SET_FIELDS as readonly string[]).includes(word) ? (word as SetField) : FIELD_ALIASES[word];
    if (!field)
      throw new UserError(
        `A router has no field "${clip(a.field, 30)}"; the fields are ${SET_FIELDS.join(", ")}.`,
      );
    if (value === undefined || value === "")
      throw new UserError(`Say the new ${field}, e.g. ${setExample(field, a.name)}.`);
    const { router, notes, changed } = await updateRouter(
      ctx.services.db,
      chatAuthor(ctx.actor),
      a.name,
      fieldPatch(field, value, a.name),
      writeOptions(ctx),
    );
    ctx.objects.push(`router:${router.id}`);
    const shown =
      field === "credential"
        ? credentialLines(router).join("; ")
        : field === "as"
          ? `AS${asnValue(value)}`
          : describeField(field, router);
    return {
      kind: changed ? "success" : "info",
      text: [
        changed
          ? `${router.name}: ${field} is now ${shown}.`
          : `${router.name}'s ${field} already was ${shown}.`,
        ...notes,
      ].join("\n"),
      context:
        renderingField(field) && changed
          ? `\`diff ${router.name}\` shows what that changes on the router.`
          : undefined,
    };
  },
});

/** Fields whose change changes the rendered configuration. */
const renderingField = (f: SetField) => ["as", "template", "router-id", "platform"].includes(f);

function setExample(field: SetField, name: string): string {
  const ex: Record<SetField, string> = {
    hostname: "edge1.lon.example.net",
    port: "22",
    platform: "junos",
    as: "64500",
    user: "peerbot",
    credential: "env:EDGE1_PASSWORD",
    template: "bird2",
    poll: "on",
    "four-eyes": "on",
    "router-id": "192.0.2.1",
    "config-path": "/etc/bird/peerbot.conf",
    status: "maintenance",
    comments: "core router in Telehouse North",
  };
  return `router set ${name} ${field} ${ex[field]}`;
}

type RouterRow = Awaited<ReturnType<typeof updateRouter>>["router"];

function describeField(field: SetField, r: RouterRow): string {
  const v: Record<Exclude<SetField, "credential">, string> = {
    hostname: r.hostname,
    port: String(r.port),
    platform: r.platform,
    as: "",
    user: r.username || "none",
    template: r.template || `the built-in ${r.platform} one`,
    poll: r.pollSessionState ? "on" : "off",
    "four-eyes": r.fourEyes ? "on" : "off",
    "router-id": r.bgpRouterId || "none (left to the router)",
    "config-path": r.configPath || "none",
    status: r.status,
    comments: r.comments ? `"${clip(r.comments, 80)}"` : "none",
  };
  return field === "credential" ? "" : v[field];
}

const routerRemove = subcommand({
  name: "router remove",
  usage: "router remove <name>",
  summary: "Remove a router (admin); refused while sessions or open changes use it.",
  examples: ["router remove lab1"],
  role: "admin",
  words: { positional: ["name"] },
  schema: z.object({ name: required("Say which router, e.g. router remove lab1.") }),
  async handler({ name }, ctx) {
    const r = await removeRouter(ctx.services.db, chatAuthor(ctx.actor), name);
    return {
      kind: "success",
      text: [
        `Router ${r.name} removed.`,
        r.detached.length
          ? `${plural(r.detached.length, "connection")} (${r.detached.join(", ")}) ${r.detached.length === 1 ? "has" : "have"} no router now.`
          : "",
        r.pastChanges
          ? `Its ${plural(r.pastChanges, "past change request")} went with it; the history keeps what happened.`
          : "",
      ]
        .filter(Boolean)
        .join("\n"),
    };
  },
});

/**
 * `router <subcommand>`. Add one here with its import; the "routers" work adds
 * `test: routerTest` (commands/router-test.ts).
 */
export const routerSubcommands: Record<string, Subcommand> = {
  add: routerAdd,
  set: routerSet,
  show: routerShow,
  remove: routerRemove,
  test: routerTestSubcommand,
};

export const routerCommand = defineCommand({
  name: "router",
  summary:
    "Add, change, show or remove one of our routers (admin; show: everyone); `router` alone gives each subcommand's syntax.",
  get usage() {
    return shortUsage("router", routerSubcommands, "<name> …");
  },
  get examples() {
    return Object.values(routerSubcommands).flatMap((s) => s.examples);
  },
  role: "viewer",
  // The router's name is a word of its own, so that a quoted name with a space in it reaches
  // the name check whole (and is refused there) instead of as two words.
  args: { positional: ["sub", "name", "line"], rest: true, noise: [] },
  schema: z.object({
    sub: z
      .string()
      .max(40, "That is not something `router` does; type `router` alone for what it does.")
      .optional(),
    name: z.string().max(300, "That router name is too long.").optional(),
    line: z.string().max(2000, "That line is too long.").optional(),
  }),
  async handler({ sub, name, line }, ctx) {
    const words = [sub, name, ...wordsOf(line)].filter((w): w is string => w !== undefined);
    return runSubcommand("router", routerSubcommands, words, ctx, async (w) =>
      w.length === 1 ? showRouter(w[0] as string, ctx, { canTest: !!routerSubcommands.test }) : null,
    );
  },
});
