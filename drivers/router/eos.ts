// Arista EOS over the SSH CLI, with configuration sessions.
//
// Deploy:  configure checkpoint save <cp>        (so that a confirmed change can be undone)
//          configure session <name>             (a private candidate)
//          no <owned section>                   (for every owned section the router has, so
//                                                that what the candidate no longer renders
//                                                goes away)
//          <candidate lines>                    (EOS checks each line as it is typed)
//          show session-config diffs            (the router's own unified diff)
//          commit timer <hh:mm:ss>              (EOS reverts by itself unless confirmed)
//          configure session <name> commit      (confirm)
// Rollback: abort (staged), `configure session <name> abort` (timer running),
//           `configure checkpoint restore <cp>` (confirmed).
// State:   show ip bgp summary | json, show ipv6 bgp summary | json.
//
// What peerbot owns (getConfig): the top-level sections of `show running-config` that match
// `ownedSections`, by default EOS_OWNED_SECTIONS: the prefix-lists, as-path and community
// lists and route-map entries named pb-*, and the whole `router bgp` block; that is
// everything the eos template renders. They are returned grouped in that order, each as EOS
// prints it with the "!" that closes it. (The whole configuration is read and cut rather than
// asked for with `section <regex>`, whose regex also matches sections that merely mention a
// pb- name, such as router bgp.) A deploy replaces them: the candidate must consist of owned
// sections only, and an owned section it no longer has is removed.
import { randomBytes } from "node:crypto";
import type { BgpNeighbor, CommitResult } from "../../core/ports.js";
import { CliDriverBase, type CliDriverOptions } from "./base/cli-driver.js";
import type { RouterDescription } from "./base/serial-driver.js";
import { parseEosVersion } from "./base/versions.js";
import { ownedIosSections, splitIosSections, unownedIosHeaders } from "./base/ios-config.js";
import { parseRouterAsn, toBgpState } from "./base/router-text.js";
import { escapeRegExp, type PromptSpec } from "../ssh/shell.js";

export interface EosDriverOptions extends CliDriverOptions {
  /**
   * The top-level sections peerbot owns, as the first words of their header with `*` for any
   * characters in a word ("route-map pb-*", "router bgp"). Default EOS_OWNED_SECTIONS.
   */
  ownedSections?: string[];
  /** Prefix of the configuration session names. Default "peerbot". */
  sessionPrefix?: string;
  /** Configuration lines sent per round trip. Default 50. */
  batchSize?: number;
}

// "switch>", "switch#", "switch(config-s-peerbo)#", "switch(config-s-peerbo-router-bgp)#"
export const EOS_PROMPT: PromptSpec = {
  initial: "(?<host>[A-Za-z0-9._-]+)(?:\\([^)\\n]*\\))?[>#] ?",
  exact: (host) => `${escapeRegExp(host)}(?:\\([^)\\n]*\\))?[>#] ?`,
};

const EOS_INIT = ["enable", "terminal length 0", "terminal width 32767"];

/** What the eos template renders, in the order getConfig returns it (see templates/router/README.md). */
export const EOS_OWNED_SECTIONS = [
  "ip prefix-list pb-*",
  "ipv6 prefix-list pb-*",
  "ip as-path access-list pb-*",
  "ip community-list pb-*",
  "ip large-community-list pb-*",
  "ip extcommunity-list pb-*",
  "route-map pb-*",
  "router bgp",
];

// EOS prefixes every error (and only errors) with "% ".
const EOS_ERROR = /^\s*% ?\S/m;
const LOCKED = /\block(ed)?\b/i;

function hms(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return [h, m, r].map((n) => String(n).padStart(2, "0")).join(":");
}

export class EosDriver extends CliDriverBase {
  private readonly ownedSections: string[];
  private readonly prefix: string;
  private readonly batchSize: number;
  private sessionName = "";
  private checkpoint = "";
  private inSession = false;

  constructor(opts: EosDriverOptions) {
    super(opts, EOS_PROMPT, EOS_INIT);
    this.ownedSections = opts.ownedSections ?? EOS_OWNED_SECTIONS;
    this.prefix = opts.sessionPrefix ?? "peerbot";
    this.batchSize = opts.batchSize ?? 50;
  }

  /** The configuration session of the current deploy ("" before loadCandidate). */
  get configSession(): string {
    return this.sessionName;
  }

  protected async doGetConfig(): Promise<string> {
    const owned = await this.readOwned();
    return owned.length ? owned.map((s) => s.lines.join("\n")).join("\n") + "\n" : "";
  }

