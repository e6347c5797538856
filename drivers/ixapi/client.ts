// The IX-API v2 client (core/ixapi/port.ts) over undici: one keep-alive pool per client,
// every request bounded in time, JWT sessions reused until their `exp`, 429 and 5xx retried
// with backoff, and every object zod-checked (schemas.ts). Written from the v2.1.0 OpenAPI
// schema (servers: /api/v2):
//
// - Auth: POST /auth/token {api_key, api_secret} and POST /auth/refresh {refresh_token} both
//   answer 201 AuthToken {access_token, refresh_token}; both are JWTs whose `exp` says how long
//   they live. The access token goes out as `Authorization: Bearer`. The schema gives the
//   tokens no account claim, so the account comes from the endpoint row or from GET /accounts.
// - Version: /health (HealthResponse, draft-inadarei-api-health-check: status pass|warn|fail)
//   carries no schema version, so checkVersion() refuses a base path ending in /v1 at once,
//   then reads GET /implementation, a v2 resource whose `schema_version` (e.g. "2.1.0") must
//   have major 2; an endpoint without it (a v1 one) is refused.
// - Lists are plain JSON arrays with filters as query parameters (`id` as a comma list, the
//   others single values); the schema defines no pagination, so one GET reads a whole list.
// - PATCH /network-service-configs/{id} takes application/merge-patch+json and needs `type`
//   (the polymorphic discriminator): {type: "exchange_lan", macs: [...]}; it answers 202.
// - Errors are RFC 7807 problems (type, title, status, detail, instance), validation errors
//   with `properties: [{name, reason}]` when the exchange sends them.
//
// Nothing secret is ever put in an error or a log line: the key, the secret and every token
// seen are masked out of each message, and text from the server is trimmed, stripped of
// control characters and cut to 300 characters first.
import { Pool } from "undici";
import type { z } from "zod";
import {
  IxApiError,
  type IxApiClient,
  type IxApiIp,
  type IxApiMac,
  type IxApiNetworkFeature,
  type IxApiNetworkService,
  type IxApiNetworkServiceConfig,
  type IxApiPass,
  type IxApiTokens,
  type IxApiTokenStore,
} from "../../core/ixapi/port.js";
import type { Logger } from "../../core/log.js";
import {
  accountSchema,
  authTokenSchema,
  describeIssue,
  healthSchema,
  implementationSchema,
  ipSchema,
  macSchema,
  networkFeatureSchema,
  networkServiceConfigSchema,
  networkServiceSchema,
  normalizeMac,
  problemSchema,
} from "./schemas.js";

/** The session types live in the port (core keeps the session in the endpoint's row). */
export type { IxApiTokens, IxApiTokenStore };

/** A store that keeps the session in memory only (and forgets it with the process). */

export function memoryTokenStore(initial: IxApiTokens | null = null): IxApiTokenStore & {
  tokens: IxApiTokens | null;
} {
  const store = {
    tokens: initial,
    async load() {
      return store.tokens;
    },
    async save(t: IxApiTokens) {
      store.tokens = t;
    },
  };
  return store;
}

export interface IxApiClientOptions {
  /** Base URL of the v2 API, e.g. https://api.example-ix.net/api/v2 */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  /** Our account (managing and consuming) there; found through GET /accounts when empty. */
  accountId?: string;
  /** Told the account found through GET /accounts, so that it can be stored. */
  onAccountDiscovered?: (accountId: string) => void | Promise<void>;
  tokenStore?: IxApiTokenStore;
  /** Bound on each request, headers and body, in ms (default 10 s). */
  timeoutMs?: number;
  /** Attempts in all for a request that meets 429, 5xx, a timeout or a network error (default 3). */
  attempts?: number;
  /** First backoff step in ms (doubles per attempt, capped at maxBackoffMs; default 200). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A Retry-After longer than this is cut to it, in ms (default 30 s). */
  maxRetryAfterMs?: number;
  /** A token is renewed this long before its `exp`, in ms (default 30 s). */
  expiryMarginMs?: number;
  /** Lifetime assumed for a token without an `exp` claim, in ms (default 5 minutes). */
  fallbackLifetimeMs?: number;
  /** Connections in the pool (default 4). */
  connections?: number;
  userAgent?: string;
  logger?: Logger;
  /** Injected for tests: the clock (ms since the epoch) and the backoff sleep. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
const USER_AGENT = "peerbot/0.1 (IX-API v2 client)";
const MAX_SERVER_TEXT = 300;

/** `exp` of a JWT in ms since the epoch, or null (not a JWT, or no numeric exp). No signature check. */
export function jwtExpiry(token: string): number | null {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    if (payload && typeof payload === "object" && "exp" in payload) {
      const exp = (payload as { exp: unknown }).exp;
      if (typeof exp === "number" && Number.isFinite(exp)) return exp * 1000;
    }
  } catch {
    // not JSON: no expiry known
  }
  return null;
}

