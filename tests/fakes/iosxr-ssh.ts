// A Cisco IOS-XR CLI over SSH, for the driver tests, written from Cisco's documented CLI
// behaviour (the two-stage target/running configuration).
//
// Modelled: prompts ("RP/0/RP0/CPU0:router#", "(config)#", "(config-bgp-nbr)#"), the
// timestamp line XR prints before show output, configure / configure exclusive (a lock held
// by another session refuses the exclusive session and blocks commits), configuration lines
// typed into modes (indentation or the current mode; `no`, `exit`, `root`, route-policy ...
// end-policy blocks), "% Invalid input detected at '^' marker." for unknown keywords,
// show commit changes diff, commit / commit confirmed <seconds> (pseudo-atomic: a rejected
// item fails the whole commit with "% Failed to commit one or more configuration items ..."
// and `show configuration failed` explains; a trial commit that is not confirmed in time is
// rolled back by itself), the "One or more commits have occurred from other configuration
// sessions" question, abort, end with uncommitted changes, rollback configuration last <n>,
// show running-config [<first words>] (every top-level item they name), show bgp neighbors
// (text, from neighbours the test sets).
//
// Simplifications: no schema (containers are known by keyword; a leaf's identity is its first
// word(s)); the wording of the lock refusal is modelled on XR's, not copied from a capture.
import {
  FakeCliServer,
  IosEditor,
  cloneIos,
  parseIosConfig,
  printIosConfig,
  type CliSession,
  type FakeCliServerOptions,
  type FakeNeighbor,
  type INode,
  type IosDialect,
  type LineOutcome,
} from "./cli-ssh-base.js";

const CONTAINERS = new Set([
  "router",
  "neighbor",
  "address-family",
  "vrf",
  "neighbor-group",
  "af-group",
  "session-group",
  "interface",
  "bfd",
  "timers",
]);

const KNOWN = new Set([
  ...CONTAINERS,
  "bgp",
  "remote-as",
  "description",
  "update-source",
  "password",
  "shutdown",
  "ebgp-multihop",
  "maximum-prefix",
  "use",
  "local-as",
  "rd",
  "ipv4",
  "ipv6",
  "route-policy",
  "prefix-set",
  "community-set",
  "large-community-set",
  "extcommunity-set",
  "as-path-set",
  "hostname",
  "domain",
  "logging",
  "ssh",
  "nsr",
  "soft-reconfiguration",
  "send-community-ebgp",
  "next-hop-self",
  "remove-private-AS",
  "capability",
  "graceful-restart",
  "session-open-mode",
  "ttl-security",
  "as-override",
  "allowas-in",
  "default-originate",
  "advertisement-interval",
  "keychain",
  "dmz-link-bandwidth",
  "multipath",
  "maximum-paths",
  "network",
  "redistribute",
  "additional-paths",
  "allocate-label",
  "no",
  "exit",
  "root",
]);

export const XR_DIALECT: IosDialect = {
  indent: 1,
  isContainer(line, path) {
    const first = line.split(" ")[0]!;
    if (first === "timers" || first === "bfd") return false; // leaves inside neighbours
    if (first === "router") return true;
    if (first === "neighbor") return path.some((p) => p.startsWith("router bgp"));
    return CONTAINERS.has(first);
  },
  leafKey(line) {
    const w = line.split(" ");
    if (w[0] === "bgp" || w[0] === "timers" || w[0] === "maximum-prefix") return w.slice(0, 2).join(" ");
    if (w[0] === "route-policy" && (w[2] === "in" || w[2] === "out")) return `route-policy ${w[2]}`;
    return w[0]!;
  },
  topLevel: new Set([
    "router",
    "route-policy",
    "prefix-set",
    "community-set",
    "large-community-set",
    "extcommunity-set",
    "as-path-set",
    "hostname",
    "interface",
    "domain",
    "logging",
  ]),
  blocks: {
    "route-policy": "end-policy",
    "prefix-set": "end-set",
    "community-set": "end-set",
    "large-community-set": "end-set",
    "extcommunity-set": "end-set",
    "as-path-set": "end-set",
  },
};

