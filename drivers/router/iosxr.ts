// Cisco IOS-XR over the SSH CLI.
//
// Deploy:  configure exclusive            (locks out other commits until we leave; "shared"
//                                          uses plain `configure`)
//          no <owned section>             (for every owned section the router has, so that
//                                          what the candidate no longer renders goes away)
//          <candidate lines>              (typed in batches; a line the parser refuses ends the
//                                          load: `abort`, and the router's error is reported)
//          show commit changes diff       (the router's own diff: the net change)
//          commit confirmed <seconds>     (pseudo-atomic: a refused item reverts everything and
//                                          `show configuration failed` says why; XR rolls back
//                                          by itself unless confirmed)
//          commit                         (confirm), end
// Rollback: abort before a commit; `rollback configuration last 1` after one.
// State:   show bgp neighbors (text), parsed.
//
// What peerbot owns (getConfig): the top-level sections that match `ownedSections`, by default
// IOSXR_OWNED_SECTIONS: every prefix-set, as-path-set, community-set, large-community-set,
// extcommunity-set and route-policy named pb-*, and the whole `router bgp` block; that is
// everything the iosxr template renders. They are cut out of `show running-config` and
// returned grouped in that order, each as XR prints it with the "!" that closes it (so a
// render verifies only if it is laid out the same way).
// A deploy replaces them: the candidate must consist of owned sections only, and an owned
// section it no longer has (say the last pb- policy) is removed.
import type { BgpNeighbor, CommitResult } from "../../core/ports.js";
import { CliDriverBase, type CliDriverOptions } from "./base/cli-driver.js";
import type { RouterDescription } from "./base/serial-driver.js";
import { parseIosXrVersion } from "./base/versions.js";
import { ownedIosSections, splitIosSections, unownedIosHeaders } from "./base/ios-config.js";
import { parseRouterAsn, parseDuration, toBgpState } from "./base/router-text.js";
import type { DriverError } from "../ssh/errors.js";
import { escapeRegExp, type PromptSpec } from "../ssh/shell.js";

export interface IosXrDriverOptions extends CliDriverOptions {
  /** "exclusive" (default) or "shared" (plain `configure`). */
  configMode?: "exclusive" | "shared";
  /**
   * The top-level sections peerbot owns, as the first words of their header with `*` for any
   * characters in a word ("route-policy pb-*", "router bgp"). Default IOSXR_OWNED_SECTIONS.
   */
  ownedSections?: string[];
  /** Configuration lines sent per round trip. Default 50. */
  batchSize?: number;
}

// "RP/0/RP0/CPU0:router#", "RP/0/RSP0/CPU0:router(config-bgp-nbr)#". XR shortens a long
// hostname in configuration modes, so the exact prompt only pins its first 20 characters.
export const IOSXR_PROMPT: PromptSpec = {
  initial: "(?<host>[A-Za-z0-9._/:-]+?)(?:\\([^)\\n]*\\))?#",
  exact: (host) => `${escapeRegExp(host.slice(0, 20))}[A-Za-z0-9._-]*(?:\\([^)\\n]*\\))?#`,
};

const IOSXR_INIT = ["terminal length 0", "terminal width 511"];

/** What the iosxr template renders, in the order getConfig returns it (see templates/router/README.md). */
export const IOSXR_OWNED_SECTIONS = [
  "prefix-set pb-*",
  "as-path-set pb-*",
  "community-set pb-*",
  "large-community-set pb-*",
  "extcommunity-set * pb-*",
  "route-policy pb-*",
  "router bgp",
];

/** Sections whose body ends with a keyword of its own (RPL). */
const XR_BLOCKS: Record<string, string> = {
  "route-policy": "end-policy",
  "prefix-set": "end-set",
  "as-path-set": "end-set",
  "community-set": "end-set",
  "large-community-set": "end-set",
  "extcommunity-set": "end-set",
};

// XR's parser and commit errors start with "%" ("% Invalid input detected at '^' marker.").
const LINE_ERROR = /^\s*%\s*\S/m;
const COMMIT_FAILED = /%\s*Failed to commit/;
const LOCKED = /lock(ed)?\b/i;
const PROCEED_QUESTION = /Do you wish to proceed with this commit anyway\? ?\[no\]: ?$/;
const UNCOMMITTED_QUESTION =
  /Uncommitted changes found, commit them before exiting\(yes\/no\/cancel\)\? ?\[cancel\]: ?$/;
const TIMESTAMP =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d+ \d\d:\d\d:\d\d(\.\d+)? \S+$/;

