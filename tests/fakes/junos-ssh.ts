// A Junos CLI over SSH, for the driver tests: enough of the operational and configuration
// modes for peerbot's deploy path, written from Juniper's documented CLI behaviour.
//
// Modelled: prompts ("user@router> ", "[edit]" banner + "user@router# "), configure /
// configure exclusive / configure private (private candidates; an exclusive lock held by
// another user: "error: configuration database locked by:"), load merge|replace terminal
// (curly-brace text, `replace:` / `delete:` tags, ^D), delete <path> (a statement, or a
// hierarchy; containers left empty go too; "warning: statement not found" otherwise),
// show | compare (hierarchical diff with [edit ...] headers), commit check (the built-in rules
// that an external BGP neighbour needs a peer-as and that a BGP import or export policy must
// be defined in policy-options, plus rejection rules a test sets, in Junos' "[edit ...] /
// 'statement' / message" and "error: Policy error: ..." shapes, closed by "error:
// configuration check-out failed"), commit confirmed <minutes> (the timer runs
// on scaled time and rolls back by itself with the broadcast message; refused in private
// mode as Junos does), commit, rollback <n>, show system commit, show configuration <path>,
// show bgp neighbor | display json (from neighbours the test sets), run <op command>.
//
// Deliberate simplifications: no schema (a leaf statement's identity is its first word, or
// its full text for list-like keywords such as `neighbor`; statements print in the order they
// were added, not in Junos' schema order), load errors are reported only for syntax (braces,
// semicolons) and nothing of a failed load is applied; a policy reference is checked by name
// only (policy expressions and communities named in policies are not).
import {
  FakeCliServer,
  utcStamp,
  type CliSession,
  type FakeCliServerOptions,
  type FakeNeighbor,
  type LineOutcome,
} from "./cli-ssh-base.js";

// ---------------------------------------------------------------------------------------
// The configuration tree
// ---------------------------------------------------------------------------------------

export interface JNode {
  text: string;
  /** Undefined for a leaf statement ("peer-as 64500;"). */
  children?: JNode[];
  tag?: "replace" | "delete";
}

const LIST_LIKE = new Set([
  "neighbor",
  "group",
  "address",
  "route-filter",
  "community",
  "interface",
  "member",
  "members",
  "apply-groups",
  "prefix-list",
  "policy-statement",
  "term",
  "unit",
]);

function keyOf(n: JNode): string {
  if (n.children) return n.text;
  const first = n.text.split(" ")[0]!;
  return LIST_LIKE.has(first) ? n.text : first;
}

function clone(nodes: JNode[]): JNode[] {
  return nodes.map((n) => (n.children ? { text: n.text, children: clone(n.children) } : { text: n.text }));
}

export class JunosSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    readonly token: string,
  ) {
    super(`terminal:${line}:(${col}) syntax error: ${token}`);
  }
}

interface Tok {
  v: string;
  line: number;
  col: number;
}

function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let line = 1;
  let col = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      col = 0;
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      col++;
      continue;
    }
    if (c === "#") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const chunk = end < 0 ? text.slice(i) : text.slice(i, end + 2);
      for (const ch of chunk) if (ch === "\n") line++;
      i += chunk.length;
      continue;
    }
    const start = { line, col };
    if (c === "{" || c === "}" || c === ";") {
      toks.push({ v: c, ...start });
      i++;
      col++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') {
        if (text[j] === "\\") j++;
        if (text[j] === "\n") throw new JunosSyntaxError(line, col, text.slice(i, j));
        j++;
      }
      if (j >= n) throw new JunosSyntaxError(line, col, text.slice(i, Math.min(n, i + 20)));
      toks.push({ v: text.slice(i, j + 1), ...start });
      col += j + 1 - i;
      i = j + 1;
      continue;
    }
    if (c === "[") {
      const end = text.indexOf("]", i);
      if (end < 0) throw new JunosSyntaxError(line, col, "[");
      const inner = text
        .slice(i + 1, end)
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .join(" ");
      toks.push({ v: `[ ${inner} ]`, ...start });
      col += end + 1 - i;
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < n && !/[\s{};"#]/.test(text[j]!)) j++;
    toks.push({ v: text.slice(i, j), ...start });
    col += j - i;
    i = j;
  }
  return toks;
}

