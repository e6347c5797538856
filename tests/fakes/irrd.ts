// A fake IRRd for the bgpq4 tests: a TCP server on loopback that speaks the IRRd-style `!`
// whois protocol the way bgpq4 uses it, so the REAL bgpq4 binary can be run against it.
//
// The protocol, as IRRd documents it (docs/users/queries.rst of irrdnet/irrd):
//   `!!` switches to multiple-command mode (the connection stays open; no reply at all);
//   a reply with data is `A<length>\n<data>\nC\n`, where length counts the data plus the
//   newline right after it; `C\n` is success without data; `D\n` is "key not found";
//   `F <message>\n` is an error. Queries are answered in the order they were received
//   (bgpq4 pipelines them), so every connection answers through one promise chain.
// Commands played here: `!n<client>` and `!t<secs>` (C), `!s<sources>` (restrict the visible
// sources; `!s-lc` answers the current list), `!i<set>[,1]` (members; recursive and loop-safe
// with `,1`), `!g<asn>` / `!6<asn>` (distinct prefixes of an origin), `!a4<set>` / `!a6<set>`
// (all prefixes of all origins of the recursively resolved set), and bgpq4's bare `!a` probe
// (answered as IRRd 4 does, `F Missing required set name for A query`, when `supportA`, else
// `D`: bgpq4 compares that text and otherwise falls back to `!i<set>,1` + `!g`/`!6` per ASN),
// `!q` (close). bgpq4 writes ASNs in lower case (`!gas204001`), so keys are case-insensitive.
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";

export interface IrrdSet {
  members: string[];
  source: string;
}
export interface IrrdRoutes {
  v4: string[];
  v6: string[];
  source: string;
}
export interface IrrdData {
  sets: Record<string, IrrdSet>;
  /** Keyed by "AS<n>". */
  routes: Record<string, IrrdRoutes>;
  /** The sources a connection sees before any `!s` (default: every source in the data). */
  defaultSources?: string[];
}

export interface FakeIrrdOptions {
  data?: IrrdData;
  /** Answer the `!a` probe and `!a4`/`!a6` queries (default true). */
  supportA?: boolean;
  /** Per set or ASN ("AS-SLOW", "AS204001"): wait this long before answering a query for it. */
  delayMs?: Record<string, number>;
}

const ASN = /^AS(\d+)$/;

/** The 200,000 distinct, non-adjacent IPv4 /24s of AS-BIG's origin (cached: built once). */
let bigV4: string[] | undefined;
export function bigPrefixesV4(): string[] {
  if (!bigV4) {
    // Every other /24 from 20.0.0.0, so that bgpq4 -A cannot aggregate two of them.
    const out = new Array<string>(200_000);
    for (let i = 0; i < 200_000; i++) {
      const n = 2 * i;
      out[i] = `${20 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}.0/24`;
    }
    bigV4 = out;
  }
  return bigV4;
}

/** 100 non-adjacent IPv6 /48s for AS-BIG's origin. */
export function bigPrefixesV6(): string[] {
  return Array.from({ length: 100 }, (_, i) => `2a0e:8f00:${(2 * i).toString(16)}::/48`);
}

/** The test world: nested sets, a loop, a RADB-only set, a slow set, a big set, plain ASNs. */
export function defaultIrrdData(): IrrdData {
  const routes: Record<string, IrrdRoutes> = {};
  // AS204001..AS204010: three IPv4 /24s and two IPv6 /48s each, none adjacent to another.
  for (let i = 1; i <= 10; i++) {
    routes[`AS2040${String(i).padStart(2, "0")}`] = {
      v4: [`45.129.${i * 8}.0/24`, `45.129.${i * 8 + 2}.0/24`, `185.${100 + i}.0.0/22`],
      v6: [`2a0c:9a40:${(i * 4).toString(16)}::/48`, `2a0c:9a40:${(i * 4 + 2).toString(16)}::/48`],
      source: "RIPE",
    };
  }
  routes.AS396901 = { v4: ["23.150.40.0/24"], v6: ["2602:fd50:10::/44"], source: "ARIN" };
  routes.AS204006!.source = "RADB";
  routes.AS204099 = { v4: bigPrefixesV4(), v6: bigPrefixesV6(), source: "RIPE" };
  return {
    defaultSources: ["RIPE", "ARIN"],
    sets: {
      "AS-PBTEST-A": { members: ["AS204001", "AS-PBTEST-B"], source: "RIPE" },
      "AS-PBTEST-B": { members: ["AS204002", "AS-PBTEST-C"], source: "RIPE" },
      // AS64512 (private, no routes): bgpq4 skips it ("Invalid AS number") when it expands itself.
      "AS-PBTEST-C": { members: ["AS204003", "AS396901", "AS64512"], source: "RIPE" },
      "AS204001:AS-PBTEST-CUST": { members: ["AS204008"], source: "RIPE" },
      "AS-LOOP1": { members: ["AS204004", "AS-LOOP2"], source: "RIPE" },
      "AS-LOOP2": { members: ["AS204005", "AS-LOOP1"], source: "RIPE" },
      "AS-RADBONLY": { members: ["AS204006"], source: "RADB" },
      "AS-SLOW": { members: ["AS204007"], source: "RIPE" },
      "AS-BIG": { members: ["AS204099"], source: "RIPE" },
      "AS-EMPTY": { members: [], source: "RIPE" },
    },
    routes,
  };
}

