// The one entry point every platform calls: parse, authorise, validate, audit, run.
//
// Audit comes before effect: an invocation that gets as far as running its handler (or its
// button action) first writes its AuditEvent row, marked as not finished; if that write fails,
// it is refused and nothing runs. Afterwards the same row is updated with the outcome, the
// message, the duration and the objects it touched. An invocation refused before that point
// (unknown command, bad arguments, no permission) has run nothing and writes its row once,
// finished. Either way, one row per invocation.
import { randomBytes } from "node:crypto";
import { audit, beginAudit, finishAudit, type Outcome } from "../core/audit.js";
import { clip } from "../core/text.js";
import type { Role } from "../core/config.js";
import { PermissionError, UserError } from "../core/errors.js";
import { childLogger } from "../core/log.js";
import { metrics } from "../core/metrics.js";
import type { Reply } from "../core/reply.js";
import { refusalAudit } from "../core/refusals.js";
import { actorRole, hasRole, originRefusal, type Actor } from "../core/roles.js";
import { levenshtein, parseArgs, splitCommand } from "./grammar.js";
import { resolveIntents } from "./intents.js";
import type { CommandContext, Invocation, Registry, Services } from "./registry.js";

export const MAX_LINE = 4000;

export interface DispatchResult {
  reply: Reply;
  outcome: Outcome;
}

const CONTROLS = /[\u0000-\u001f\u007f]/g;

export function stripControls(s: string): string {
  return s.replace(CONTROLS, " ");
}

function article(role: Role): string {
  return /^[aeiou]/.test(role) ? "an" : "a";
}

export function denial(role: Role, what: string): string {
  return `You need the ${role} role to ${what}; ask ${article("admin")} admin to grant it.`;
}

/**
 * The actor as handlers may rely on it: a platform payload can lack the user's name (a Slack
 * slash command without `user_name`), so the name falls back to the user id, and it carries no
 * control characters (it ends up in messages and in text columns). The id is left as it is:
 * roles are bound to it.
 */
function identifyActor(actor: Actor): Actor {
  const userId = typeof actor.userId === "string" ? actor.userId : "";
  const named = typeof actor.userName === "string" ? stripControls(actor.userName).trim().slice(0, 200) : "";
  const userName = named || userId;
  return userId === actor.userId && userName === actor.userName ? actor : { ...actor, userId, userName };
}

/** What the invocation is, for its audit row; filled in as far as parsing gets. */
interface Target {
  command: string;
  args: string;
  /** Secret values typed in clear (see maskSecrets), kept out of the reply and the audit row. */
  hidden: string[];
}

/**
 * Parses, looks up and authorises an invocation and returns what running it means, without
 * running anything. Throws UserError or PermissionError when it may not or cannot run.
 */
function prepare(
  registry: Registry,
  inv: Invocation,
  ctx: CommandContext,
  target: Target,
): () => Promise<Reply> {
  const role = ctx.role;
  if (inv.action !== undefined) {
    const actionId = stripControls(inv.action);
    const idx = actionId.indexOf(":");
    const prefix = idx === -1 ? actionId : actionId.slice(0, idx);
    const arg = idx === -1 ? "" : actionId.slice(idx + 1);
    const action = registry.action(prefix);
    target.command = `button:${prefix}`;
    target.args = arg;
    if (!action)
      throw new UserError(
        "That button no longer does anything.",
        "Run the command again to get fresh buttons.",
      );
    if (!hasRole(role, action.role)) throw new PermissionError(denial(action.role, action.label));
    return () => action.handler(arg, ctx);
  }
  // Control characters (NUL above all: PostgreSQL text cannot hold it) are only noise here.
  const text = stripControls(inv.text ?? "");
  if (text.length > MAX_LINE) {
    target.command = "(too long)";
    throw new UserError(
      `That line is ${text.length} characters long; peerbot reads at most ${MAX_LINE}.`,
      "Type `help` for the commands.",
    );
  }
  const { name, words } = splitCommand(text);
  target.command = name.slice(0, 40);
  const masked = maskSecrets(words);
  target.args = masked.join(" ");
  target.hidden = hiddenValues(words, masked);
  if (!name) throw new UserError("Type a command.", "Type `help` for the list of commands.");
  const def = registry.find(name);
  if (!def) {
    const near = registry
      .names()
      .map((n) => ({ n, d: levenshtein(n, name.slice(0, 40)) }))
      .filter(
        (x) =>
          x.d <= Math.max(2, Math.floor(name.length / 3)) || x.n.startsWith(name) || name.startsWith(x.n),
      )
      .sort((a, b) => a.d - b.d)
      .slice(0, 3)
      .map((x) => `\`${x.n}\``);
    throw new UserError(
      `There is no command "${clip(name, 30)}".`,
      near.length
        ? `Did you mean ${near.join(" or ")}? Type \`help\` for the list.`
        : "Type `help` for the list of commands.",
    );
  }
  target.command = def.name;
  if (!hasRole(role, def.role)) throw new PermissionError(denial(def.role, `run \`${def.name}\``));
  const raw = parseArgs(words, def.args);
  if (raw._extra !== undefined) {
    throw new UserError(
      `I did not understand "${clip(raw._extra)}" in that \`${def.name}\` command.`,
      `Usage: ${def.usage}`,
    );
  }
  const parsed = def.schema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UserError(first?.message ?? "Those arguments are not right.", `Usage: ${def.usage}`);
  }
  return () => def.handler(parsed.data, ctx);
}