/** Server text made safe for a sentence: control characters out, spaces folded, trimmed, capped. */
export function cleanServerText(value: unknown, max = MAX_SERVER_TEXT): string {
  if (value === null || value === undefined) return "";
  const s = (typeof value === "string" ? value : (JSON.stringify(value) ?? ""))
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s;
}

const JWT_LIKE = /\beyJ[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*){0,2}/g;
const stripEnd = (s: string) => s.replace(/[\s.:;,!]+$/, "");

interface Answer {
  status: number;
  /** Attempts this answer took (1 when it came at the first try). */
  attempts: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

interface SendOptions {
  query?: Record<string, string | string[] | undefined>;
  body?: unknown;
  contentType?: string;
  token?: string;
  /** Retry 5xx, timeouts and network errors (false for a POST that creates something). */
  idempotent: boolean;
}

type Method = "GET" | "POST" | "PATCH";

class HttpIxApiClient implements IxApiClient {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly host: string;
  private readonly store: IxApiTokenStore;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly marginMs: number;
  private readonly fallbackMs: number;
  private readonly userAgent: string;
  private tokens: IxApiTokens | null = null;
  private loading: Promise<void> | null = null;
  private renewal: Promise<string> | null = null;
  private accountId: string;
  private accountLookup: Promise<string> | null = null;
  /** Every token seen, to mask out of messages (a server may echo one back). */
  private readonly secrets = new Set<string>();
  private count = 0;
  private closed = false;

