// An Arista EOS CLI over SSH, for the driver tests, written from Arista's documented CLI
// behaviour for configuration sessions.
//
// Modelled: prompts ("router>", "router#", "router(config-s-peerbo)#", with the session name
// cut to six characters and the mode appended, e.g. "(config-s-peerbo-router-bgp)#"), enable,
// terminal length/width, configure session <name> (a copy of running-config; lines are checked
// as they are typed: "% Invalid input (at token N: 'word')" and rejection rules the test sets),
// show session-config diffs (a unified diff of system:/running-config against the session),
// commit, commit timer <hh:mm:ss> (reverts by itself on scaled time unless confirmed),
// configure session <name> commit | abort from exec mode, abort / end inside the session,
// configure checkpoint save | restore, show running-config [section <regex>],
// show ip|ipv6 bgp summary | json (from neighbours the test sets), a configuration lock held
// by someone else that makes commits fail.
//
// Simplifications: no schema (containers by keyword; a `neighbor X attr` line is identified by
// its first three words; statements print in the order they were typed, not in EOS' own
// order); `no bgp default ...` is kept as a statement, as EOS prints it, other `no` lines
// remove; the wording of the lock and unknown-session refusals is modelled on EOS', not
// copied from a capture.
import { structuredPatch } from "diff";
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

const NEIGHBOR_ATTRS = new Set([
  "remote-as",
  "description",
  "peer",
  "peer-group",
  "password",
  "route-map",
  "maximum-routes",
  "maximum-accepted-routes",
  "activate",
  "update-source",
  "ebgp-multihop",
  "send-community",
  "next-hop-self",
  "shutdown",
  "bfd",
  "local-as",
  "allowas-in",
  "timers",
  "route-reflector-client",
  "default-originate",
  "weight",
  "prefix-list",
  "additional-paths",
  "graceful-restart",
  "ttl",
  "enforce-first-as",
  "remove-private-as",
  "passive",
]);

const KNOWN = new Set([
  "router",
  "neighbor",
  "network",
  "redistribute",
  "router-id",
  "maximum-paths",
  "bgp",
  "address-family",
  "vrf",
  "rd",
  "route-target",
  "description",
  "shutdown",
  "interface",
  "ip",
  "ipv6",
  "route-map",
  "match",
  "set",
  "continue",
  "sub-route-map",
  "hostname",
  "vlan",
  "management",
  "peer-filter",
  "seq",
  "distance",
  "timers",
  "graceful-restart",
  "no",
  "default",
  "exit",
]);

export const EOS_DIALECT: IosDialect = {
  indent: 3,
  isContainer(line, path) {
    const w = line.split(" ");
    if (w[0] === "router" || w[0] === "interface" || w[0] === "route-map" || w[0] === "peer-filter")
      return true;
    if (w[0] === "address-family") return true;
    if (w[0] === "vrf") return path.some((p) => p.startsWith("router bgp"));
    if (w[0] === "management") return true;
    if ((w[0] === "ip" || w[0] === "ipv6") && w[1] === "prefix-list" && w.length === 3) return true;
    return false;
  },
  leafKey(line) {
    if (line.startsWith("no bgp default ")) return EOS_DIALECT.leafKey(line.slice(3));
    const w = line.split(" ");
    if (w[0] === "bgp" && w[1] === "default") return w.slice(0, 3).join(" ");
    if (w[0] === "neighbor") {
      if (w[2] === "route-map" || w[2] === "prefix-list")
        return `${w.slice(0, 3).join(" ")} ${w[w.length - 1]}`;
      return w.slice(0, 3).join(" ");
    }
    if (w[0] === "network" || w[0] === "seq" || w[0] === "match") return line;
    if (w[0] === "bgp" || w[0] === "set" || w[0] === "redistribute") return w.slice(0, 2).join(" ");
    return w[0]!;
  },
  topLevel: new Set(["router", "interface", "route-map", "hostname", "management", "vlan", "peer-filter"]),
  storedNo: (line) => line.startsWith("no bgp default "),
};