/** Parses Junos curly-brace configuration text. */
export function parseJunosConfig(text: string): JNode[] {
  const toks = tokenize(text);
  let p = 0;
  const parseList = (top: boolean): JNode[] => {
    const out: JNode[] = [];
    for (;;) {
      const t = toks[p];
      if (!t) {
        if (top) return out;
        const last = toks[toks.length - 1];
        throw new JunosSyntaxError(last?.line ?? 1, last?.col ?? 0, "unexpected end of input");
      }
      if (t.v === "}") {
        if (top) throw new JunosSyntaxError(t.line, t.col, "}");
        p++;
        return out;
      }
      let tag: JNode["tag"];
      if (t.v === "replace:" || t.v === "delete:") {
        tag = t.v === "replace:" ? "replace" : "delete";
        p++;
      }
      const words: string[] = [];
      let first: Tok | undefined;
      for (;;) {
        const w = toks[p];
        if (!w) {
          const last = toks[toks.length - 1]!;
          throw new JunosSyntaxError(last.line, last.col, words.join(" ") || "unexpected end of input");
        }
        if (w.v === ";" || w.v === "{") break;
        if (w.v === "}") throw new JunosSyntaxError(w.line, w.col, words.join(" ") || "}");
        first ??= w;
        words.push(w.v);
        p++;
      }
      const end = toks[p]!;
      if (words.length === 0) throw new JunosSyntaxError(end.line, end.col, end.v);
      p++;
      const node: JNode = { text: words.join(" ") };
      if (tag) node.tag = tag;
      if (end.v === "{") node.children = parseList(false);
      out.push(node);
    }
  };
  return parseList(true);
}

/** Prints nodes as Junos does (4-space indentation). */
export function printJunosConfig(nodes: JNode[], indent = 0): string[] {
  const pad = "    ".repeat(indent);
  const lines: string[] = [];
  for (const n of nodes) {
    if (n.children && n.children.length) {
      lines.push(`${pad}${n.text} {`);
      lines.push(...printJunosConfig(n.children, indent + 1));
      lines.push(`${pad}}`);
    } else {
      lines.push(`${pad}${n.text};`);
    }
  }
  return lines;
}

/** Applies loaded statements to a candidate ("merge", or "replace" honouring `replace:` tags). */
export function mergeJunos(target: JNode[], src: JNode[], mode: "merge" | "replace"): void {
  for (const s of src) {
    const key = keyOf(s);
    const i = target.findIndex((t) => keyOf(t) === key);
    if (s.tag === "delete") {
      if (i >= 0) target.splice(i, 1);
      continue;
    }
    if (s.children) {
      const replace = mode === "replace" && s.tag === "replace";
      if (i >= 0 && target[i]!.children && !replace) mergeJunos(target[i]!.children!, s.children, mode);
      else if (i >= 0) target[i] = clone([s])[0]!;
      else target.push(clone([s])[0]!);
    } else if (i >= 0) target[i] = { text: s.text };
    else target.push({ text: s.text });
  }
}

function equalTrees(a: JNode[], b: JNode[]): boolean {
  return printJunosConfig(a).join("\n") === printJunosConfig(b).join("\n");
}

/** `show | compare`: the candidate against the running configuration, Junos style. */
export function diffJunos(oldNodes: JNode[], newNodes: JNode[]): string {
  const sections: string[] = [];
  const walk = (olds: JNode[], news: JNode[], path: string[]) => {
    const lines: string[] = [];
    const newByKey = new Map(news.map((n) => [keyOf(n), n]));
    const oldByKey = new Map(olds.map((n) => [keyOf(n), n]));
    const both: Array<[JNode, JNode]> = [];
    const mark = (m: string, n: JNode) => {
      for (const l of printJunosConfig([n], 1)) lines.push(m + l);
    };
    for (const o of olds) {
      const n = newByKey.get(keyOf(o));
      if (!n) mark("-", o);
      else if (!o.children || !n.children) {
        if (printJunosConfig([o]).join() !== printJunosConfig([n]).join()) {
          mark("-", o);
          mark("+", n);
        }
      } else both.push([o, n]);
    }
    for (const n of news) if (!oldByKey.has(keyOf(n))) mark("+", n);
    if (lines.length) sections.push(`[edit${path.length ? " " + path.join(" ") : ""}]`, ...lines);
    for (const [o, n] of both) walk(o.children!, n.children!, [...path, o.text]);
  };
  walk(oldNodes, newNodes, []);
  return sections.join("\n");
}

