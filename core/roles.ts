import type { Config, Role, RoleBinding, RoleChannels } from "./config.js";
import { ROLES } from "./config.js";

export type { Role };

export interface Actor {
  platform: "console" | "slack" | "discord";
  userId: string;
  userName: string;
  /** Platform groups the user belongs to: Slack user-group ids, Discord role ids. */
  groupIds?: string[];
}

export function rank(role: Role | "none"): number {
  return role === "none" ? -1 : ROLES.indexOf(role);
}

/** The highest role any binding grants this actor, else the default role. */
export function roleOf(actor: Actor, bindings: RoleBinding[], defaultRole: Role | "none"): Role | "none" {
  let best: Role | "none" = defaultRole;
  for (const b of bindings) {
    if (b.platform !== actor.platform) continue;
    const hit = b.kind === "user" ? b.id === actor.userId : (actor.groupIds ?? []).includes(b.id);
    if (hit && rank(b.role) > rank(best)) best = b.role;
  }
  return best;
}

export function hasRole(have: Role | "none", need: Role): boolean {
  return rank(have) >= rank(need);
}

/**
 * The role an actor acts with in `channel` ("<platform>:<channel id>" is how PEERBOT_ROLE_CHANNELS
 * names it): a role listed there has its powers only in its channels; elsewhere the actor acts
 * with the highest role below theirs whose list allows the channel (a role without a list is
 * allowed everywhere), down to viewer, which reads everywhere. "none" stays "none".
 */
export function channelRole(
  role: Role | "none",
  platform: string,
  channel: string | undefined,
  channels: RoleChannels | undefined,
): Role | "none" {
  if (role === "none" || !channels) return role;
  const here = `${platform}:${channel ?? ""}`;
  for (let r = rank(role); r > 0; r--) {
    const candidate = ROLES[r]!;
    const list = channels[candidate];
    if (!list || list.includes(here)) return candidate;
  }
  return "viewer";
}

/**
 * The role the actor acts with: from the bindings (or the default role), and, given the
 * channel, limited by PEERBOT_ROLE_CHANNELS (`channelRole`).
 */
export function actorRole(
  actor: Actor,
  config: Pick<Config, "PEERBOT_ROLES" | "PEERBOT_DEFAULT_ROLE"> &
    Partial<Pick<Config, "PEERBOT_ROLE_CHANNELS">>,
  channel?: string,
): Role | "none" {
  const role = roleOf(actor, config.PEERBOT_ROLES, config.PEERBOT_DEFAULT_ROLE);
  return channel === undefined
    ? role
    : channelRole(role, actor.platform, channel, config.PEERBOT_ROLE_CHANNELS);
}

/** An id from a payload, as a reply may show it: letters and digits only, at most 30. */
function shownId(id: string): string {
  return id.replace(/[^A-Za-z0-9]/g, "").slice(0, 30) || "?";
}

/** Where an invocation came from, as the platform says (see commands/registry.ts Invocation.origin). */
export interface Origin {
  team?: string;
  enterprise?: string;
  guild?: string;
}

/** The organisations a process serves when no allowlist is set: Slack's from auth.test at start. */
export interface HomeOrigins {
  slackTeams?: string[];
}

const homes = new WeakMap<object, HomeOrigins>();

/**
 * Records the bot's own workspace (and organisation) for `config`, the settings object the
 * process's services share: with SLACK_ALLOWED_TEAMS unset, only it is served.
 */
export function setHomeOrigins(config: object, home: HomeOrigins): void {
  homes.set(config, { ...homes.get(config), ...home });
}

export function homeOrigins(config: object): HomeOrigins {
  return homes.get(config) ?? {};
}

/**
 * Why an invocation from `origin` may not be served, in one sentence, or undefined when it may.
 * Slack: the workspace or its Enterprise Grid organisation must be in SLACK_ALLOWED_TEAMS (unset:
 * the bot's own workspace). Discord: the server must be in DISCORD_ALLOWED_GUILDS, a direct
 * message needs `dm` there (unset: nothing is served). The console has no origin and is local.
 */
export function originRefusal(
  platform: string,
  origin: Origin | undefined,
  config: Partial<Pick<Config, "SLACK_ALLOWED_TEAMS" | "DISCORD_ALLOWED_GUILDS">> & object,
): string | undefined {
  if (platform === "slack") {
    const allowed = config.SLACK_ALLOWED_TEAMS ?? homeOrigins(config).slackTeams ?? [];
    const ids = [origin?.team, origin?.enterprise].filter(
      (x): x is string => typeof x === "string" && x !== "",
    );
    if (ids.some((id) => allowed.includes(id))) return undefined;
    if (!ids.length)
      return "peerbot cannot tell which Slack workspace this came from, so it does not serve it.";
    return `peerbot does not serve this Slack workspace (${ids.map(shownId).join(", ")}); an admin can add it to SLACK_ALLOWED_TEAMS.`;
  }
  if (platform === "discord") {
    const allowed = config.DISCORD_ALLOWED_GUILDS ?? [];
    const guild = origin?.guild;
    if (typeof guild === "string" && guild !== "") {
      if (allowed.includes(guild)) return undefined;
      return `peerbot does not serve this Discord server (${shownId(guild)}); an admin can add it to DISCORD_ALLOWED_GUILDS.`;
    }
    if (origin && allowed.includes("dm")) return undefined;
    return "peerbot does not answer direct messages here; use it in an allowed server, or an admin can add dm to DISCORD_ALLOWED_GUILDS.";
  }
  return undefined;
}
