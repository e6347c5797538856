// A fake PeeringDB API over loopback (node:http), faithful where peerbot depends on it:
// `/api/<type>` and `/api/<type>/<id>` answering {"meta": {}, "data": [...]}; `since` (objects
// updated since then, deleted ones included, which are otherwise hidden); `limit`/`skip` in
// id order; `depth` accepted (sets are never expanded: peerbot always asks depth=0); `fields`;
// filters on any field with `__in`, `__lt`, `__lte`, `__gt`, `__gte`, `__contains`,
// `__startswith` (strings case-insensitive); the API key (`Authorization: Api-Key …`) checked
// and recorded, and contacts other than Public shown only with it. Faults can be injected:
// 429 with or without Retry-After, 5xx, slow answers, malformed JSON. Tests mutate and
// delete rows; each change bumps `updated` to the fake's clock.
import { once } from "node:events";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export type Raw = Record<string, unknown>;

/** The bundled real records (prisma/seed/peeringdb), shared with `peerbot seed-demo`. */
export const FIXTURES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../prisma/seed/peeringdb",
);
export const FIXTURE_TYPES = [
  "org",
  "fac",
  "ix",
  "ixlan",
  "ixpfx",
  "net",
  "poc",
  "netfac",
  "ixfac",
  "netixlan",
  "carrier",
  "carrierfac",
  "campus",
] as const;

/** The real records bundled in prisma/seed/peeringdb, by type. */
export function loadFixtures(): Record<string, Raw[]> {
  const out: Record<string, Raw[]> = {};
  for (const t of FIXTURE_TYPES) {
    const body = JSON.parse(readFileSync(path.join(FIXTURES_DIR, `${t}.json`), "utf8")) as { data: Raw[] };
    out[t] = body.data;
  }
  return out;
}

export interface FakeRequest {
  /** 1-based, in arrival order. */
  n: number;
  method: string;
  path: string;
  type: string | null;
  id: number | null;
  query: Record<string, string>;
  /** The Authorization header as received (tests check the key is sent only when set). */
  authorization: string | undefined;
  userAgent: string | undefined;
  status: number;
}

export interface FakeFault {
  kind: "429" | "5xx" | "slow" | "malformed";
  /** Only the request with this number (FakeRequest.n); any request when absent. */
  onRequest?: number;
  /** Only requests this accepts (e.g. r => r.type === "netixlan"). */
  match?: (r: FakeRequest) => boolean;
  /** How many requests it hits (default 1). */
  times?: number;
  /** 429: Retry-After in seconds (or any header text); absent sends none. */
  retryAfter?: number | string;
  /** 5xx: the status (default 500). */
  status?: number;
  /** slow: the delay before answering. */
  delayMs?: number;
}

export interface FakeOptions {
  /** Rows by type (raw API objects); default the bundled fixtures. */
  data?: Record<string, Raw[]>;
  /** When set, requests with another key are refused with 401; requests without one are anonymous. */
  apiKey?: string;
  /** Refuse anonymous requests too (401), as a deployment that insists on keys would. */
  requireKey?: boolean;
  /** Gzip answers when the client accepts it. */
  gzip?: boolean;
  /** Clock for `updated` bumps (default real time). */
  now?: () => Date;
}

interface Entry {
  row: Raw;
  json: string;
  updatedMs: number;
  /** JSON of the row cut to a `fields=` list, by that list (an entry is replaced on change). */
  projections?: Map<string, string>;
}