const unquote = (w: string | undefined) => (w ?? "").replace(/^"(.*)"$/, "$1");

/**
 * `delete <words>`: removes the statement the words name (a container, or a leaf whose first
 * words they are), and any container that is left empty by it, as Junos does.
 */
export function deleteJunos(nodes: JNode[], words: string[]): boolean {
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const t = n.text.split(" ");
    if (words.length <= t.length && words.every((w, k) => unquote(w) === unquote(t[k]))) {
      nodes.splice(i, 1);
      return true;
    }
    if (n.children && t.length < words.length && t.every((w, k) => unquote(w) === unquote(words[k]))) {
      if (deleteJunos(n.children, words.slice(t.length))) {
        if (!n.children.length) nodes.splice(i, 1);
        return true;
      }
    }
  }
  return false;
}

function findPath(nodes: JNode[], words: string[]): JNode[] | undefined {
  let cur = nodes;
  let i = 0;
  while (i < words.length) {
    let found: JNode | undefined;
    // Try "keyword name" first, then "keyword".
    for (const len of [2, 1]) {
      if (i + len > words.length) continue;
      const text = words.slice(i, i + len).join(" ");
      found = cur.find((n) => n.children && n.text === text);
      if (found) {
        i += len;
        break;
      }
    }
    if (!found) return undefined;
    cur = found.children!;
  }
  return cur;
}

// ---------------------------------------------------------------------------------------
// Checks at commit
// ---------------------------------------------------------------------------------------

export interface JunosRejectRule {
  /** Tested against "path words > statement", e.g. "protocols bgp group x neighbor 192.0.2.9 > peer-as 0". */
  match: RegExp;
  /** The message line, e.g. "AS number 0 is reserved". */
  message: string;
}

function checkConfig(config: JNode[], rules: JunosRejectRule[], policyReferences = true): string[] {
  const errors: string[] = [];
  const visit = (nodes: JNode[], path: string[]) => {
    for (const n of nodes) {
      if (n.children) visit(n.children, [...path, n.text]);
      const flat = `${path.join(" ")} > ${n.text}`;
      for (const r of rules) {
        if (r.match.test(flat)) errors.push(`[edit ${path.join(" ")}]`, `  '${n.text}'`, `    ${r.message}`);
      }
    }
  };
  visit(config, []);
  // An external BGP neighbour needs a peer-as, on itself or on its group.
  const bgp = findPath(config, ["protocols", "bgp"]);
  for (const g of bgp ?? []) {
    if (!g.children || !g.text.startsWith("group ")) continue;
    const internal = g.children.some((c) => c.text === "type internal");
    const groupAs = g.children.some((c) => !c.children && c.text.startsWith("peer-as "));
    for (const nb of g.children) {
      if (!nb.text.startsWith("neighbor ")) continue;
      const own = (nb.children ?? []).some((c) => !c.children && c.text.startsWith("peer-as "));
      if (!internal && !groupAs && !own) {
        errors.push(
          `[edit protocols bgp ${g.text}]`,
          `  '${nb.text}'`,
          `    Missing mandatory statement: 'peer-as'`,
        );
      }
    }
  }
  // A BGP import or export policy must be defined: Junos checks it at commit, in the words
  // Juniper documents ("error: Policy error: Policy <name> referenced but not defined",
  // "error: BGP: export list not applied").
  if (policyReferences) {
    const defined = new Set(
      (findPath(config, ["policy-options"]) ?? [])
        .filter((n) => n.text.startsWith("policy-statement "))
        .map((n) => unquote(n.text.split(" ")[1])),
    );
    const missing = new Map<string, Set<string>>();
    const refs = (nodes: JNode[]) => {
      for (const n of nodes) {
        const m = /^(import|export) (.+)$/.exec(n.text);
        if (!n.children && m) {
          for (const name of m[2]!
            .replace(/^\[|\]$/g, "")
            .trim()
            .split(/\s+/)) {
            if (!name || /^[()!&|]+$/.test(name) || defined.has(unquote(name))) continue;
            const dirs = missing.get(name) ?? new Set<string>();
            dirs.add(m[1]!);
            missing.set(name, dirs);
          }
        }
        if (n.children) refs(n.children);
      }
    };
    refs(bgp ?? []);
    for (const [name, dirs] of missing) {
      errors.push(`error: Policy error: Policy ${name} referenced but not defined`);
      for (const dir of dirs) errors.push(`error: BGP: ${dir} list not applied`);
    }
  }
  if (errors.length) errors.push("error: configuration check-out failed");
  return errors;
}

