// An interactive CLI on an SSH shell channel: send a command, read until the router's prompt
// comes back, return what was in between.
//
// Prompt detection is a regular expression per platform. The first prompt after login is
// matched with a generic pattern that captures the stable part (the host name, "user@host"
// on Junos); from then on only that exact prompt counts, so that output which happens to look
// like a prompt does not end a command early. Output is normalised (CR/LF, ANSI escapes,
// backspaces), the echoed command and the trailing prompt are removed.
//
// A command that does not come back in time, or whose answer exceeds the size limit, leaves
// the CLI in an unknown state: the channel is then closed and the shell must be reopened.
import { StringDecoder } from "node:string_decoder";
import type { ClientChannel } from "ssh2";
import type { SshConnection } from "./connection.js";
import { outputLimitError } from "./connection.js";
import { DriverError, type Redactor } from "./errors.js";

export interface PromptSpec {
  /**
   * Regular expression source (unanchored) for a prompt seen at login. The named group `host`
   * captures the part that stays the same in every mode.
   */
  initial: string;
  /** Regular expression source (unanchored) for the prompt in any mode, once `host` is known. */
  exact(host: string): string;
}

export interface ShellOptions {
  timeoutMs: number;
  maxOutputBytes: number;
  /** For messages, e.g. the router's name. */
  label: string;
  redactor: Redactor;
  /** Pseudo-terminal width; wide, so that routers do not wrap long lines. */
  cols?: number;
}

export interface RunOptions {
  timeoutMs?: number;
  /**
   * Also stop when one of these matches the end of the output (e.g. a yes/no question, or
   * Junos' "[Type ^D at a new line to end input]"). Anchor them with `$`.
   */
  expect?: RegExp[];
  /** Do not append a newline to the command (for answers such as a Ctrl-D). */
  noNewline?: boolean;
  /**
   * Keep what arrived since the last prompt (e.g. the echo of text sent with write()) as the
   * start of this command's output instead of filing it as a notice.
   */
  keepBuffer?: boolean;
}

export interface RunResult {
  /** Output between the echoed command and the prompt, normalised. */
  output: string;
  /** The prompt (or expect match) that ended the command. */
  prompt: string;
  /** -1 when the router's prompt ended the command, else the index in `expect`. */
  matched: number;
}

export interface LineResult {
  line: string;
  output: string;
  prompt: string;
}

const TAIL = 4096;

/** CR/LF, ANSI escape sequences, backspaces and bells out. */
export function normalizeTerminalText(s: string): string {
  let t = s
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "")
    .replace(/\x1b[()][A-Za-z0-9]/g, "")
    .replace(/\x1b[=>78]/g, "")
    .replace(/\r*\n\r*/g, "\n")
    .replace(/\r/g, "")
    .replace(/\x07/g, "");
  if (t.includes("\b")) {
    let prev;
    do {
      prev = t;
      t = t.replace(/[^\n\b]\x08/g, "");
    } while (t !== prev);
    t = t.replace(/\x08/g, "");
  }
  return t;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export { escapeRegExp };