const RESERVED = new Set(["limit", "skip", "depth", "since", "fields"]);

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export class FakePeeringDb {
  readonly requests: FakeRequest[] = [];
  private readonly tables = new Map<string, Map<number, Entry>>();
  private readonly sorted = new Map<string, Entry[]>();
  private faults: (FakeFault & { left: number })[] = [];
  private server: http.Server | null = null;
  private port = 0;
  private readonly apiKey: string | undefined;
  private readonly requireKey: boolean;
  private readonly gzip: boolean;
  now: () => Date;

  private constructor(opts: FakeOptions) {
    this.apiKey = opts.apiKey;
    this.requireKey = opts.requireKey ?? false;
    this.gzip = opts.gzip ?? false;
    this.now = opts.now ?? (() => new Date());
    const data = opts.data ?? loadFixtures();
    for (const [type, rows] of Object.entries(data)) this.set(type, rows);
  }

  static async start(opts: FakeOptions = {}): Promise<FakePeeringDb> {
    const fake = new FakePeeringDb(opts);
    const server = http.createServer((req, res) => {
      fake.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    server.keepAliveTimeout = 60_000;
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    fake.server = server;
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** Base URL up to and including /api. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = null;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  // -------------------------------------------------------------------------
  // Data
  // -------------------------------------------------------------------------

  /** Replaces every row of `type`. */
  set(type: string, rows: readonly Raw[]): void {
    const m = new Map<number, Entry>();
    for (const row of rows) m.set(Number(row.id), this.entry(row));
    this.tables.set(type, m);
    this.sorted.delete(type);
  }

  /** The current rows of `type` (deleted ones included), by id. */
  rows(type: string): Raw[] {
    return this.list(type).map((e) => e.row);
  }

  get(type: string, id: number): Raw | undefined {
    return this.tables.get(type)?.get(id)?.row;
  }

  /** Adds or replaces a row as given (no validation: malformed rows are how tests make them). */
  put(type: string, row: Raw, opts: { bump?: boolean } = {}): Raw {
    const stored = opts.bump === false ? row : { ...row, updated: isoSeconds(this.now()) };
    let m = this.tables.get(type);
    if (!m) this.tables.set(type, (m = new Map()));
    m.set(Number(stored.id), this.entry(stored));
    this.sorted.delete(type);
    return stored;
  }

  /** Changes fields of a row and bumps its `updated`. */
  update(type: string, id: number, patch: Raw): Raw {
    const cur = this.get(type, id);
    if (!cur) throw new Error(`fake PeeringDB has no ${type} ${id}`);
    return this.put(type, { ...cur, ...patch });
  }

  /** Marks a row deleted (status "deleted", `updated` bumped), as PeeringDB does. */
  remove(type: string, id: number): Raw {
    return this.update(type, id, { status: "deleted" });
  }

  private entry(row: Raw): Entry {
    const u = typeof row.updated === "string" ? Date.parse(row.updated) : NaN;
    return { row, json: JSON.stringify(row), updatedMs: Number.isNaN(u) ? 0 : u };
  }

  private list(type: string): Entry[] {
    let s = this.sorted.get(type);
    if (!s) {
      s = [...(this.tables.get(type)?.values() ?? [])].sort((a, b) => Number(a.row.id) - Number(b.row.id));
      this.sorted.set(type, s);
    }
    return s;
  }

  // -------------------------------------------------------------------------
  // Faults
  // -------------------------------------------------------------------------

  addFault(f: FakeFault): void {
    this.faults.push({ ...f, left: f.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  private takeFault(r: FakeRequest): FakeFault | null {
    for (const f of this.faults) {
      if (f.left <= 0) continue;
      if (f.onRequest !== undefined && f.onRequest !== r.n) continue;
      if (f.match && !f.match(r)) continue;
      f.left--;
      return f;
    }
    return null;
  }

  // -------------------------------------------------------------------------
  // HTTP
  // -------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? "/", "http://fake");
    const m = /^\/api\/([a-z]+)(?:\/(\d+))?\/?$/.exec(u.pathname);
    const auth = req.headers.authorization;
    const r: FakeRequest = {
      n: this.requests.length + 1,
      method: req.method ?? "GET",
      path: u.pathname,
      type: m?.[1] ?? null,
      id: m?.[2] ? Number(m[2]) : null,
      query: Object.fromEntries(u.searchParams),
      authorization: auth,
      userAgent: req.headers["user-agent"],
      status: 0,
    };
    this.requests.push(r);
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      r.status = status;
      let payload: Buffer = Buffer.from(body);
      const h: Record<string, string> = { "content-type": "application/json", ...headers };
      if (this.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
        payload = gzipSync(payload);
        h["content-encoding"] = "gzip";
      }
      h["content-length"] = String(payload.length);
      res.writeHead(status, h);
      res.end(payload);
    };
    const error = (status: number, msg: string) =>
      send(status, JSON.stringify({ meta: { error: msg }, data: [] }));

    const fault = this.takeFault(r);
    if (fault?.kind === "slow") await new Promise((ok) => setTimeout(ok, fault.delayMs ?? 1000));
    if (fault?.kind === "429") {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      r.status = 429;
      return send(429, JSON.stringify({ message: "Request was throttled." }), headers);
    }
    if (fault?.kind === "5xx")
      return send(fault.status ?? 500, "<h1>Server Error (500)</h1>", { "content-type": "text/html" });
    if (fault?.kind === "malformed") return send(200, '{"meta": {}, "data": [{"id": 1, "name": "trunc');

    if (req.method !== "GET") return error(405, "Method not allowed");
    if (!m || !r.type) return error(404, "Not found");
    let authenticated = false;
    if (auth !== undefined) {
      const key = /^Api-Key\s+(\S+)$/.exec(auth)?.[1];
      if (!key || (this.apiKey !== undefined && key !== this.apiKey)) return error(401, "Invalid API key");
      authenticated = true;
    } else if (this.requireKey) return error(401, "Authentication required");
    if (!this.tables.has(r.type)) return error(404, `Unknown object type ${r.type}`);
    const visible = (e: Entry) => r.type !== "poc" || authenticated || e.row.visible === "Public";

    if (r.id !== null) {
      const e = this.tables.get(r.type)?.get(r.id);
      if (!e || e.row.status === "deleted" || !visible(e)) return error(404, "Not found");
      return send(200, `{"meta":{},"data":[${e.json}]}`);
    }

    const q = r.query;
    const since = q.since !== undefined ? Number(q.since) : null;
    if (since !== null && !Number.isFinite(since)) return error(400, "since must be a unix timestamp");
    const tests = Object.entries(q)
      .filter(([k]) => !RESERVED.has(k))
      .map(([k, v]) => filterFor(k, v));
    let rows = this.list(r.type).filter((e) => {
      if (since !== null ? e.updatedMs < since * 1000 : e.row.status !== "ok") return false;
      if (!visible(e)) return false;
      return tests.every((t) => t(e.row));
    });
    const skip = Math.max(0, Number(q.skip ?? 0) || 0);
    const limit = q.limit !== undefined ? Math.max(0, Number(q.limit) || 0) : 0;
    rows = limit > 0 ? rows.slice(skip, skip + limit) : rows.slice(skip);
    let items: string[];
    if (q.fields) {
      const key = q.fields;
      const fields = key.split(",").map((f) => f.trim());
      items = rows.map((e) => {
        let s = e.projections?.get(key);
        if (s === undefined) {
          s = JSON.stringify(Object.fromEntries(fields.filter((f) => f in e.row).map((f) => [f, e.row[f]])));
          (e.projections ??= new Map()).set(key, s);
        }
        return s;
      });
    } else items = rows.map((e) => e.json);
    return send(200, `{"meta":{},"data":[${items.join(",")}]}`);
  }
}

/** One query filter: `field`, `field__in`, `field__lt`, ... (strings case-insensitive). */
function filterFor(key: string, value: string): (row: Raw) => boolean {
  const m = /^(.+?)(?:__(in|lt|lte|gt|gte|contains|startswith))?$/.exec(key);
  const field = m?.[1] ?? key;
  const op = m?.[2];
  const same = (v: unknown, want: string): boolean => {
    if (typeof v === "number") return v === Number(want);
    if (typeof v === "boolean") return v === (want === "true" || want === "1" || want === "True");
    if (v === null || v === undefined) return want === "" || want.toLowerCase() === "null";
    return String(v).toLowerCase() === want.toLowerCase();
  };
  switch (op) {
    case "in": {
      const wants = value.split(",");
      return (row) => wants.some((w) => same(row[field], w));
    }
    case "lt":
      return (row) => Number(row[field]) < Number(value);
    case "lte":
      return (row) => Number(row[field]) <= Number(value);
    case "gt":
      return (row) => Number(row[field]) > Number(value);
    case "gte":
      return (row) => Number(row[field]) >= Number(value);
    case "contains":
      return (row) =>
        String(row[field] ?? "")
          .toLowerCase()
          .includes(value.toLowerCase());
    case "startswith":
      return (row) =>
        String(row[field] ?? "")
          .toLowerCase()
          .startsWith(value.toLowerCase());
    default:
      return (row) => same(row[field], value);
  }
}
