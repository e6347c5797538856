// `ixapi`: the exchanges' own APIs (IX-API v2) peerbot reads (core/ixapi).
// - `ixapi add <name> <url> [key-env <VAR> secret-env <VAR>] [account <id>]` (admin): an endpoint,
//   its key and secret named by environment variable, or (without them) stored encrypted from
//   the shell with `peerbot secret set ixapi <name>`; a key or secret typed here is refused.
// - `ixapi list` (operator): the endpoints, whether their variables are set, their IXPs and last pass.
// - `ixapi remove <name>` (admin); `ixapi link <IXP> <endpoint|none> [service <id>]` (admin).
// - `ixapi refresh <endpoint|IXP>` (operator): one pass now, bounded in time; `ixapi refresh all`
//   (admin) queues the refresh of every endpoint, the job the schedule runs.
// And the Import connection button of `ix <name>` (admin), re-authorised on every press.
import { z } from "zod";
import { PermissionError, UserError } from "../core/errors.js";
import { chatAuthor } from "../core/history.js";
import {
  addEndpoint,
  endpointOfIxp,
  findEndpoint,
  IXAPI_ID,
  linkIxp,
  listEndpoints,
  removeEndpoint,
  type IxApiEndpointRow,
} from "../core/ixapi/endpoints.js";
import { importConnection } from "../core/ixapi/ixp.js";
import { IXAPI_JOB, IXAPI_QUEUE, refreshSnapshot } from "../core/ixapi/snapshot.js";
import { findIxps } from "../core/ixp.js";
import type { Reply } from "../core/reply.js";
import { hasRole } from "../core/roles.js";
import { clip, plural, singleLine, utc } from "../core/text.js";
import { buttonId, queueTracked } from "./action-helpers.js";
import { resolveIxpArg } from "./args.js";
import { denial } from "./dispatch.js";
import { quoteWord } from "./grammar.js";
import { parseWords, wordsOf } from "./inventory/subcommands.js";
import { defineCommand, type ActionDef, type CommandContext } from "./registry.js";

const addUsage = "ixapi add <name> <url> [key-env <VAR> secret-env <VAR>] [account <id>]";
const linkUsage = "ixapi link <IXP> <endpoint|none> [service <id>]";
const refreshUsage = "ixapi refresh <endpoint|IXP|all>";
const usage = `${addUsage} · ixapi list · ixapi remove <name> · ${linkUsage} · ${refreshUsage}`;

/** The Import connection button of `ix`: `ixapi.import:<IXP id>:<config id>`. */
export const IXAPI_IMPORT = "ixapi.import";
export const importActionId = (ixpId: number, configId: string) => `${IXAPI_IMPORT}:${ixpId}:${configId}`;

function need(ctx: CommandContext, role: "operator" | "admin", what: string): void {
  if (!hasRole(ctx.role, role)) throw new PermissionError(denial(role, what));
}

const SECRET_WORD = /^(?:api[-_]?)?(?:key|secret|password|passwd|token)(?:[:=].*)?$/i;

/** A key or secret typed into chat is refused without repeating it, before anything is read. */
function refuseTypedSecrets(words: string[]): void {
  if (words.some((w) => SECRET_WORD.test(w)))
    throw new UserError(
      "peerbot never takes an IX-API key or secret typed into chat: put each in an environment variable of peerbot's and name them with key-env <VAR> secret-env <VAR>, or store them on peerbot's host with `peerbot secret set ixapi <name>`.",
      `Usage: ${addUsage}`,
    );
}

function extra(words: string[] | string | undefined, what: string, hint: string): void {
  const text = Array.isArray(words) ? words.join(" ") : words;
  if (text) throw new UserError(`I did not understand "${clip(text)}" in that \`${what}\` command.`, hint);
}