  constructor(private readonly opts: IxApiClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new IxApiError(`The IX-API URL "${cleanServerText(opts.baseUrl, 80)}" is not a URL.`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new IxApiError(`The IX-API URL must be http or https, not ${url.protocol.replace(":", "")}.`);
    this.origin = url.origin;
    this.host = url.host;
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.store = opts.tokenStore ?? memoryTokenStore();
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.attempts = Math.max(1, opts.attempts ?? 3);
    this.backoffMs = opts.backoffMs ?? 200;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5_000;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;
    this.marginMs = opts.expiryMarginMs ?? 30_000;
    this.fallbackMs = opts.fallbackLifetimeMs ?? 5 * 60_000;
    this.userAgent = opts.userAgent ?? USER_AGENT;
    this.accountId = opts.accountId ?? "";
    for (const s of [opts.apiKey, opts.apiSecret]) if (s) this.secrets.add(s);
    this.pool = new Pool(this.origin, {
      connections: opts.connections ?? 4,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connectTimeout: Math.min(this.timeoutMs, 10_000),
    });
  }

  get requestCount(): number {
    return this.count;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }

  // --- the port ---

  async checkVersion(): Promise<void> {
    if (/\/v1(\/|$)/i.test(this.basePath)) {
      throw this.error(
        `The IX-API at ${this.host} is a v1 endpoint (${cleanServerText(this.basePath, 60)}), and peerbot speaks IX-API v2 only: use the exchange's /api/v2 URL.`,
      );
    }
    const health = await this.authed("GET", "/health", { idempotent: true }, [404]);
    if (health.status === 404) {
      throw this.error(
        `The IX-API at ${this.host} does not answer /health, so it is not an IX-API v2 endpoint peerbot can use.`,
        404,
      );
    }
    const h = healthSchema.safeParse(this.json(health, "GET", "/health"));
    if (!h.success) {
      throw this.error(
        `The IX-API at ${this.host} answered /health with something that is not a v2 health status (${describeIssue(h.error)}).`,
        health.status,
      );
    }
    if (h.data.status === "fail") {
      throw this.error(
        `The IX-API at ${this.host} reports its health as "fail"; try again later.`,
        503,
        true,
      );
    }
    const impl = await this.authed("GET", "/implementation", { idempotent: true }, [404]);
    if (impl.status === 404) {
      throw this.error(
        `The IX-API at ${this.host} has no /implementation resource, which every v2 endpoint has, so it looks like IX-API v1, and peerbot speaks v2 only.`,
        404,
      );
    }
    const i = implementationSchema.safeParse(this.json(impl, "GET", "/implementation"));
    const version = i.success ? cleanServerText(i.data.schema_version, 40) : "";
    if (!/^v?2(\.|$)/i.test(version)) {
      throw this.error(
        `The IX-API at ${this.host} implements schema ${version ? `version ${version}` : "of no stated version"}, and peerbot speaks IX-API v2 only.`,
        impl.status,
      );
    }
  }

  async fetchAll(): Promise<IxApiPass> {
    const before = this.count;
    const account = await this.account();
    const skipped: string[] = [];
    let invalid = 0;
    const check = <T>(kind: string, raw: unknown[], schema: z.ZodType<T, unknown>): T[] => {
      const out: T[] = [];
      for (const item of raw) {
        const r = schema.safeParse(item);
        if (r.success) out.push(r.data);
        else {
          invalid++;
          if (skipped.length < 20) skipped.push(`${kind} ${objectId(item)} (${describeIssue(r.error)})`);
        }
      }
      return out;
    };
    // Five list calls at once, whatever the number of objects: our configs, IPs and MACs by
    // managing_account; the exchange-LAN services and route servers (the exchange's own).
    const [rawConfigs, rawServices, rawFeatures, rawIps, rawMacs] = await Promise.all([
      this.list("/network-service-configs", { managing_account: account, type: "exchange_lan" }),
      this.list("/network-services", { type: "exchange_lan" }),
      this.list("/network-features", { type: "route_server" }),
      this.list("/ips", { managing_account: account }),
      this.list("/macs", { managing_account: account }),
    ]);
    // A server that ignores `type` may send other configs and features: they are not ours to read.
    const configs: IxApiNetworkServiceConfig[] = check(
      "network-service-configs",
      rawConfigs.filter((c) => typeOf(c) === undefined || typeOf(c) === "exchange_lan"),
      networkServiceConfigSchema,
    ).filter((c) => c.type === "exchange_lan");
    const services: IxApiNetworkService[] = check(
      "network-services",
      rawServices.filter((s) => typeOf(s) === undefined || typeOf(s) === "exchange_lan"),
      networkServiceSchema,
    );
    const features: IxApiNetworkFeature[] = check(
      "network-features",
      rawFeatures.filter((f) => typeOf(f) === undefined || typeOf(f) === "route_server"),
      networkFeatureSchema,
    );
    const ips: IxApiIp[] = check("ips", rawIps, ipSchema);
    const macs: IxApiMac[] = check("macs", rawMacs, macSchema);
    // v2 links an IP from its config (`ips`), not the other way round: note the link on the IP.
    const configOfIp = new Map<string, string>();
    for (const c of configs) for (const ip of c.ips ?? []) configOfIp.set(ip, c.id);
    for (const ip of ips) ip.network_service_config ??= configOfIp.get(ip.id) ?? null;
    if (invalid) {
      this.opts.logger?.warn("ixapi: skipped objects that failed validation", {
        host: this.host,
        invalid,
        skipped: skipped.map((s) => this.mask(s)),
      });
    }
    return {
      accountId: account,
      configs,
      services,
      features,
      ips,
      macs,
      fetchedAt: new Date(this.now()).toISOString(),
      requests: this.count - before,
      invalid,
      skipped: skipped.map((s) => this.mask(s)),
    };
  }

  async getNetworkServiceConfig(id: string): Promise<IxApiNetworkServiceConfig> {
    const path = `/network-service-configs/${encodeURIComponent(id)}`;
    const answer = await this.authed("GET", path, { idempotent: true });
    return this.one("network-service-config", networkServiceConfigSchema, this.json(answer, "GET", path));
  }

  async listMacs(): Promise<IxApiMac[]> {
    const account = await this.account();
    const raw = await this.list("/macs", { managing_account: account });
    const out: IxApiMac[] = [];
    for (const item of raw) {
      const r = macSchema.safeParse(item);
      if (r.success) out.push(r.data);
      else
        this.opts.logger?.warn("ixapi: skipped a MAC that failed validation", {
          host: this.host,
          mac: this.mask(`${objectId(item)} (${describeIssue(r.error)})`),
        });
    }
    return out;
  }

  async createMac(input: {
    address: string;
    managing_account: string;
    consuming_account: string;
  }): Promise<IxApiMac> {
    const address = normalizeMac(input.address);
    if (!address)
      throw this.error(`"${cleanServerText(input.address, 40)}" is not a MAC address, so it was not sent.`);
    const body = {
      address,
      managing_account: input.managing_account,
      consuming_account: input.consuming_account,
    };
    // Not retried on 5xx or a timeout: the MAC may have been made; the caller looks for it first.
    const answer = await this.authed("POST", "/macs", { body, idempotent: false });
    return this.one("MAC address", macSchema, this.json(answer, "POST", "/macs"));
  }

  async patchNetworkServiceConfig(id: string, patch: { macs: string[] }): Promise<IxApiNetworkServiceConfig> {
    const path = `/network-service-configs/${encodeURIComponent(id)}`;
    // The whole list is sent, so sending it twice does no harm: retried like a read.
    const answer = await this.authed("PATCH", path, {
      body: { type: "exchange_lan", macs: patch.macs },
      contentType: "application/merge-patch+json",
      idempotent: true,
    });
    return this.one("network-service-config", networkServiceConfigSchema, this.json(answer, "PATCH", path));
  }

  // --- the account ---

  private account(): Promise<string> {
    if (this.accountId) return Promise.resolve(this.accountId);
    this.accountLookup ??= this.discoverAccount().finally(() => {
      this.accountLookup = null;
    });
    return this.accountLookup;
  }

  /** GET /accounts lists "the accounts the authorized account is managing and itself": ours is the one no listed account manages. */
  private async discoverAccount(): Promise<string> {
    const raw = await this.list("/accounts", {});
    const accounts = raw.flatMap((a) => {
      const r = accountSchema.safeParse(a);
      return r.success ? [r.data] : [];
    });
    const listed = new Set(accounts.map((a) => a.id));
    const roots = accounts.filter((a) => !a.managing_account || !listed.has(a.managing_account));
    if (roots.length !== 1 || !roots[0]) {
      throw this.error(
        `The IX-API at ${this.host} lists ${accounts.length} account${accounts.length === 1 ? "" : "s"} and peerbot cannot tell which one is ours: set the endpoint's account id.`,
      );
    }
    this.accountId = roots[0].id;
    try {
      await this.opts.onAccountDiscovered?.(this.accountId);
    } catch (err) {
      this.opts.logger?.warn("ixapi: could not store the account id", {
        host: this.host,
        err: this.mask(String(err)),
      });
    }
    return this.accountId;
  }

  // --- tokens ---

  private ensureLoaded(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const t = await this.store.load();
        if (t && !this.tokens) this.adopt(t);
      } catch (err) {
        this.opts.logger?.warn("ixapi: could not load the stored session", {
          host: this.host,
          err: this.mask(String(err)),
        });
      }
    })();
    return this.loading;
  }

  private adopt(t: IxApiTokens): void {
    this.tokens = t;
    this.secrets.add(t.accessToken);
    if (t.refreshToken) this.secrets.add(t.refreshToken);
  }

  private fresh(at: Date | null): boolean {
    return at === null || at.getTime() - this.marginMs > this.now();
  }

  private async accessToken(): Promise<string> {
    await this.ensureLoaded();
    const t = this.tokens;
    if (t && this.fresh(t.accessExpiresAt)) return t.accessToken;
    return this.renew(t?.accessToken ?? null);
  }

  /** A new access token in place of `stale` (one renewal at a time, shared by every caller). */
  private renew(stale: string | null): Promise<string> {
    const t = this.tokens;
    if (t && t.accessToken !== stale && this.fresh(t.accessExpiresAt)) return Promise.resolve(t.accessToken);
    this.renewal ??= this.obtain().finally(() => {
      this.renewal = null;
    });
    return this.renewal;
  }

  private async obtain(): Promise<string> {
    const t = this.tokens;
    if (t?.refreshToken && (t.refreshExpiresAt === null || this.fresh(t.refreshExpiresAt))) {
      const answer = await this.send("POST", "/auth/refresh", {
        body: { refresh_token: t.refreshToken },
        idempotent: true,
      });
      if (answer.status === 200 || answer.status === 201) return this.keep(answer, "/auth/refresh");
      // A refused refresh token (expired, revoked): log in again.
      if (answer.status === 429 || answer.status >= 500)
        throw this.statusError("POST", "/auth/refresh", answer);
    }
    const answer = await this.send("POST", "/auth/token", {
      body: { api_key: this.opts.apiKey, api_secret: this.opts.apiSecret },
      idempotent: true,
    });
    if (answer.status === 200 || answer.status === 201) return this.keep(answer, "/auth/token");
    if (answer.status === 400 || answer.status === 401 || answer.status === 403)
      throw this.refused(answer.status);
    throw this.statusError("POST", "/auth/token", answer);
  }

  private async keep(answer: Answer, path: string): Promise<string> {
    const r = authTokenSchema.safeParse(this.json(answer, "POST", path));
    if (!r.success)
      throw this.error(`The IX-API at ${this.host} answered ${path} without an access and a refresh token.`);
    const now = this.now();
    const accessExp = jwtExpiry(r.data.access_token) ?? now + this.fallbackMs;
    const refreshExp = jwtExpiry(r.data.refresh_token);
    const tokens: IxApiTokens = {
      accessToken: r.data.access_token,
      accessExpiresAt: new Date(accessExp),
      refreshToken: r.data.refresh_token,
      refreshExpiresAt: refreshExp === null ? null : new Date(refreshExp),
    };
    this.adopt(tokens);
    try {
      await this.store.save(tokens);
    } catch (err) {
      this.opts.logger?.warn("ixapi: could not store the session", {
        host: this.host,
        err: this.mask(String(err)),
      });
    }
    return tokens.accessToken;
  }

  private refused(status: number): IxApiError {
    return this.error(
      `The IX-API at ${this.host} refused our credentials: check the endpoint's API key and secret.`,
      status,
    );
  }

  // --- requests ---

  /** A request with the access token; a 401 renews the session once and tries again. */
  private async authed(
    method: Method,
    path: string,
    opts: SendOptions,
    allow: number[] = [],
  ): Promise<Answer> {
    let token = await this.accessToken();
    let answer = await this.send(method, path, { ...opts, token });
    if (answer.status === 401) {
      token = await this.renew(token);
      answer = await this.send(method, path, { ...opts, token });
      if (answer.status === 401) throw this.refused(401);
    }
    if (answer.status >= 400 && !allow.includes(answer.status)) throw this.statusError(method, path, answer);
    return answer;
  }

  private async list(path: string, query: Record<string, string | undefined>): Promise<unknown[]> {
    const answer = await this.authed("GET", path, { query, idempotent: true });
    const body = this.json(answer, "GET", path);
    if (!Array.isArray(body))
      throw this.error(`The IX-API at ${this.host} answered GET ${path} with something that is not a list.`);
    return body;
  }

  /** One HTTP exchange, with retries for 429 (always) and 5xx, timeouts and network errors (idempotent only). */
  private async send(method: Method, path: string, opts: SendOptions): Promise<Answer> {
    if (this.closed) throw this.error(`The IX-API client for ${this.host} is closed.`);
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (v === undefined || v === "") continue;
      qs.set(k, Array.isArray(v) ? v.join(",") : v);
    }
    const fullPath = `${this.basePath}${path}${qs.size ? `?${qs.toString()}` : ""}`;
    const headers: Record<string, string> = { accept: "application/json", "user-agent": this.userAgent };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] = opts.contentType ?? "application/json";
    }
    for (let attempt = 1; ; attempt++) {
      this.count++;
      let answer: Answer;
      try {
        answer = { ...(await this.exchange(method, fullPath, headers, body)), attempts: attempt };
      } catch (err) {
        const timeout = isTimeout(err);
        if (opts.idempotent && attempt < this.attempts) {
          await this.backoff(attempt, null, method, path, timeout ? "timeout" : "network error");
          continue;
        }
        if (timeout)
          throw this.error(
            `The IX-API at ${this.host} did not answer ${method} ${path} within ${formatSeconds(this.timeoutMs)}; try again later.`,
            0,
            true,
          );
        throw this.error(
          `The IX-API at ${this.host} could not be reached (${errorCode(err)}); try again later.`,
          0,
          true,
        );
      }
      const retryable = answer.status === 429 || (answer.status >= 500 && opts.idempotent);
      if (retryable && attempt < this.attempts) {
        await this.backoff(
          attempt,
          retryAfter(answer.headers["retry-after"], this.now()),
          method,
          path,
          answer.status,
        );
        continue;
      }
      return answer;
    }
  }

  private async exchange(
    method: Method,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<Omit<Answer, "attempts">> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const res = await this.pool.request({ method, path, headers, body, signal });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  }

  private async backoff(
    attempt: number,
    retryAfterMs: number | null,
    method: string,
    path: string,
    why: number | string,
  ): Promise<void> {
    const exp = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
    const wait = retryAfterMs !== null ? Math.min(retryAfterMs, this.maxRetryAfterMs) : exp;
    this.opts.logger?.warn("ixapi: retrying", { host: this.host, method, path, why, attempt, waitMs: wait });
    await this.sleep(wait);
  }

  // --- answers ---

  private json(answer: Answer, method: string, path: string): unknown {
    try {
      return JSON.parse(answer.text);
    } catch {
      throw this.error(
        `The IX-API at ${this.host} answered ${method} ${path} with something that is not JSON.`,
      );
    }
  }

  private one<T>(what: string, schema: z.ZodType<T, unknown>, body: unknown): T {
    const r = schema.safeParse(body);
    if (!r.success)
      throw this.error(
        `The IX-API at ${this.host} sent a ${what} peerbot cannot read (${cleanServerText(describeIssue(r.error), 120)}).`,
      );
    return r.data;
  }

  /** The one sentence for a failed answer: transient for 429 and 5xx, the problem's words for a 4xx. */
  private statusError(method: Method, path: string, answer: Answer): IxApiError {
    const where = `${method} ${path}`;
    if (answer.status === 429)
      return this.error(
        `The IX-API at ${this.host} kept limiting our requests (HTTP 429) on ${where}; try again later.`,
        429,
        true,
      );
    if (answer.status >= 500)
      return this.error(
        `The IX-API at ${this.host} failed with HTTP ${answer.status} on ${where}${answer.attempts > 1 ? ` (${answer.attempts} attempts)` : ""}; try again later.`,
        answer.status,
        true,
      );
    const problem = parseProblem(answer.text);
    // Masked before it is cut, so that no part of a secret the server echoed survives the cut.
    const server = (v: unknown, max: number) =>
      cleanServerText(this.mask(typeof v === "string" ? v : (JSON.stringify(v) ?? "")), max);
    const title = stripEnd(server(problem?.title, 120));
    const detail = stripEnd(server(problem?.detail, 200));
    const props = (problem?.properties ?? [])
      .slice(0, 5)
      .map((p) => {
        const name = server(p.name, 60);
        const reason = stripEnd(server(p.reason, 120));
        return name && reason ? `${name}: ${reason}` : name || reason;
      })
      .filter(Boolean);
    const propsText = stripEnd(cleanServerText(props.join("; "), 240));
    const words = [title, detail && detail !== title ? detail : ""].filter(Boolean).join(": ");
    const lead =
      answer.status === 404
        ? `The IX-API at ${this.host} found nothing at ${where}`
        : answer.status === 403
          ? `The IX-API at ${this.host} does not let our account do ${where}`
          : method === "GET"
            ? `The IX-API at ${this.host} refused ${where}`
            : `The IX-API at ${this.host} refused the change`;
    const text = `${lead}: ${words || `HTTP ${answer.status}`}${propsText ? ` (${propsText})` : ""}.`;
    return this.error(text, answer.status);
  }

  /** `text` without the key, the secret, any token seen, or anything that looks like a JWT. */
  private mask(text: string): string {
    let out = text;
    for (const s of this.secrets) if (s.length >= 4) out = out.split(s).join("[redacted]");
    return out.replace(JWT_LIKE, "[redacted]");
  }

  private error(message: string, status = 0, transient = false): IxApiError {
    return new IxApiError(this.mask(message), status, transient);
  }
}

function parseProblem(text: string) {
  try {
    const r = problemSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function typeOf(item: unknown): unknown {
  return item && typeof item === "object" ? (item as { type?: unknown }).type : undefined;
}

function objectId(item: unknown): string {
  const id = item && typeof item === "object" ? (item as { id?: unknown }).id : undefined;
  return typeof id === "string" || typeof id === "number" ? cleanServerText(String(id), 40) : "(no id)";
}

/** Retry-After in ms: delta-seconds or an HTTP date; null when absent or unreadable. */
function retryAfter(value: string | string[] | undefined, now: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | null;
  return (
    e?.name === "TimeoutError" ||
    e?.name === "AbortError" ||
    e?.code === "UND_ERR_HEADERS_TIMEOUT" ||
    e?.code === "UND_ERR_BODY_TIMEOUT" ||
    e?.code === "UND_ERR_CONNECT_TIMEOUT"
  );
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === "string" ? cleanServerText(code, 40) : "network error";
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export function createIxApiClient(opts: IxApiClientOptions): IxApiClient {
  return new HttpIxApiClient(opts);
}
