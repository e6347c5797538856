// Shared pieces of the CLI router drivers (Junos, IOS-XR, EOS): options, the deploy state
// machine, the confirm deadline, error helpers, small parsing helpers for BGP state, and the
// owned-section helpers of the IOS-style configurations (IOS-XR, EOS).
import { CliRouterSession } from "../../ssh/cli-session.js";
import type { SshTarget, SshTimeouts } from "../../ssh/connection.js";
import { DriverError } from "../../ssh/errors.js";
import type { SshPool } from "../../ssh/pool.js";
import { oneLineReasons } from "./router-text.js";
import { SerialDriver, type DeployState, type RouterDescription } from "./serial-driver.js";
import type { PromptSpec } from "../../ssh/shell.js";

export interface CliDriverOptions {
  /** The shared pool: one connection per router, used by deploys and polling alike. */
  pool: SshPool;
  /** Where and how to log in (see targetFromRouter). */
  target: SshTarget;
  timeouts?: Partial<SshTimeouts>;
  /** How long a commit (check) may take. Default 5 minutes. */
  commitTimeoutMs?: number;
  /** Strings that must never appear in an error or output (BGP passwords the caller knows). */
  redact?: string[];
  /** Milliseconds since the epoch; tests replace it. */
  now?: () => number;
}

export type { DeployState };

/** The CLI drivers (Junos, IOS-XR, EOS): one CliRouterSession, a confirm deadline on our clock. */
export abstract class CliDriverBase extends SerialDriver {
  protected readonly session: CliRouterSession;
  /** When the router will undo the pending commit by itself (our clock, conservative). */
  protected confirmDeadline = 0;
  protected readonly commitTimeoutMs: number;

  protected constructor(
    protected readonly opts: CliDriverOptions,
    prompt: PromptSpec,
    init: string[],
  ) {
    super(opts.now);
    this.session = new CliRouterSession({
      pool: opts.pool,
      target: opts.target,
      prompt,
      init,
      timeouts: opts.timeouts,
      redact: opts.redact,
    });
    this.commitTimeoutMs = opts.commitTimeoutMs ?? 300_000;
  }

  protected get label(): string {
    return this.session.label;
  }

  /** Opens the CLI (the connection within `connectTimeoutMs`), then asks the platform's version command. */
  protected async doDescribe(opts: { connectTimeoutMs?: number }): Promise<RouterDescription> {
    await this.session.shell(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : undefined);
    return this.identify();
  }

  /** The platform's `show version`, parsed. */
  protected abstract identify(): Promise<RouterDescription>;

  /**
   * Confirming twice is harmless; after the router undid the commit by itself (or our clock
   * says it has), confirm says so instead of committing anything. Only a pending commit
   * within its timer reaches doConfirm.
   */
  override confirm(): Promise<void> {
    return this.serial(async () => {
      if (this.state === "confirmed") return;
      if (this.state === "reverted") throw this.rolledBackByRouter();
      this.requireState(["pending"], "confirm");
      if (this.confirmTimerExpired()) throw this.rolledBackByRouter();
      await this.doConfirm();
    });
  }

  protected redact(text: string): string {
    return this.session.redactor.redact(text);
  }

  protected error(message: string, transient = false): DriverError {
    return this.session.redactor.error(message, transient);
  }

  /**
   * A failure whose first line says why: `<what>: <the router's reasons, on one line>` (its
   * first line of output when no reason was recognised), then the router's own lines. The
   * reasons are redacted before they are clipped, so a clip can never leave part of a secret
   * behind; core shows only the first line in chat.
   */
  protected failure(what: string, reasons: string[], detail: string, transient = false): DriverError {
    const rest = detail.trim();
    const why = reasons.length ? reasons : rest.split("\n", 1);
    const summary = oneLineReasons(why.map((r) => this.redact(r)));
    return this.error(`${what}${summary ? `: ${summary}` : ""}${rest ? `\n${rest}` : ""}`, transient);
  }

  /**
   * A candidate with parts peerbot does not own (`parts` as the platform names them): refused
   * before anything is sent, since getConfig would never read them back and the deploy could
   * never be verified.
   */
  protected notOwned(parts: string[], owned: string[]): DriverError {
    const shown = parts.slice(0, 3).join(", ") + (parts.length > 3 ? `, and ${parts.length - 3} more` : "");
    return this.error(
      `the candidate for ${this.label} configures what peerbot does not own (${shown}): it would never be read back, so the deploy could not be verified; peerbot owns ${owned.join(", ")}`,
    );
  }

  protected requireState(allowed: DeployState[], action: string): void {
    if (!allowed.includes(this.state)) {
      throw new DriverError(`cannot ${action} on ${this.label}: the deploy is ${this.state}`);
    }
  }

  protected startConfirmTimer(seconds: number): void {
    this.state = "pending";
    this.confirmDeadline = this.now() + seconds * 1000;
  }

  /** True when our own clock says the router has already undone the commit. */
  protected confirmTimerExpired(): boolean {
    return this.state === "pending" && this.now() >= this.confirmDeadline;
  }

  protected rolledBackByRouter(detail = ""): DriverError {
    this.state = "reverted";
    return this.error(
      `the confirm timer on ${this.label} expired before the commit was confirmed: the router rolled the change back by itself` +
        (detail ? ` (${detail})` : ""),
    );
  }
}
