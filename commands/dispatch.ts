// The one entry point every platform calls: parse, authorise, validate, run, audit.
import { randomBytes } from "node:crypto";
import { audit, type Outcome } from "../core/audit.js";
import { clip } from "../core/asn.js";
import type { Role } from "../core/config.js";
import { PermissionError, UserError } from "../core/errors.js";
import type { Reply } from "../core/reply.js";
import { actorRole, hasRole } from "../core/roles.js";
import { levenshtein, parseArgs, splitCommand } from "./grammar.js";
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

/** Runs one invocation and always returns a reply: errors become sentences, never stack traces. */
export async function dispatch(
  registry: Registry,
  services: Services,
  inv: Invocation,
): Promise<DispatchResult> {
  const started = performance.now();
  const role = actorRole(inv.actor, services.config);
  const ctx: CommandContext = {
    services,
    actor: inv.actor,
    role,
    channel: inv.channel,
    messageRef: inv.messageRef,
    objects: [],
  };
  let command = "";
  let args = "";
  let outcome: Outcome = "ok";
  let message = "";
  let reply: Reply;

  try {
    if (inv.action !== undefined) {
      const actionId = stripControls(inv.action);
      const idx = actionId.indexOf(":");
      const prefix = idx === -1 ? actionId : actionId.slice(0, idx);
      const arg = idx === -1 ? "" : actionId.slice(idx + 1);
      if (prefix === "cmd") {
        // A button that re-runs a command line: exactly as if it had been typed.
        return await dispatch(registry, services, { ...inv, action: undefined, text: arg });
      }
      const action = registry.action(prefix);
      command = `button:${prefix}`;
      args = arg;
      if (!action)
        throw new UserError(
          "That button no longer does anything.",
          "Run the command again to get fresh buttons.",
        );
      if (!hasRole(role, action.role)) throw new PermissionError(denial(action.role, action.label));
      reply = await action.handler(arg, ctx);
    } else {
      // Control characters (NUL above all: PostgreSQL text cannot hold it) are only noise here.
      const text = stripControls(inv.text ?? "");
      if (text.length > MAX_LINE) {
        command = "(too long)";
        throw new UserError(
          `That line is ${text.length} characters long; peerbot reads at most ${MAX_LINE}.`,
          "Type `help` for the commands.",
        );
      }
      const { name, words } = splitCommand(text);
      command = name.slice(0, 40);
      args = words.join(" ");
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
      command = def.name;
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
      reply = await def.handler(parsed.data, ctx);
    }
  } catch (err) {
    if (err instanceof UserError) {
      outcome = "user_error";
      message = err.message;
      reply = err.reply ?? {
        kind: "error",
        text: err.hint ? `${err.message}\n${err.hint}` : err.message,
        ephemeral: true,
      };
    } else if (err instanceof PermissionError) {
      outcome = "denied";
      message = err.message;
      reply = { kind: "error", text: err.message, ephemeral: true };
    } else {
      outcome = "error";
      const ref = randomBytes(4).toString("hex");
      message = `ref ${ref}`;
      services.log.error("command failed", { ref, command, err });
      reply = {
        kind: "error",
        text: `Something went wrong running \`${command || "that"}\` (reference ${ref}); it has been logged.`,
      };
    }
  }

  try {
    await audit(services.db, {
      actor: inv.actor,
      channel: inv.channel,
      command: command || "(empty)",
      args,
      outcome,
      message,
      durationMs: performance.now() - started,
      objects: ctx.objects,
    });
  } catch (err) {
    services.log.error("audit write failed", { err });
  }
  return { reply, outcome };
}
