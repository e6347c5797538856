// The console platform, as Hubot's shell and Errbot's text backend: a REPL on a terminal,
// or one command per line when standard input is a pipe (then it prints and exits).
// Buttons print as numbered choices; `click <n>` or `click <action-id>` presses one.
// A reply with a form (core/reply.ts Form) asks its fields one by one: a line answers a "line"
// field (empty keeps the current value, "-" clears it), lines up to one holding only "." answer
// a "text" field, "/cancel" stops; then the form's action runs with the answers, and a field
// it refuses is asked again.
//
// A ConsoleSession is one user's conversation: it runs lines and presses and prints replies,
// and its notifier prints what jobs post; both through the shared delivery (../delivery.ts), so
// a reply's follow-ups and the message tracker behave as on Slack and Discord. The
// ConsolePlatform is the session's ChatPlatform: its receiver is the terminal's lines.
import readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import { dispatch } from "../../commands/dispatch.js";
import { intentResolver } from "../../commands/intents.js";
import type { Registry, Services } from "../../commands/registry.js";
import type { MessageRef, Notifier } from "../../core/ports.js";
import type { Form, FormField, Reply } from "../../core/reply.js";
import type { Actor } from "../../core/roles.js";
import type { ChatPlatform } from "../chat-platform.js";
import { trackerClaim } from "../../commands/messages.js";
import { Delivery, deliveryNotifier, type Outlet } from "../delivery.js";
import {
  consoleChoices,
  FORM_CANCEL,
  renderConsole,
  renderConsoleField,
  renderConsoleForm,
} from "./render.js";

export interface ConsoleIO {
  input: Readable;
  output: Writable;
  interactive: boolean;
}

/** A form being answered: the values so far, the fields still to ask, the lines of a text field. */
interface OpenForm {
  form: Form;
  values: Record<string, string>;
  ask: FormField[];
  lines?: string[];
}

export class ConsoleSession {
  private seq = 0;
  private lastButtons: string[] = [];
  private open?: OpenForm;
  private readonly delivery: Delivery;
  private readonly outlet: Outlet<string>;
  readonly actor: Actor;
  /** Prints what jobs post, and their updates as new blocks that name the message they replace. */
  readonly notifier: Notifier;

  constructor(
    private readonly registry: Registry,
    private readonly services: Services,
    user: string,
    private readonly out: Writable,
  ) {
    this.actor = { platform: "console", userId: user, userName: user };
    this.delivery = new Delivery("console", {
      posted: async (reply, ref) => this.services.messages?.posted(reply, ref),
      resolve: intentResolver(registry, services.log),
      claim: trackerClaim(services.db),
      log: services.log,
    });
    // The console ignores `ephemeral`: every message is printed, and can be updated later.
    const print = async (text: string, reply: Reply) => this.print(text, reply);
    this.outlet = { render: renderConsole, first: print, next: print };
    this.notifier = deliveryNotifier(this.delivery, {
      render: renderConsole,
      // A terminal cannot redraw a message: print what changed, not the diff again.
      renderUpdate: (reply) => renderConsole({ ...reply, code: undefined, fields: undefined }),
      post: async (_where, text, reply) => this.print(text, reply),
      update: async (ref, text) => this.write(`[message ${ref.messageId} updated] ${text}`),
    });
  }

  private write(text: string): void {
    this.out.write(text.endsWith("\n") ? text : text + "\n");
  }

  /** Prints one rendered message and returns where it lives. */
  private print(text: string, reply: Reply): MessageRef {
    const ref: MessageRef = { platform: "console", channel: "console", messageId: `m${++this.seq}` };
    const choices = consoleChoices(reply);
    if (choices.length) this.lastButtons = choices.map((b) => b.actionId);
    // A message that jobs will update later carries its id, so that updates can name it.
    this.write(reply.track ? `[message ${ref.messageId}] ${text}` : text);
    return ref;
  }

  /**
   * Prints a reply (and its follow-ups) as new messages and returns where the first lives. A
   * reply with a form prints the form's head and asks its first field: the next lines answer.
   */
  async show(reply: Reply): Promise<MessageRef> {
    if (reply.form) {
      const form = reply.form;
      const ref = this.print(renderConsoleForm(form), {});
      this.open = { form, values: {}, ask: [...form.fields] };
      this.askNext();
      return ref;
    }
    const ref = await this.delivery.deliver(this.outlet, reply);
    if (!ref) throw new Error("console: a message was printed without an id");
    return ref;
  }

  /** True while a form is asking its questions (the next line answers one). */
  get inForm(): boolean {
    return this.open !== undefined;
  }