/** Drops XR's timestamp line and configuration headers from command output. */
export function cleanIosXrOutput(output: string): string {
  return output
    .split("\n")
    .filter((l) => !TIMESTAMP.test(l.trim()) && l.trim() !== "Building configuration...")
    .filter((l) => !/^!! (IOS XR Configuration|Last configuration change)/.test(l))
    .join("\n")
    .replace(/\n+$/, "");
}

export class IosXrDriver extends CliDriverBase {
  private readonly configMode: "exclusive" | "shared";
  private readonly ownedSections: string[];
  private readonly batchSize: number;
  private inConfigMode = false;

  constructor(opts: IosXrDriverOptions) {
    super(opts, IOSXR_PROMPT, IOSXR_INIT);
    this.configMode = opts.configMode ?? "exclusive";
    this.ownedSections = opts.ownedSections ?? IOSXR_OWNED_SECTIONS;
    this.batchSize = opts.batchSize ?? 50;
  }

  protected async doGetConfig(): Promise<string> {
    const owned = await this.readOwned();
    return owned.length ? owned.map((s) => s.lines.join("\n")).join("\n") + "\n" : "";
  }

  /** The owned sections of the running configuration, as XR prints them. */
  private async readOwned() {
    const out = await this.exec("show running-config");
    // An error is the whole answer; a "%" further down may be configuration (a banner).
    if (/^%/.test(out.trimStart()) && !/No such configuration item/i.test(out))
      throw this.failure(`${this.label} refused 'show running-config'`, lineErrors(out), out);
    return ownedIosSections(splitIosSections(out, XR_BLOCKS), this.ownedSections);
  }

  protected async doLoadCandidate(config: string): Promise<void> {
    this.requireState(["idle", "editing", "confirmed", "reverted"], "load a candidate");
    const outside = unownedIosHeaders(config, this.ownedSections, XR_BLOCKS);
    if (outside.length)
      throw this.notOwned(
        outside.map((h) => `'${h}'`),
        this.ownedSections,
      );
    if (this.state === "editing") await this.abort();
    await this.enterConfigMode();
    this.state = "editing";
    // Remove what peerbot owns first: the candidate then replaces it instead of merging into
    // it, and XR commits only the net difference.
    const removals = [...new Set((await this.readOwned()).map((s) => `no ${s.header}`))];
    const lines = config
      .split(/\r?\n/)
      .map((l) => l.replace(/\s+$/, ""))
      .filter((l) => l.trim() !== "" && l.trim() !== "!" && l.trim() !== "end");
    const results = await this.session.runLines([...removals, ...lines], {
      batchSize: this.batchSize,
      stopOn: LINE_ERROR,
    });
    const bad = results.find((r) => LINE_ERROR.test(r.output));
    if (bad) {
      await this.abort();
      const detail = bad.output
        .split("\n")
        .filter((l) => l.trim() && !/^\s*\^\s*$/.test(l))
        .join("\n");
      throw this.failure(`${this.label} rejected the line '${bad.line.trim()}'`, lineErrors(detail), detail);
    }
  }

  protected async doCompare(): Promise<string> {
    this.requireState(["editing"], "compare");
    const out = await this.cfg("show commit changes diff");
    if (LINE_ERROR.test(out))
      throw this.failure(`'show commit changes diff' failed on ${this.label}`, lineErrors(out), out);
    const body = out.replace(/\n?end\s*$/, "");
    return this.redact(body.trim() ? body : "");
  }

  protected async doCommit(confirmSeconds: number): Promise<CommitResult> {
    this.requireState(["editing"], "commit");
    const seconds = Math.min(65535, Math.max(30, Math.ceil(confirmSeconds)));
    const res = await this.session.run(`commit confirmed ${seconds}`, {
      expect: [PROCEED_QUESTION],
      timeoutMs: this.commitTimeoutMs,
    });
    const out = cleanIosXrOutput(res.output);
    if (res.matched === 0) {
      await this.session.run("no");
      await this.abort();
      throw this.error(
        `another session committed on ${this.label} while peerbot's change was staged; the reviewed diff may be stale, so nothing was committed`,
        true,
      );
    }
    if (/No configuration changes to commit/i.test(out)) {
      // Nothing differed: nothing was committed, so there is nothing to confirm either.
      this.state = "confirmed";
      await this.leaveConfigMode();
      return { output: this.redact(out) };
    }
    if (COMMIT_FAILED.test(out)) throw await this.commitFailed(out);
    if (LINE_ERROR.test(out)) {
      const lock = LOCKED.test(out);
      await this.abort();
      throw this.failure(
        lock
          ? `the configuration of ${this.label} is locked by another session`
          : `commit confirmed failed on ${this.label}`,
        lineErrors(out),
        out,
        lock,
      );
    }
    this.startConfirmTimer(seconds);
    return { output: this.redact(out) };
  }