  /** The owned sections of the running configuration, as EOS prints them. */
  private async readOwned() {
    const out = await this.run("show running-config");
    // An error is the whole answer; a "%" further down may be configuration (a banner).
    if (/^%/.test(out.trimStart()))
      throw this.failure(`${this.label} refused 'show running-config'`, eosErrors(out), out);
    return ownedIosSections(splitIosSections(out), this.ownedSections);
  }

  protected async doLoadCandidate(config: string): Promise<void> {
    this.requireState(["idle", "editing", "confirmed", "reverted"], "load a candidate");
    const outside = unownedIosHeaders(config, this.ownedSections);
    if (outside.length)
      throw this.notOwned(
        outside.map((h) => `'${h}'`),
        this.ownedSections,
      );
    if (this.state === "editing") await this.abortSession();
    // What peerbot owns now, removed first in the session: the candidate then replaces it
    // instead of merging into it.
    const removals = [...new Set((await this.readOwned()).map((s) => `no ${s.header}`))];
    const id = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
    this.sessionName = `${this.prefix}-${id}`;
    this.checkpoint = `${this.prefix}-pre-${id}`;

    const saved = await this.run(`configure checkpoint save ${this.checkpoint}`);
    if (EOS_ERROR.test(saved)) this.checkpoint = ""; // rollback after confirm will say so

    const entered = await this.session.run(`configure session ${this.sessionName}`);
    if (EOS_ERROR.test(entered.output) || !entered.prompt.includes("(config-s-")) {
      const lock = LOCKED.test(entered.output);
      throw this.failure(
        lock
          ? `the configuration of ${this.label} is locked by another session`
          : `could not open configuration session ${this.sessionName} on ${this.label}`,
        eosErrors(entered.output),
        entered.output,
        lock,
      );
    }
    this.inSession = true;
    this.state = "editing";
    const lines = config
      .split(/\r?\n/)
      .map((l) => l.replace(/\s+$/, ""))
      .filter((l) => l.trim() !== "" && l.trim() !== "!" && l.trim() !== "end");
    const results = await this.session.runLines([...removals, ...lines], {
      batchSize: this.batchSize,
      stopOn: EOS_ERROR,
    });
    const bad = results.find((r) => EOS_ERROR.test(r.output));
    if (bad) {
      await this.abortSession();
      throw this.failure(
        `${this.label} rejected the line '${bad.line.trim()}'`,
        eosErrors(bad.output),
        bad.output,
      );
    }
  }

  protected async doCompare(): Promise<string> {
    this.requireState(["editing"], "compare");
    const out = await this.run("show session-config diffs");
    if (EOS_ERROR.test(out))
      throw this.failure(`'show session-config diffs' failed on ${this.label}`, eosErrors(out), out);
    return this.redact(out.replace(/\n+$/, ""));
  }

  protected async doCommit(confirmSeconds: number): Promise<CommitResult> {
    this.requireState(["editing"], "commit");
    const seconds = Math.max(30, Math.ceil(confirmSeconds));
    const res = await this.session.run(`commit timer ${hms(seconds)}`, { timeoutMs: this.commitTimeoutMs });
    const out = res.output.replace(/\n+$/, "");
    if (EOS_ERROR.test(out)) {
      const lock = LOCKED.test(out);
      await this.abortSession().catch(() => undefined);
      this.state = "idle";
      throw this.failure(
        lock
          ? `the configuration of ${this.label} is locked by another session, nothing was applied`
          : `${this.label} refused the commit, nothing was applied`,
        eosErrors(out),
        out,
        lock,
      );
    }
    this.inSession = res.prompt.includes("(config-s-");
    this.startConfirmTimer(seconds);
    return { output: this.redact(out) };
  }

  protected async doConfirm(): Promise<void> {
    await this.leaveSession();
    const out = await this.run(`configure session ${this.sessionName} commit`, this.commitTimeoutMs);
    if (EOS_ERROR.test(out)) {
      if (/not found|does not exist|no such|expired|rolled back|not pending/i.test(out)) {
        throw this.rolledBackByRouter(out.trim());
      }
      throw this.failure(
        `confirming session ${this.sessionName} failed on ${this.label}`,
        eosErrors(out),
        out,
      );
    }
    this.state = "confirmed";
  }