  /** Asks the next field of the open form, or submits it when every field has its answer. */
  private askNext(): Promise<void> | undefined {
    const open = this.open;
    if (!open) return undefined;
    const next = open.ask[0];
    if (next) {
      this.write(renderConsoleField({ ...next, value: open.values[next.name] ?? next.value }));
      return undefined;
    }
    return this.submit(open);
  }

  /** Runs the form's action with its values; fields it refuses are asked again. */
  private async submit(open: OpenForm): Promise<void> {
    this.open = undefined;
    const { reply } = await dispatch(this.registry, this.services, {
      actor: this.actor,
      channel: "console",
      action: open.form.action,
      values: open.values,
    });
    const errors = reply.formErrors;
    if (errors && Object.keys(errors).length) {
      // The refusal names the fields; they are asked again, the other answers kept.
      this.write(renderConsole({ ...reply, buttons: undefined, formErrors: undefined }));
      const ask = open.form.fields.filter((f) => f.name in errors);
      this.open = { ...open, ask: ask.length ? ask : [...open.form.fields] };
      await this.askNext();
      return;
    }
    await this.show(reply);
  }

  /** One line of an answer to the open form. */
  private async answer(open: OpenForm, raw: string): Promise<void> {
    if (raw.trim() === FORM_CANCEL) {
      this.open = undefined;
      this.write(`${open.form.title}: stopped; nothing was changed.`);
      return;
    }
    const field = open.ask[0]!;
    const current = open.values[field.name] ?? field.value ?? "";
    if (field.kind === "text") {
      if (raw.trim() !== ".") {
        (open.lines ??= []).push(raw.replace(/\r$/, ""));
        return;
      }
      open.values[field.name] = open.lines ? open.lines.join("\n") : current;
      open.lines = undefined;
    } else {
      const v = raw.trim();
      open.values[field.name] = v === "" ? current : v === "-" ? "" : v;
    }
    open.ask.shift();
    await this.askNext();
  }

  /** Handles one line: an answer to an open form, a command, `click <n|action-id>`, or nothing. */
  async handleLine(raw: string): Promise<void> {
    if (this.open) return this.answer(this.open, raw);
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const click = /^click\s+(\S.*?)\s*$/i.exec(line);
    if (click) {
      const which = click[1] as string;
      let action = which;
      if (/^\d+$/.test(which)) {
        const picked = this.lastButtons[Number(which) - 1];
        if (!picked) {
          this.write(`There is no button ${which} on the last message; it has ${this.lastButtons.length}.`);
          return;
        }
        action = picked;
      }
      const { reply } = await dispatch(this.registry, this.services, {
        actor: this.actor,
        channel: "console",
        action,
      });
      await this.show(reply);
      return;
    }
    const { reply } = await dispatch(this.registry, this.services, {
      actor: this.actor,
      channel: "console",
      text: line,
    });
    await this.show(reply);
  }
}

/** The console as a ChatPlatform: the terminal's lines in, the session's messages out. */
export class ConsolePlatform implements ChatPlatform {
  readonly name = "console";
  private rl?: readline.Interface;
  private loop?: Promise<void>;

  constructor(
    readonly session: ConsoleSession,
    private readonly io: ConsoleIO,
    private readonly banner: string[] = [],
  ) {}

  get notifier(): Notifier {
    return this.session.notifier;
  }

  /** Prints the banner and starts reading lines; `finished` resolves at end of input or `quit`. */
  async start(): Promise<void> {
    const io = this.io;
    const print = (s: string) => io.output.write(s + "\n");
    for (const b of this.banner) print(b);
    const rl = readline.createInterface({
      input: io.input,
      output: io.interactive ? io.output : undefined,
      terminal: io.interactive,
      prompt: "peerbot> ",
      historySize: 500,
    });
    this.rl = rl;
    this.loop = (async () => {
      if (io.interactive) rl.prompt();
      for await (const line of rl) {
        const t = line.trim();
        if (/^(quit|exit|bye)$/i.test(t)) break;
        if (!io.interactive && this.session.inForm) print(`  > ${line}`);
        else if (!io.interactive && t && !t.startsWith("#")) print(`peerbot> ${t}`);
        try {
          await this.session.handleLine(line);
        } catch (err) {
          print(`That failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (io.interactive) rl.prompt();
      }
      rl.close();
    })();
  }

  /** Resolves when the input has ended (or the user quit). */
  finished(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.rl?.close();
    await this.finished();
  }
}

/** Runs the console until end of input (or `quit`). */
export async function runConsole(session: ConsoleSession, io: ConsoleIO, banner: string[]): Promise<void> {
  const platform = new ConsolePlatform(session, io, banner);
  await platform.start();
  await platform.finished();
}
