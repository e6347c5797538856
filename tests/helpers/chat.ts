// A chat for in-process tests: console users typing lines and pressing buttons, one
// ConsoleSession a user (so `click 2` means the buttons that user saw last), the in-process
// jobs drained after each line, and everything printed collected in one capture.
import { ConsoleSession } from "../../bot/console/console.js";
import { buildRegistry } from "../../commands/index.js";
import type { Registry } from "../../commands/registry.js";
import { expect } from "vitest";
import type { TestDatabase } from "./db.js";
import { Capture, fingerprint, type TestServices } from "./services.js";

export interface Chat {
  /** What every session (and the notifier of one, when a test installs it) printed. */
  out: Capture;
  /** The user's console, made on first use. */
  session(user: string): ConsoleSession;
  /** Types a line as the user, drains the jobs, and returns what was printed meanwhile. */
  say(user: string, line: string): Promise<string>;
  /**
   * Presses a button as the user: by number (`2`), by its label on the last reply the user got
   * (`"Next »"`, pressed by the number shown beside it), or by action id (`"change.approve:3"`);
   * then as `say`.
   */
  click(user: string, which: number | string): Promise<string>;
  /** Waits until the in-process jobs have finished. */
  drain(): Promise<void>;
}

/** A button line as the console prints it: `  [2] Label  (action-id)`. */
const BUTTON = /^ *\[(\d+)\] (.+?) {2}\(.+\)$/gm;

export function createChat(services: TestServices, registry: Registry = buildRegistry()): Chat {
  const out = new Capture();
  const sessions = new Map<string, ConsoleSession>();
  const last = new Map<string, string>();
  const chat: Chat = {
    out,
    session(user) {
      let s = sessions.get(user);
      if (!s) sessions.set(user, (s = new ConsoleSession(registry, services, user, out)));
      return s;
    },
    async say(user, line) {
      await chat.session(user).handleLine(line);
      await chat.drain();
      const text = out.take();
      last.set(user, text);
      return text;
    },
    async click(user, which) {
      const byLabel = [...(last.get(user) ?? "").matchAll(BUTTON)].filter((m) => m[2] === String(which));
      return chat.say(user, `click ${byLabel.at(-1)?.[1] ?? which}`);
    },
    drain: () => services.queue.drain(),
  };
  return chat;
}

/** The id of the change a reply posted (updates of older messages print first). */
export function newChange(text: string): number {
  const m = /\[message m\d+\] Change #(\d+)/.exec(text);
  if (!m) throw new Error(`no new change in:\n${text}`);
  return Number(m[1]);
}

/**
 * Says a line that must be refused: the reply (without the console's "Error: ", and with
 * `trimEnd` without its trailing line break) matches `sentence` and is no crash, and not a row
 * but the audit log changed. Returns that reply.
 */
export async function sayRefused(
  chat: Chat,
  db: TestDatabase,
  user: string,
  line: string,
  sentence: RegExp,
  opts: { trimEnd?: boolean } = {},
): Promise<string> {
  const before = await fingerprint(db);
  const reply = (await chat.say(user, line)).replace(/^Error: /, "");
  const t = opts.trimEnd ? reply.trimEnd() : reply;
  expect(t, line).toMatch(sentence);
  expect(t, line).not.toMatch(/Something went wrong|reference [0-9a-f]{8}/);
  expect(await fingerprint(db), `"${line}" changed nothing`).toBe(before);
  return t;
}
