// A fake Peering Manager REST API over loopback (node:http), faithful where peerbot depends on
// it: `Authorization: Token <key>` checked (401 {"detail": "Invalid token"} for a wrong one,
// 403 {"detail": "Authentication credentials were not provided."} without one, as DRF answers
// with LOGIN_REQUIRED); list endpoints paged with DRF's LimitOffsetPagination ({count, next,
// previous, results}, `next` an absolute URL, `limit` capped at MAX_PAGE_SIZE); `fields`
// (Peering Manager 1.10+) honoured; detail endpoints /<path>/<id>/; /api/status/; 404
// {"detail": "Not found."} elsewhere. `layout: "1.10"` serves routing policies at their old
// path (/api/peering/routing-policies/), as Peering Manager did before 1.11. Faults: a 500 on
// the next N requests.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Raw = Record<string, unknown>;

/** Records by API path under /api/ ("peering/autonomous-systems"), made once the base URL is known. */
export type PmTables = (base: string) => Record<string, Raw[]>;

export interface FakePmRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  status: number;
}

export interface FakePmOptions {
  token: string;
  data: PmTables;
  /** MAX_PAGE_SIZE: the most records one page holds, whatever `limit` asks (default 5). */
  maxPageSize?: number;
  version?: string;
  layout?: "1.11" | "1.10";
}

export class FakePeeringManager {
  readonly requests: FakePmRequest[] = [];
  private server: http.Server | null = null;
  private port = 0;
  private tables: Record<string, Raw[]> = {};
  /** Requests still to answer with HTTP 500. */
  failNext = 0;

  private constructor(private readonly opts: FakePmOptions) {}

  static async start(opts: FakePmOptions): Promise<FakePeeringManager> {
    const fake = new FakePeeringManager(opts);
    const server = http.createServer((req, res) => fake.handle(req, res));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    fake.server = server;
    fake.port = (server.address() as AddressInfo).port;
    fake.tables = opts.data(fake.url);
    if (opts.layout === "1.10") {
      fake.tables["peering/routing-policies"] = fake.tables["bgp/routing-policies"] ?? [];
      delete fake.tables["bgp/routing-policies"];
    }
    return fake;
  }

  /** The instance's base URL (the API is under /api/). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The records of one path, to change between imports. */
  table(path: string): Raw[] {
    const t = this.tables[path];
    if (!t) throw new Error(`no table ${path}`);
    return t;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, "close");
    this.server = null;
  }

  private send(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      vary: "Accept",
      allow: "GET, HEAD, OPTIONS",
      ...headers,
    });
    res.end(text);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", this.url);
    const query = Object.fromEntries(url.searchParams);
    const auth = req.headers.authorization;
    const log = (status: number) =>
      this.requests.push({
        method: req.method ?? "GET",
        path: url.pathname,
        query,
        authorization: auth,
        status,
      });
    if (this.failNext > 0) {
      this.failNext--;
      log(500);
      res.writeHead(500, { "content-type": "text/html" });
      res.end("<h1>Server Error (500)</h1>");
      return;
    }
    if (!auth) {
      log(403);
      return this.send(res, 403, { detail: "Authentication credentials were not provided." });
    }
    const m = /^Token (\S+)$/.exec(auth);
    if (!m || m[1] !== this.opts.token) {
      log(401);
      return this.send(res, 401, { detail: "Invalid token" }, { "www-authenticate": "Token" });
    }
    if (req.method !== "GET") {
      log(405);
      return this.send(res, 405, { detail: `Method "${req.method}" not allowed.` });
    }
    if (url.pathname === "/api/status/") {
      log(200);
      return this.send(res, 200, {
        "django-version": "6.1",
        "installed-apps": { django_rq: "3.1", rest_framework: "3.16.1" },
        "peering-manager-version": this.opts.version ?? "1.11.0",
        "python-version": "3.12.11",
        "rq-workers-running": 1,
      });
    }
    const detail = /^\/api\/([a-z-]+\/[a-z-]+)\/(\d+)\/$/.exec(url.pathname);
    const list = /^\/api\/([a-z-]+\/[a-z-]+)\/$/.exec(url.pathname);
    const table = this.tables[(detail ?? list)?.[1] ?? ""];
    if (!table) {
      log(404);
      return this.send(res, 404, { detail: "Not found." });
    }
    const fields = query.fields ? new Set(query.fields.split(",")) : null;
    const cut = (r: Raw) =>
      fields ? Object.fromEntries(Object.entries(r).filter(([k]) => fields.has(k))) : r;
    if (detail) {
      const row = table.find((r) => r.id === Number(detail[2]));
      log(row ? 200 : 404);
      return row
        ? this.send(res, 200, cut(row))
        : this.send(res, 404, { detail: "No matching object found." });
    }
    const max = this.opts.maxPageSize ?? 5;
    const asked = Number(query.limit ?? max);
    const limit = Number.isInteger(asked) && asked > 0 ? Math.min(asked, max) : max;
    const offset = Math.max(0, Number(query.offset ?? 0) || 0);
    const page = table.slice(offset, offset + limit);
    const link = (o: number) => {
      const u = new URL(url.href);
      u.searchParams.set("limit", String(limit));
      u.searchParams.set("offset", String(o));
      return u.href;
    };
    log(200);
    this.send(res, 200, {
      count: table.length,
      next: offset + limit < table.length ? link(offset + limit) : null,
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      results: page.map(cut),
    });
  }
}
