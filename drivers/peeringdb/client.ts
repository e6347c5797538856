// The PeeringDB API over HTTP (undici): keep-alive, timeouts, a descriptive User-Agent, the
// API key as `Authorization: Api-Key …` only when one is configured (it is never logged and
// never put in an error), requests spaced to stay inside PeeringDB's rate limits (20 a
// minute anonymous, 40 with a key), 429 answered by waiting for Retry-After (or backing off
// exponentially up to 60 s), and every record validated (schemas.ts). It implements the
// sync's PeeringDbSource port: `pages(type, {since})` walks a type with limit/skip at depth=0.
import { promisify } from "node:util";
import { gunzip as gunzipCb } from "node:zlib";
import type * as Undici from "undici";
import type { Dispatcher } from "undici";
import type { Logger } from "../../core/log.js";
import { columnNames } from "../../core/peeringdb/tables.js";
import type {
  PageQuery,
  PdbPage,
  PdbRecordMap,
  PdbType,
  PeeringDbSource,
} from "../../core/peeringdb/types.js";
import type * as Validation from "./validate.js";

const gunzip = promisify(gunzipCb);

// undici and the zod schemas (validate.ts) are loaded on the first request, not at import:
// every peerbot process makes a client (bot/services.ts), and most never call PeeringDB
// (an idle `peerbot worker` keeps about 3 MB of heap less).
let undici: Promise<typeof Undici> | undefined;
const loadUndici = () => (undici ??= import("undici"));
let validation: Promise<typeof Validation> | undefined;
const loadValidation = () => (validation ??= import("./validate.js"));

export const DEFAULT_PEERINGDB_URL = "https://www.peeringdb.com/api";
export const USER_AGENT = "peerbot/0.1 (+https://github.com/peerbot)";
/** PeeringDB's limits: 20 requests a minute anonymous, 40 with an API key. */
export const ANONYMOUS_INTERVAL_MS = 60_000 / 20;
export const AUTHENTICATED_INTERVAL_MS = 60_000 / 40;

export interface PeeringDbClientOptions {
  /** Base URL up to and including /api (default https://www.peeringdb.com/api). */
  baseUrl?: string;
  /** Sent as `Authorization: Api-Key <key>`; omit for anonymous access (no contacts then). */
  apiKey?: string;
  userAgent?: string;
  /** Least time between two requests, in ms; default from the rate limit (3 s anonymous, 1.5 s with a key). 0 disables. */
  minIntervalMs?: number;
  /** Rows per request when walking a type (limit/skip). */
  pageSize?: number;
  /**
   * Ask only for the fields the mirror keeps (`fields=`), which roughly halves what PeeringDB
   * sends for fac and org (default true). A server that ignores it sends whole objects.
   */
  selectFields?: boolean;
  /** Time allowed for the answer's headers, and between two chunks of its body, in ms. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** Attempts after the first on 429, 5xx and network errors. */
  maxRetries?: number;
  /** First backoff step in ms (doubles per attempt, capped at maxBackoffMs). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A Retry-After longer than this is cut to it, in ms. */
  maxRetryAfterMs?: number;
  logger?: Logger;
  /** Injected for tests; the client then leaves closing it to the caller. */
  dispatcher?: Dispatcher;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** PeeringDB failed or answered something unusable. The message never holds the API key. */
export class PeeringDbError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "PeeringDbError";
  }
}

