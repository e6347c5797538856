// What the handlers of buttons and commands share: a button that acts on one numbered row, the
// router a command names, the usage as the hint of a refusal that has none of its own, and a
// queued job whose outcome updates the message that asked for it.
import { randomBytes } from "node:crypto";
import type { z } from "zod";
import type { Role } from "../core/config.js";
import { UserError } from "../core/errors.js";
import { findRouterByName, routerNames } from "../core/inventory.js";
import type { Reply } from "../core/reply.js";
import { clip } from "../core/text.js";
import { withUsage } from "./inventory/subcommands.js";
import type { ActionDef, CommandContext, CommandDef } from "./registry.js";

/** The id a button carries, or the refusal of a stale one (`hint` says where to look instead). */
export function buttonId(id: number | null, hint: string): number {
  if (id === null) throw new UserError("That button no longer does anything.", hint);
  return id;
}

export interface RowActionDef {
  prefix: string;
  role: Role;
  label: string;
  /** The id in the button's argument, or null when it carries none. */
  parse(arg: string): number | null;
  /** The hint of a stale button, e.g. "`emails` lists the journal.". */
  stale: string;
  /** The audit object's type: the press records `<object>:<id>`. */
  object: string;
  run(id: number, ctx: CommandContext): Promise<Reply>;
}

/** A button on one row (`<prefix>:<id>`): the id is read, recorded as the audit object, and acted on. */
export function rowAction(def: RowActionDef): ActionDef {
  return {
    prefix: def.prefix,
    role: def.role,
    label: def.label,
    async handler(arg, ctx) {
      const id = buttonId(def.parse(arg), def.stale);
      ctx.objects.push(`${def.object}:${id}`);
      return def.run(id, ctx);
    },
  };
}

/** The router `name` names, recorded as the audit object; else the known names and `usage`. */
export async function routerNamed(ctx: CommandContext, name: string, usage: string) {
  const router = await findRouterByName(ctx.services.db, name);
  if (!router) {
    const names = await routerNames(ctx.services.db);
    throw new UserError(
      `There is no router called "${clip(name, 60)}".`,
      names.length ? `Routers: ${names.join(", ")}. Usage: ${usage}` : `Usage: ${usage}`,
    );
  }
  ctx.objects.push(`router:${router.id}`);
  return router;
}

/**
 * The command, with `Usage: …` as the hint of every UserError its handler throws without one
 * (bad input gets one sentence and a usage hint). `usageOf` may narrow the usage to the form
 * that was typed, e.g. verbUsage.
 */
export function withUsageHint<S extends z.ZodType>(
  def: CommandDef<S>,
  usageOf: (args: z.output<S>) => string = () => def.usage,
): CommandDef<S> {
  return {
    ...def,
    async handler(args, ctx) {
      try {
        return await def.handler(args, ctx);
      } catch (err) {
        throw withUsage(err, usageOf(args));
      }
    },
  };
}

/** The form of a `policy add … · policy attach|detach … · …` usage for `verb`, or all of it. */
export function verbUsage(usage: string, verb: string): string {
  return usage.split(" · ").find((u) => (u.split(" ")[1] ?? "").split("|").includes(verb)) ?? usage;
}

/**
 * Queues a job whose outcome updates the message that asked for it: a fresh track key
 * (`<prefix>:<time><random>`, also the job id, so a retried enqueue is one job) rides in the
 * job's data beside who asked, and the reply carries it so the message is tracked.
 */
export async function queueTracked(
  ctx: CommandContext,
  job: { queue: string; name: string; prefix: string; data?: Record<string, unknown> },
  text: string,
): Promise<Reply> {
  const track = `${job.prefix}:${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  await ctx.services.jobs.enqueue(
    job.queue,
    job.name,
    { requestedBy: `${ctx.actor.platform}:${ctx.actor.userId}`, ...job.data, track },
    { jobId: track.replace(":", "-") },
  );
  return { kind: "info", text, track };
}