// ---------------------------------------------------------------------------------------
// Neighbour state
// ---------------------------------------------------------------------------------------

function d(v: string | number): string {
  return `[{"data" : ${JSON.stringify(String(v))}}]`;
}

/** `show bgp neighbor | display json` for the given neighbours, in Junos' JSON style. */
export function renderJunosNeighborJson(neighbors: FakeNeighbor[], localAs = 65000): string {
  const peers: string[] = [];
  for (const [i, n] of neighbors.entries()) {
    const up = n.state === "Established";
    const v6 = n.address.includes(":");
    const f: string[] = [];
    f.push(`"attributes" : {"junos:style" : "detail"}`);
    f.push(`"peer-address" : ${d(up ? `${n.address}+179` : n.address)}`);
    f.push(`"peer-as" : ${d(n.asn)}`);
    f.push(
      `"local-address" : ${d(up ? (v6 ? "2001:db8::fffe+51123" : "10.255.255.254+51123") : v6 ? "2001:db8::fffe" : "10.255.255.254")}`,
    );
    f.push(`"local-as" : ${d(localAs)}`);
    if (n.description !== undefined) f.push(`"description" : ${d(n.description)}`);
    f.push(`"peer-group" : ${d(v6 ? "peerbot-ixp-v6" : "peerbot-ixp-v4")}`);
    f.push(`"peer-type" : ${d("External")}`);
    f.push(`"peer-state" : ${d(n.state)}`);
    f.push(`"peer-flags" : ${d(up ? "Sync" : "")}`);
    f.push(`"last-state" : ${d(up ? "OpenConfirm" : "Idle")}`);
    f.push(`"last-event" : ${d(up ? "RecvKeepAlive" : "Start")}`);
    f.push(`"last-error" : ${d("None")}`);
    f.push(
      `"bgp-option-information" : [{"export-policy" : ${d("PEERBOT-OUT")}, "import-policy" : ${d("PEERBOT-IN")}, ` +
        `"bgp-options" : ${d("Preference HoldTime PeerAS Refresh")}, "bgp-options2" : [{}], ` +
        `"address-families" : ${d(v6 ? "inet6-unicast" : "inet-unicast")}, "holdtime" : ${d(90)}, "preference" : ${d(170)}}]`,
    );
    f.push(`"flap-count" : ${d(i % 4)}`);
    f.push(`"last-flap-event" : ${d("TransportError")}`);
    f.push(`"peer-id" : ${d(`10.0.${(i >> 8) & 0xff}.${i & 0xff}`)}`);
    f.push(`"local-id" : ${d("10.255.255.254")}`);
    f.push(`"active-holdtime" : ${d(90)}`);
    f.push(`"keepalive-interval" : ${d(30)}`);
    f.push(`"group-index" : ${d(v6 ? 1 : 0)}`);
    f.push(`"peer-index" : ${d(i)}`);
    f.push(
      `"bgp-bfd" : [{"bfd-configuration-state" : ${d("disabled")}, "bfd-operational-state" : ${d("down")}}]`,
    );
    if (up) {
      f.push(
        `"bgp-rib" : [{"attributes" : {"junos:style" : "detail"}, "name" : ${d(v6 ? "inet6.0" : "inet.0")}, ` +
          `"rib-bit" : ${d("20000")}, "bgp-rib-state" : ${d("BGP restart is complete")}, "send-state" : ${d("in sync")}, ` +
          `"active-prefix-count" : ${d(n.accepted ?? 0)}, "received-prefix-count" : ${d(n.received ?? 0)}, ` +
          `"accepted-prefix-count" : ${d(n.accepted ?? 0)}, "suppressed-prefix-count" : ${d(0)}, ` +
          `"advertised-prefix-count" : ${d(n.advertised ?? 0)}}]`,
      );
    }
    f.push(`"last-received" : ${d(12)}`);
    f.push(`"last-sent" : ${d(7)}`);
    f.push(`"last-checked" : ${d(40)}`);
    f.push(`"input-messages" : ${d(10000 + i)}`);
    f.push(`"input-updates" : ${d(500)}`);
    f.push(`"output-messages" : ${d(11000 + i)}`);
    f.push(`"output-updates" : ${d(9)}`);
    f.push(`"bgp-output-queue" : [{"number" : ${d(0)}, "count" : ${d(0)}}]`);
    peers.push("    {\n        " + f.join(",\n        ") + "\n    }");
  }
  return (
    `{\n"bgp-information" : [\n{\n    "attributes" : {"xmlns" : "http://xml.juniper.net/junos/21.4R0/junos-routing"},\n` +
    `    "bgp-peer" : [\n${peers.join(",\n")}\n    ]\n}\n]\n}`
  );
}

