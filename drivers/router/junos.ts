// Juniper Junos over the SSH CLI.
//
// Deploy:  configure exclusive            (lock; a private database cannot commit confirmed)
//          delete <owned statement>       (for every owned statement the router has, so that
//                                          what the candidate no longer renders goes away)
//          load replace terminal          (the rendered text, then ^D; `replace:` tags in the
//                                          text are honoured as Junos does)
//          show | compare                 (the router's own diff: the net change)
//          commit check                   (refusals come back with the router's error lines)
//          commit confirmed <minutes>     (Junos rolls back by itself unless confirmed)
//          commit                         (confirm; after checking `show system commit` that the
//                                          confirmed commit is still pending)
// Rollback: rollback 0 (discard) before a commit; rollback 1 + commit after one.
// State:   show bgp neighbor | display json.
//
// What peerbot owns (getConfig): `ownedPaths`, by default JUNOS_OWNED_PATHS, which is what
// the junos template renders: the statements of `policy-options` named pb-* (the tagging
// policy-statements, the communities, pb-deny) and the whole of `protocols bgp`. Each is read
// with `show configuration <hierarchy>`, cut to the owned statements and re-wrapped into
// top-level curly-brace text, the same shape loadCandidate takes, in the order of ownedPaths.
// The read does not depend on a candidate, so the diff a change is planned on and the check
// after the commit compare like with like: before the first deploy it returns only what the
// router has of them (often nothing). A deploy replaces them: the candidate may configure
// owned statements only, and an owned statement it no longer has (the last community, say)
// is deleted.
//
// Why exclusive and not private: Junos refuses "commit confirmed" on a private candidate
// ("error: commit confirmed not supported for private configuration") except on a few
// recent SRX releases; peerbot will not deploy without a confirm timer. configMode "private"
// is available for those platforms. The exclusive lock also guarantees that the diff shown
// is the diff committed: nobody else can commit in between.
import type { BgpNeighbor, CommitResult } from "../../core/ports.js";
import { CliDriverBase, type CliDriverOptions } from "./base/cli-driver.js";
import type { RouterDescription } from "./base/serial-driver.js";
import { parseJunosVersion } from "./base/versions.js";
import { globRegExp, parseRouterAsn, toBgpState } from "./base/router-text.js";
import { DriverError } from "../ssh/errors.js";
import { escapeRegExp, type PromptSpec } from "../ssh/shell.js";

export interface JunosDriverOptions extends CliDriverOptions {
  /** "exclusive" (default) or "private" (only where Junos supports commit confirmed in it). */
  configMode?: "exclusive" | "private";
  /** "replace" (default: honours `replace:` tags, merges the rest) or "merge". */
  loadMode?: "replace" | "merge";
  /**
   * What peerbot owns, as paths typed after `show configuration`: a hierarchy wholesale
   * ("protocols bgp"), or the statements below one whose name matches a pattern, given as
   * "<hierarchy> <keyword or *> <name with *>" ("policy-options * pb-*": every statement in
   * policy-options named pb-...). Default JUNOS_OWNED_PATHS.
   */
  ownedPaths?: string[];
}

/** What the junos template renders, in the order getConfig returns it (see templates/router/README.md). */
export const JUNOS_OWNED_PATHS = ["policy-options * pb-*", "protocols bgp"];

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

interface JunosPart {
  levels: string[];
  lines: string[];
}

/**
 * Wraps bodies read at several hierarchies into one curly-brace text: parts that share a
 * parent ("protocols bgp", "protocols ospf") are printed under one `protocols {`.
 */
function wrapJunosParts(parts: JunosPart[]): string {
  interface Node {
    stmt: string;
    body: string[];
    children: Node[];
  }
  const root: Node = { stmt: "", body: [], children: [] };
  for (const p of parts) {
    let node = root;
    for (const stmt of p.levels) {
      let next = node.children.find((c) => c.stmt === stmt);
      if (!next) {
        next = { stmt, body: [], children: [] };
        node.children.push(next);
      }
      node = next;
    }
    node.body.push(...p.lines.filter((l) => l.trim()));
  }
  const out: string[] = [];
  const print = (n: Node, depth: number) => {
    const pad = "    ".repeat(depth);
    out.push(`${pad}${n.stmt} {`);
    for (const l of n.body) out.push(`${"    ".repeat(depth + 1)}${l}`);
    for (const c of n.children) print(c, depth + 1);
    out.push(`${pad}}`);
  };
  for (const c of root.children) print(c, 0);
  return out.join("\n");
}