/** Adds AS-MANY1..AS-MANYn (each 2 origins with 3 prefixes between them) to `data`, for benchmarks. */
export function manySets(n: number, data: IrrdData = defaultIrrdData()): IrrdData {
  for (let i = 1; i <= n; i++) {
    const a = `AS${3_969_000 + 2 * i}`;
    const b = `AS${3_969_001 + 2 * i}`;
    const k = 4 * i; // in /24 units: a gets k, b gets k + 2 (never adjacent, unique up to 16,383 sets)
    const net = (j: number) => `151.${(j >> 8) & 255}.${j & 255}.0/24`;
    data.routes[a] = { v4: [net(k)], v6: [`2a0f:${i.toString(16)}::/32`], source: "RIPE" };
    data.routes[b] = { v4: [net(k + 2)], v6: [], source: "RIPE" };
    data.sets[`AS-MANY${i}`] = { members: [a, b], source: "RIPE" };
  }
  return data;
}

export class FakeIrrd {
  /** Every command received, in order, over all connections. */
  readonly commands: string[] = [];
  /** How many connections the server has accepted. */
  connections = 0;
  private readonly data: IrrdData;
  private readonly supportA: boolean;
  private readonly delay: Map<string, number>;
  private readonly allSources: string[];
  private readonly sets = new Map<string, IrrdSet>();
  private readonly routes = new Map<string, IrrdRoutes>();
  private readonly sockets = new Set<Socket>();
  private readonly answerCache = new Map<string, string>();
  private server?: Server;

  constructor(opts: FakeIrrdOptions = {}) {
    this.data = opts.data ?? defaultIrrdData();
    this.supportA = opts.supportA ?? true;
    this.delay = new Map(Object.entries(opts.delayMs ?? {}).map(([k, v]) => [k.toUpperCase(), v]));
    for (const [k, v] of Object.entries(this.data.sets)) this.sets.set(k.toUpperCase(), v);
    for (const [k, v] of Object.entries(this.data.routes)) this.routes.set(k.toUpperCase(), v);
    const seen = new Set<string>();
    for (const o of [...this.sets.values(), ...this.routes.values()]) seen.add(o.source.toUpperCase());
    this.allSources = [...seen];
  }

  /** Connections still open (a killed bgpq4 closes its own). */
  get openConnections(): number {
    return this.sockets.size;
  }