// ---------------------------------------------------------------------------------------
// The router and its CLI
// ---------------------------------------------------------------------------------------

interface CommitEntry {
  config: JNode[];
  at: Date;
  user: string;
  via: string;
  comment?: string;
}

export interface JunosFakeOptions extends FakeCliServerOptions {
  /** Initial running configuration (curly-brace text). */
  config?: string;
  /** Accept "commit confirmed" in configure private (recent SRX releases do). */
  privateCommitConfirmed?: boolean;
  /** Refuse a commit whose BGP import/export policy is not defined, as Junos does. Default true. */
  checkPolicyReferences?: boolean;
}

let nextPid = 4000;

export class JunosFake extends FakeCliServer {
  running: JNode[];
  /** The shared candidate (configure / configure exclusive edit it). */
  shared: JNode[];
  history: CommitEntry[];
  rejectRules: JunosRejectRule[] = [];
  neighbors: FakeNeighbor[] = [];
  /** Replaces the rendered neighbour JSON when set. */
  neighborOutput: string | undefined;
  /** An exclusive lock held by someone else (set with lockBy). */
  externalLock: { user: string; since: Date; pid: number } | undefined;
  readonly privateCommitConfirmed: boolean;
  readonly checkPolicyReferences: boolean;
  exclusiveHolder: JunosCli | undefined;
  pending: { timer: NodeJS.Timeout; previous: JNode[]; minutes: number; at: number } | undefined;
  /** Completed automatic rollbacks (for assertions). */
  autoRollbacks = 0;

  constructor(opts: JunosFakeOptions) {
    super(opts);
    this.running = parseJunosConfig(opts.config ?? "");
    this.shared = clone(this.running);
    this.history = [{ config: clone(this.running), at: new Date(), user: "root", via: "other" }];
    this.privateCommitConfirmed = opts.privateCommitConfirmed ?? false;
    this.checkPolicyReferences = opts.checkPolicyReferences ?? true;
  }

  protected newSession(username: string): CliSession {
    return new JunosCli(this, username);
  }

  /** Another user takes "configure exclusive". */
  lockBy(user = "netops"): void {
    this.externalLock = { user, since: new Date(), pid: nextPid++ };
  }

  unlock(): void {
    this.externalLock = undefined;
  }

  /** The running configuration as Junos prints it. */
  runningText(): string {
    return printJunosConfig(this.running).join("\n");
  }

  /** The running configuration below a path ("protocols bgp"), or undefined. */
  runningAt(path: string): JNode[] | undefined {
    return findPath(this.running, path.split(/\s+/).filter(Boolean));
  }