/** One owned-path entry: a hierarchy wholesale, or the statements below it matching a pattern. */
interface OwnedPath {
  /** The entry as given ("policy-options * pb-*"). */
  spec: string;
  /** The hierarchy, as typed after `show configuration`. */
  path: string;
  levels: string[];
  /** For a pattern: the statement's keyword (undefined for any) and its name. */
  keyword?: string;
  name?: RegExp;
}

function parseOwnedPath(spec: string): OwnedPath {
  const words = spec.trim().split(/\s+/).filter(Boolean);
  const last = words[words.length - 1] ?? "";
  if (!last.includes("*")) return { spec, path: words.join(" "), levels: splitPath(words.join(" ")) };
  if (words.length < 3 || words.slice(0, -1).some((w, i) => w.includes("*") && i !== words.length - 2)) {
    throw new DriverError(
      `Junos owned path '${spec}': a pattern is "<hierarchy> <keyword or *> <name with *>", as in "policy-options * pb-*"`,
    );
  }
  const path = words.slice(0, -2).join(" ");
  const kw = words[words.length - 2]!;
  return {
    spec,
    path,
    levels: splitPath(path),
    ...(kw === "*" ? {} : { keyword: kw }),
    name: globRegExp(last),
  };
}

const TAG = /^(?:replace|delete|inactive|active|protect|unprotect):$/;

/** Keyword and name of a statement's words ("policy-statement pb-x", "community pb-x members ..."). */
function statementName(words: string[]): { keyword: string; name: string } {
  const w = words.filter((x) => !TAG.test(x));
  return { keyword: w[0] ?? "", name: (w[1] ?? "").replace(/^"(.*)"$/, "$1") };
}

function ownsStatement(o: OwnedPath, words: string[]): boolean {
  if (!o.name) return false;
  const { keyword, name } = statementName(words);
  return (!o.keyword || o.keyword === keyword) && o.name.test(name);
}

/** A statement of `show configuration <path>` output: its first line's words and all its lines. */
interface ShownStatement {
  words: string[];
  lines: string[];
}

/**
 * Splits the body of `show configuration <path>` into its top-level statements. Junos prints
 * one statement per line, a block from `<statement> {` to the `}` in the same column, and an
 * annotation (`/* ... *\/`) on the lines before the statement it belongs to.
 */
