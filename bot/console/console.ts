// The console platform, as Hubot's shell and Errbot's text backend: a REPL on a terminal,
// or one command per line when standard input is a pipe (then it prints and exits).
// Buttons print as numbered choices; `click <n>` or `click <action-id>` presses one.
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
import type { Reply } from "../../core/reply.js";
import type { Actor } from "../../core/roles.js";
import type { ChatPlatform } from "../chat-platform.js";
import { Delivery, deliveryNotifier, type Outlet } from "../delivery.js";
import { consoleChoices, renderConsole } from "./render.js";

export interface ConsoleIO {
  input: Readable;
  output: Writable;
  interactive: boolean;
}

export class ConsoleSession {
  private seq = 0;
  private lastButtons: string[] = [];
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

  /** Prints a reply (and its follow-ups) as new messages and returns where the first lives. */
  async show(reply: Reply): Promise<MessageRef> {
    const ref = await this.delivery.deliver(this.outlet, reply);
    if (!ref) throw new Error("console: a message was printed without an id");
    return ref;
  }

  /** Handles one line: a command, `click <n|action-id>`, or nothing. */
  async handleLine(raw: string): Promise<void> {
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
        if (!io.interactive && t && !t.startsWith("#")) print(`peerbot> ${t}`);
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
