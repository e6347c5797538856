// Juniper Junos over the SSH CLI.
//
// Deploy:  configure exclusive            (lock; a private database cannot commit confirmed)
//          load replace terminal          (the rendered text, then ^D; `replace:` tags in the
//                                          text replace peerbot-owned groups wholesale)
//          show | compare                 (the router's own diff)
//          commit check                   (refusals come back with the router's error lines)
//          commit confirmed <minutes>     (Junos rolls back by itself unless confirmed)
//          commit                         (confirm; after checking `show system commit` that the
//                                          confirmed commit is still pending)
// Rollback: rollback 0 (discard) before a commit; rollback 1 + commit after one.
// State:   show bgp neighbor | display json.
//
// What peerbot owns (getConfig): the hierarchies in `ownedPaths`, by default `protocols bgp`,
// read from the running configuration (`show configuration protocols bgp`) and re-wrapped
// into top-level curly-brace text, i.e. the same shape loadCandidate takes.
//
// Why exclusive and not private: Junos refuses "commit confirmed" on a private candidate
// ("error: commit confirmed not supported for private configuration") except on a few
// recent SRX releases; peerbot will not deploy without a confirm timer. configMode "private"
// is available for those platforms. The exclusive lock also guarantees that the diff shown
// is the diff committed: nobody else can commit in between.
import type { BgpNeighbor, CommitResult } from "../../core/ports.js";
import { CliDriverBase, parseAsn, toBgpState, type CliDriverOptions } from "../ssh/cli-driver.js";
import { DriverError } from "../ssh/errors.js";
import { escapeRegExp, type PromptSpec } from "../ssh/shell.js";

export interface JunosDriverOptions extends CliDriverOptions {
  /** "exclusive" (default) or "private" (only where Junos supports commit confirmed in it). */
  configMode?: "exclusive" | "private";
  /** "replace" (default: honours `replace:` tags, merges the rest) or "merge". */
  loadMode?: "replace" | "merge";
  /** Hierarchies peerbot owns, as typed after `show configuration`. Default ["protocols bgp"]. */
  ownedPaths?: string[];
}

export const JUNOS_PROMPT: PromptSpec = {
  initial: "(?<host>[A-Za-z0-9._-]+@[A-Za-z0-9._-]+)[>#] ",
  exact: (host) => `${escapeRegExp(host)}[>#] `,
};

const JUNOS_INIT = ["set cli screen-length 0", "set cli screen-width 511", "set cli complete-on-space off"];

const BANNER_LINE =
  /^(\[edit(?: [^\]]*)?\]|\{(?:master|backup|primary|secondary|linecard)(?::[^}]*)?\}|# commit confirmed will be rolled back in .*)$/;

/**
 * Removes the banner the CLI prints above its prompt ([edit ...], {master:0}, the pending
 * "commit confirmed" notice) from the end of a command's output. "[edit ...]" lines inside
 * the output (diff headers, error locations) stay.
 */
export function cleanJunosOutput(output: string): string {
  let end = output.length;
  while (end > 0) {
    const nl = output.lastIndexOf("\n", end - 1);
    const line = output.slice(nl + 1, end).trim();
    if (line !== "" && !BANNER_LINE.test(line)) break;
    end = nl < 0 ? 0 : nl;
  }
  return output.slice(0, end);
}

const LOCKED = /error: configuration database locked by/;
const MODIFIED = /error: (?:shared )?configuration database modified/;

/** Statements in a `show configuration` path that take an identifier ("group NAME"). */
const TAKES_NAME = new Set([
  "group",
  "neighbor",
  "policy-statement",
  "prefix-list",
  "community",
  "term",
  "as-path",
  "as-path-group",
  "instance",
]);

function splitPath(path: string): string[] {
  const words = path.trim().split(/\s+/).filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (TAKES_NAME.has(w) && i + 1 < words.length) out.push(`${w} ${words[++i]}`);
    else out.push(w);
  }
  return out;
}

/** Wraps the body of `show configuration <path>` back into top-level curly-brace text. */
export function wrapJunosHierarchy(path: string, body: string): string {
  const levels = splitPath(path);
  const lines: string[] = [];
  levels.forEach((stmt, i) => lines.push(`${"    ".repeat(i)}${stmt} {`));
  const pad = "    ".repeat(levels.length);
  for (const l of body.split("\n")) if (l.trim()) lines.push(pad + l);
  for (let i = levels.length - 1; i >= 0; i--) lines.push(`${"    ".repeat(i)}}`);
  return lines.join("\n");
}