  lockHolderText(): string | undefined {
    if (this.externalLock) {
      const l = this.externalLock;
      return `  ${l.user} terminal p1 (pid ${l.pid}) on since ${utcStamp(l.since)}, idle 00:03:12\n      exclusive [edit]`;
    }
    return undefined;
  }

  commitEntry(config: JNode[], user: string, comment?: string): void {
    this.history.unshift({
      config: clone(config),
      at: new Date(),
      user,
      via: "cli",
      ...(comment ? { comment } : {}),
    });
    if (this.history.length > 50) this.history.length = 50;
  }

  startConfirmTimer(previous: JNode[], minutes: number): void {
    if (this.pending) clearTimeout(this.pending.timer);
    const prev = this.pending?.previous ?? previous;
    const timer = setTimeout(() => this.autoRollback(), this.ms(minutes * 60));
    timer.unref?.();
    this.pending = { timer, previous: prev, minutes, at: Date.now() };
  }

  confirmPending(): void {
    if (!this.pending) return;
    clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  private autoRollback(): void {
    if (!this.pending) return;
    this.running = clone(this.pending.previous);
    this.shared = clone(this.running);
    this.pending = undefined;
    this.history.unshift({ config: clone(this.running), at: new Date(), user: "root", via: "other" });
    this.autoRollbacks++;
    const hhmm = new Date().toISOString().slice(11, 16);
    this.broadcast(
      `\nBroadcast Message from root@${this.hostname}\n        (no tty) at ${hhmm} UTC...\n\nCommit was not confirmed; automatic rollback complete.\n\n`,
    );
  }
}

type Mode = "op" | "config";

class JunosCli implements CliSession {
  private mode: Mode = "op";
  private kind: "shared" | "exclusive" | "private" = "shared";
  private privateCandidate: JNode[] | undefined;
  private loading: { mode: "merge" | "replace"; lines: string[] } | undefined;
  private question: ((answer: string) => string | LineOutcome) | undefined;

  constructor(
    private readonly r: JunosFake,
    private readonly user: string,
  ) {}

  greeting(): string {
    return `--- JUNOS 21.4R3-S5.4 Kernel 64-bit  JNPR-12.1-20230321.be2ac5c_buil\n`;
  }

  prompt(): string {
    const base = `${this.user}@${this.r.hostname}`;
    if (this.mode === "op") return `\n${base}> `;
    const banner = this.r.pending
      ? `# commit confirmed will be rolled back in ${Math.max(
          1,
          Math.ceil(
            (this.r.pending.minutes * 60 * this.r.msPerSecond - (Date.now() - this.r.pending.at)) /
              (60 * this.r.msPerSecond),
          ),
        )} minutes\n`
      : "";
    return `\n${banner}[edit]\n${base}# `;
  }

  private get candidate(): JNode[] {
    return this.kind === "private" ? this.privateCandidate! : this.r.shared;
  }

  private set candidate(v: JNode[]) {
    if (this.kind === "private") this.privateCandidate = v;
    else this.r.shared = v;
  }

  closed(): void {
    if (this.r.exclusiveHolder === this) {
      // configure exclusive: uncommitted changes are discarded when the session ends.
      this.r.shared = clone(this.r.running);
      this.r.exclusiveHolder = undefined;
    }
  }

  ctrlD(): string | LineOutcome {
    if (!this.loading) return { output: "", prompt: false };
    const { mode, lines } = this.loading;
    this.loading = undefined;
    let parsed: JNode[];
    try {
      parsed = parseJunosConfig(lines.join("\n"));
    } catch (err) {
      if (err instanceof JunosSyntaxError) return `${err.message}\nload complete (1 errors)`;
      throw err;
    }
    const cand = clone(this.candidate);
    mergeJunos(cand, parsed, mode);
    this.candidate = cand;
    return "load complete";
  }

  line(text: string): string | LineOutcome {
    if (this.question) {
      const q = this.question;
      this.question = undefined;
      return q(text.trim());
    }
    if (this.loading) {
      this.loading.lines.push(text);
      return { output: "", prompt: false };
    }
    const cmd = text.trim().replace(/\s+/g, " ");
    if (cmd === "") return "";
    return this.mode === "op" ? this.op(cmd) : this.config(cmd);
  }