interface Waiter {
  test(): boolean;
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class CliShell {
  // What arrived since the current command was sent, kept as chunks (joining a growing string
  // on every chunk would copy megabytes per chunk) plus the last few KiB for prompt matching.
  private parts: string[] = [];
  private tail = "";
  private bytes = 0;
  private readonly decoder = new StringDecoder("utf8");
  private waiter: Waiter | undefined;
  private closedFlag = false;
  private broken: DriverError | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private endRe: RegExp;
  private lineRe: RegExp;
  /** The stable part of the prompt, learned at login. */
  host = "";
  /** The last prompt seen, e.g. "user@router# " or "router(config-s-peerb)#". */
  lastPrompt = "";
  /** Output the router sent on its own between commands (broadcast messages, logs). */
  readonly notices: string[] = [];

  private constructor(
    private readonly channel: ClientChannel,
    private readonly spec: PromptSpec,
    private readonly opts: ShellOptions,
  ) {
    this.endRe = new RegExp(`(?:^|\\n)(${spec.initial})$`);
    this.lineRe = new RegExp(`^(?:${spec.initial})`, "gm");
    channel.on("data", (chunk: Buffer) => this.onData(chunk));
    channel.stderr.on("data", (chunk: Buffer) => this.onData(chunk));
    // A channel error is followed by its close; without a listener it would crash the process.
    channel.on("error", () => undefined);
    channel.on("close", () => {
      this.closedFlag = true;
      this.fail(
        new DriverError(
          this.opts.redactor.redact(`${this.opts.label} closed the CLI session${this.tailForError()}`),
          true,
        ),
      );
    });
  }

  private get raw(): string {
    if (this.parts.length > 1) this.parts = [this.parts.join("")];
    return this.parts[0] ?? "";
  }

  private resetBuffer(): void {
    this.parts = [];
    this.tail = "";
    this.bytes = 0;
  }

  /** Opens a shell on the connection and waits for the first prompt. */
  static async open(conn: SshConnection, spec: PromptSpec, opts: ShellOptions): Promise<CliShell> {
    const channel = await conn.openShellChannel({ cols: opts.cols ?? 511 });
    const shell = new CliShell(channel, spec, opts);
    try {
      await shell.waitForEnd([], opts.timeoutMs, "the login prompt");
    } catch (err) {
      shell.destroy();
      throw err;
    }
    const text = normalizeTerminalText(shell.raw);
    const m = shell.endRe.exec(text.slice(-TAIL));
    const groups = m ? new RegExp(spec.initial).exec(m[1]!)?.groups : undefined;
    shell.host = groups?.host ?? "";
    shell.lastPrompt = m?.[1] ?? "";
    shell.resetBuffer();
    if (shell.host) {
      const exact = spec.exact(shell.host);
      shell.endRe = new RegExp(`(?:^|\\n)(${exact})$`);
      shell.lineRe = new RegExp(`^(?:${exact})`, "gm");
    }
    return shell;
  }

  get closed(): boolean {
    return this.closedFlag || this.broken !== undefined;
  }

  /** Sends one command and waits for the prompt (or one of `expect`). */
  run(command: string, opts: RunOptions = {}): Promise<RunResult> {
    return this.enqueue(() => this.runNow(command, opts));
  }

  /**
   * Sends configuration lines in batches and waits, per batch, for one prompt per line.
   * Returns each line with the router's answer to it. Stops early (without sending the rest)
   * when `stopOn` matches a line's answer.
   */
  runLines(
    lines: string[],
    opts: { batchSize?: number; timeoutMs?: number; stopOn?: RegExp } = {},
  ): Promise<LineResult[]> {
    return this.enqueue(async () => {
      const results: LineResult[] = [];
      const size = Math.max(1, opts.batchSize ?? 50);
      for (let i = 0; i < lines.length; i += size) {
        const batch = lines.slice(i, i + size);
        this.startCommand();
        await this.writeAll(batch.join("\n") + "\n");
        await this.waitForLines(batch.length, opts.timeoutMs ?? this.opts.timeoutMs);
        const text = normalizeTerminalText(this.raw);
        this.resetBuffer();
        const segments = this.splitByPrompts(text);
        for (let j = 0; j < batch.length; j++) {
          const seg = segments[j] ?? { text: "", prompt: "" };
          const line = batch[j]!;
          const nl = seg.text.indexOf("\n");
          const output = (nl >= 0 ? seg.text.slice(nl + 1) : "").replace(/\n$/, "");
          results.push({ line, output, prompt: seg.prompt });
          if (seg.prompt) this.lastPrompt = seg.prompt;
        }
        if (opts.stopOn && results.slice(-batch.length).some((r) => opts.stopOn!.test(r.output))) break;
      }
      return results;
    });
  }

  /** Writes raw data (e.g. configuration text after "load merge terminal"), honouring back-pressure. */
  write(data: string): Promise<void> {
    return this.enqueue(() => this.writeAll(data));
  }

  close(): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.channel.destroy();
        resolve();
      }, 1_000);
      this.channel.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.channel.close();
    });
  }

  destroy(): void {
    this.closedFlag = true;
    this.channel.destroy();
  }

  // -------------------------------------------------------------------------------------

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.broken) throw this.broken;
      if (this.closedFlag) throw new DriverError(`the CLI session to ${this.opts.label} is closed`, true);
      return fn();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private startCommand(): void {
    const leftover = normalizeTerminalText(this.raw).trim();
    if (leftover) this.notices.push(leftover);
    this.resetBuffer();
  }

  private async runNow(command: string, opts: RunOptions): Promise<RunResult> {
    if (!opts.keepBuffer) this.startCommand();
    await this.writeAll(opts.noNewline ? command : command + "\n");
    const expect = opts.expect ?? [];
    const matched = await this.waitForEnd(
      expect,
      opts.timeoutMs ?? this.opts.timeoutMs,
      `'${command.replace(/[\x00-\x1f]/g, "")}'`,
    );
    const text = normalizeTerminalText(this.raw);
    this.resetBuffer();
    let body: string;
    let prompt: string;
    if (matched < 0) {
      const tailStart = Math.max(0, text.length - TAIL);
      const m = this.endRe.exec(text.slice(tailStart))!;
      const at = tailStart + m.index + (m[0].startsWith("\n") ? 1 : 0);
      body = text.slice(0, at);
      prompt = m[1]!;
      this.lastPrompt = prompt;
    } else {
      const re = expect[matched]!;
      const tailStart = Math.max(0, text.length - TAIL);
      const m = re.exec(text.slice(tailStart));
      const at = m ? tailStart + m.index : text.length;
      body = text.slice(0, at);
      prompt = m?.[0] ?? "";
    }
    return { output: stripEcho(body, command), prompt, matched };
  }

  private splitByPrompts(text: string): Array<{ text: string; prompt: string }> {
    const out: Array<{ text: string; prompt: string }> = [];
    this.lineRe.lastIndex = 0;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = this.lineRe.exec(text))) {
      if (m[0] === "") {
        this.lineRe.lastIndex++;
        continue;
      }
      out.push({ text: text.slice(last, m.index), prompt: m[0] });
      last = m.index + m[0].length;
    }
    return out;
  }

  private countPrompts(text: string): number {
    this.lineRe.lastIndex = 0;
    let n = 0;
    let m: RegExpExecArray | null;
    while ((m = this.lineRe.exec(text))) {
      if (m[0] === "") this.lineRe.lastIndex++;
      else n++;
    }
    return n;
  }

  private waitForLines(count: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const test = () => {
        const tail = normalizeTerminalText(this.tail);
        if (!this.endRe.test(tail)) return false;
        return this.countPrompts(normalizeTerminalText(this.raw)) >= count;
      };
      this.setWaiter(test, resolve, reject, timeoutMs, "configuration lines");
    });
  }

  private waitForEnd(expect: RegExp[], timeoutMs: number, what: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let which = -1;
      const test = () => {
        const tail = normalizeTerminalText(this.tail);
        if (this.endRe.test(tail)) {
          which = -1;
          return true;
        }
        for (let i = 0; i < expect.length; i++) {
          if (expect[i]!.test(tail)) {
            which = i;
            return true;
          }
        }
        return false;
      };
      this.setWaiter(test, () => resolve(which), reject, timeoutMs, what);
    });
  }

  private setWaiter(
    test: () => boolean,
    resolve: () => void,
    reject: (e: Error) => void,
    timeoutMs: number,
    what: string,
  ): void {
    if (this.broken) return reject(this.broken);
    if (this.closedFlag)
      return reject(new DriverError(`the CLI session to ${this.opts.label} is closed`, true));
    const timer = setTimeout(() => {
      const err = new DriverError(
        this.opts.redactor.redact(
          `timed out after ${timeoutMs} ms waiting for ${this.opts.label} to answer ${what}${this.tailForError()}`,
        ),
        true,
      );
      this.fail(err);
      this.channel.destroy();
    }, timeoutMs);
    this.waiter = { test, resolve, reject, timer };
    if (test()) this.settle();
  }

  private settle(): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    clearTimeout(w.timer);
    w.resolve();
  }

  private fail(err: DriverError): void {
    if (!this.broken) this.broken = err;
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    clearTimeout(w.timer);
    w.reject(err);
  }

  private onData(chunk: Buffer): void {
    this.bytes += chunk.length;
    const text = this.decoder.write(chunk);
    this.parts.push(text);
    this.tail = this.tail.length + text.length > TAIL ? (this.tail + text).slice(-TAIL) : this.tail + text;
    if (this.bytes > this.opts.maxOutputBytes) {
      this.resetBuffer();
      this.fail(
        outputLimitError(`a command on ${this.opts.label}`, this.opts.maxOutputBytes, this.opts.redactor),
      );
      this.channel.destroy();
      return;
    }
    if (this.waiter && this.waiter.test()) this.settle();
  }

  private async writeAll(data: string): Promise<void> {
    if (this.closedFlag) throw new DriverError(`the CLI session to ${this.opts.label} is closed`, true);
    const CHUNK = 32 * 1024;
    for (let i = 0; i < data.length; i += CHUNK) {
      const ok = this.channel.write(data.slice(i, i + CHUNK));
      if (!ok) {
        await new Promise<void>((resolve) => {
          const done = () => {
            this.channel.removeListener("drain", done);
            this.channel.removeListener("close", done);
            resolve();
          };
          this.channel.once("drain", done);
          this.channel.once("close", done);
        });
        if (this.closedFlag) throw new DriverError(`the CLI session to ${this.opts.label} is closed`, true);
      }
    }
  }

  private tailForError(): string {
    const tail = normalizeTerminalText(this.tail.slice(-300)).trim().split("\n").slice(-3).join(" | ");
    return tail ? `; last output: ${tail}` : "";
  }
}

/** Removes the router's echo of `command` from the start of `body`. */
export function stripEcho(body: string, command: string): string {
  const cmd = command.replace(/[\x00-\x1f]/g, "").trim();
  const nl = body.indexOf("\n");
  const first = (nl >= 0 ? body.slice(0, nl) : body).trim();
  if (cmd && first && (first === cmd || first.endsWith(cmd) || cmd.startsWith(first))) {
    return nl >= 0 ? body.slice(nl + 1) : "";
  }
  if (!cmd && first === "") return nl >= 0 ? body.slice(nl + 1) : "";
  return body;
}