async function add(words: string[], ctx: CommandContext): Promise<Reply> {
  need(ctx, "admin", "add an IX-API endpoint");
  refuseTypedSecrets(words);
  const hint = `Usage: ${addUsage}`;
  const raw = parseWords(words, {
    positional: ["name", "url"],
    keywords: ["key-env", "secret-env", "account"],
    noise: [],
  });
  extra(raw._extra as string | undefined, "ixapi add", hint);
  const str = (k: string) => (typeof raw[k] === "string" ? (raw[k] as string) : undefined);
  const name = str("name");
  const url = str("url");
  const keyEnv = str("key-env");
  const secretEnv = str("secret-env");
  if (!name || !url)
    throw new UserError(
      "Say the endpoint's name and its URL, e.g. ixapi add decix https://api.de-cix.net/api/v2 ….",
      hint,
    );
  if (!keyEnv !== !secretEnv)
    throw new UserError(
      "Name both environment variables, key-env <VAR> and secret-env <VAR>, or neither (then store the key and secret with `peerbot secret set ixapi <name>` on peerbot's host).",
      hint,
    );
  const account = str("account");
  const { endpoint, notes } = await addEndpoint(ctx.services.db, chatAuthor(ctx.actor), {
    name,
    url,
    keyEnv,
    secretEnv,
    ...(account !== undefined ? { accountId: account } : {}),
  });
  ctx.objects.push(`ixapi-endpoint:${endpoint.id}`);
  return {
    kind: "success",
    text: [
      `IX-API endpoint ${endpoint.name} added (${endpoint.url}), ${endpoint.keyEnv ? `key from $${endpoint.keyEnv}, secret from $${endpoint.secretEnv}` : "key and secret to be stored from the shell"}${endpoint.accountId ? `, account ${endpoint.accountId}` : ""}.`,
      ...notes,
      `Link an IXP to it with \`ixapi link <IXP> ${endpoint.name}\`, then \`ixapi refresh ${endpoint.name}\`.`,
    ].join("\n"),
  };
}

async function list(words: string[], ctx: CommandContext): Promise<Reply> {
  need(ctx, "operator", "list the IX-API endpoints");
  extra(words, "ixapi list", "Usage: ixapi list");
  const rows = await listEndpoints(ctx.services.db);
  if (!rows.length)
    return { kind: "info", text: `peerbot knows no IX-API endpoint yet. An admin can run \`${addUsage}\`.` };
  const env = (name: string, set: boolean, stored: boolean) =>
    stored ? "stored (encrypted)" : name ? `$${name}${set ? "" : " (not set)"}` : "none";
  return {
    title: plural(rows.length, "IX-API endpoint"),
    table: {
      columns: ["name", "URL", "key", "secret", "account", "IXPs", "last pass"],
      rows: rows.map((e) => [
        e.name,
        clip(e.url, 80),
        env(e.keyEnv, e.keySet, e.stored),
        env(e.secretEnv, e.secretSet, e.stored),
        e.accountId || "discovered",
        e.ixps.map((x) => (x.serviceId ? `${x.name} (${x.serviceId})` : x.name)).join(", ") || "none",
        !e.snapshot
          ? "never"
          : [
              e.snapshot.fetchedAt
                ? `${utc(e.snapshot.fetchedAt)}, ${e.snapshot.requests} requests`
                : "no good pass",
              e.snapshot.error
                ? `failed ${e.snapshot.errorAt ? utc(e.snapshot.errorAt) : ""}: ${singleLine(e.snapshot.error, 120)}`
                : "",
            ]
              .filter(Boolean)
              .join("; "),
      ]),
    },
  };
}

async function remove(words: string[], ctx: CommandContext): Promise<Reply> {
  need(ctx, "admin", "remove an IX-API endpoint");
  const [name, ...rest] = words;
  if (!name)
    throw new UserError("Say which endpoint, e.g. ixapi remove decix.", "Usage: ixapi remove <name>");
  extra(rest, "ixapi remove", "Usage: ixapi remove <name>");
  const r = await removeEndpoint(ctx.services.db, chatAuthor(ctx.actor), name);
  ctx.objects.push(`ixapi-endpoint:${r.endpoint.id}`);
  return {
    kind: "success",
    text: `IX-API endpoint ${r.endpoint.name} removed with its snapshot${r.unlinked ? `; ${plural(r.unlinked, "IXP")} unlinked` : ""}.`,
  };
}