  private op(cmd: string): string | LineOutcome {
    if (cmd === "set cli screen-length 0") return "Screen length set to 0";
    let m = /^set cli screen-width (\d+)$/.exec(cmd);
    if (m) return `Screen width set to ${m[1]}`;
    if (cmd === "set cli complete-on-space off") return "Disabling complete-on-space";
    if (cmd === "exit" || cmd === "quit") return { output: "", close: true };
    if (cmd === "show version") return `Hostname: ${this.r.hostname}\nModel: mx204\nJunos: 21.4R3-S5.4`;
    if (/^configure( exclusive| private)?$/.test(cmd)) return this.enterConfig(cmd);
    if (cmd === "show system commit") return this.showSystemCommit();
    if (cmd === "show bgp neighbor | display json") {
      return this.r.neighborOutput ?? renderJunosNeighborJson(this.r.neighbors);
    }
    m = /^show configuration ?(.*)$/.exec(cmd);
    if (m) return this.showConfiguration(m[1]!.replace(/ \| no-more$/, ""));
    return `${" ".repeat(this.user.length + this.r.hostname.length + 2)}^\nunknown command.`;
  }

  private enterConfig(cmd: string): string {
    const kind =
      cmd === "configure exclusive" ? "exclusive" : cmd === "configure private" ? "private" : "shared";
    const holder = this.r.lockHolderText();
    const otherHolds = this.r.exclusiveHolder && this.r.exclusiveHolder !== this;
    if (kind === "exclusive" && (holder || otherHolds)) {
      return `error: configuration database locked by:\n${holder ?? `  other terminal p2 (pid ${nextPid}) on since ${utcStamp(new Date())}\n      exclusive [edit]`}`;
    }
    const sharedDirty = !equalTrees(this.r.shared, this.r.running);
    if (kind === "private" && sharedDirty) {
      return `error: shared configuration database modified\nUsers currently editing the configuration:\n  other terminal p2 (pid ${nextPid}) on since ${utcStamp(new Date())}\n      [edit]`;
    }
    if (kind === "exclusive" && sharedDirty) {
      return "error: configuration database modified";
    }
    this.kind = kind;
    this.mode = "config";
    if (kind === "private") this.privateCandidate = clone(this.r.running);
    if (kind === "exclusive") this.r.exclusiveHolder = this;
    const users = holder ? `Users currently editing the configuration:\n${holder}\n` : "";
    return kind === "shared"
      ? `Entering configuration mode\n${users}`.replace(/\n$/, "")
      : `warning: uncommitted changes will be discarded on exit\nEntering configuration mode`;
  }

  private showSystemCommit(): string {
    return this.r.history
      .map(
        (h, i) =>
          `${String(i).padEnd(3)} ${utcStamp(h.at)} by ${h.user} via ${h.via}${h.comment ? ` ${h.comment}` : ""}`,
      )
      .join("\n");
  }

  private showConfiguration(path: string): string {
    if (!path) {
      const last = this.r.history[0]!;
      return `## Last commit: ${utcStamp(last.at)} by ${last.user}\n${this.r.runningText()}`;
    }
    const nodes = findPath(this.r.running, path.split(" "));
    return nodes ? printJunosConfig(nodes).join("\n") : "";
  }

  private lockedForCommit(): string | undefined {
    const holder = this.r.lockHolderText();
    if (holder) return `error: configuration database locked by:\n${holder}`;
    if (this.r.exclusiveHolder && this.r.exclusiveHolder !== this)
      return `error: configuration database locked by:\n  other terminal p2 (pid ${nextPid}) on since ${utcStamp(new Date())}\n      exclusive [edit]`;
    return undefined;
  }