export class JunosDriver extends CliDriverBase {
  private readonly configMode: "exclusive" | "private";
  private readonly loadMode: "replace" | "merge";
  private readonly ownedPaths: string[];
  private inConfigMode = false;

  constructor(opts: JunosDriverOptions) {
    super(opts, JUNOS_PROMPT, JUNOS_INIT);
    this.configMode = opts.configMode ?? "exclusive";
    this.loadMode = opts.loadMode ?? "replace";
    this.ownedPaths = opts.ownedPaths ?? ["protocols bgp"];
  }

  protected async doGetConfig(): Promise<string> {
    const parts: string[] = [];
    for (const path of this.ownedPaths) {
      const out = await this.op(`show configuration ${path}`);
      if (/^error:|syntax error/m.test(out)) {
        throw this.error(`${this.label} refused 'show configuration ${path}': ${firstLines(out)}`);
      }
      const body = out
        .split("\n")
        .filter((l) => !/^## (Last commit|Last changed)/.test(l))
        .join("\n");
      if (body.trim()) parts.push(wrapJunosHierarchy(path, body));
    }
    return parts.length ? parts.join("\n") + "\n" : "";
  }

  protected async doLoadCandidate(config: string): Promise<void> {
    this.requireState(["idle", "editing", "confirmed", "reverted"], "load a candidate");
    await this.enterConfigMode();
    if (this.state === "editing") await this.cfg("rollback 0");
    this.state = "editing";

    const cmd = `load ${this.loadMode} terminal`;
    const started = await this.session.run(cmd, { expect: [/\[Type \^D at a new line to end input\]\n?$/] });
    if (started.matched !== 0) {
      throw this.error(`${this.label} refused '${cmd}': ${firstLines(cleanJunosOutput(started.output))}`);
    }
    const text = config.endsWith("\n") ? config : config + "\n";
    await this.session.write(text);
    const res = await this.session.run("\x04", {
      noNewline: true,
      keepBuffer: true,
      timeoutMs: this.commitTimeoutMs,
    });
    const out = cleanJunosOutput(res.output);
    const sent = new Set(
      text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    );
    const lines = out.split("\n");
    const firstErr = lines.findIndex((l) => /^terminal:\d+:|^error:|syntax error/.test(l.trim()));
    if (firstErr >= 0 || !/^load complete\s*$/m.test(out)) {
      const detail = (firstErr >= 0 ? lines.slice(firstErr) : lines)
        .filter((l) => l.trim() && !sent.has(l.trim()))
        .slice(0, 20)
        .join("\n");
      await this.cfg("rollback 0").catch(() => undefined);
      throw this.error(`${this.label} rejected the configuration:\n${detail}`);
    }
  }

  protected async doCompare(): Promise<string> {
    this.requireState(["editing"], "compare");
    const out = await this.cfg("show | compare");
    if (/^error:/m.test(out))
      throw this.error(`'show | compare' failed on ${this.label}: ${firstLines(out)}`);
    return this.redact(out.replace(/^\n+/, ""));
  }

  protected async doCommit(confirmSeconds: number): Promise<CommitResult> {
    this.requireState(["editing"], "commit");
    const minutes = Math.max(1, Math.ceil(confirmSeconds / 60));
    const check = await this.cfg("commit check", this.commitTimeoutMs);
    if (!/configuration check succeeds/.test(check)) throw this.commitError("commit check", check);

    const out = await this.cfg(`commit confirmed ${minutes}`, this.commitTimeoutMs);
    if (/not supported for private configuration/.test(out)) {
      throw this.error(
        `${this.label} does not support 'commit confirmed' in configure private; use configMode "exclusive": ${firstLines(out)}`,
      );
    }
    if (!/^commit complete$/m.test(out)) throw this.commitError(`commit confirmed ${minutes}`, out);
    this.startConfirmTimer(minutes * 60);
    return { output: this.redact(out) };
  }

  protected async doConfirm(): Promise<void> {
    if (!(await this.confirmedCommitPending())) {
      throw this.rolledBackByRouter("show system commit no longer lists the confirmed commit");
    }
    const out = await this.cfg("commit", this.commitTimeoutMs);
    if (!/^commit complete$/m.test(out)) throw this.commitError("commit", out);
    this.state = "confirmed";
    await this.exitConfigMode();
  }

  protected async doRollback(): Promise<void> {
    if (this.state === "editing") {
      await this.cfg("rollback 0");
      this.state = "idle";
      await this.exitConfigMode();
      return;
    }
    let depth: number;
    if (this.state === "confirmed") {
      // Confirming made a commit of its own: the configuration before the change is rollback 2.
      depth = 2;
    } else if (this.state === "pending" || this.state === "idle") {
      // A fresh driver (say, after the worker died) also cancels a confirmed commit that is
      // still pending on the router; it never undoes a permanent commit it did not make.
      const pending = !this.confirmTimerExpired() && (await this.confirmedCommitPending());
      if (!pending) {
        this.state = "idle";
        await this.exitConfigMode();
        return;
      }
      depth = 1;
    } else {
      // reverted: the router has already undone it; rolling back again would re-apply it.
      this.state = "idle";
      await this.exitConfigMode();
      return;
    }
    await this.enterConfigMode();
    const loaded = await this.cfg(`rollback ${depth}`);
    if (!/load complete/.test(loaded)) {
      await this.cfg("rollback 0").catch(() => undefined);
      throw this.error(`'rollback ${depth}' failed on ${this.label}: ${firstLines(loaded)}`);
    }
    const out = await this.cfg("commit", this.commitTimeoutMs);
    if (!/^commit complete$/m.test(out)) {
      await this.cfg("rollback 0").catch(() => undefined);
      throw this.commitError(`commit (rollback ${depth})`, out);
    }
    this.state = "idle";
    await this.exitConfigMode();
  }

  protected async doGetBgpNeighbors(): Promise<BgpNeighbor[]> {
    const out = await this.op("show bgp neighbor | display json");
    try {
      return parseJunosBgpNeighbors(out);
    } catch (err) {
      throw this.error(
        `could not read the BGP neighbours of ${this.label}: ${(err as Error).message}; the router said: ${firstLines(out, 3)}`,
      );
    }
  }

  protected async doClose(): Promise<void> {
    try {
      if (this.session.isOpen && this.inConfigMode) {
        if (this.state === "editing") await this.cfg("rollback 0");
        await this.exitConfigMode();
      }
    } catch {
      // closing anyway
    }
    this.inConfigMode = false;
    await this.session.close();
  }

  // -------------------------------------------------------------------------------------

  /** An operational command, from whichever mode we are in. */
  private async op(command: string): Promise<string> {
    const sh = await this.session.shell();
    const res = await sh.run(this.inConfigMode ? `run ${command}` : command);
    return cleanJunosOutput(res.output);
  }

  /** A configuration-mode command. */
  private async cfg(command: string, timeoutMs?: number): Promise<string> {
    if (!this.inConfigMode) throw new DriverError(`internal: '${command}' outside configuration mode`);
    const res = await this.session.run(command, timeoutMs ? { timeoutMs } : undefined);
    return cleanJunosOutput(res.output);
  }

  private async enterConfigMode(): Promise<void> {
    const sh = await this.session.shell();
    if (this.inConfigMode && sh.lastPrompt.endsWith("# ")) return;
    const res = await sh.run(`configure ${this.configMode}`);
    const out = cleanJunosOutput(res.output);
    if (LOCKED.test(out)) {
      throw this.error(
        `the configuration of ${this.label} is locked by another user; try again when they are done:\n${firstLines(out, 4)}`,
        true,
      );
    }
    if (MODIFIED.test(out)) {
      throw this.error(
        `${this.label} has uncommitted changes by another user in the shared configuration; peerbot will not commit them:\n${firstLines(out, 6)}`,
        true,
      );
    }
    if (/^error:/m.test(out) || !res.prompt.endsWith("# ")) {
      throw this.error(`could not enter configuration mode on ${this.label}: ${firstLines(out)}`);
    }
    this.inConfigMode = true;
  }

  private async exitConfigMode(): Promise<void> {
    if (!this.inConfigMode) return;
    const res = await this.session.run("exit configuration-mode", {
      expect: [/Discard uncommitted changes\? \[yes,no\] \(yes\) ?$/],
    });
    if (res.matched === 0) await this.session.run("yes");
    this.inConfigMode = false;
  }

  /** Whether `show system commit` still shows our confirmed commit as the pending one. */
  private async confirmedCommitPending(): Promise<boolean> {
    const notices = this.session.takeNotices().join("\n");
    if (/automatic rollback complete|Commit was not confirmed/.test(notices)) return false;
    const out = await this.op("show system commit");
    const first = out.split("\n").find((l) => /^\s*0\s/.test(l));
    return !!first && /commit confirmed, rollback in/.test(first);
  }

  private commitError(step: string, out: string): DriverError {
    if (LOCKED.test(out)) {
      return this.error(
        `the configuration of ${this.label} is locked by another user (${step}):\n${firstLines(out, 4)}`,
        true,
      );
    }
    const detail = out
      .split("\n")
      .filter((l) => l.trim())
      .slice(0, 20)
      .join("\n");
    return this.error(`${step} failed on ${this.label}:\n${detail}`);
  }
}

function firstLines(text: string, n = 8): string {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .slice(0, n)
    .join("\n");
}

// ---------------------------------------------------------------------------------------
// show bgp neighbor | display json
// ---------------------------------------------------------------------------------------

type JunosValue = Array<{ data?: string; attributes?: Record<string, string> }> | undefined;
interface JunosRib {
  name?: JunosValue;
  "received-prefix-count"?: JunosValue;
  "accepted-prefix-count"?: JunosValue;
  "advertised-prefix-count"?: JunosValue;
}
interface JunosPeer {
  "peer-address"?: JunosValue;
  "peer-as"?: JunosValue;
  "peer-state"?: JunosValue;
  description?: JunosValue;
  "elapsed-time"?: JunosValue;
  "bgp-rib"?: JunosRib[];
}

function dataOf(v: JunosValue): string | undefined {
  return v?.[0]?.data;
}

function countOf(v: JunosValue): number | undefined {
  const d = dataOf(v);
  if (d === undefined) return undefined;
  const n = Number(d);
  return Number.isFinite(n) ? n : undefined;
}

/** "192.0.2.1+179" / "2001:db8::1+179" / "192.0.2.1" to the bare address. */
export function stripJunosPort(address: string): string {
  const plus = address.lastIndexOf("+");
  return plus > 0 ? address.slice(0, plus) : address;
}

/**
 * Parses `show bgp neighbor | display json` (Junos' JSON rendering of <bgp-information>:
 * every value is an array of {"data": ...}). Prefix counts are summed over the peer's RIBs
 * (inet.0, inet6.0, ...); a peer that is not Established has none. Junos does not report the
 * time in state in this command; `elapsed-time` is used when present (its junos:seconds).
 */
export function parseJunosBgpNeighbors(jsonText: string): BgpNeighbor[] {
  const text = cleanJunosOutput(jsonText);
  const start = text.indexOf("{");
  if (start < 0) throw new Error("no JSON in the output");
  const doc = JSON.parse(start > 0 ? text.slice(start) : text) as {
    "bgp-information"?: Array<{ "bgp-peer"?: JunosPeer[] }>;
  };
  const info = doc["bgp-information"];
  if (!Array.isArray(info)) throw new Error("no bgp-information in the JSON");
  const result: BgpNeighbor[] = [];
  for (const block of info) {
    for (const peer of block["bgp-peer"] ?? []) {
      const address = dataOf(peer["peer-address"]);
      if (!address) continue;
      const n: BgpNeighbor = {
        remoteAddress: stripJunosPort(address),
        remoteAs: parseAsn(dataOf(peer["peer-as"])),
        state: toBgpState(dataOf(peer["peer-state"])),
      };
      const description = dataOf(peer.description);
      if (description !== undefined) n.description = description;
      const elapsed = peer["elapsed-time"]?.[0];
      const secs = elapsed?.attributes?.["junos:seconds"];
      if (secs !== undefined && Number.isFinite(Number(secs))) n.uptimeSeconds = Number(secs);
      const ribs = peer["bgp-rib"];
      if (ribs && ribs.length) {
        let received: number | undefined;
        let accepted: number | undefined;
        let advertised: number | undefined;
        for (const rib of ribs) {
          const r = countOf(rib["received-prefix-count"]);
          const a = countOf(rib["accepted-prefix-count"]);
          const s = countOf(rib["advertised-prefix-count"]);
          if (r !== undefined) received = (received ?? 0) + r;
          if (a !== undefined) accepted = (accepted ?? 0) + a;
          if (s !== undefined) advertised = (advertised ?? 0) + s;
        }
        if (received !== undefined) n.receivedPrefixes = received;
        if (accepted !== undefined) n.acceptedPrefixes = accepted;
        if (advertised !== undefined) n.advertisedPrefixes = advertised;
      }
      result.push(n);
    }
  }
  return result;
}
