// Every setting comes from the environment (and an optional .env), parsed once here.
// An invalid value stops start-up with one line per problem naming the variable.
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const optionalUrl = (protocols: string[], what: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || protocols.some((p) => v.startsWith(p)), {
      message: `expected ${what}`,
    });

const duration = z
  .string()
  .trim()
  .regex(/^\d+(ms|s|m|h|d)?$/, "expected a duration such as 90s, 15m, 1h")
  .transform(parseDuration);

export function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new Error(`not a duration: ${s}`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "s"] ?? 1000;
  return n * unit;
}

export const ROLES = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

/**
 * PEERBOT_ROLES binds platform identities to roles, comma-separated:
 *   console:alice=operator, slack:U024BE7LH=approver, slack:group:S0614TZR7=operator,
 *   discord:123456789012345678=admin, discord:role:987654321098765432=approver
 */
export const roleBinding = z
  .string()
  .trim()
  .regex(
    /^(console|slack|discord):((user|group|role):)?[^=,\s]+=(viewer|operator|approver|admin)$/,
    "expected platform:[user:|group:|role:]id=role, e.g. slack:U024BE7LH=approver",
  )
  .transform((s) => {
    const [left, role] = s.split("=") as [string, Role];
    const parts = left.split(":");
    const platform = parts[0] as "console" | "slack" | "discord";
    const kind = parts.length === 3 ? (parts[1] as "user" | "group" | "role") : "user";
    const id = parts[parts.length - 1] as string;
    return { platform, kind: kind === "group" ? ("role" as const) : kind, id, role };
  });
export type RoleBinding = z.output<typeof roleBinding>;

const roleList = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(roleBinding));

/**
 * PEERBOT_ALERT_CHANNEL: a channel bound to its platform, never guessed from the id's shape
 * (core/polling.ts alertChannel reads it with this pattern).
 */
export const ALERT_CHANNEL_FORMAT = /^(slack|discord|console):(\S+)$/;
export const ALERT_CHANNEL_PROBLEM =
  "expected a channel with its platform: slack:<channel id>, discord:<channel id> or console:<name>, e.g. slack:C0123ABC";

/** A comma-separated list, each item checked against `item` (empty or unset: undefined). */
const idList = (item: RegExp, message: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((s) =>
      s === undefined || s === ""
        ? undefined
        : s
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(item, message)).optional());

/** The roles whose powers PEERBOT_ROLE_CHANNELS may bind to channels (a viewer reads everywhere). */
const CHANNEL_ROLES = ["operator", "approver", "admin"] as const;
export const ROLE_CHANNEL_FORMAT = /^(slack|discord|console):[^|,=\s]+$/;

/**
 * PEERBOT_ROLE_CHANNELS: "operator=slack:C01|slack:C02,admin=slack:C09" -> { operator: [...], ... }.
 * A role named here has its powers only in its channels; see core/roles.ts `channelRole`.
 */
export const roleChannels = z
  .string()
  .trim()
  .optional()
  .transform((s, ctx) => {
    const out: Partial<Record<Role, string[]>> = {};
    for (const part of (s ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean)) {
      const eq = part.indexOf("=");
      const role = part.slice(0, eq).trim() as (typeof CHANNEL_ROLES)[number];
      const channels = part
        .slice(eq + 1)
        .split("|")
        .map((x) => x.trim())
        .filter(Boolean);
      if (eq < 1 || !CHANNEL_ROLES.includes(role)) {
        ctx.addIssue({
          code: "custom",
          message: `expected role=platform:channel|platform:channel with a role of ${CHANNEL_ROLES.join(", ")}, e.g. operator=slack:C0123ABC|discord:200000000000000001`,
        });
        return z.NEVER;
      }
      const bad = channels.find((c) => !ROLE_CHANNEL_FORMAT.test(c));
      if (!channels.length || bad !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: `expected channels as slack:<id>, discord:<id> or console:<name> after "${role}=", separated by |`,
        });
        return z.NEVER;
      }
      out[role] = [...(out[role] ?? []), ...channels];
    }
    return out;
  });
export type RoleChannels = z.output<typeof roleChannels>;

const irrArgs = z
  .string()
  .trim()
  .regex(
    /^(-[46Ap]|-[rRmL] \d{1,3})( (-[46Ap]|-[rRmL] \d{1,3}))*$/,
    "expected bgpq4 options such as -4 -A -r 8 -R 24 (only -4, -6, -A, -p, -r, -R, -m, -L)",
  );