  protected async doConfirm(): Promise<void> {
    const res = await this.session.run("commit", {
      expect: [PROCEED_QUESTION],
      timeoutMs: this.commitTimeoutMs,
    });
    const out = cleanIosXrOutput(res.output);
    if (res.matched === 0) {
      await this.session.run("no");
      throw this.error(
        `confirming the commit on ${this.label} was refused: another session committed meanwhile`,
      );
    }
    if (/No configuration changes to commit/i.test(out)) {
      throw this.rolledBackByRouter("the router reported no pending commit");
    }
    if (COMMIT_FAILED.test(out) || LINE_ERROR.test(out)) {
      throw this.failure(`confirming the commit on ${this.label} failed`, lineErrors(out), out);
    }
    this.state = "confirmed";
    await this.leaveConfigMode();
  }

  protected async doRollback(): Promise<void> {
    const undo = this.state === "confirmed" || (this.state === "pending" && !this.confirmTimerExpired());
    if (!undo) {
      // editing: discard. reverted / expired: XR already undid it. idle: nothing of ours.
      await this.abort();
      this.state = "idle";
      return;
    }
    await this.leaveConfigMode();
    const out = await this.exec("rollback configuration last 1", this.commitTimeoutMs);
    if (!/successfully rolled back/i.test(out)) {
      throw this.error(`'rollback configuration last 1' failed on ${this.label}: ${out.trim()}`);
    }
    this.state = "idle";
  }

  protected async identify(): Promise<RouterDescription> {
    const out = await this.exec("show version");
    if (LINE_ERROR.test(out))
      throw this.failure(`'show version' failed on ${this.label}`, lineErrors(out), out);
    return parseIosXrVersion(out);
  }

  protected async doGetBgpNeighbors(): Promise<BgpNeighbor[]> {
    const out = await this.exec("show bgp neighbors");
    if (LINE_ERROR.test(out))
      throw this.failure(`'show bgp neighbors' failed on ${this.label}`, lineErrors(out), out);
    return parseIosXrBgpNeighbors(out);
  }

  protected async doClose(): Promise<void> {
    try {
      if (this.session.isOpen && this.inConfigMode) {
        if (this.state === "editing") await this.abort();
        else await this.leaveConfigMode();
      }
    } catch {
      // closing anyway
    }
    this.inConfigMode = false;
    await this.session.close();
  }

  // -------------------------------------------------------------------------------------

  /** An exec-mode command, from whichever mode we are in ("do" in configuration mode). */
  private async exec(command: string, timeoutMs?: number): Promise<string> {
    const res = await this.session.run(
      this.inConfigMode ? `do ${command}` : command,
      timeoutMs ? { timeoutMs } : {},
    );
    return cleanIosXrOutput(res.output);
  }

  private async cfg(command: string, timeoutMs?: number): Promise<string> {
    const res = await this.session.run(command, timeoutMs ? { timeoutMs } : {});
    return cleanIosXrOutput(res.output);
  }

  private async enterConfigMode(): Promise<void> {
    if (this.inConfigMode) return;
    const cmd = this.configMode === "exclusive" ? "configure exclusive" : "configure terminal";
    const res = await this.session.run(cmd);
    const out = cleanIosXrOutput(res.output);
    if (!res.prompt.includes("(config")) {
      const lock = LOCKED.test(out);
      throw this.error(
        lock
          ? `the configuration of ${this.label} is locked by another session; try again when it is released:\n${out.trim()}`
          : `could not enter configuration mode on ${this.label}: ${out.trim()}`,
        lock,
      );
    }
    this.inConfigMode = true;
  }

  /** Discards the staged candidate and leaves configuration mode. */
  private async abort(): Promise<void> {
    if (!this.inConfigMode) return;
    await this.session.run("abort");
    this.inConfigMode = false;
  }

  /** Leaves configuration mode without committing anything that might be staged. */
  private async leaveConfigMode(): Promise<void> {
    if (!this.inConfigMode) return;
    const res = await this.session.run("end", { expect: [UNCOMMITTED_QUESTION] });
    if (res.matched === 0) await this.session.run("no");
    this.inConfigMode = false;
  }