export function splitJunosStatements(body: string): ShownStatement[] {
  const out: ShownStatement[] = [];
  let pending: string[] = [];
  let inComment = false;
  let cur: ShownStatement | undefined;
  for (const line of body.split("\n")) {
    if (!line.trim()) continue;
    if (cur) {
      cur.lines.push(line);
      if (line === "}") cur = undefined;
      continue;
    }
    if (inComment || line.startsWith("/*")) {
      pending.push(line);
      inComment = !line.includes("*/");
      continue;
    }
    if (/^\s/.test(line)) continue; // not at the top level: nothing of a statement we know
    const st: ShownStatement = {
      words: line
        .replace(/[{;]\s*$/, "")
        .trim()
        .split(/\s+/),
      lines: [...pending, line],
    };
    pending = [];
    out.push(st);
    if (line.endsWith("{")) cur = st;
  }
  return out;
}

interface ParsedStatement {
  words: string[];
  children?: ParsedStatement[];
}

/**
 * Parses curly-brace configuration text (as loadCandidate takes it) into statements, enough
 * to see which hierarchies it configures: quoted strings, [ lists ], `#` and C comments.
 * Unbalanced text is left for the router to refuse with its own words.
 */
export function parseJunosStatements(text: string): ParsedStatement[] {
  const toks: string[] = [];
  const re = /\s+|#[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|"(?:[^"\\]|\\.)*"?|\[[^\]]*\]?|[{};]|[^\s{};"#[]+/g;
  for (const m of text.matchAll(re)) {
    const t = m[0];
    if (/^\s/.test(t) || t.startsWith("#") || t.startsWith("/*")) continue;
    toks.push(t);
  }
  let p = 0;
  const list = (): ParsedStatement[] => {
    const out: ParsedStatement[] = [];
    let words: string[] = [];
    while (p < toks.length) {
      const t = toks[p++]!;
      if (t === "}") break;
      if (t === ";") {
        if (words.length) out.push({ words });
        words = [];
      } else if (t === "{") {
        out.push({ words, children: list() });
        words = [];
      } else words.push(t);
    }
    if (words.length) out.push({ words });
    return out;
  };
  return list();
}

/** The hierarchies of a candidate that no owned path covers, as paths ("routing-options static"). */
export function unownedJunosPaths(text: string, owned: OwnedPath[]): string[] {
  const outside: string[] = [];
  const startsWith = (a: string[], b: string[]) => b.length <= a.length && b.every((x, i) => a[i] === x);
  const same = (a: string[], b: string[]) => a.length === b.length && startsWith(a, b);
  const walk = (stmts: ParsedStatement[], at: string[]) => {
    for (const s of stmts) {
      if (owned.some((o) => o.name && same(at, o.levels) && ownsStatement(o, s.words))) continue;
      const levels = [...at, ...splitPath(s.words.filter((w) => !TAG.test(w)).join(" "))];
      if (owned.some((o) => !o.name && startsWith(levels, o.levels))) continue;
      if (s.children && owned.some((o) => startsWith(o.levels, levels))) {
        walk(s.children, levels);
        continue;
      }
      outside.push(levels.join(" "));
    }
  };
  walk(parseJunosStatements(text), []);
  return outside;
}

export class JunosDriver extends CliDriverBase {
  private readonly configMode: "exclusive" | "private";
  private readonly loadMode: "replace" | "merge";
  private readonly owned: OwnedPath[];
  private inConfigMode = false;

  constructor(opts: JunosDriverOptions) {
    super(opts, JUNOS_PROMPT, JUNOS_INIT);
    this.configMode = opts.configMode ?? "exclusive";
    this.loadMode = opts.loadMode ?? "replace";
    this.owned = (opts.ownedPaths ?? JUNOS_OWNED_PATHS).map(parseOwnedPath);
    for (const a of this.owned) {
      for (const b of this.owned) {
        if (
          a !== b &&
          a.path !== b.path &&
          b.levels.length > a.levels.length &&
          a.levels.every((l, i) => b.levels[i] === l)
        ) {
          throw new DriverError(
            `Junos owned paths '${a.path}' and '${b.path}' overlap; name only the outer one`,
          );
        }
      }
    }
  }

  protected async doGetConfig(): Promise<string> {
    const { parts } = await this.readOwned();
    return parts.length ? wrapJunosParts(parts) + "\n" : "";
  }

  /**
   * The owned statements the router has: per hierarchy, its lines as Junos prints them, and
   * the `delete` commands that remove them.
   */
  private async readOwned(): Promise<{ parts: JunosPart[]; deletes: string[] }> {
    const parts: JunosPart[] = [];
    const deletes: string[] = [];
    const paths = [...new Set(this.owned.map((o) => o.path))];
    for (const path of paths) {
      const out = await this.op(`show configuration ${path}`);
      if (/^error:|syntax error/m.test(out)) {
        throw this.failure(
          `${this.label} refused 'show configuration ${path}'`,
          junosErrors(out),
          firstLines(out),
        );
      }
      const body = out
        .split("\n")
        .filter((l) => !/^## (Last commit|Last changed)/.test(l))
        .join("\n");
      if (!body.trim()) continue;
      const entries = this.owned.filter((o) => o.path === path);
      if (entries.some((o) => !o.name)) {
        parts.push({ levels: splitPath(path), lines: body.split("\n") });
        deletes.push(`delete ${path}`);
        continue;
      }
      const mine = splitJunosStatements(body).filter((st) => entries.some((o) => ownsStatement(o, st.words)));
      if (!mine.length) continue;
      parts.push({ levels: splitPath(path), lines: mine.flatMap((st) => st.lines) });
      for (const st of mine) {
        const { keyword, name } = statementName(st.words);
        deletes.push(
          `delete ${path} ${keyword} ${/^[A-Za-z0-9_.:/-]+$/.test(name) ? name : JSON.stringify(name)}`,
        );
      }
    }
    return { parts, deletes };
  }

  protected async doLoadCandidate(config: string): Promise<void> {
    this.requireState(["idle", "editing", "confirmed", "reverted"], "load a candidate");
    const outside = unownedJunosPaths(config, this.owned);
    if (outside.length) {
      throw this.notOwned(
        outside.map((p) => `[edit ${p}]`),
        this.owned.map((o) => o.spec),
      );
    }
    await this.enterConfigMode();
    if (this.state === "editing") await this.cfg("rollback 0");
    this.state = "editing";

    // Delete what peerbot owns first, so that the candidate replaces it instead of merging
    // into it; `show | compare` and the commit see only the net change.
    const { deletes } = await this.readOwned();
    for (const cmd of deletes) {
      const out = await this.cfg(cmd);
      if (/^error:|syntax error/m.test(out)) {
        await this.cfg("rollback 0").catch(() => undefined);
        throw this.failure(`${this.label} refused '${cmd}'`, junosErrors(out), firstLines(out));
      }
    }

    const cmd = `load ${this.loadMode} terminal`;
    const started = await this.session.run(cmd, { expect: [/\[Type \^D at a new line to end input\]\n?$/] });
    if (started.matched !== 0) {
      const out = cleanJunosOutput(started.output);
      throw this.failure(`${this.label} refused '${cmd}'`, junosErrors(out), firstLines(out));
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
    const isError = (l: string) => /^terminal:\d+:|^error:|syntax error/.test(l.trim());
    const firstErr = lines.findIndex(isError);
    if (firstErr >= 0 || !/^load complete\s*$/m.test(out)) {
      const detail = (firstErr >= 0 ? lines.slice(firstErr) : lines)
        .filter((l) => l.trim() && !sent.has(l.trim()))
        .slice(0, 20);
      await this.cfg("rollback 0").catch(() => undefined);
      throw this.failure(
        `${this.label} rejected the configuration`,
        detail.filter(isError).map((l) => l.trim().replace(/^error:\s*/, "")),
        detail.join("\n"),
      );
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

  protected async identify(): Promise<RouterDescription> {
    return parseJunosVersion(await this.op("show version"));
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
    return this.failure(`${step} failed on ${this.label}`, junosErrors(out), firstLines(out, 20));
  }
}

function firstLines(text: string, n = 8): string {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .slice(0, n)
    .join("\n");
}

/**
 * The reasons in Junos' answer to a commit (check): each message under an `[edit <path>]`
 * location and its quoted statement, as "[edit <path>] '<statement>': <message>", and each
 * `error: <message>` line of its own, but for the closing "configuration check-out failed"
 * (or "commit failed") when there is something better to say.
 */
export function junosErrors(out: string): string[] {
  const reasons: string[] = [];
  const closing: string[] = [];
  let where = "";
  let stmt = "";
  for (const raw of out.split("\n")) {
    const t = raw.trim();
    if (!t) continue;
    if (/^\[edit(?: [^\]]*)?\]$/.test(t)) {
      where = t;
      stmt = "";
      continue;
    }
    if (where && /^\s/.test(raw)) {
      // Below a location: the quoted statement, then the message(s) about it.
      if (!stmt && /^'.*'$/.test(t)) stmt = t;
      else reasons.push(`${where}${stmt ? ` ${stmt}` : ""}: ${t.replace(/^error:\s*/, "")}`);
      continue;
    }
    where = "";
    stmt = "";
    const e = /^error:\s*(.*)$/.exec(t);
    if (!e) continue;
    if (/^(configuration check-out failed|commit failed)\b/.test(e[1]!)) closing.push(e[1]!);
    else reasons.push(e[1]!);
  }
  return reasons.length ? reasons : closing;
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
        remoteAs: parseRouterAsn(dataOf(peer["peer-as"])),
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