  get port(): number {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) throw new Error("FakeIrrd is not started");
    return a.port;
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  start(): Promise<void> {
    const server = createServer((s) => this.serve(s));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private serve(sock: Socket): void {
    this.connections++;
    this.sockets.add(sock);
    sock.on("close", () => this.sockets.delete(sock));
    sock.on("error", () => undefined);
    const state = { sources: this.data.defaultSources?.map((s) => s.toUpperCase()) ?? this.allSources };
    let buf = "";
    let chain = Promise.resolve();
    sock.setEncoding("utf8");
    sock.on("data", (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, "");
        buf = buf.slice(nl + 1);
        this.commands.push(line);
        chain = chain.then(async () => {
          if (sock.destroyed) return;
          const wait = this.delayFor(line);
          if (wait) await new Promise((r) => setTimeout(r, wait));
          if (sock.destroyed) return;
          if (line === "!q") {
            sock.end();
            return;
          }
          const reply = this.answer(line, state);
          if (reply !== null) sock.write(reply);
        });
      }
    });
  }

  private delayFor(line: string): number {
    const key = /^!(?:a[46]?|i|g|6)(.+?)(?:,1)?$/.exec(line)?.[1]?.toUpperCase();
    return key ? (this.delay.get(key) ?? 0) : 0;
  }

  /** The reply to one command line (`null`: no reply at all, as for `!!`). */
  answer(line: string, state: { sources: string[] }): string | null {
    if (line === "!!") return null;
    if (!line.startsWith("!")) return "F Only IRRd-style (!) queries are supported by this fake\n";
    const cmd = line.slice(1, 2);
    const arg = line.slice(2);
    switch (cmd) {
      case "n":
      case "t":
        return "C\n";
      case "v":
        return frame("IRRd -- version 4.4.0 (peerbot fake)");
      case "s": {
        if (arg.toLowerCase() === "-lc") return frame(state.sources.join(","));
        const wanted = arg
          .split(",")
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean);
        const unknown = wanted.filter((s) => !this.allSources.includes(s));
        if (!wanted.length || unknown.length)
          return `F Invalid source(s): ${unknown.join(",") || "(none)"}\n`;
        state.sources = wanted;
        return "C\n";
      }
      case "i": {
        const recursive = arg.endsWith(",1");
        const name = (recursive ? arg.slice(0, -2) : arg).toUpperCase();
        const set = this.visibleSet(name, state.sources);
        if (!set) return "D\n";
        const members = recursive
          ? this.resolve(name, state.sources)
          : set.members.map((m) => m.toUpperCase());
        return members.length ? frame(members.join(" ")) : "C\n";
      }
      case "g":
      case "6": {
        const r = this.visibleRoutes(arg.toUpperCase(), state.sources);
        const list = r ? (cmd === "g" ? r.v4 : r.v6) : [];
        return list.length ? this.cachedFrame(`${cmd}:${arg.toUpperCase()}`, list) : "C\n";
      }
      case "a": {
        if (!this.supportA) return "D\n";
        // bgpq4's probe: it takes !a as supported only when the reply starts with IRRd's own
        // error for a missing set name (expander.c compares the text); anything else, no.
        if (arg === "") return "F Missing required set name for A query\n";
        const fam = arg[0] === "4" || arg[0] === "6" ? arg[0] : "";
        const name = arg.slice(fam.length).toUpperCase();
        const origins = ASN.test(name)
          ? [name]
          : this.visibleSet(name, state.sources)
            ? this.resolve(name, state.sources)
            : null;
        if (!origins) return "D\n";
        const prefixes = new Set<string>();
        for (const o of origins) {
          const r = this.visibleRoutes(o, state.sources);
          if (!r) continue;
          if (fam !== "6") for (const p of r.v4) prefixes.add(p);
          if (fam !== "4") for (const p of r.v6) prefixes.add(p);
        }
        return prefixes.size
          ? this.cachedFrame(`a${fam}:${name}:${state.sources.join(",")}`, [...prefixes])
          : "C\n";
      }
      default:
        return `F Unrecognized command: ${line.slice(0, 20)}\n`;
    }
  }

  private visibleSet(name: string, sources: string[]): IrrdSet | undefined {
    const s = this.sets.get(name);
    return s && sources.includes(s.source.toUpperCase()) ? s : undefined;
  }

  private visibleRoutes(asn: string, sources: string[]): IrrdRoutes | undefined {
    const r = this.routes.get(asn);
    return r && sources.includes(r.source.toUpperCase()) ? r : undefined;
  }

  /** The ASNs of a set, recursively; a set seen before is not entered again (loops end). */
  private resolve(name: string, sources: string[]): string[] {
    const asns = new Set<string>();
    const visited = new Set<string>();
    const walk = (n: string) => {
      if (visited.has(n)) return;
      visited.add(n);
      const set = this.visibleSet(n, sources);
      if (!set) return;
      for (const raw of set.members) {
        const m = raw.toUpperCase();
        if (ASN.test(m)) asns.add(m);
        else walk(m);
      }
    };
    walk(name);
    return [...asns];
  }

  private cachedFrame(key: string, items: string[]): string {
    let f = this.answerCache.get(key);
    if (f === undefined) {
      f = frame(items.join(" "));
      this.answerCache.set(key, f);
    }
    return f;
  }
}

/** `A<length>\n<data>\nC\n`: the length counts the data and its final newline, in bytes. */
export function frame(data: string): string {
  return `A${Buffer.byteLength(data, "utf8") + 1}\n${data}\nC\n`;
}
