// Every command is declared once: name, aliases, summary, examples, argument grammar and
// zod schema, the role it needs, and a handler that calls core/ and returns a Reply.
import type { z } from "zod";
import type { Role } from "../core/config.js";
import type { MessageRef } from "../core/ports.js";
import type { Reply } from "../core/reply.js";
import type { Actor } from "../core/roles.js";
import type { ArgSpec } from "./grammar.js";

import type { Services } from "../core/services.js";

export type { Services };

/** One thing a user did: a command line typed, or a button pressed. */
export interface Invocation {
  actor: Actor;
  /** Where it happened (channel id, or "console"). */
  channel: string;
  /** A command line such as "peer AS714 at LINX" (slash-command text included). */
  text?: string;
  /** A button's action id, such as "change.approve:42" or "cmd:peers linx page:2". */
  action?: string;
  /** The message the button sits in, so a handler can update it. */
  messageRef?: MessageRef;
  /** A submitted form's values by field name (core/reply.ts Form), with the form's `action`. */
  values?: Record<string, string>;
  /**
   * The organisation it came from, as the platform says: Slack's workspace (`team`) and
   * Enterprise Grid organisation (`enterprise`), Discord's server (`guild`). Absent in the console.
   */
  origin?: { team?: string; enterprise?: string; guild?: string };
}

export interface CommandContext {
  services: Services;
  actor: Actor;
  role: Role | "none";
  channel: string;
  messageRef?: MessageRef;
  /** A submitted form's values, when the action runs as a form's submit (commands/forms.ts). */
  values?: Record<string, string>;
  /** Related objects for the audit row ("router:3", "change:12"); handlers push to it. */
  objects: string[];
}

export interface CommandDef<S extends z.ZodType = z.ZodType> {
  name: string;
  aliases?: string[];
  summary: string;
  usage: string;
  examples: string[];
  /** The least role that may run it. Anything that changes state needs operator or more. */
  role: Role;
  args: ArgSpec;
  schema: S;
  handler(args: z.output<S>, ctx: CommandContext): Promise<Reply>;
}

/** A button action: `<prefix>:<argument>`, authorised again on every press. */
export interface ActionDef {
  prefix: string;
  role: Role;
  /** For the audit row and messages, e.g. "approve". */
  label: string;
  handler(arg: string, ctx: CommandContext): Promise<Reply>;
}

export class Registry {
  private readonly byName = new Map<string, CommandDef>();
  readonly commands: CommandDef[] = [];
  private readonly actions = new Map<string, ActionDef>();

  add<S extends z.ZodType>(def: CommandDef<S>): this {
    for (const n of [def.name, ...(def.aliases ?? [])]) {
      if (this.byName.has(n)) throw new Error(`command name ${n} declared twice`);
      this.byName.set(n, def as unknown as CommandDef);
    }
    this.commands.push(def as unknown as CommandDef);
    return this;
  }

  addAction(def: ActionDef): this {
    this.actions.set(def.prefix, def);
    return this;
  }

  find(name: string): CommandDef | undefined {
    return this.byName.get(name.toLowerCase());
  }

  action(prefix: string): ActionDef | undefined {
    return this.actions.get(prefix);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

export function defineCommand<S extends z.ZodType>(def: CommandDef<S>): CommandDef<S> {
  return def;
}