/** `show ip bgp summary | json` (or ipv6) for the given neighbours, as EOS prints it. */
export function renderEosSummaryJson(
  neighbors: FakeNeighbor[],
  family: "ipv4" | "ipv6",
  nowSeconds = Date.now() / 1000,
  localAs = 65000,
): string {
  const peers: Record<string, unknown> = {};
  for (const [i, n] of neighbors.entries()) {
    if ((family === "ipv6") !== n.address.includes(":")) continue;
    const up = n.state === "Established";
    peers[n.address] = {
      ...(n.description !== undefined ? { description: n.description } : {}),
      msgSent: 990 + i,
      inMsgQueue: 0,
      prefixReceived: up ? (n.received ?? 0) : 0,
      upDownTime: nowSeconds - (up ? (n.uptimeSeconds ?? 0) : 600),
      version: 4,
      msgReceived: 1000 + i,
      prefixAccepted: up ? (n.accepted ?? 0) : 0,
      peerState: n.state,
      ...(n.state === "Idle" ? { peerStateIdleReason: "Admin" } : {}),
      outMsgQueue: 0,
      underMaintenance: false,
      asn: String(n.asn),
    };
  }
  return JSON.stringify(
    { vrfs: { default: { routerId: "10.255.255.254", peers, vrf: "default", asn: String(localAs) } } },
    null,
    4,
  );
}

export interface EosRejectRule {
  /** Tested against "path > line", e.g. "router bgp 65000 > neighbor 192.0.2.9 remote-as 0". */
  match: RegExp;
  /** Printed after "% ", e.g. "Invalid AS number". */
  message: string;
}

interface EosSession {
  name: string;
  config: INode[];
  state: "open" | "pending";
  timer?: NodeJS.Timeout;
  previous?: INode[];
}

export interface EosFakeOptions extends FakeCliServerOptions {
  config?: string;
}

export class EosFake extends FakeCliServer {
  running: INode[];
  readonly sessions = new Map<string, EosSession>();
  readonly checkpoints = new Map<string, INode[]>();
  rejectRules: EosRejectRule[] = [];
  neighbors: FakeNeighbor[] = [];
  neighborOutput: { ipv4?: string; ipv6?: string } = {};
  externalLock: { user: string } | undefined;
  autoRollbacks = 0;

  constructor(opts: EosFakeOptions) {
    super(opts);
    this.running = parseIosConfig(opts.config ?? "", EOS_DIALECT);
  }

  protected newSession(username: string): CliSession {
    return new EosCli(this, username);
  }

  lockBy(user = "netops"): void {
    this.externalLock = { user };
  }

  unlock(): void {
    this.externalLock = undefined;
  }

  runningText(): string {
    return printIosConfig(this.running, EOS_DIALECT, "eos").join("\n");
  }

  /** The full running-config as `show running-config` prints it. */
  fullRunning(config: INode[] = this.running): string {
    return [
      "! Command: show running-config",
      `! device: ${this.hostname} (cEOSLab, EOS-4.30.1F)`,
      "!",
      ...printIosConfig(config, EOS_DIALECT, "eos"),
      "end",
    ].join("\n");
  }

  lockMessage(): string | undefined {
    return this.externalLock
      ? `% Cannot commit: the configuration is locked by another session (user ${this.externalLock.user})`
      : undefined;
  }

  apply(session: EosSession, timerSeconds: number | undefined): void {
    const previous = cloneIos(this.running);
    this.running = cloneIos(session.config);
    if (timerSeconds === undefined) {
      this.sessions.delete(session.name);
      return;
    }
    session.state = "pending";
    session.previous = previous;
    session.timer = setTimeout(() => {
      if (this.sessions.get(session.name) !== session) return;
      this.running = previous;
      this.sessions.delete(session.name);
      this.autoRollbacks++;
    }, this.ms(timerSeconds));
    session.timer.unref?.();
  }
}

class EosCli implements CliSession {
  private privileged = false;
  private mode: "exec" | "session" | "config" = "exec";
  private session: EosSession | undefined;
  private editor: IosEditor | undefined;

