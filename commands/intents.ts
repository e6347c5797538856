// Intents become action ids here. core/ asks for a button in its own words (core/reply.ts
// Intent: a command with typed arguments, or an action on an object); this module writes the
// command line ("cmd:sessions AS64501") or the action id ("change.approve:42"), after checking
// that the registry answers it, so that renaming a command breaks a test, not an alert.
// The dispatcher applies it to every reply, bot/delivery.ts to every message a job posts.
import type { Logger } from "../core/log.js";
import type { Button, CommandIntent, Intent, IntentCommands, IntentScope, Reply } from "../core/reply.js";
import { quoteWord, splitCommand } from "./grammar.js";
import type { Registry } from "./registry.js";

/** The action prefix of a button that runs a command line, "cmd:<line>" (see dispatch). */
export const COMMAND_ACTION = "cmd";

/** The action id of a button that runs `line` as if it had been typed. */
export const commandAction = (line: string) => `${COMMAND_ACTION}:${line}`;

/** An argument as the command grammar reads it: AS64501, an IXP slug, a router name. */
function scopeWord(s: IntentScope): string {
  if ("asn" in s) return `AS${String(s.asn)}`;
  if ("ixp" in s) return quoteWord(s.ixp);
  return quoteWord(s.router);
}

/**
 * The command line of each command core may ask for. The type makes it exhaustive: a new entry
 * in core's IntentCommands does not compile until it has its line here.
 */
export const INTENT_LINES: { [K in keyof IntentCommands]: (...args: IntentCommands[K]) => string } = {
  sessions: (scope) => `sessions ${scopeWord(scope)}`,
  status: (scope) => `status ${scopeWord(scope)}`,
};

/** An intent that names no registered command or action (a programmer error). */
export class IntentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IntentError";
  }
}

/** The command line a command intent runs. */
export function intentLine(intent: CommandIntent): string {
  const line = INTENT_LINES[intent.command] as ((...args: CommandIntent["args"]) => string) | undefined;
  if (!line)
    throw new IntentError(`core asked for the command "${String(intent.command)}", which has no line`);
  return line(...intent.args);
}

/** The action id of an intent. Throws IntentError when the registry does not answer it. */
export function intentActionId(registry: Registry, intent: Intent): string {
  if ("command" in intent) {
    const line = intentLine(intent);
    const { name } = splitCommand(line);
    if (!registry.find(name))
      throw new IntentError(`the intent "${intent.command}" runs \`${name}\`, which is no command`);
    return `${COMMAND_ACTION}:${line}`;
  }
  if (!registry.action(intent.action))
    throw new IntentError(`the intent names the button action "${intent.action}", which is not registered`);
  return `${intent.action}:${String(intent.id)}`;
}

function resolveButton(registry: Registry, b: Button, log?: Logger): Button[] {
  if (!b.intent) return [b];
  const { intent, ...rest } = b;
  try {
    return [{ ...rest, actionId: intentActionId(registry, intent) }];
  } catch (err) {
    if (!(err instanceof IntentError)) throw err;
    // The message still goes out, without the button that would do nothing.
    log?.error("a button was left out: its intent names nothing peerbot answers", {
      label: b.label,
      intent,
      err: err.message,
    });
    return [];
  }
}

/**
 * The reply (and its follow-ups) with every button's intent turned into its action id. A
 * button whose intent names nothing registered is left out and logged. Idempotent.
 */
export function resolveIntents(registry: Registry, reply: Reply, log?: Logger): Reply {
  const buttons = reply.buttons?.some((b) => b.intent)
    ? reply.buttons.flatMap((b) => resolveButton(registry, b, log))
    : reply.buttons;
  const followUps = reply.followUps?.map((f) => resolveIntents(registry, f, log));
  const sameFollowUps = !followUps || followUps.every((f, i) => f === reply.followUps?.[i]);
  if (buttons === reply.buttons && sameFollowUps) return reply;
  return {
    ...reply,
    ...(buttons ? { buttons } : {}),
    ...(followUps && !sameFollowUps ? { followUps } : {}),
  };
}

/** resolveIntents bound to a registry, as bot/delivery.ts takes it. */
export function intentResolver(registry: Registry, log?: Logger): (reply: Reply) => Reply {
  return (reply) => resolveIntents(registry, reply, log);
}