  protected async doRollback(): Promise<void> {
    if (this.state === "editing") {
      await this.abortSession();
      this.state = "idle";
      return;
    }
    if (this.state === "pending" && !this.confirmTimerExpired()) {
      await this.leaveSession();
      const out = await this.run(`configure session ${this.sessionName} abort`, this.commitTimeoutMs);
      if (EOS_ERROR.test(out) && !/not found|does not exist|no such/i.test(out)) {
        throw this.failure(
          `aborting session ${this.sessionName} failed on ${this.label}`,
          eosErrors(out),
          out,
        );
      }
      this.state = "idle";
      return;
    }
    if (this.state !== "confirmed") {
      // reverted / expired: EOS already undid it. idle: nothing of ours to undo.
      await this.leaveSession();
      this.state = "idle";
      return;
    }
    if (!this.checkpoint) {
      throw this.error(
        `no checkpoint of ${this.label} from before the change is known to this driver; restore one with 'configure checkpoint restore'`,
      );
    }
    await this.leaveSession();
    const out = await this.run(`configure checkpoint restore ${this.checkpoint}`, this.commitTimeoutMs);
    if (EOS_ERROR.test(out)) {
      throw this.failure(
        `restoring checkpoint ${this.checkpoint} failed on ${this.label}`,
        eosErrors(out),
        out,
      );
    }
    this.state = "idle";
  }

  protected async identify(): Promise<RouterDescription> {
    return parseEosVersion(await this.run("show version | json"));
  }

  protected async doGetBgpNeighbors(): Promise<BgpNeighbor[]> {
    const nowSeconds = this.now() / 1000;
    const out: BgpNeighbor[] = [];
    for (const cmd of ["show ip bgp summary | json", "show ipv6 bgp summary | json"]) {
      const text = await this.run(cmd);
      try {
        out.push(...parseEosBgpSummary(text, nowSeconds));
      } catch (err) {
        throw this.error(
          `could not read '${cmd}' on ${this.label}: ${(err as Error).message}; the router said: ${text.slice(0, 200)}`,
        );
      }
    }
    return out;
  }

  protected async doClose(): Promise<void> {
    try {
      if (this.session.isOpen && this.inSession) {
        if (this.state === "editing") await this.abortSession();
        else await this.leaveSession();
      }
    } catch {
      // closing anyway
    }
    this.inSession = false;
    await this.session.close();
  }

  // -------------------------------------------------------------------------------------

  private async run(command: string, timeoutMs?: number): Promise<string> {
    const res = await this.session.run(command, timeoutMs ? { timeoutMs } : {});
    return res.output.replace(/\n+$/, "");
  }

  /** Discards the staged session and returns to exec mode. */
  private async abortSession(): Promise<void> {
    if (!this.inSession) return;
    await this.session.run("abort");
    this.inSession = false;
  }

  /** Returns to exec mode, keeping the session (EOS keeps uncommitted sessions by name). */
  private async leaveSession(): Promise<void> {
    if (!this.inSession) return;
    await this.session.run("end");
    this.inSession = false;
  }
}

/** EOS's "% ..." lines, trimmed. */
function eosErrors(out: string): string[] {
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^% ?\S/.test(l));
}

// ---------------------------------------------------------------------------------------
// show ip bgp summary | json
// ---------------------------------------------------------------------------------------

interface EosPeer {
  asn?: string | number;
  peerState?: string;
  description?: string;
  upDownTime?: number;
  prefixReceived?: number;
  prefixAccepted?: number;
  prefixAdvertised?: number;
}

/**
 * Parses `show ip bgp summary | json` / `show ipv6 bgp summary | json`: vrfs -> <vrf> -> peers
 * keyed by address. `upDownTime` is the epoch time of the last state change, so the uptime
 * of an Established peer is `nowSeconds - upDownTime`. The summary has no advertised count.
 */
export function parseEosBgpSummary(jsonText: string, nowSeconds = Date.now() / 1000): BgpNeighbor[] {
  const start = jsonText.indexOf("{");
  if (start < 0) throw new Error("no JSON in the output");
  const doc = JSON.parse(start > 0 ? jsonText.slice(start) : jsonText) as {
    vrfs?: Record<string, { peers?: Record<string, EosPeer> }>;
    errors?: string[];
  };
  if (!doc.vrfs) {
    if (doc.errors?.length) throw new Error(doc.errors.join("; "));
    throw new Error("no vrfs in the JSON");
  }
  const result: BgpNeighbor[] = [];
  for (const vrf of Object.values(doc.vrfs)) {
    for (const [address, p] of Object.entries(vrf.peers ?? {})) {
      const n: BgpNeighbor = {
        remoteAddress: address,
        remoteAs: parseRouterAsn(p.asn),
        state: toBgpState(p.peerState),
      };
      if (p.description !== undefined) n.description = p.description;
      if (n.state === "established" && typeof p.upDownTime === "number") {
        n.uptimeSeconds = Math.max(0, Math.round(nowSeconds - p.upDownTime));
      }
      if (typeof p.prefixReceived === "number") n.receivedPrefixes = p.prefixReceived;
      if (typeof p.prefixAccepted === "number") n.acceptedPrefixes = p.prefixAccepted;
      if (typeof p.prefixAdvertised === "number") n.advertisedPrefixes = p.prefixAdvertised;
      result.push(n);
    }
  }
  return result;
}