  constructor(
    private readonly r: EosFake,
    private readonly user: string,
  ) {}

  greeting(): string {
    return `Last login: ${new Date().toUTCString()} from 192.0.2.200\n`;
  }

  prompt(): string {
    const h = this.r.hostname;
    if (this.mode === "exec") return `\n${h}${this.privileged ? "#" : ">"}`;
    const parts: string[] = [];
    for (const p of this.editor?.path ?? []) {
      const w = p.split(" ");
      if (w[0] === "router") parts.push(`router-${w[1]}`);
      else if (w[0] === "address-family") parts.push("af");
      else if (w[0] === "vrf") parts.push(`vrf-${w[1]}`);
      else if (w[0] === "interface") parts.push(`if-${(w[1] ?? "").replace(/^Ethernet/, "Et")}`);
      else if (w[0] === "route-map") parts.push(`route-map-${w[1]}`);
      else parts.push(w[0]!);
    }
    const head = this.mode === "session" ? `config-s-${this.session!.name.slice(0, 6)}` : "config";
    return `\n${h}(${[head, ...parts].join("-")})#`;
  }

  line(text: string): string | LineOutcome {
    const cmd = text.trim().replace(/\s+/g, " ");
    if (cmd === "") return "";
    if (this.mode === "exec") return this.exec(cmd);
    return this.configLine(text, cmd);
  }

  private exec(cmd: string): string | LineOutcome {
    if (cmd === "enable") {
      this.privileged = true;
      return "";
    }
    if (cmd === "exit" || cmd === "logout") return { output: "", close: true };
    if (cmd === "terminal length 0") return "Pagination disabled.";
    let m = /^terminal width (\d+)$/.exec(cmd);
    if (m) return `Width set to ${m[1]} columns.`;
    if (cmd === "show version | json") {
      return JSON.stringify(
        {
          modelName: "DCS-7280SR-48C6",
          hardwareRevision: "11.00",
          serialNumber: "JPE00000000",
          systemMacAddress: "00:1c:73:00:00:01",
          version: "4.28.3M",
          architecture: "x86_64",
          internalVersion: "4.28.3M-28837868.4283M",
          uptime: 1234567.8,
        },
        null,
        2,
      );
    }
    if (cmd === "show version") {
      return "Arista DCS-7280SR-48C6\nHardware version: 11.00\nSerial number: JPE00000000\n\nSoftware image version: 4.28.3M\nArchitecture: x86_64";
    }
    m = /^show (ip|ipv6) bgp summary \| json$/.exec(cmd);
    if (m) {
      const fam = m[1] === "ip" ? "ipv4" : "ipv6";
      return this.r.neighborOutput[fam] ?? renderEosSummaryJson(this.r.neighbors, fam);
    }
    m = /^show running-config(?: section (.+))?$/.exec(cmd);
    if (m) {
      if (!m[1]) return this.r.fullRunning();
      const re = new RegExp(m[1]);
      return printIosConfig(
        this.r.running.filter((n) => re.test(n.line)),
        EOS_DIALECT,
        "eos",
      ).join("\n");
    }
    if (!this.privileged) return "% Invalid input (privileged mode required)";
    if (cmd === "configure" || cmd === "configure terminal") {
      this.mode = "config";
      this.editor = new IosEditor(this.r.running, EOS_DIALECT);
      return "";
    }
    m = /^configure session ([A-Za-z0-9_-]+)(?: (commit|abort))?$/.exec(cmd);
    if (m) return this.sessionCommand(m[1]!, m[2] as "commit" | "abort" | undefined);
    m = /^configure checkpoint (save|restore) ([A-Za-z0-9_.-]+)$/.exec(cmd);
    if (m) {
      if (m[1] === "save") {
        this.r.checkpoints.set(m[2]!, cloneIos(this.r.running));
        return "";
      }
      const cp = this.r.checkpoints.get(m[2]!);
      if (!cp) return `% Checkpoint ${m[2]} does not exist`;
      this.r.running = cloneIos(cp);
      return "";
    }
    if (cmd === "show configuration sessions") {
      return [...this.r.sessions.values()]
        .map((s) => `  ${s.name.padEnd(32)} ${s.state === "pending" ? "pending-commit-timer" : "pending"}`)
        .join("\n");
    }
    return "% Invalid input";
  }