function timestamp(): string {
  const d = new Date();
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${p(d.getUTCHours())}:${p(
    d.getUTCMinutes(),
  )}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)} UTC`;
}

/** XR's compact durations: "01:02:03", "1d02h", "3w2d", "1y2w". */
export function xrDuration(seconds: number): string {
  const p = (n: number) => String(n).padStart(2, "0");
  if (seconds < 86400)
    return `${p(Math.floor(seconds / 3600))}:${p(Math.floor((seconds % 3600) / 60))}:${p(seconds % 60)}`;
  if (seconds < 7 * 86400)
    return `${Math.floor(seconds / 86400)}d${p(Math.floor((seconds % 86400) / 3600))}h`;
  if (seconds < 365 * 86400)
    return `${Math.floor(seconds / 604800)}w${Math.floor((seconds % 604800) / 86400)}d`;
  return `${Math.floor(seconds / 31536000)}y${Math.floor((seconds % 31536000) / 604800)}w`;
}

/** `show bgp neighbors` for the given neighbours, as IOS-XR prints it. */
export function renderIosXrNeighbors(neighbors: FakeNeighbor[], localAs = 65000): string {
  const out: string[] = [timestamp(), ""];
  for (const [i, n] of neighbors.entries()) {
    const up = n.state === "Established";
    const v6 = n.address.includes(":");
    out.push(`BGP neighbor is ${n.address}`);
    out.push(` Remote AS ${n.asn}, local AS ${localAs}, external link`);
    if (n.description !== undefined) out.push(` Description: ${n.description}`);
    out.push(` Remote router ID ${up ? `10.1.${(i >> 8) & 0xff}.${i & 0xff}` : "0.0.0.0"}`);
    out.push(
      up
        ? `  BGP state = Established, up for ${xrDuration(n.uptimeSeconds ?? 0)}`
        : `  BGP state = ${n.state === "Idle" ? "Idle (Admin)" : n.state}`,
    );
    out.push(`  NSR State: None`);
    out.push(`  Last read 00:00:17, Last read before reset 00:00:00`);
    out.push(`  Hold time is 180, keepalive interval is 60 seconds`);
    out.push(`  Configured hold time: 180, keepalive: 60, min acceptable hold time: 3`);
    out.push(`  Last write 00:00:17, attempted 19, written 19`);
    out.push(`  Second last write 00:01:17, attempted 19, written 19`);
    out.push(`  Last write before reset 00:00:00, attempted 0, written 0`);
    out.push(`  Socket not armed for io, armed for read, armed for write`);
    out.push(`  Precedence: internet`);
    out.push(`  Non-stop routing is enabled`);
    if (up) {
      out.push(`  Multi-protocol capability received`);
      out.push(`  Neighbor capabilities:`);
      out.push(`    Route refresh: advertised (old + new) and received (old + new)`);
      out.push(`    4-byte AS: advertised and received`);
      out.push(`    Address family ${v6 ? "IPv6" : "IPv4"} Unicast: advertised and received`);
    }
    out.push(`  Received ${1000 + i} messages, 0 notifications, 0 in queue`);
    out.push(`  Sent ${990 + i} messages, 0 notifications, 0 in queue`);
    out.push(`  Minimum time between advertisement runs is 30 secs`);
    out.push(``);
    out.push(` For Address Family: ${v6 ? "IPv6" : "IPv4"} Unicast`);
    out.push(`  BGP neighbor version ${up ? 4321 : 0}`);
    out.push(`  Update group: 0.${v6 ? 3 : 2} Filter-group: 0.1  No Refresh request being processed`);
    out.push(`  Route refresh request: received 0, sent 0`);
    out.push(`  Policy for incoming advertisements is PEERBOT-IN`);
    out.push(`  Policy for outgoing advertisements is PEERBOT-OUT`);
    out.push(
      `  ${up ? (n.accepted ?? 0) : 0} accepted prefixes, ${up ? Math.floor((n.accepted ?? 0) * 0.8) : 0} are bestpaths`,
    );
    out.push(`  Exact no. of prefixes denied : ${up ? (n.received ?? 0) - (n.accepted ?? 0) : 0}.`);
    out.push(`  Cumulative no. of prefixes denied: ${up ? (n.received ?? 0) - (n.accepted ?? 0) : 0}. `);
    out.push(`  Prefix advertised ${up ? (n.advertised ?? 0) : 0}, suppressed 0, withdrawn 0`);
    out.push(`  Maximum prefixes allowed 1048576`);
    out.push(`  Threshold for warning message 75%, restart interval 0 min`);
    out.push(`  AIGP is enabled`);
    out.push(`  Last ack version ${up ? 4321 : 1}, Last synced ack version 0`);
    out.push(`  Outstanding version objects: current 0, max 1, refresh 0`);
    out.push(`  Additional-paths operation: None`);
    out.push(`  Send Multicast Attributes`);
    out.push(``);
    out.push(`  Connections established ${up ? 3 : 0}; dropped ${up ? 2 : 0}`);
    out.push(
      `  Local host: ${v6 ? "2001:db8::fffe" : "10.255.255.254"}, Local port: 179, IF Handle: 0x00000000`,
    );
    out.push(`  Foreign host: ${n.address}, Foreign port: ${up ? 55123 : 0}`);
    out.push(`  Last reset 00:10:00, due to Peer closing down the session`);
    out.push(``);
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------

export interface XrRejectRule {
  /** Tested against "path > line", e.g. "router bgp 65000 > neighbor 192.0.2.9 > remote-as 0". */
  match: RegExp;
  message: string;
}

interface XrCommit {
  id: number;
  before: INode[];
  user: string;
  at: Date;
  label?: string;
}

export interface IosXrFakeOptions extends FakeCliServerOptions {
  config?: string;
}

export class IosXrFake extends FakeCliServer {
  running: INode[];
  commits: XrCommit[] = [];
  version = 0;
  rejectRules: XrRejectRule[] = [];
  neighbors: FakeNeighbor[] = [];
  neighborOutput: string | undefined;
  externalLock: { user: string; line: string } | undefined;
  exclusiveHolder: XrCli | undefined;
  pending: { timer: NodeJS.Timeout; previous: INode[]; owner: XrCli; id: number } | undefined;
  autoRollbacks = 0;
  private nextId = 1000000001;

  constructor(opts: IosXrFakeOptions) {
    super(opts);
    this.running = parseIosConfig(opts.config ?? "", XR_DIALECT);
  }

  protected newSession(username: string): CliSession {
    return new XrCli(this, username);
  }

  lockBy(user = "netops"): void {
    this.externalLock = { user, line: "vty2" };
  }

  unlock(): void {
    this.externalLock = undefined;
  }

  runningText(): string {
    return printIosConfig(this.running, XR_DIALECT, "xr").join("\n");
  }

  commit(config: INode[], user: string, confirmSeconds: number | undefined, owner: XrCli): number {
    const before = cloneIos(this.running);
    this.running = cloneIos(config);
    const id = this.nextId++;
    this.commits.unshift({ id, before, user, at: new Date() });
    this.version++;
    if (confirmSeconds !== undefined) {
      if (this.pending) clearTimeout(this.pending.timer);
      const previous = this.pending?.previous ?? before;
      const timer = setTimeout(() => this.autoRollback(), this.ms(confirmSeconds));
      timer.unref?.();
      this.pending = { timer, previous, owner, id };
    }
    return id;
  }

  confirmPending(): void {
    if (!this.pending) return;
    clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  rollbackLast(n: number, user: string): string {
    const target = this.commits[n - 1];
    if (!target) return `% Invalid rollback point: only ${this.commits.length} commits are saved`;
    this.confirmPending();
    const before = cloneIos(this.running);
    this.running = cloneIos(target.before);
    this.commits.unshift({ id: this.nextId++, before, user, at: new Date(), label: `rollback last ${n}` });
    this.version++;
    return [
      "Loading Rollback Changes.",
      "Loaded Rollback Changes in 1 sec ",
      "Committing.",
      "1 items committed in 1 sec (0)items/sec",
      "Updating.",
      "Updated Commit database in 1 sec ",
      `Configuration successfully rolled back ${n} commits.`,
    ].join("\n");
  }

  private autoRollback(): void {
    if (!this.pending) return;
    this.running = cloneIos(this.pending.previous);
    // The trial's session has nothing staged any more (its target configuration was emptied
    // by the commit); what was rolled back is not "changes" of that session.
    this.pending.owner.resync(this.version + 1);
    this.pending = undefined;
    this.version++;
    this.autoRollbacks++;
  }
}

class XrCli implements CliSession {
  private mode: "exec" | "config" = "exec";
  private candidate: INode[] = [];
  private editor: IosEditor | undefined;
  private baseVersion = 0;
  private failed: string[] = [];
  private question: ((answer: string) => string | LineOutcome) | undefined;

  constructor(
    private readonly r: IosXrFake,
    private readonly user: string,
  ) {}

  greeting(): string {
    return `\n\nUser Access Verification\n`;
  }

  private modeName(): string {
    const path = this.editor?.path ?? [];
    if (this.editor?.inBlock) return "config-rpl";
    if (path.length === 0) return "config";
    const parts = ["config"];
    for (const p of path) {
      const first = p.split(" ")[0]!;
      if (p.startsWith("router bgp")) parts.push("bgp");
      else if (first === "neighbor") parts.push("nbr");
      else if (first === "address-family") parts.push("af");
      else if (first === "neighbor-group") parts.push("nbrgrp");
      else parts.push(first);
    }
    return parts.join("-");
  }

  prompt(): string {
    const base = `RP/0/RP0/CPU0:${this.r.hostname}`;
    return this.mode === "exec" ? `\n${base}#` : `\n${base}(${this.modeName()})#`;
  }

  closed(): void {
    if (this.r.exclusiveHolder === this) this.r.exclusiveHolder = undefined;
  }

  /** Forget staged state after the router replaced the running configuration. */
  resync(version: number): void {
    if (this.mode !== "config") return;
    this.candidate = cloneIos(this.r.running);
    this.editor = new IosEditor(this.candidate, XR_DIALECT);
    this.baseVersion = version;
  }

  line(text: string): string | LineOutcome {
    if (this.question) {
      const q = this.question;
      this.question = undefined;
      return q(text.trim());
    }
    const cmd = text.trim().replace(/\s+/g, " ");
    if (this.mode === "config" && this.editor?.inBlock) {
      this.editor.apply(text);
      return "";
    }
    if (cmd === "") return "";
    return this.mode === "exec" ? this.exec(cmd) : this.config(text, cmd);
  }

  private dirty(): boolean {
    return printIosConfig(this.candidate, XR_DIALECT, "xr").join("\n") !== this.r.runningText();
  }

  private exec(cmd: string): string | LineOutcome {
    if (/^terminal (length|width) \d+$/.test(cmd)) return "";
    if (cmd === "exit" || cmd === "logout") return { output: "", close: true };
    if (/^(configure|configure terminal|configure exclusive)$/.test(cmd)) {
      const exclusive = cmd === "configure exclusive";
      if (exclusive && (this.r.externalLock || (this.r.exclusiveHolder && this.r.exclusiveHolder !== this))) {
        const who = this.r.externalLock ?? { user: "other", line: "vty3" };
        return `% Failed to lock the running configuration: it is locked by another configuration session (user '${who.user}', line ${who.line})`;
      }
      if (exclusive) this.r.exclusiveHolder = this;
      this.mode = "config";
      this.candidate = cloneIos(this.r.running);
      this.editor = new IosEditor(this.candidate, XR_DIALECT);
      this.baseVersion = this.r.version;
      return "";
    }
    let m = /^show running-config ?(.*)$/.exec(cmd);
    if (m) return this.showRunning(m[1]!);
    if (cmd === "show version") {
      return [
        timestamp(),
        "Cisco IOS XR Software, Version 7.5.2 LNT",
        "Copyright (c) 2013-2022 by Cisco Systems, Inc.",
        "",
        "Build Information:",
        " Built By     : ingunawa",
        " Built On     : Tue Jun  7 11:24:08 PDT 2022",
        " Version      : 7.5.2",
        "",
        `cisco NCS-5500 () processor`,
        "System uptime is 4 weeks 1 day 2 hours 3 minutes",
      ].join("\n");
    }
    if (cmd === "show bgp neighbors" || cmd === "show bgp neighbor") {
      return this.r.neighborOutput ?? renderIosXrNeighbors(this.r.neighbors);
    }
    if (cmd === "show configuration commit list") {
      return [
        timestamp(),
        "SNo. Label/ID              User      Line                Client      Time Stamp",
        "~~~~ ~~~~~~~~              ~~~~      ~~~~                ~~~~~~      ~~~~~~~~~~",
        ...this.r.commits.map(
          (c, i) =>
            `${String(i + 1).padEnd(4)} ${String(c.id).padEnd(21)} ${c.user.padEnd(9)} vty0                CLI         ${c.at.toUTCString()}`,
        ),
      ].join("\n");
    }
    m = /^rollback configuration last (\d+)$/.exec(cmd);
    if (m) return `${timestamp()}\n${this.r.rollbackLast(Number(m[1]), this.user)}`;
    return `                  ^\n% Invalid input detected at '^' marker.`;
  }

  private showRunning(section: string): string {
    if (!section) {
      return [
        timestamp(),
        "Building configuration...",
        "!! IOS XR Configuration 7.9.2",
        this.r.runningText(),
        "end",
      ].join("\n");
    }
    // Every top-level item the words name: "route-policy" shows all of them, as XR does.
    const nodes = this.r.running.filter((n) => n.line === section || n.line.startsWith(section + " "));
    if (!nodes.length) return `${timestamp()}\n% No such configuration item(s)`;
    return [timestamp(), ...printIosConfig(nodes, XR_DIALECT, "xr")].join("\n");
  }

  private config(raw: string, cmd: string): string | LineOutcome {
    if (cmd.startsWith("do ")) {
      const res = this.exec(cmd.slice(3));
      return typeof res === "string" ? res : res.output;
    }
    if (cmd === "show commit changes diff") return this.diff();
    if (cmd === "show configuration failed") {
      return [
        timestamp(),
        "!! SEMANTIC ERRORS: This configuration was rejected by ",
        "!! the system due to semantic errors. The individual ",
        "!! errors with each failed configuration command can be ",
        "!! found below.",
        "",
        ...this.failed,
        "end",
      ].join("\n");
    }
    if (cmd === "abort") {
      this.leave();
      return "";
    }
    if (cmd === "root") {
      this.editor!.top();
      return "";
    }
    if (cmd === "end" || (cmd === "exit" && this.editor!.path.length === 0)) {
      if (!this.dirty()) {
        this.leave();
        return "";
      }
      this.question = (answer) => {
        if (answer === "yes") {
          const out = this.commit(undefined);
          const text = typeof out === "string" ? out : out.output;
          if (!text.includes("%")) this.leave();
          return out;
        }
        if (answer === "no") {
          this.leave();
          return "";
        }
        return "";
      };
      return {
        output: "Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:",
        prompt: false,
      };
    }
    if (cmd === "exit") {
      this.editor!.exit();
      return "";
    }
    const m = /^commit(?: confirmed(?: (\d+))?)?$/.exec(cmd);
    if (m) {
      const confirmed = cmd.startsWith("commit confirmed") ? Number(m[1] ?? 600) : undefined;
      if (confirmed !== undefined && (confirmed < 30 || confirmed > 65535)) {
        return `                  ^\n% Invalid input detected at '^' marker.`;
      }
      return this.commit(confirmed);
    }
    // A configuration line.
    const first = cmd.split(" ")[0]!;
    if (!KNOWN.has(first))
      return `${" ".repeat(raw.length - raw.trimStart().length + 2)}^\n% Invalid input detected at '^' marker.`;
    if (first === "no" && !KNOWN.has(cmd.split(" ")[1] ?? "")) {
      return `    ^\n% Invalid input detected at '^' marker.`;
    }
    this.editor!.apply(raw);
    return "";
  }

  private leave(): void {
    if (this.r.exclusiveHolder === this) this.r.exclusiveHolder = undefined;
    this.mode = "exec";
    this.editor = undefined;
    this.candidate = [];
  }

  private check(): string[] {
    const failed: string[] = [];
    const visit = (nodes: INode[], path: string[], depth: number) => {
      for (const n of nodes) {
        const flat = [...path, n.line].join(" > ");
        const rule = this.r.rejectRules.find((r) => r.match.test(flat));
        if (rule) {
          path.forEach((p, i) => failed.push(`${" ".repeat(i)}${p}`));
          failed.push(`${" ".repeat(depth)}${n.line}`);
          failed.push(`!!% ${rule.message}`);
          path.forEach((_, i) => failed.push(`${" ".repeat(path.length - 1 - i)}!`));
        }
        if (n.children && !n.block) visit(n.children, [...path, n.line], depth + 1);
      }
    };
    visit(this.candidate, [], 0);
    return failed;
  }

  private commit(confirmSeconds: number | undefined): string | LineOutcome {
    const ts = timestamp();
    const pending = this.r.pending;
    if (pending && pending.owner === this && !this.dirty()) {
      // Confirming the trial commit.
      this.r.confirmPending();
      return ts;
    }
    if (this.r.externalLock || (this.r.exclusiveHolder && this.r.exclusiveHolder !== this)) {
      const who = this.r.externalLock ?? { user: "other", line: "vty3" };
      return `${ts}\n% Failed to commit: the running configuration is locked by another configuration session (user '${who.user}', line ${who.line}). Use 'show configuration sessions' to see it.`;
    }
    if (!this.dirty()) return `${ts}\n% No configuration changes to commit.`;
    const doCommit = (): string => {
      const failed = this.check();
      if (failed.length) {
        this.failed = failed;
        return `${ts}\n\n% Failed to commit one or more configuration items during a pseudo-atomic operation. All changes made have been reverted. Please issue 'show configuration failed [inheritance]' from this session to view the errors`;
      }
      this.r.commit(this.candidate, this.user, confirmSeconds, this);
      this.candidate = cloneIos(this.r.running);
      this.editor = new IosEditor(this.candidate, XR_DIALECT);
      this.baseVersion = this.r.version;
      return ts;
    };
    if (this.r.version !== this.baseVersion) {
      this.question = (answer) => (answer === "yes" ? doCommit() : "");
      return {
        output:
          `${ts}\nOne or more commits have occurred from other configuration sessions since this session started or since the last commit was made from this session. ` +
          `You can use the 'show configuration commit changes' command to browse the changes.\nDo you wish to proceed with this commit anyway? [no]: `,
        prompt: false,
      };
    }
    return doCommit();
  }

  private diff(): string {
    const lines: string[] = [];
    const key = (n: INode) => (n.children ? n.line : XR_DIALECT.leafKey(n.line));
    const subtree = (m: string, n: INode, depth: number) => {
      for (const l of printIosConfig([n], XR_DIALECT, "xr", depth)) lines.push(`${m}  ${l}`);
    };
    const walk = (olds: INode[], news: INode[], depth: number): boolean => {
      const start = lines.length;
      const newBy = new Map(news.map((n) => [key(n), n]));
      const oldBy = new Map(olds.map((n) => [key(n), n]));
      for (const o of olds) {
        const n = newBy.get(key(o));
        if (!n) subtree("-", o, depth);
        else if (!o.children || !n.children || o.block || n.block) {
          const a = printIosConfig([o], XR_DIALECT, "xr").join("\n");
          const b = printIosConfig([n], XR_DIALECT, "xr").join("\n");
          if (a !== b) {
            subtree("-", o, depth);
            subtree("+", n, depth);
          }
        } else {
          const at = lines.length;
          const pad = " ".repeat(depth);
          lines.push(`   ${pad}${o.line}`);
          if (walk(o.children, n.children, depth + 1)) lines.push(`   ${pad}!`);
          else lines.length = at;
        }
      }
      for (const n of news) if (!oldBy.has(key(n))) subtree("+", n, depth);
      return lines.length > start;
    };
    walk(this.r.running, this.candidate, 0);
    return [timestamp(), "Building configuration...", "!! IOS XR Configuration 7.9.2", ...lines, "end"].join(
      "\n",
    );
  }
}
