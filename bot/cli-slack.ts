// `peerbot slack-manifest [--socket-mode | --url <base>] [--json] [--name <app name>]`: the
// Slack app manifest to paste into "Create New App" -> "From a manifest" (api.slack.com/apps).
// It declares the bot user, the slash commands peerbot answers (/peerbot, /peer, /peers), the
// bot scopes of the Web API methods peerbot calls, interactivity (the buttons), and either
// Socket Mode (no public URL: peerbot connects out with SLACK_APP_TOKEN) or the HTTP endpoint
// `<base>/slack/events` that Bolt's receiver serves (SLACK_SIGNING_SECRET). Without --url it is
// Socket Mode. Printed as YAML, or JSON with --json.

type Opts = Record<string, string | boolean | undefined>;

/** The slash commands peerbot answers (bot/slack/platform.ts DEFAULT_SLACK_COMMANDS), described. */
export const SLASH_COMMANDS = [
  {
    command: "/peerbot",
    description: "Any peerbot command: peers, peer, sessions, changes, approve, help…",
    usage_hint: "help | peers LINX | peer AS6939 at LINX | changes",
  },
  {
    command: "/peer",
    description: "Peer with a network at an exchange: sessions and a router diff to approve",
    usage_hint: "AS6939 at LINX [v4|v6] [router <name>]",
  },
  {
    command: "/peers",
    description: "Networks at an exchange that we do not peer with yet",
    usage_hint: "LINX [policy:open] [rs:no] [speed:>=10G]",
  },
] as const;

/**
 * The bot scope each Slack Web API method needs (none: the method needs no scope). Every method
 * bot/slack/ calls must be here, and SLACK_METHODS_CALLED lists those it calls
 * (tests/bot/slack-manifest.test.ts reads the sources to hold both true).
 */
export const METHOD_SCOPES: Record<string, string[]> = {
  "auth.test": [],
  "chat.postMessage": ["chat:write"],
  "chat.postEphemeral": ["chat:write"],
  "chat.update": ["chat:write"],
  "chat.delete": ["chat:write"],
  "chat.getPermalink": [],
  "files.uploadV2": ["files:write"],
  "files.getUploadURLExternal": ["files:write"],
  "files.completeUploadExternal": ["files:write"],
  "conversations.open": ["im:write"],
  "conversations.info": ["channels:read", "groups:read"],
  "usergroups.list": ["usergroups:read"],
  "usergroups.users.list": ["usergroups:read"],
  "users.info": ["users:read"],
  "users.list": ["users:read"],
  "views.open": [],
  "views.update": [],
  "views.push": [],
  "reactions.add": ["reactions:write"],
  "team.info": ["team:read"],
};

/** The Web API methods peerbot calls with the bot token (bot/slack/, bot/platforms.ts). */
export const SLACK_METHODS_CALLED = [
  "auth.test",
  "chat.postMessage",
  "chat.postEphemeral",
  "chat.update",
  "files.uploadV2",
  "conversations.open",
  "usergroups.list",
  "views.open",
];

/** Slash commands need `commands`; the rest comes from the methods called. */
export function botScopes(methods: readonly string[] = SLACK_METHODS_CALLED): string[] {
  const scopes = new Set<string>(["commands"]);
  for (const m of methods) {
    const s = METHOD_SCOPES[m];
    if (!s) throw new Error(`no scope is known for the Slack method ${m}; add it to METHOD_SCOPES`);
    for (const x of s) scopes.add(x);
  }
  return [...scopes].sort();
}

export interface ManifestOptions {
  /** Socket Mode (no URL), or the public base URL of the HTTP endpoint. */
  socketMode: boolean;
  url?: string;
  name?: string;
}

/** Slack app manifest, schema 1 (display_information, features, oauth_config, settings). */
export function slackManifest(opts: ManifestOptions): Record<string, unknown> {
  const name = opts.name ?? "peerbot";
  const events = opts.socketMode ? undefined : `${opts.url!.replace(/\/+$/, "")}/slack/events`;
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name,
      description: "BGP peering from chat: PeeringDB, sessions, router diffs, four-eyes deploys",
      background_color: "#1d3557",
    },
    features: {
      bot_user: { display_name: name, always_online: true },
      slash_commands: SLASH_COMMANDS.map((c) => ({
        command: c.command,
        ...(events ? { url: events } : {}),
        description: c.description,
        usage_hint: c.usage_hint,
        should_escape: false,
      })),
    },
    oauth_config: { scopes: { bot: botScopes() } },
    settings: {
      interactivity: { is_enabled: true, ...(events ? { request_url: events } : {}) },
      org_deploy_enabled: false,
      socket_mode_enabled: opts.socketMode,
      token_rotation_enabled: false,
    },
  };
}

const USAGE =
  "peerbot slack-manifest [--socket-mode | --url https://<host>[/<path>]] [--json] [--name <app name>]";

function usage(problem: string): number {
  process.stderr.write(`peerbot slack-manifest: ${problem}\nUsage: ${USAGE}\n`);
  return 2;
}

/** The problem with a base URL, in one sentence, or undefined when Slack can be pointed at it. */
export function baseUrlProblem(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `--url must be a URL such as https://peerbot.example.net; "${raw.slice(0, 80)}" is not one.`;
  }
  const local = u.hostname === "localhost" || u.hostname === "127.0.0.1" || u.hostname === "[::1]";
  if (u.protocol !== "https:" && !(u.protocol === "http:" && local))
    return "--url must start with https:// (Slack sends its requests over TLS; only http://localhost is allowed for a tunnel).";
  if (u.username || u.password) return "--url must not carry a user name or password.";
  if (u.search || u.hash) return "--url is the base of /slack/events: leave out the query and the #fragment.";
  return undefined;
}

export const slackManifestSub = {
  summary: "Print the Slack app manifest (slash commands, scopes, interactivity, Socket Mode or URL).",
  usage: USAGE,
  options: {
    "socket-mode": {
      type: "boolean" as const,
      description: "Socket Mode: peerbot connects out with SLACK_APP_TOKEN, no public URL (the default)",
    },
    url: {
      type: "string" as const,
      description: "the public https:// base of the HTTP endpoint; Slack posts to <base>/slack/events",
    },
    json: { type: "boolean" as const, description: "print JSON instead of YAML" },
    name: { type: "string" as const, description: "the app's and the bot's name in Slack (default peerbot)" },
  },
  async run(opts: Opts): Promise<number> {
    const url = typeof opts.url === "string" ? opts.url.trim() : undefined;
    if (url !== undefined && opts["socket-mode"])
      return usage("choose one: --socket-mode needs no URL, --url is for the HTTP endpoint.");
    if (url !== undefined) {
      const problem = baseUrlProblem(url);
      if (problem) return usage(problem);
    }
    const name = typeof opts.name === "string" ? opts.name.trim() : undefined;
    if (name !== undefined && (name === "" || name.length > 35))
      return usage("--name must be 1 to 35 characters (Slack's limit for an app name).");
    const manifest = slackManifest({
      socketMode: url === undefined,
      ...(url !== undefined ? { url } : {}),
      ...(name ? { name } : {}),
    });
    if (opts.json) process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
    else {
      const { stringify } = await import("yaml");
      process.stdout.write(stringify(manifest, { lineWidth: 0 }));
    }
    return 0;
  },
};