interface Failure {
  reply: Reply;
  outcome: Outcome;
  message: string;
}

/** An error as the user sees it (one sentence, never a stack trace) and as the audit row keeps it. */
function failure(err: unknown, services: Services, command: string): Failure {
  if (err instanceof UserError) {
    return {
      outcome: "user_error",
      message: err.message,
      reply: err.reply ?? {
        kind: "error",
        text: err.hint ? `${err.message}\n${err.hint}` : err.message,
        ephemeral: true,
      },
    };
  }
  if (err instanceof PermissionError) {
    return {
      outcome: "denied",
      message: err.message,
      reply: { kind: "error", text: err.message, ephemeral: true },
    };
  }
  const ref = randomBytes(4).toString("hex");
  services.log.error("command failed", { ref, command, err });
  return {
    outcome: "error",
    message: `ref ${ref}`,
    reply: {
      kind: "error",
      text: `Something went wrong running \`${command || "that"}\` (reference ${ref}); it has been logged.`,
    },
  };
}

/**
 * Runs one invocation and always returns a reply: errors become sentences, never stack traces.
 * The buttons core asked for as intents carry their action ids (commands/intents.ts).
 */
/** Keywords whose value is a secret when typed in clear (refused by the commands, but kept out of the audit row too). */
const SECRET_KEYWORDS = /^(password|passwd|secret|credential|token|key|psk|api[-_]?key|api[-_]?secret)$/i;
/** Values after such a keyword that are no secret: a reference or an instruction. */
const NOT_A_SECRET = /^(generate|none|stored|env:\S*)$/i;

/**
 * The words as the audit log keeps them: a value typed after `password` (or `password:`…),
 * which no command accepts, is replaced by "(hidden)" so that a secret pasted into chat by
 * mistake does not stay in the database.
 */
export function maskSecrets(words: string[]): string[] {
  return words.map((w, i) => {
    const inline = /^([A-Za-z]+)[:=](.+)$/.exec(w);
    if (inline && SECRET_KEYWORDS.test(inline[1]!) && !NOT_A_SECRET.test(inline[2]!))
      return `${inline[1]}:(hidden)`;
    const prev = i > 0 ? words[i - 1]! : "";
    return SECRET_KEYWORDS.test(prev) && !NOT_A_SECRET.test(w) ? "(hidden)" : w;
  });
}

/** The values maskSecrets took out of `words`. */
function hiddenValues(words: string[], masked: string[]): string[] {
  return words
    .filter((w, i) => w !== masked[i])
    .map((w) => w.replace(/^[A-Za-z]+[:=]/, ""))
    .filter((v) => v.length >= 3);
}

/** `value` with every hidden secret replaced, however deep in a reply it was echoed. */
function scrub<T>(value: T, hidden: string[]): T {
  if (!hidden.length) return value;
  let json = JSON.stringify(value);
  for (const h of hidden) json = json.split(JSON.stringify(h).slice(1, -1)).join("(hidden)");
  return JSON.parse(json) as T;
}

/**
 * At most `max` invocations run at once per database (one per process in production); the
 * others wait their turn in order. The chat receivers acknowledge before they call dispatch,
 * so an acknowledgement never waits here, and the fewer commands compete for the event loop,
 * the sooner it is sent.
 */
class CommandGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  full(max: number): boolean {
    return this.running >= max;
  }

  async run<T>(max: number, fn: () => Promise<T>): Promise<T> {
    if (this.running >= max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

const gates = new WeakMap<object, CommandGate>();

/** Every command slot is taken: an invocation dispatched now would wait (bot/chat-platform.ts busy). */
export function commandsBusy(services: Services): boolean {
  return commandGate(services).full(services.config.PEERBOT_COMMAND_CONCURRENCY ?? 4);
}

function commandGate(services: Services): CommandGate {
  let gate = gates.get(services.db);
  if (!gate) gates.set(services.db, (gate = new CommandGate()));
  return gate;
}

export async function dispatch(
  registry: Registry,
  services: Services,
  inv: Invocation,
): Promise<DispatchResult> {
  const started = performance.now();
  // Every line logged while it runs carries this invocation's id.
  const log = childLogger(services.log, { interaction: randomBytes(4).toString("hex") });
  const result = await commandGate(services).run(services.config.PEERBOT_COMMAND_CONCURRENCY ?? 4, () =>
    dispatchOnce(registry, { ...services, log }, inv),
  );
  countCommand(registry, inv, result.outcome, (performance.now() - started) / 1000);
  return { ...result, reply: resolveIntents(registry, result.reply, log) };
}

/** Counts an invocation in the metrics, under a name it knows (never a word a user made up). */
function countCommand(registry: Registry, inv: Invocation, outcome: Outcome, seconds: number): void {
  let command: string;
  const action = inv.action === undefined ? undefined : stripControls(inv.action);
  if (action !== undefined && action !== "cmd" && !action.startsWith("cmd:")) {
    const prefix = action.split(":", 1)[0] ?? "";
    command = registry.action(prefix) ? `button:${prefix}` : "(unknown)";
  } else {
    const line = action !== undefined ? action.slice(4) : stripControls(inv.text ?? "");
    const first = (/^\S*/.exec(line.trim())?.[0] ?? "").replace(/^\//, "").toLowerCase();
    command = first ? (registry.find(first)?.name ?? "(unknown)") : "(empty)";
  }
  const platform = inv.actor.platform;
  const m = metrics();
  m.commands.inc({ command, platform, outcome });
  m.commandSeconds.observe({ command, platform }, seconds);
}

async function dispatchOnce(
  registry: Registry,
  services: Services,
  inv: Invocation,
): Promise<DispatchResult> {
  if (inv.action !== undefined) {
    const actionId = stripControls(inv.action);
    if (actionId === "cmd" || actionId.startsWith("cmd:")) {
      // A button that re-runs a command line: exactly as if it had been typed, so its one
      // audit row is the command's (the press itself writes none).
      return dispatchOnce(registry, services, { ...inv, action: undefined, text: actionId.slice(4) });
    }
  }
  const started = performance.now();
  const actor = identifyActor(inv.actor);
  // A workspace or server that is not allowed gets one sentence and nothing runs, not even a
  // parse; its audit row is written off this path, coalesced (core/refusals.ts).
  const refusedOrigin = originRefusal(actor.platform, inv.origin, services.config);
  if (refusedOrigin !== undefined) {
    refusalAudit(services.db, services.log).note({
      platform: actor.platform,
      reason: "origin",
      userId: actor.userId,
      userName: actor.userName,
      channel: inv.channel,
      command: "(refused origin)",
      detail: refusedOrigin,
    });
    return { reply: { kind: "error", text: refusedOrigin, ephemeral: true }, outcome: "denied" };
  }
  // Roles are limited to their channels (PEERBOT_ROLE_CHANNELS), on every press as on every line.
  const role = actorRole(actor, services.config, inv.channel);
  const ctx: CommandContext = {
    services,
    actor,
    role,
    channel: inv.channel,
    messageRef: inv.messageRef,
    ...(inv.values && inv.action !== undefined ? { values: inv.values } : {}),
    objects: [],
  };
  const target: Target = { command: "", args: "", hidden: [] };
  const who = { actor, channel: inv.channel };
  const elapsed = () => performance.now() - started;

  let run: () => Promise<Reply>;
  try {
    run = prepare(registry, inv, ctx, target);
  } catch (err) {
    // Refused before anything ran: one finished row. If even that cannot be written, the
    // user still gets the refusal (nothing happened) and the log says so.
    const f = scrub(failure(err, services, target.command), target.hidden);
    await audit(services.db, {
      ...who,
      command: target.command || "(empty)",
      args: target.args,
      outcome: f.outcome,
      message: f.message,
      durationMs: elapsed(),
    }).catch((auditErr: unknown) =>
      services.log.error("audit write failed", { command: target.command, err: auditErr }),
    );
    return { reply: f.reply, outcome: f.outcome };
  }

  let auditId: bigint;
  try {
    auditId = await beginAudit(services.db, { ...who, command: target.command, args: target.args });
  } catch (err) {
    const ref = randomBytes(4).toString("hex");
    services.log.error("audit write failed; the command was refused", { ref, command: target.command, err });
    return {
      reply: {
        kind: "error",
        text: `peerbot could not write \`${target.command}\` to its audit log, so it did not run it (reference ${ref}); try again in a moment.`,
        ephemeral: true,
      },
      outcome: "error",
    };
  }

  let reply: Reply;
  let outcome: Outcome = "ok";
  let message = "";
  try {
    reply = await run();
  } catch (err) {
    const f = scrub(failure(err, services, target.command), target.hidden);
    ({ reply, outcome, message } = f);
  }

  try {
    await finishAudit(services.db, auditId, {
      outcome,
      message,
      durationMs: elapsed(),
      objects: ctx.objects,
    });
  } catch (err) {
    // The command has run: its reply is not lost, but its row still says it did not finish.
    services.log.error("audit update failed after the command ran", {
      auditId: String(auditId),
      command: target.command,
      outcome,
      err,
    });
  }
  return { reply, outcome };
}