/** Seconds or an HTTP date, as Retry-After allows; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === "") return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class PeeringDbClient implements PeeringDbSource {
  readonly baseUrl: string;
  readonly pageSize: number;
  readonly minIntervalMs: number;
  readonly selectFields: boolean;
  /** Requests sent, retries included. */
  requests = 0;
  private readonly perType = new Map<string, number>();
  private readonly apiKey: string | undefined;
  private readonly headers: Record<string, string>;
  /** The caller's dispatcher, or ours once the first request has made it. */
  private dispatcher: Dispatcher | undefined;
  private readonly ownsDispatcher: boolean;
  private readonly connectTimeoutMs: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly log: Logger | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  private nextSlot = 0;

  constructor(opts: PeeringDbClientOptions = {}) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_PEERINGDB_URL).replace(/\/+$/, "");
    this.apiKey = opts.apiKey?.trim() || undefined;
    this.pageSize = opts.pageSize ?? 5000;
    this.selectFields = opts.selectFields ?? true;
    this.minIntervalMs =
      opts.minIntervalMs ?? (this.apiKey ? AUTHENTICATED_INTERVAL_MS : ANONYMOUS_INTERVAL_MS);
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.maxRetries = opts.maxRetries ?? 4;
    this.backoffMs = opts.backoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 60_000;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 15 * 60_000;
    this.log = opts.logger;
    this.sleep = opts.sleep ?? defaultSleep;
    this.headers = {
      "user-agent": opts.userAgent ?? USER_AGENT,
      accept: "application/json",
      "accept-encoding": "gzip",
    };
    if (this.apiKey) this.headers.authorization = `Api-Key ${this.apiKey}`;
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  }

  /** The dispatcher requests go through: the caller's, else an Agent made on first use. */
  private agent(Agent: typeof Undici.Agent): Dispatcher {
    this.dispatcher ??= new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connections: 2,
      connect: { timeout: this.connectTimeoutMs },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    return this.dispatcher;
  }

  requestsFor(type: PdbType): number {
    return this.perType.get(type) ?? 0;
  }

  get authenticated(): boolean {
    return this.apiKey !== undefined;
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher?.close();
  }

  /**
   * Walks `type` page by page (limit/skip, depth=0), with `since` for an incremental sync.
   * While a full page is being validated and consumed, the next one is already on its way
   * (within the request spacing: prefetching adds no request, it only starts it earlier).
   */
  async *pages<T extends PdbType>(type: T, query: PageQuery = {}): AsyncGenerator<PdbPage<T>> {
    const { validatePage } = await loadValidation();
    const fetchPage = (skip: number) => {
      const params = new URLSearchParams({ depth: "0", limit: String(this.pageSize), skip: String(skip) });
      if (query.since !== undefined) params.set("since", String(Math.max(0, Math.floor(query.since))));
      if (this.selectFields) params.set("fields", columnNames(type).join(","));
      const p = this.getData(type, params);
      p.catch(() => {}); // awaited below; this only keeps an abandoned prefetch from going unhandled
      return p;
    };
    let skip = 0;
    let next = fetchPage(skip);
    for (;;) {
      const data = await next;
      const full = data.length >= this.pageSize;
      if (full) next = fetchPage((skip += this.pageSize));
      yield validatePage(type, data);
      if (!full) return;
    }
  }

  /** One object by id, validated; null when PeeringDB has none (or it is not valid). */
  async get<T extends PdbType>(type: T, id: number): Promise<PdbRecordMap[T] | null> {
    const { validatePage } = await loadValidation();
    try {
      const data = await this.getData(`${type}/${id}`, new URLSearchParams({ depth: "0" }));
      return validatePage(type, data).records[0] ?? null;
    } catch (err) {
      if (err instanceof PeeringDbError && err.status === 404) return null;
      throw err;
    }
  }

  /** Every valid object of `type` matching `filters` (e.g. {asn: 714}, {ixlan_id: 18}, {asn__in: "1,2"}). */
  async list<T extends PdbType>(
    type: T,
    filters: Record<string, string | number | boolean> = {},
  ): Promise<PdbPage<T>> {
    const { validatePage } = await loadValidation();
    const all: PdbPage<T> = { records: [], deleted: [], skipped: [], received: 0, maxUpdated: null };
    for (let skip = 0; ; skip += this.pageSize) {
      const params = new URLSearchParams({ depth: "0", limit: String(this.pageSize), skip: String(skip) });
      for (const [k, v] of Object.entries(filters)) params.set(k, String(v));
      const data = await this.getData(type, params);
      const page = validatePage(type, data);
      all.records.push(...page.records);
      all.deleted.push(...page.deleted);
      all.skipped.push(...page.skipped);
      all.received += page.received;
      if (page.maxUpdated && (!all.maxUpdated || Date.parse(page.maxUpdated) > Date.parse(all.maxUpdated)))
        all.maxUpdated = page.maxUpdated;
      if (data.length < this.pageSize) return all;
    }
  }

  /** GET <base>/<path>?<params> and return its `data` array. */
  private async getData(path: string, params: URLSearchParams): Promise<unknown[]> {
    const body = await this.getJson(path, params);
    const data = (body as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw new PeeringDbError(`PeeringDB answered GET /${path} without a data list`);
    return data;
  }

  private async getJson(path: string, params: URLSearchParams): Promise<unknown> {
    // What logs and errors show: the path and query only, never the base's userinfo or a header.
    const shown = `GET /${path}?${params.toString()}`;
    const url = `${this.baseUrl}/${path}?${params.toString()}`;
    const { Agent, request } = await loadUndici();
    const dispatcher = this.agent(Agent);
    for (let attempt = 0; ; attempt++) {
      await this.pace();
      const t0 = performance.now();
      this.requests++;
      const kind = path.split("/")[0] ?? path;
      this.perType.set(kind, (this.perType.get(kind) ?? 0) + 1);
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          method: "GET",
          headers: this.headers,
          dispatcher,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        });
      } catch (err) {
        const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        if (attempt < this.maxRetries) {
          const wait = this.backoff(attempt);
          this.log?.warn(`PeeringDB ${shown} failed (${why}); retrying in ${wait} ms`);
          await this.hold(wait);
          continue;
        }
        throw new PeeringDbError(`PeeringDB ${shown} failed: ${why}`);
      }
      const status = res.statusCode;
      if (status === 429) {
        await res.body.dump().catch(() => {});
        const retryAfter = parseRetryAfter(res.headers["retry-after"]);
        const wait = retryAfter === null ? this.backoff(attempt) : Math.min(retryAfter, this.maxRetryAfterMs);
        if (attempt >= this.maxRetries)
          throw new PeeringDbError(`PeeringDB ${shown}: rate limited (429)`, 429);
        this.log?.warn(`PeeringDB ${shown}: rate limited (429); waiting ${wait} ms`, {
          retryAfter: retryAfter === null ? null : retryAfter / 1000,
        });
        await this.hold(wait);
        continue;
      }
      if (status >= 500) {
        await res.body.dump().catch(() => {});
        if (attempt < this.maxRetries) {
          const wait = this.backoff(attempt);
          this.log?.warn(`PeeringDB ${shown}: HTTP ${status}; retrying in ${wait} ms`);
          await this.hold(wait);
          continue;
        }
        throw new PeeringDbError(`PeeringDB ${shown}: HTTP ${status}`, status);
      }
      let buf: Buffer;
      try {
        buf = Buffer.from(await res.body.arrayBuffer());
        const enc = res.headers["content-encoding"];
        if ((Array.isArray(enc) ? enc[0] : enc)?.toLowerCase() === "gzip") buf = await gunzip(buf);
      } catch (err) {
        throw new PeeringDbError(
          `PeeringDB ${shown}: reading the answer failed: ${(err as Error).message}`,
          status,
        );
      }
      if (status !== 200) {
        const why = errorMessage(buf);
        throw new PeeringDbError(`PeeringDB ${shown}: HTTP ${status}${why ? ` (${why})` : ""}`, status);
      }
      let body: unknown;
      try {
        body = JSON.parse(buf.toString("utf8"));
      } catch {
        throw new PeeringDbError(
          `PeeringDB ${shown}: the answer is not valid JSON (${buf.length} bytes)`,
          status,
        );
      }
      this.log?.debug(
        `PeeringDB ${shown}: ${status}, ${buf.length} bytes in ${Math.round(performance.now() - t0)} ms`,
      );
      return body;
    }
  }

  private backoff(attempt: number): number {
    return Math.min(this.maxBackoffMs, this.backoffMs * 2 ** attempt);
  }

  /** Waits before a retry; the spacing counts from the retry's own start. */
  private async hold(ms: number): Promise<void> {
    await this.sleep(ms);
  }

  /** Spaces request starts by minIntervalMs (slots are reserved synchronously, so concurrent callers queue). */
  private async pace(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + this.minIntervalMs;
    if (at > now) await this.sleep(at - now);
  }
}

/** A client from peerbot's settings (PEERINGDB_URL, PEERINGDB_API_KEY). */
export function peeringDbClientFromConfig(
  config: { PEERINGDB_URL?: string; PEERINGDB_API_KEY?: string; PEERINGDB_REQUEST_SPACING?: number },
  logger?: Logger,
  overrides: PeeringDbClientOptions = {},
): PeeringDbClient {
  return new PeeringDbClient({
    baseUrl: config.PEERINGDB_URL,
    apiKey: config.PEERINGDB_API_KEY,
    ...(config.PEERINGDB_REQUEST_SPACING !== undefined
      ? { minIntervalMs: config.PEERINGDB_REQUEST_SPACING }
      : {}),
    logger,
    ...overrides,
  });
}

/** PeeringDB's error answers carry {"meta": {"error": "..."}}. */
function errorMessage(buf: Buffer): string {
  try {
    const body = JSON.parse(buf.toString("utf8")) as { meta?: { error?: unknown } };
    const e = body.meta?.error;
    return typeof e === "string" ? e.slice(0, 200) : "";
  } catch {
    return "";
  }
}