  private async commitFailed(out: string): Promise<DriverError> {
    const failed = await this.cfg("show configuration failed").catch(() => "");
    await this.abort().catch(() => undefined);
    this.state = "idle";
    const detail = failed
      .split("\n")
      .filter((l) => /^!!%/.test(l.trim()) || (/\S/.test(l) && !/^[!\s]*$/.test(l) && !/^!!/.test(l)))
      .filter((l) => !/^end$/.test(l.trim()))
      .join("\n");
    const headline = out
      .split("\n")
      .find((l) => COMMIT_FAILED.test(l))
      ?.trim();
    const reasons = parseIosXrFailed(failed);
    return this.failure(
      `${this.label} refused the commit, nothing was applied`,
      reasons.length ? reasons : headline ? [headline] : [],
      `${headline ?? ""}\n${detail}`,
      LOCKED.test(out),
    );
  }
}

/** XR's "% ..." lines, trimmed. */
function lineErrors(out: string): string[] {
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^%\s*\S/.test(l));
}

/**
 * The reasons in `show configuration failed`: each "!!% <message>" after the item it refuses,
 * as "<the item's configuration path, joined by ' > '>: <message>".
 */
export function parseIosXrFailed(text: string): string[] {
  const reasons: string[] = [];
  const path: Array<{ indent: number; line: string }> = [];
  for (const raw of text.split("\n")) {
    const t = raw.trim();
    if (!t) continue;
    if (t.startsWith("!!%")) {
      const where = path.map((p) => p.line).join(" > ");
      const msg = t.slice(3).trim();
      reasons.push(where ? `${where}: ${msg}` : msg);
      continue;
    }
    if (t.startsWith("!") || t === "end") continue;
    const indent = raw.length - raw.trimStart().length;
    while (path.length && path[path.length - 1]!.indent >= indent) path.pop();
    path.push({ indent, line: t });
  }
  return reasons;
}

// ---------------------------------------------------------------------------------------
// show bgp neighbors
// ---------------------------------------------------------------------------------------

/**
 * Parses IOS-XR `show bgp neighbors`. Per neighbour: "BGP neighbor is <addr>", " Remote AS
 * <asn>, local AS ...", " Description: ...", "  BGP state = <state>, up for <time>", and per
 * address family "  N accepted prefixes, M are bestpaths" and "  Prefix advertised N, ...".
 * Counts are summed over the neighbour's address families. XR reports accepted prefixes (what
 * its "PfxRcd" column shows); without soft-reconfiguration inbound it has no separate
 * pre-policy count, so receivedPrefixes is the accepted count.
 */
export function parseIosXrBgpNeighbors(text: string): BgpNeighbor[] {
  const result: BgpNeighbor[] = [];
  let cur: BgpNeighbor | undefined;
  let start = 0;
  const len = text.length;
  while (start < len) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = len;
    const raw = text.slice(start, end);
    start = end + 1;
    const line = raw.trim();
    if (!line) continue;
    const c = line.charCodeAt(0);
    if (c === 66 /* B */) {
      if (line.startsWith("BGP neighbor is ")) {
        const addr = line.slice(16).split(/[\s,]/)[0]!;
        cur = { remoteAddress: addr, remoteAs: NaN, state: "idle" };
        result.push(cur);
        continue;
      }
      if (cur && line.startsWith("BGP state = ")) {
        const m = /^BGP state = ([A-Za-z]+)[^,]*(?:, up for (\S+))?/.exec(line);
        if (m) {
          cur.state = toBgpState(m[1]);
          if (cur.state === "established" && m[2]) {
            const secs = parseDuration(m[2]);
            if (secs !== undefined) cur.uptimeSeconds = secs;
          }
        }
      }
      continue;
    }
    if (!cur) continue;
    if (c === 82 /* R */ && line.startsWith("Remote AS ")) {
      cur.remoteAs = parseRouterAsn(line.slice(10).split(/[\s,]/)[0]);
    } else if (c === 68 /* D */ && line.startsWith("Description: ")) {
      cur.description = line.slice(13);
    } else if (c >= 48 && c <= 57 /* digit */) {
      const m = /^(\d+) accepted prefixes/.exec(line);
      if (m) {
        const n = Number(m[1]);
        cur.acceptedPrefixes = (cur.acceptedPrefixes ?? 0) + n;
        cur.receivedPrefixes = (cur.receivedPrefixes ?? 0) + n;
      }
    } else if (c === 80 /* P */ && line.startsWith("Prefix advertised ")) {
      const n = Number(line.slice(18).split(/[\s,]/)[0]);
      if (Number.isFinite(n)) cur.advertisedPrefixes = (cur.advertisedPrefixes ?? 0) + n;
    }
  }
  return result;
}
