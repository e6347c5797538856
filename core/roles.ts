import type { Config, Role, RoleBinding } from "./config.js";
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

export function actorRole(
  actor: Actor,
  config: Pick<Config, "PEERBOT_ROLES" | "PEERBOT_DEFAULT_ROLE">,
): Role | "none" {
  return roleOf(actor, config.PEERBOT_ROLES, config.PEERBOT_DEFAULT_ROLE);
}