export const configSchema = z.object({
  DATABASE_URL: optionalUrl(["postgres://", "postgresql://"], "a postgresql:// URL"),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  PEERBOT_DATA_DIR: z.string().min(1).default(".peerbot"),
  REDIS_URL: optionalUrl(["redis://", "rediss://"], "a redis:// URL"),
  /** BullMQ key prefix, so that several peerbots (or test files) can share one Redis. */
  PEERBOT_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/, "expected letters, digits, ':', '_' or '-'")
    .default("peerbot"),
  PEERBOT_SECRET_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, "base64").length === 32, {
      message: "expected 32 bytes as 64 hex characters or base64 (make one with: openssl rand -base64 32)",
    }),
  PEERBOT_ROLES: roleList,
  PEERBOT_DEFAULT_ROLE: z.enum(["none", ...ROLES]).default("viewer"),
  PEERBOT_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  PEERBOT_TEMPLATES_DIR: z.string().optional(),
  PEERBOT_CHANGE_EXPIRY: duration.default(86_400_000),
  PEERBOT_ALERT_CHANNEL: z.string().trim().regex(ALERT_CHANNEL_FORMAT, ALERT_CHANNEL_PROBLEM).optional(),
  PEERBOT_ALERT_DOWN_AFTER: duration.default(900_000),
  SLACK_BOT_TOKEN: z.string().startsWith("xoxb-", "expected a bot token starting with xoxb-").optional(),
  SLACK_SIGNING_SECRET: z.string().min(8, "expected the app's signing secret").optional(),
  SLACK_APP_TOKEN: z
    .string()
    .startsWith("xapp-", "expected an app-level token starting with xapp-")
    .optional(),
  SLACK_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  SLACK_API_URL: optionalUrl(["http://", "https://"], "an http(s):// URL"),
  DISCORD_TOKEN: z.string().min(20, "expected the bot token").optional(),
  DISCORD_APPLICATION_ID: z
    .string()
    .regex(/^\d{5,25}$/, "expected a numeric application id")
    .optional(),
  DISCORD_PUBLIC_KEY: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "expected the application's 64-hex-digit public key")
    .optional(),
  DISCORD_PORT: z.coerce.number().int().min(1).max(65535).default(3001),
  DISCORD_API_URL: optionalUrl(["http://", "https://"], "an http(s):// URL"),
  PEERINGDB_URL: z.url({ message: "expected an http(s):// URL" }).default("https://www.peeringdb.com/api"),
  PEERINGDB_API_KEY: z.string().optional(),
  PEERINGDB_SYNC_INTERVAL: duration.default(3_600_000),
  /** Spacing between API requests; default from PeeringDB's limits (3 s anonymous, 1.5 s with a key). */
  PEERINGDB_REQUEST_SPACING: duration.optional(),
  PEERBOT_POLL_INTERVAL: duration.default(300_000),
  PEERBOT_CONFIRM_TIMEOUT: duration.default(300_000),
  PEERBOT_RECONCILE_INTERVAL: duration.default(60_000),
  PEERBOT_NO_ENV_FILE: bool.default(false),

  // E-mail (core/email, drivers/mail). Without PEERBOT_SMTP_URL, e-mails go to
  // PEERBOT_DATA_DIR/outbox/ as .eml files.
  /** smtp://[user[:pass]@]host[:port] (STARTTLS when offered) or smtps://… (TLS from the start). */
  PEERBOT_SMTP_URL: optionalUrl(["smtp://", "smtps://"], "an smtp:// or smtps:// URL"),
  /** The SMTP password, when it is not in the URL (keeps it out of the URL and of process lists). */
  PEERBOT_SMTP_PASSWORD: z.string().optional(),
  /** Connections kept open for bulk sends. */
  PEERBOT_SMTP_POOL: z.coerce.number().int().min(1).max(20).default(3),
  /** A PEM file of the CA that signed the SMTP server's certificate (a private CA). */
  PEERBOT_SMTP_CA_FILE: z.string().optional(),
  /** Refuse a server certificate that does not verify (turn off only for a lab). */
  PEERBOT_SMTP_TLS_VERIFY: bool.default(true),
  /** DKIM signing: all three, or none. */
  PEERBOT_DKIM_DOMAIN: z.string().optional(),
  PEERBOT_DKIM_SELECTOR: z.string().optional(),
  PEERBOT_DKIM_KEY_FILE: z.string().optional(),
  /** Sender and Reply-To of every e-mail, e.g. "Example Peering <peering@example.net>". */
  PEERBOT_EMAIL_FROM: z.string().trim().default("peerbot <peerbot@localhost>"),
  PEERBOT_EMAIL_REPLY_TO: z.string().trim().optional(),
  /** Added to every message (comma-separated): a team mailbox (CC), an archive (BCC). */
  PEERBOT_EMAIL_CC: z.string().trim().optional(),
  PEERBOT_EMAIL_BCC: z.string().trim().optional(),
  /** PeeringDB contact roles to write to, in order, for requests and for maintenance notices. */
  PEERBOT_EMAIL_ROLES: z.string().trim().default("Policy,Technical,NOC"),
  PEERBOT_EMAIL_MAINTENANCE_ROLES: z.string().trim().default("NOC,Maintenance,Technical"),
  /** A network contacted within this time is skipped by `request all` (and warned about by `request`). */
  PEERBOT_EMAIL_COOLDOWN: duration.default(30 * 86_400_000),
  /** A bulk send of more e-mails than this needs a second person with the approver role. */
  PEERBOT_EMAIL_BULK_THRESHOLD: z.coerce.number().int().min(1).default(10),
  /** Delivery attempts of one e-mail on temporary failures, and the first retry's delay (doubling). */
  PEERBOT_EMAIL_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  PEERBOT_EMAIL_RETRY_DELAY: duration.default(30_000),

  // Chat transports and their safety (issue 13). Lists are comma-separated.
  /** "http" (the Interactions endpoint, needs a public URL) or "gateway" (an outbound WebSocket). */
  DISCORD_TRANSPORT: z.enum(["http", "gateway"]).default("http"),
  /**
   * Workspaces (T…) and Enterprise Grid organisations (E…) whose requests are served. Unset: only
   * the bot token's own workspace (auth.test at start; core/roles.ts `setHomeOrigins`).
   */
  SLACK_ALLOWED_TEAMS: idList(
    /^[TE][A-Z0-9]{1,30}$/,
    "expected workspace ids (T…) or Enterprise Grid organisation ids (E…), comma-separated, e.g. T0123ABC,E0456DEF",
  ),
  /**
   * Servers (guild ids) whose interactions are served, and `dm` for direct messages. Unset: none
   * (an application can be added to any server by anyone who has its invite link).
   */
  DISCORD_ALLOWED_GUILDS: idList(
    /^(\d{15,25}|dm)$/,
    "expected server (guild) ids or dm, comma-separated, e.g. 300000000000000001,dm",
  ),
  /** Mentioned when a change waits for approval: a Slack user group (S…), a Discord role id. */
  SLACK_APPROVER_GROUP: z.string().trim().optional(),
  DISCORD_APPROVER_ROLE: z.string().trim().optional(),
  /** Where each role's powers apply: "operator=slack:C01|slack:C02,admin=slack:C09" (see README). */
  PEERBOT_ROLE_CHANNELS: roleChannels,
  // --- chat settings of helpers: add below, one block per helper, with a comment each ---
  /**
   * Whether `peerbot start` runs job workers too. With REDIS_URL set, false leaves every job
   * (deploys, renders, PeeringDB syncs) to `peerbot worker` processes, so that nothing delays
   * the acknowledgements of the process that receives the chat. Without Redis it is ignored.
   */
  PEERBOT_START_WORKERS: bool.default(true),
  // Chat endpoints (bot/http-guard.ts, bot/slack/receiver.ts, bot/discord/receiver.ts).
  /**
   * Commands one process runs at once (commands/dispatch.ts); the rest wait their turn. Chat
   * requests are acknowledged before that, and fewer commands competing keeps the acks quick.
   */
  PEERBOT_COMMAND_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /**
   * Discord: a command that has not answered within this long is acknowledged with a deferred
   * response (the message follows as an edit), so that its acknowledgement never waits for the
   * database. Up to 2.5 s; Discord gives up at 3 s.
   */
  DISCORD_DEFER_AFTER: duration
    .default(50)
    .refine((ms) => ms <= 2500, { message: "expected at most 2500ms" }),

  // Operations (issue 14).
  /** The operations HTTP server: /healthz, /readyz, /metrics. */
  PEERBOT_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  PEERBOT_HTTP_HOST: z.string().trim().default("0.0.0.0"),
  /** How long running jobs may take to finish after SIGTERM before they are handed back. */
  PEERBOT_SHUTDOWN_GRACE: duration.default(30_000),
  /** Deploys one worker process runs at once (to different routers; one router is never two). */
  PEERBOT_DEPLOY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  // --- operations settings of helpers: add below, one block per helper, with a comment each ---
  // Many workers: how soon another worker takes over the deploys of one that died.
  /**
   * How long a deploy whose worker stopped answering (killed, frozen) stays taken before
   * another worker runs it again (BullMQ's lock duration and stalled-job check).
   */
  PEERBOT_JOB_STALL_AFTER: duration.default(30_000),

  // IRR prefix lists (issue 16: drivers/irr runs bgpq4, core/irr caches, jobs/irr refreshes).
  /** The IRR whois server bgpq4 asks: `host` or `host:port`. */
  PEERBOT_IRR_HOST: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:]+\](:\d{1,5})?$/,
      "expected host or host:port, e.g. rr.ntt.net",
    )
    .default("rr.ntt.net"),
  /** Sources bgpq4 is limited to (-S), comma-separated; an AS may name its own. Empty: the server's. */
  PEERBOT_IRR_SOURCES: z
    .string()
    .trim()
    .regex(
      /^([A-Za-z0-9-]{1,20}(,[A-Za-z0-9-]{1,20})*)?$/,
      "expected source names, comma-separated, e.g. RIPE,RADB",
    )
    .default("RPKI,RIPE,ARIN,APNIC,AFRINIC,LACNIC"),
  /**
   * bgpq4's arguments per family (Peering Manager's by default); only the options that shape
   * a list: -4/-6, -A, -p, -r N, -R N, -m N, -L N (host, sources and output are peerbot's).
   */
  PEERBOT_IRR_ARGS_IPV4: irrArgs.default("-4 -A -r 8 -R 24"),
  PEERBOT_IRR_ARGS_IPV6: irrArgs.default("-6 -A -r 16 -R 48"),
  /** One bgpq4 run longer than this is stopped and recorded as failed. */
  PEERBOT_IRR_TIMEOUT: duration.default(120_000),
  /** bgpq4 runs at once while refreshing every AS (each is one connection to the server). */
  PEERBOT_IRR_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /** How often every AS with sessions is refreshed (the job runs on one worker at a time). */
  PEERBOT_IRR_REFRESH_INTERVAL: duration.default(86_400_000),
  /** A list with more prefixes is marked over the cap and not rendered (the fallback applies). */
  PEERBOT_IRR_MAX_PREFIXES_IPV4: z.coerce.number().int().min(1).default(500_000),
  PEERBOT_IRR_MAX_PREFIXES_IPV6: z.coerce.number().int().min(1).default(200_000),
  /** A list fetched longer ago is not rendered (the policy's fallback applies): refreshes have failed that long. */
  PEERBOT_IRR_STALE_AFTER: duration.default(7 * 86_400_000),
  /** The PeeringDB digest (core/digest.ts): where it is posted, as PEERBOT_ALERT_CHANNEL; unset: none. */
  PEERBOT_DIGEST_CHANNEL: z.string().trim().regex(ALERT_CHANNEL_FORMAT, ALERT_CHANNEL_PROBLEM).optional(),
  /** After every PeeringDB sync (`sync`), or once a day (`daily`, needs Redis). */
  PEERBOT_DIGEST_SCHEDULE: z.enum(["sync", "daily"]).default("sync"),
  /** `drift`: a peer's PeeringDB or IRR prefix count this many percent over our limit is listed. */
  PEERBOT_DRIFT_MARGIN: z.coerce.number().min(0).max(1000).default(10),
  /** `cleanup`: an enabled session not Established for this long (by the polled state) is abandoned. */
  PEERBOT_ABANDONED_AFTER: duration.default(30 * 86_400_000),
  /** The bgpq4 binary (Debian's package installs /usr/bin/bgpq4). */
  PEERBOT_BGPQ4: z.string().trim().min(1).default("bgpq4"),
  // --- IX-API v2 (drivers/ixapi, core/ixapi, jobs/ixapi) ---
  /** Every call to an IX-API is bounded by this (a timeout is retried like a 5xx). */
  PEERBOT_IXAPI_TIMEOUT: duration.default(10_000),
  /** How often every IX-API endpoint is read again in one pass (needs Redis: `worker` or `start`). */
  PEERBOT_IXAPI_REFRESH_INTERVAL: duration.default(3_600_000),
  // --- Inbound peering requests (POST /peering-requests on the operations server; core/inbound) ---
  /** Where verified requests are posted, as PEERBOT_ALERT_CHANNEL; unset: the endpoint is off (404). */
  PEERBOT_REQUESTS_CHANNEL: z.string().trim().regex(ALERT_CHANNEL_FORMAT, ALERT_CHANNEL_PROBLEM).optional(),
  /** How long the e-mailed one-time token stays valid. */
  PEERBOT_REQUESTS_TOKEN_TTL: duration.default(3_600_000),
  /** First POSTs accepted per ASN, and per source address, in any hour (counted in PostgreSQL). */
  PEERBOT_REQUESTS_PER_ASN: z.coerce.number().int().min(1).max(10_000).default(5),
  PEERBOT_REQUESTS_PER_SOURCE: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Take the source address from the last X-Forwarded-For entry (only behind a proxy that sets it). */
  PEERBOT_REQUESTS_TRUST_PROXY: bool.default(false),
  // --- end of inbound peering requests ---
});

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `peerbot cannot start: ${problems.length} setting(s) are wrong:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

/** Parses `env` (process.env by default). Throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") cleaned[k] = v;
  const r = configSchema.safeParse(cleaned);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    const key = String(i.path[0] ?? "?");
    // Never echo the value: it may be a secret.
    return `${key}: ${i.message}`;
  });
  throw new ConfigError(problems);
}