  private sessionCommand(name: string, action: "commit" | "abort" | undefined): string {
    const s = this.r.sessions.get(name);
    if (action === "commit") {
      if (!s) return `% Session ${name} not found`;
      const locked = this.r.lockMessage();
      if (locked) return locked;
      if (s.state === "pending") {
        clearTimeout(s.timer);
        this.r.sessions.delete(name);
        return "";
      }
      this.r.apply(s, undefined);
      return "";
    }
    if (action === "abort") {
      if (!s) return `% Session ${name} not found`;
      if (s.state === "pending") {
        clearTimeout(s.timer);
        this.r.running = s.previous!;
      }
      this.r.sessions.delete(name);
      return "";
    }
    if (s?.state === "pending")
      return `% Session ${name} is pending a commit timer; use 'configure session ${name} commit' or 'abort'`;
    const session = s ?? { name, config: cloneIos(this.r.running), state: "open" as const };
    this.r.sessions.set(name, session);
    this.session = session;
    this.editor = new IosEditor(session.config, EOS_DIALECT);
    this.mode = "session";
    return "";
  }

  private leave(): void {
    this.mode = "exec";
    this.session = undefined;
    this.editor = undefined;
  }

  private configLine(raw: string, cmd: string): string | LineOutcome {
    if (/^show (ip|ipv6) bgp summary \| json$/.test(cmd) || cmd.startsWith("show running-config")) {
      const res = this.exec(cmd);
      return typeof res === "string" ? res : res.output;
    }
    if (cmd === "end") {
      this.leave();
      return "";
    }
    if (cmd === "exit" && this.editor!.path.length === 0) {
      this.leave();
      return "";
    }
    if (cmd === "exit") {
      this.editor!.exit();
      return "";
    }
    if (this.mode === "session") {
      const s = this.session!;
      if (cmd === "show session-config diffs") return this.diff(s);
      if (cmd === "abort") {
        this.r.sessions.delete(s.name);
        this.leave();
        return "";
      }
      if (cmd === "show session-config") return this.r.fullRunning(s.config);
      const m = /^commit(?: timer (\d+):(\d\d):(\d\d))?$/.exec(cmd);
      if (m) {
        const locked = this.r.lockMessage();
        if (locked) return locked;
        const seconds =
          m[1] !== undefined ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
        this.r.apply(s, seconds);
        this.leave();
        return "";
      }
    }
    // A configuration line.
    const words = cmd.split(" ");
    const w = words[0] === "no" || words[0] === "default" ? words.slice(1) : words;
    if (!KNOWN.has(w[0] ?? "")) return `% Invalid input (at token ${words.length - w.length}: '${w[0]}')`;
    if (w[0] === "neighbor" && w.length >= 3 && !NEIGHBOR_ATTRS.has(w[2]!)) {
      return `% Invalid input (at token ${words.length - w.length + 2}: '${w[2]}')`;
    }
    if (w[0] === "neighbor" && w.length === 2 && words[0] !== "no") return "% Incomplete command";
    const flat = [...this.editor!.path, cmd].join(" > ");
    const rule = this.r.rejectRules.find((r) => r.match.test(flat));
    if (rule) return `% ${rule.message}`;
    this.editor!.apply(raw);
    return "";
  }

  private diff(s: EosSession): string {
    const patch = structuredPatch(
      "system:/running-config",
      `session:/${s.name}-session-config`,
      this.r.fullRunning() + "\n",
      this.r.fullRunning(s.config) + "\n",
      undefined,
      undefined,
      { context: 3 },
    );
    if (!patch.hunks.length) return "";
    const out = [`--- ${patch.oldFileName}`, `+++ ${patch.newFileName}`];
    for (const h of patch.hunks) {
      out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
      out.push(...h.lines);
    }
    return out.join("\n");
  }
}
