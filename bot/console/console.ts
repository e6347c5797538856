// The console platform, as Hubot's shell and Errbot's text backend: a REPL on a terminal,
// or one command per line when standard input is a pipe (then it prints and exits).
// Buttons print as numbered choices; `click <n>` or `click <action-id>` presses one.
import readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import { dispatch } from "../../commands/dispatch.js";
import type { Registry, Services } from "../../commands/registry.js";
import type { MessageRef, Notifier } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import type { Actor } from "../../core/roles.js";
import { consoleChoices, renderConsole } from "./render.js";

export interface ConsoleIO {
  input: Readable;
  output: Writable;
  interactive: boolean;
}

export class ConsoleSession {
  private seq = 0;
  private lastButtons: string[] = [];
  readonly actor: Actor;

  constructor(
    private readonly registry: Registry,
    private readonly services: Services,
    user: string,
    private readonly out: Writable,
  ) {
    this.actor = { platform: "console", userId: user, userName: user };
  }

  /** Prints updates from jobs as new blocks that name the message they replace. */
  readonly notifier: Notifier = {
    update: async (ref: MessageRef, reply: Reply) => {
      // A terminal cannot redraw a message: print what changed, not the diff again.
      const brief: Reply = { ...reply, code: undefined, fields: undefined };
      this.write(`[message ${ref.messageId} updated] ${renderConsole(brief)}`);
    },
    post: async (_channel, reply: Reply) => this.show(reply),
  };

  private write(text: string): void {
    this.out.write(text.endsWith("\n") ? text : text + "\n");
  }

  /** Prints a reply as a new message and returns where it lives. */
  async show(reply: Reply): Promise<MessageRef> {
    const ref: MessageRef = { platform: "console", channel: "console", messageId: `m${++this.seq}` };
    const choices = consoleChoices(reply);
    if (choices.length) this.lastButtons = choices.map((b) => b.actionId);
    // A message that jobs will update later carries its id, so that updates can name it.
    this.write(reply.track ? `[message ${ref.messageId}] ${renderConsole(reply)}` : renderConsole(reply));
    await this.services.messages?.posted(reply, ref);
    for (const more of reply.followUps ?? []) await this.show(more);
    return ref;
  }

  /** Handles one line: a command, `click <n|action-id>`, or nothing. */
  async handleLine(raw: string): Promise<void> {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const click = /^click\s+(\S+)$/i.exec(line);
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

/** Runs the console until end of input (or `quit`). */
export async function runConsole(session: ConsoleSession, io: ConsoleIO, banner: string[]): Promise<void> {
  const print = (s: string) => io.output.write(s + "\n");
  for (const b of banner) print(b);
  const rl = readline.createInterface({
    input: io.input,
    output: io.interactive ? io.output : undefined,
    terminal: io.interactive,
    prompt: "peerbot> ",
    historySize: 500,
  });
  if (io.interactive) rl.prompt();
  for await (const line of rl) {
    const t = line.trim();
    if (/^(quit|exit|bye)$/i.test(t)) break;
    if (!io.interactive && t && !t.startsWith("#")) print(`peerbot> ${t}`);
    try {
      await session.handleLine(line);
    } catch (err) {
      print(`That failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (io.interactive) rl.prompt();
  }
  rl.close();
}