async function link(words: string[], ctx: CommandContext): Promise<Reply> {
  need(ctx, "admin", "link an IXP to an IX-API endpoint");
  const hint = `Usage: ${linkUsage}`;
  const raw = parseWords(words, { positional: ["line"], rest: true, keywords: ["service"], noise: [] });
  const positional = wordsOf(raw.line as string | undefined);
  const endpointName = positional.pop();
  if (!positional.length || !endpointName)
    throw new UserError("Say which IXP and which endpoint, e.g. ixapi link DE-CIX decix.", hint);
  const ixp = await resolveIxpArg(
    ctx.services.db,
    positional.join(" "),
    (slug) =>
      `ixapi link ${quoteWord(slug)} ${endpointName}${raw.service ? ` service ${String(raw.service)}` : ""}`,
    linkUsage,
  );
  ctx.objects.push(`ixp:${ixp.id}`);
  const none = endpointName.toLowerCase() === "none";
  if (none && raw.service !== undefined)
    throw new UserError("An IXP linked to no endpoint has no network service there.", hint);
  const r = await linkIxp(
    ctx.services.db,
    chatAuthor(ctx.actor),
    ixp.id,
    none ? null : endpointName,
    typeof raw.service === "string" ? raw.service : undefined,
  );
  if (r.endpoint) ctx.objects.push(`ixapi-endpoint:${r.endpoint.id}`);
  const what = r.endpoint
    ? `${r.ixp.name} is linked to IX-API endpoint ${r.endpoint.name}, ${r.serviceId ? `network service ${r.serviceId}` : "its exchange-LAN service found by PeeringDB ix id or subnet"}`
    : `${r.ixp.name} is linked to no IX-API endpoint`;
  return {
    kind: r.changed ? "success" : "info",
    text: `${what}${r.changed ? "." : " already."}`,
    buttons: r.endpoint ? [{ label: "Refresh now", actionId: `cmd:ixapi refresh ${r.endpoint.name}` }] : [],
  };
}

/** The endpoint a refresh names: an endpoint by name, else the one an IXP is linked to. */
async function refreshTarget(word: string, ctx: CommandContext): Promise<IxApiEndpointRow> {
  const db = ctx.services.db;
  const byName = await findEndpoint(db, word);
  if (byName) return byName;
  const ixps = await findIxps(db, word);
  if (ixps.length === 1) {
    const linked = await endpointOfIxp(db, ixps[0]!.id);
    if (linked) return linked.endpoint;
    throw new UserError(
      `${ixps[0]!.name} is linked to no IX-API endpoint.`,
      `Link it with \`ixapi link ${quoteWord(ixps[0]!.slug)} <endpoint>\`.`,
    );
  }
  throw new UserError(
    ixps.length
      ? `"${clip(word, 60)}" matches ${ixps.length} IXPs and no IX-API endpoint; name the endpoint.`
      : `There is no IX-API endpoint or IXP called "${clip(word, 60)}".`,
    "`ixapi list` shows the endpoints.",
  );
}

async function refresh(words: string[], ctx: CommandContext): Promise<Reply> {
  const hint = `Usage: ${refreshUsage}`;
  const line = words.join(" ");
  if (!line) throw new UserError("Say which endpoint or IXP to refresh, e.g. ixapi refresh decix.", hint);
  if (line.toLowerCase() === "all") {
    need(ctx, "admin", "refresh every IX-API endpoint");
    return queueTracked(
      ctx,
      { queue: IXAPI_QUEUE, name: IXAPI_JOB, prefix: "ixapi" },
      "IX-API refresh of every endpoint queued; this message shows the outcome.",
    );
  }
  need(ctx, "operator", "refresh an IX-API snapshot");
  if (!ctx.services.ixapi)
    throw new UserError("No IX-API client is configured in this peerbot.", "Run it with the IX-API driver.");
  const e = await refreshTarget(line, ctx);
  ctx.objects.push(`ixapi-endpoint:${e.id}`);
  // Bounded: a few requests, each bounded by PEERBOT_IXAPI_TIMEOUT; the whole pass by three of them.
  const deadlineMs = Math.max(5_000, 3 * ctx.services.config.PEERBOT_IXAPI_TIMEOUT);
  const r = await refreshSnapshot(ctx.services, e.id, { deadlineMs });
  if (!r.ok)
    return {
      kind: "error",
      text: `IX-API refresh of ${e.name} failed: ${r.error}`,
      context: `${plural(r.requests, "request")} · the last good snapshot, if any, is kept`,
    };
  const invalid = r.invalid
    ? [
        `⚠ ${plural(r.invalid, "object")} the exchange sent failed validation and ${r.invalid === 1 ? "was" : "were"} left out${r.skipped.length ? `: ${r.skipped.slice(0, 5).join("; ")}` : "."}`,
      ]
    : [];
  return {
    kind: r.invalid ? "warning" : "success",
    text: [
      `IX-API snapshot of ${e.name} refreshed: ${plural(r.configs, "config")}, ${plural(r.services, "network service")}, ${plural(r.features, "feature")} (${plural(r.routeServers, "route server")}), ${plural(r.ips, "IP")}, ${plural(r.macs, "MAC")} in ${plural(r.requests, "request")}.`,
      ...invalid,
    ].join("\n"),
    context: `${(r.durationMs / 1000).toFixed(1)} s`,
  };
}