  private config(cmd: string): string | LineOutcome {
    let m = /^load (merge|replace) terminal$/.exec(cmd);
    if (m) {
      this.loading = { mode: m[1] as "merge" | "replace", lines: [] };
      return { output: "[Type ^D at a new line to end input]\n", prompt: false };
    }
    if (cmd === "show | compare") return diffJunos(this.r.running, this.candidate);
    if (cmd === "show") return printJunosConfig(this.candidate).join("\n");
    if (cmd === "commit check") {
      const locked = this.lockedForCommit();
      if (locked) return locked;
      const errors = checkConfig(this.candidate, this.r.rejectRules, this.r.checkPolicyReferences);
      return errors.length ? errors.join("\n") : "configuration check succeeds";
    }
    m = /^commit confirmed ?(\d+)?$/.exec(cmd);
    if (m) {
      if (this.kind === "private" && !this.r.privateCommitConfirmed) {
        return "error: commit confirmed not supported for private configuration";
      }
      const minutes = Number(m[1] ?? 10);
      if (minutes < 1 || minutes > 65535) return "error: invalid value for confirmed minutes";
      return this.doCommit(minutes);
    }
    if (cmd === "commit" || cmd === "commit and-quit") {
      const out = this.doCommit(undefined);
      if (cmd === "commit and-quit" && !out.startsWith("error")) {
        this.leaveConfig();
        return `${out}\nExiting configuration mode`;
      }
      return out;
    }
    m = /^delete (.+)$/.exec(cmd);
    if (m) {
      const cand = clone(this.candidate);
      if (!deleteJunos(cand, m[1]!.match(/"[^"]*"|\S+/g) ?? [])) return "warning: statement not found";
      this.candidate = cand;
      return "";
    }
    m = /^rollback ?(\d+)?$/.exec(cmd);
    if (m) {
      const n = Number(m[1] ?? 0);
      const entry = this.r.history[n];
      if (!entry) return `error: rollback ${n} does not exist`;
      this.candidate = clone(entry.config);
      return "load complete";
    }
    m = /^run (.+)$/.exec(cmd);
    if (m) {
      const res = this.op(m[1]!);
      return typeof res === "string" ? res : res.output;
    }
    if (cmd === "top" || cmd === "up") return "";
    if (cmd === "exit configuration-mode" || cmd === "exit" || cmd === "quit") {
      const dirty = !equalTrees(this.candidate, this.r.running);
      if (dirty && this.kind === "exclusive") {
        this.question = (answer) => {
          if (answer === "" || answer === "yes") {
            this.r.shared = clone(this.r.running);
            this.leaveConfig();
            return "warning: discarding uncommitted changes\nload complete\nExiting configuration mode";
          }
          return "";
        };
        return {
          output:
            "The configuration has been changed but not committed\nwarning: Auto rollback on exiting 'configure exclusive'\nDiscard uncommitted changes? [yes,no] (yes) ",
          prompt: false,
        };
      }
      this.leaveConfig();
      return dirty && this.kind === "shared"
        ? "The configuration has been changed but not committed\nExiting configuration mode"
        : "Exiting configuration mode";
    }
    return `${" ".repeat(this.user.length + this.r.hostname.length + 2)}^\nsyntax error.`;
  }

  private leaveConfig(): void {
    if (this.r.exclusiveHolder === this) this.r.exclusiveHolder = undefined;
    this.mode = "op";
    this.privateCandidate = undefined;
    this.kind = "shared";
  }

  private doCommit(confirmMinutes: number | undefined): string {
    const locked = this.lockedForCommit();
    if (locked) return locked;
    const errors = checkConfig(this.candidate, this.r.rejectRules, this.r.checkPolicyReferences);
    if (errors.length) return errors.join("\n");
    const previous = clone(this.r.running);
    this.r.running = clone(this.candidate);
    this.r.shared = clone(this.r.running);
    if (this.kind === "private") this.privateCandidate = clone(this.r.running);
    if (confirmMinutes !== undefined) {
      this.r.commitEntry(this.r.running, this.user, `commit confirmed, rollback in ${confirmMinutes}mins`);
      this.r.startConfirmTimer(previous, confirmMinutes);
      return `commit confirmed will be automatically rolled back in ${confirmMinutes} minutes unless confirmed\ncommit complete`;
    }
    this.r.confirmPending();
    this.r.commitEntry(this.r.running, this.user);
    return "commit complete";
  }
}
