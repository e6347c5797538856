// The common part of the vendor CLI fakes: an ssh2 Server on 127.0.0.1 (random port, a host
// key generated per server), password / public-key / keyboard-interactive authentication,
// and a line discipline like a router CLI's: the CLI reads one line, echoes it, answers, and
// prints the next prompt. Exec channels run one command in a fresh CLI session.
//
// Vendor time is scaled: `msPerSecond` real milliseconds make one vendor second, so a test can
// let "commit confirmed 1" (one minute) expire in one real second (msPerSecond = 1000 / 60).
import { createHash, timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import ssh2 from "ssh2";
import type { AuthContext, Connection, ParsedKey, ServerChannel, SFTPWrapper } from "ssh2";
import { ed25519KeyPair } from "./ssh-keys.js";

const { Server, utils } = ssh2;

export interface FakeUser {
  username: string;
  password?: string;
  /** OpenSSH public key line ("ssh-ed25519 AAAA... comment"). */
  publicKey?: string;
}

export interface FakeCliServerOptions {
  /** The router's host name as it appears in prompts. */
  hostname?: string;
  users: FakeUser[];
  /** Real milliseconds per vendor second. Default 1000 (real time). */
  msPerSecond?: number;
  /** A private host key (PEM/OpenSSH) to reuse; a fresh ed25519 key otherwise. */
  hostKey?: string;
}

export interface LineOutcome {
  output: string;
  /** Print the prompt afterwards (default true). */
  prompt?: boolean;
  /** Close the channel afterwards (the user logged out). */
  close?: boolean;
}

/** One CLI login: the vendor's command interpreter for one channel. */
export interface CliSession {
  /** Printed once after login, before the first prompt. */
  greeting(): string;
  prompt(): string;
  line(text: string): string | LineOutcome;
  /** Ctrl-D on an empty line. */
  ctrlD?(): string | LineOutcome;
  /** The channel went away (logout, disconnect). */
  closed?(): void;
}

/** A BGP neighbour as the fakes render it for each vendor. */
export interface FakeNeighbor {
  address: string;
  asn: number;
  state: "Idle" | "Connect" | "Active" | "OpenSent" | "OpenConfirm" | "Established";
  uptimeSeconds?: number;
  received?: number;
  accepted?: number;
  advertised?: number;
  description?: string;
}

/** Deterministic neighbours for tests and benchmarks. */
export function makeNeighbors(count: number, seed = 1): FakeNeighbor[] {
  let x = seed >>> 0 || 1;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const states: FakeNeighbor["state"][] = [
    "Established",
    "Established",
    "Established",
    "Active",
    "Idle",
    "Connect",
  ];
  const out: FakeNeighbor[] = [];
  for (let i = 0; i < count; i++) {
    const v6 = i % 3 === 2;
    const address = v6
      ? `2001:db8:${(i >> 8).toString(16)}::${(i & 0xff).toString(16)}:${(i % 7) + 1}`
      : `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${(i & 0xff) + 1}`;
    const state = states[Math.floor(rnd() * states.length)]!;
    const up = state === "Established";
    const received = up ? Math.floor(rnd() * 5000) : undefined;
    out.push({
      address,
      asn: 64512 + Math.floor(rnd() * 1000) + (i % 5 === 0 ? 4200000000 - 64512 : 0),
      state,
      uptimeSeconds: up ? Math.floor(rnd() * 3_000_000) : undefined,
      received,
      accepted: received === undefined ? undefined : Math.floor(received * 0.95),
      advertised: up ? Math.floor(rnd() * 100) : undefined,
      description: `AS${64512 + i} peer ${i}`,
    });
  }
  return out;
}

function crlf(s: string): string {
  return s.replace(/\r?\n/g, "\r\n");
}

function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

export abstract class FakeCliServer {
  readonly hostname: string;
  readonly msPerSecond: number;
  readonly hostKey: string;
  readonly hostKeyFingerprint: string;
  port = 0;
  /** TCP connections accepted since start. */
  connections = 0;
  /** Successful logins (SSH sessions authenticated). */
  logins = 0;
  /** Authentication attempts that failed, by method (never the secret itself). */
  readonly failedAuth: string[] = [];
  /** Commands the CLI swallows without ever answering (to test timeouts). */
  stallOn: RegExp[] = [];
  /** Files served over SFTP (path -> content). */
  readonly files = new Map<string, Buffer>();
  private readonly server: InstanceType<typeof Server>;
  private readonly clients = new Set<Connection>();
  private readonly shells = new Set<{ write(text: string): void }>();
  private readonly users: FakeUser[];
  private readonly keys = new Map<string, ParsedKey>();

  constructor(opts: FakeCliServerOptions) {
    this.hostname = opts.hostname ?? "router";
    this.msPerSecond = opts.msPerSecond ?? 1000;
    this.users = opts.users;
    this.hostKey = opts.hostKey ?? ed25519KeyPair().private;
    const parsed = utils.parseKey(this.hostKey);
    if (parsed instanceof Error) throw parsed;
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    this.hostKeyFingerprint =
      "SHA256:" + createHash("sha256").update(key.getPublicSSH()).digest("base64").replace(/=+$/, "");
    for (const u of this.users) {
      if (!u.publicKey) continue;
      const pk = utils.parseKey(u.publicKey);
      if (pk instanceof Error) throw pk;
      this.keys.set(u.username, Array.isArray(pk) ? pk[0]! : pk);
    }
    this.server = new Server({ hostKeys: [this.hostKey] }, (client) => this.onClient(client));
  }

  /** The CLI for one login. */
  protected abstract newSession(username: string): CliSession;

  /** Vendor seconds to real milliseconds. */
  ms(vendorSeconds: number): number {
    return vendorSeconds * this.msPerSecond;
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Writes to every open CLI (a broadcast message). */
  broadcast(text: string): void {
    for (const s of this.shells) s.write(crlf(text));
  }

  /** Drops every connection (to test reconnects). */
  dropConnections(): void {
    for (const c of this.clients) c.end();
  }

  private onClient(client: Connection): void {
    this.connections++;
    (client as Connection & { setNoDelay?(v: boolean): void }).setNoDelay?.(true);
    this.clients.add(client);
    let username = "";
    client.on("authentication", (ctx) => this.authenticate(ctx, (u) => (username = u)));
    client.on("ready", () => {
      this.logins++;
      client.on("session", (accept) => {
        const session = accept();
        let ptyOk = false;
        session.on("pty", (acceptPty) => {
          ptyOk = true;
          acceptPty?.();
        });
        session.on("window-change", (acceptWc) => acceptWc?.());
        session.on("env", (acceptEnv) => acceptEnv?.());
        session.on("shell", (acceptShell) => {
          void ptyOk;
          const channel = acceptShell();
          this.runShell(channel, this.newSession(username));
        });
        session.on("sftp", (acceptSftp) => this.serveSftp(acceptSftp()));
        session.on("exec", (acceptExec, _reject, info) => {
          const channel = acceptExec();
          const cli = this.newSession(username);
          const res = cli.line(info.command);
          const out = typeof res === "string" ? res : res.output;
          channel.write(crlf(out.endsWith("\n") || out === "" ? out : out + "\n"));
          channel.exit(0);
          channel.end();
          cli.closed?.();
        });
      });
    });
    client.on("error", () => undefined);
    client.on("close", () => this.clients.delete(client));
  }

  /** A small in-memory SFTP server over `files` (open/read/write/stat/rename/remove). */
  private serveSftp(sftp: SFTPWrapper): void {
    const { OPEN_MODE, STATUS_CODE } = utils.sftp;
    const handles = new Map<string, { path: string; data: Buffer; write: boolean }>();
    let next = 0;
    const attrs = (size: number) => ({ mode: 0o100644, uid: 0, gid: 0, size, atime: 0, mtime: 0 });
    sftp.on("OPEN", (id, filename, flags) => {
      const exists = this.files.has(filename);
      if (!exists && !(flags & OPEN_MODE.CREAT)) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
      const write = (flags & OPEN_MODE.WRITE) !== 0;
      const data = flags & OPEN_MODE.TRUNC || !exists ? Buffer.alloc(0) : this.files.get(filename)!;
      if (write) this.files.set(filename, data);
      const h = Buffer.from(String(next++));
      handles.set(h.toString(), { path: filename, data, write });
      sftp.handle(id, h);
    });
    sftp.on("WRITE", (id, handle, offset, data) => {
      const f = handles.get(handle.toString());
      if (!f || !f.write) return sftp.status(id, STATUS_CODE.FAILURE);
      const end = offset + data.length;
      const buf =
        f.data.length >= end
          ? Buffer.from(f.data)
          : Buffer.concat([f.data, Buffer.alloc(end - f.data.length)]);
      data.copy(buf, offset);
      f.data = buf;
      this.files.set(f.path, buf);
      sftp.status(id, STATUS_CODE.OK);
    });
    sftp.on("READ", (id, handle, offset, len) => {
      const f = handles.get(handle.toString());
      if (!f) return sftp.status(id, STATUS_CODE.FAILURE);
      if (offset >= f.data.length) return sftp.status(id, STATUS_CODE.EOF);
      sftp.data(id, f.data.subarray(offset, Math.min(f.data.length, offset + len)));
    });
    sftp.on("FSTAT", (id, handle) => {
      const f = handles.get(handle.toString());
      if (!f) return sftp.status(id, STATUS_CODE.FAILURE);
      sftp.attrs(id, attrs(f.data.length));
    });
    sftp.on("FSETSTAT", (id) => sftp.status(id, STATUS_CODE.OK));
    sftp.on("CLOSE", (id, handle) => {
      handles.delete(handle.toString());
      sftp.status(id, STATUS_CODE.OK);
    });
    const stat = (id: number, path: string) => {
      const f = this.files.get(path);
      if (!f) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
      sftp.attrs(id, attrs(f.length));
    };
    sftp.on("STAT", stat);
    sftp.on("LSTAT", stat);
    sftp.on("REMOVE", (id, path) => {
      if (!this.files.delete(path)) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
      sftp.status(id, STATUS_CODE.OK);
    });
    sftp.on("RENAME", (id, from, to) => {
      const f = this.files.get(from);
      if (!f) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
      if (this.files.has(to)) return sftp.status(id, STATUS_CODE.FAILURE, "file exists");
      this.files.delete(from);
      this.files.set(to, f);
      sftp.status(id, STATUS_CODE.OK);
    });
    sftp.on("REALPATH", (id, path) => sftp.name(id, [{ filename: path, longname: path, attrs: attrs(0) }]));
  }

  private authenticate(ctx: AuthContext, setUser: (u: string) => void): void {
    const user = this.users.find((u) => u.username === ctx.username);
    switch (ctx.method) {
      case "password":
        if (user?.password !== undefined && safeEqual(ctx.password, user.password)) {
          setUser(ctx.username);
          return ctx.accept();
        }
        this.failedAuth.push("password");
        return ctx.reject(["password", "keyboard-interactive", "publickey"]);
      case "keyboard-interactive":
        if (user?.password === undefined) {
          this.failedAuth.push("keyboard-interactive");
          return ctx.reject();
        }
        return ctx.prompt([{ prompt: "Password: ", echo: false }], (answers) => {
          if (safeEqual(answers[0] ?? "", user.password!)) {
            setUser(ctx.username);
            ctx.accept();
          } else {
            this.failedAuth.push("keyboard-interactive");
            ctx.reject();
          }
        });
      case "publickey": {
        const allowed = this.keys.get(ctx.username);
        if (
          !allowed ||
          ctx.key.algo !== allowed.type ||
          !ctx.key.data.equals(allowed.getPublicSSH()) ||
          (ctx.signature && ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true)
        ) {
          this.failedAuth.push("publickey");
          return ctx.reject();
        }
        if (ctx.signature) setUser(ctx.username);
        return ctx.accept();
      }
      default:
        return ctx.reject(["password", "publickey", "keyboard-interactive"]);
    }
  }

  private runShell(channel: ServerChannel, cli: CliSession): void {
    const io = { write: (t: string) => channel.write(t) };
    this.shells.add(io);
    let open = true;
    let pending = "";
    let sawCr = false;
    const close = () => {
      if (!open) return;
      open = false;
      this.shells.delete(io);
      cli.closed?.();
    };
    const emit = (res: string | LineOutcome) => {
      const r = typeof res === "string" ? { output: res } : res;
      // A question (no prompt follows) leaves the cursor at the end of its line.
      const text = r.prompt === false || r.output.endsWith("\n") ? r.output : r.output + "\n";
      if (text) channel.write(crlf(text));
      if (r.close) {
        channel.exit(0);
        channel.end();
        close();
        return;
      }
      if (r.prompt !== false) channel.write(crlf(cli.prompt()));
    };
    channel.write(crlf(cli.greeting()) + crlf(cli.prompt()));
    channel.on("data", (data: Buffer) => {
      if (!open) return;
      const text = data.toString("utf8");
      for (const ch of text) {
        if (!open) return;
        if (ch === "\x04") {
          if (pending === "" && cli.ctrlD) emit(cli.ctrlD());
          continue;
        }
        if (ch === "\r" || ch === "\n") {
          if (ch === "\n" && sawCr) {
            sawCr = false;
            continue;
          }
          sawCr = ch === "\r";
          const line = pending;
          pending = "";
          channel.write(line + "\r\n");
          if (this.stallOn.some((re) => re.test(line))) continue;
          emit(cli.line(line));
          continue;
        }
        sawCr = false;
        pending += ch;
      }
    });
    channel.on("close", close);
    channel.on("error", close);
  }
}

/** "2024-05-01 10:00:00 UTC" for a Date. */
export function utcStamp(d: Date): string {
  return d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

// ---------------------------------------------------------------------------------------
// IOS-style configuration trees (IOS-XR, EOS): indented lines, modes entered by keywords
// ---------------------------------------------------------------------------------------

export interface INode {
  line: string;
  /** Undefined for a leaf line. */
  children?: INode[];
  /** A raw block (XR route-policy ... end-policy): children are kept verbatim. */
  block?: boolean;
}

export interface IosDialect {
  /** Spaces per level when printing. */
  indent: number;
  /** Does this line open a mode (a container)? */
  isContainer(line: string, path: string[]): boolean;
  /** Identity of a leaf line among its siblings (a second line with the same key replaces it). */
  leafKey(line: string): string;
  /** Lines that always start at the top level, even when typed without indentation. */
  topLevel: Set<string>;
  /** Raw blocks: first word -> the line that ends the block. */
  blocks?: Record<string, string>;
  /**
   * "no ..." lines that the platform keeps as statements of their own rather than as
   * removals (EOS prints `no bgp default ipv4-unicast`); leafKey gives them the key of the
   * statement they negate, so either form replaces the other.
   */
  storedNo?(line: string): boolean;
}

export function cloneIos(nodes: INode[]): INode[] {
  return nodes.map((n) => ({
    line: n.line,
    ...(n.children ? { children: cloneIos(n.children) } : {}),
    ...(n.block ? { block: true } : {}),
  }));
}

function iosKey(n: INode, d: IosDialect): string {
  return n.children ? n.line : d.leafKey(n.line);
}

/** Applies typed configuration lines to a tree, tracking the mode like a router CLI. */
export class IosEditor {
  private stack: Array<{ indent: number; node: INode | undefined; list: INode[] }>;
  private block: { node: INode; end: string } | undefined;

  constructor(
    readonly root: INode[],
    private readonly d: IosDialect,
  ) {
    this.stack = [{ indent: -1, node: undefined, list: root }];
  }

  /** Container lines from the top to the current mode. */
  get path(): string[] {
    return this.stack.slice(1).map((s) => s.node!.line);
  }

  get inBlock(): boolean {
    return this.block !== undefined;
  }

  /** Leaves the current mode ("exit"); false at the top level. */
  exit(): boolean {
    if (this.block) {
      this.block = undefined;
      return true;
    }
    if (this.stack.length <= 1) return false;
    this.stack.pop();
    return true;
  }

  top(): void {
    this.block = undefined;
    this.stack.length = 1;
  }

  /** Applies one line; returns the node it created or changed. */
  apply(rawLine: string): void {
    const indent = rawLine.length - rawLine.trimStart().length;
    const line = rawLine.trim().replace(/\s+/g, " ");
    if (this.block) {
      if (line === this.block.end) {
        this.block.node.children!.push({ line });
        this.block = undefined;
      } else this.block.node.children!.push({ line: rawLine.replace(/\s+$/, "") });
      return;
    }
    if (line === "" || line.startsWith("!")) return;
    const first = line.split(" ")[0]!;
    if (indent > 0) {
      while (this.stack.length > 1 && this.stack[this.stack.length - 1]!.indent >= indent) this.stack.pop();
    } else if (this.d.topLevel.has(first) || this.d.topLevel.has(line.replace(/^no /, "").split(" ")[0]!)) {
      this.stack.length = 1;
    }
    const cur = this.stack[this.stack.length - 1]!;
    const list = cur.list;
    if (first === "no" && !this.d.storedNo?.(line)) {
      const what = line.slice(3);
      const key = this.d.isContainer(what, this.path) ? what : this.d.leafKey(what);
      for (let i = list.length - 1; i >= 0; i--) {
        const n = list[i]!;
        if (iosKey(n, this.d) === key || n.line === what || n.line.startsWith(what + " ")) list.splice(i, 1);
      }
      return;
    }
    const blockEnd = this.stack.length === 1 ? this.d.blocks?.[first] : undefined;
    if (blockEnd) {
      const node: INode = { line, children: [], block: true };
      const i = list.findIndex((n) => n.line === line);
      if (i >= 0) list[i] = node;
      else list.push(node);
      this.block = { node, end: blockEnd };
      return;
    }
    if (this.d.isContainer(line, this.path)) {
      let node = list.find((n) => n.children && n.line === line);
      if (!node) {
        node = { line, children: [] };
        list.push(node);
      }
      this.stack.push({ indent, node, list: node.children! });
      return;
    }
    const key = this.d.leafKey(line);
    const i = list.findIndex((n) => !n.children && iosKey(n, this.d) === key);
    if (i >= 0) list[i] = { line };
    else list.push({ line });
  }
}

/** Parses show-running-config style text with the dialect. */
export function parseIosConfig(text: string, d: IosDialect): INode[] {
  const root: INode[] = [];
  const ed = new IosEditor(root, d);
  for (const l of text.split(/\r?\n/)) if (l.trim() !== "end") ed.apply(l);
  return root;
}

export function printIosConfig(nodes: INode[], d: IosDialect, style: "xr" | "eos", depth = 0): string[] {
  const pad = " ".repeat(d.indent * depth);
  const out: string[] = [];
  for (const n of nodes) {
    if (!n.children) {
      out.push(pad + n.line);
      continue;
    }
    if (n.block) {
      out.push(pad + n.line);
      for (const c of n.children) out.push(c.line);
      if (depth === 0) out.push("!");
      continue;
    }
    if (style === "eos" && depth > 0) out.push(pad + "!");
    out.push(pad + n.line);
    out.push(...printIosConfig(n.children, d, style, depth + 1));
    if (style === "xr") out.push(pad + "!");
    else if (depth === 0) out.push("!");
  }
  return out;
}