export const ixapiCommand = defineCommand({
  name: "ixapi",
  summary:
    "Manage the IXPs' own APIs (IX-API v2): add, list, remove an endpoint, link an IXP to it, refresh what it says (`ix <name>` shows it).",
  usage,
  examples: [
    "ixapi add decix https://api.de-cix.net/api/v2 key-env DECIX_IXAPI_KEY secret-env DECIX_IXAPI_SECRET",
    "ixapi list",
    "ixapi link DE-CIX decix",
    "ixapi link linx linx-api service ns-lon1",
    "ixapi refresh decix",
    "ixapi refresh all",
    "ixapi remove decix",
  ],
  role: "operator",
  args: { positional: ["line"], rest: true, noise: [] },
  schema: z.object({ line: z.string().max(1000, "That line is too long.").optional() }),
  async handler({ line }, ctx) {
    const words = wordsOf(line);
    const verb = (words[0] ?? "").toLowerCase();
    const rest = words.slice(1);
    if (verb === "add") return add(rest, ctx);
    if (verb === "list") return list(rest, ctx);
    if (verb === "remove") return remove(rest, ctx);
    if (verb === "link") return link(rest, ctx);
    if (verb === "refresh") return refresh(rest, ctx);
    throw new UserError(
      verb
        ? `There is no \`ixapi ${clip(verb, 30)}\`; \`ixapi\` does add, list, remove, link and refresh.`
        : "Say what to do: ixapi add, list, remove, link or refresh.",
      `Usage: ${usage}`,
    );
  },
});

/** The Import connection button: re-authorised (admin) and acting on the snapshot as it is now. */
export const ixapiImportAction: ActionDef = {
  prefix: IXAPI_IMPORT,
  role: "admin",
  label: "import a connection from IX-API",
  async handler(arg, ctx) {
    const m = /^(\d{1,9}):(.+)$/.exec(arg);
    const ixpId = buttonId(
      m && IXAPI_ID.test(m[2]!) ? Number(m[1]) : null,
      "Run `ix <name>` for fresh buttons.",
    );
    const configId = m![2]!;
    ctx.objects.push(`ixp:${ixpId}`);
    const r = await importConnection(ctx.services.db, chatAuthor(ctx.actor), ixpId, configId);
    ctx.objects.push(`connection:${r.connection.id}`);
    const addrs = [r.connection.ipv4Address, r.connection.ipv6Address].filter(Boolean).join(", ");
    if (!r.created)
      return {
        kind: "info",
        text: `Connection #${r.connection.id} (${addrs}) at ${r.ixpName} exists already for IX-API config ${configId}; nothing was imported.`,
      };
    return {
      kind: "success",
      text: [
        `Connection #${r.connection.id} (${addrs}) at ${r.ixpName} imported from IX-API config ${configId}; it has no router yet.`,
        ...r.notes,
      ].join("\n"),
      context: `Give it one with \`connection set #${r.connection.id} router <name>\`.`,
    };
  },
};
