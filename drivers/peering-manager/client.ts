// A Peering Manager instance over its REST API (undici): `Authorization: Token <token>`, list
// endpoints walked page by page (DRF's limit/offset pagination, following `next`), only the
// fields peerbot reads asked for, timeouts, a few retries on 5xx, 429 and network errors, and
// every record validated (schemas.ts). It implements the import's PeeringManagerSource port.
//
// Paths are Peering Manager 1.11's; where an object moved between apps across versions the
// older path is tried when the newer one answers 404 (routers: devices/ since 1.9, peering/
// before; communities: bgp/ since 1.10; routing policies: bgp/ since 1.11).
//
// Every error is one sentence naming the instance by host, never the token: the token is never
// logged, and any echo of it in an answer is cut out before the answer is quoted.
import { Agent, request, type Dispatcher } from "undici";
import type { Logger } from "../../core/log.js";
import type {
  PeeringManagerSource,
  PmKind,
  PmList,
  PmRecords,
} from "../../core/migrate/peering-manager/source.js";
import { FIELDS, firstIssue, pageSchema, SCHEMAS, statusSchema } from "./schemas.js";

export const USER_AGENT = "peerbot/0.1 (peering-manager import)";

/** API paths (under /api/) by kind, newest first. */
export const PATHS: { [K in PmKind]: readonly string[] } = {
  "autonomous-systems": ["peering/autonomous-systems"],
  "internet-exchanges": ["peering/internet-exchanges"],
  connections: ["net/connections"],
  platforms: ["devices/platforms"],
  routers: ["devices/routers", "peering/routers"],
  "bgp-groups": ["peering/bgp-groups"],
  "routing-policies": ["bgp/routing-policies", "peering/routing-policies"],
  communities: ["bgp/communities", "peering/communities"],
  "ixp-sessions": ["peering/internet-exchange-peering-sessions"],
  "direct-sessions": ["peering/direct-peering-sessions"],
  contacts: ["messaging/contacts"],
  "contact-assignments": ["messaging/contact-assignments"],
  emails: ["messaging/emails", "peering/emails"],
};

export interface PeeringManagerClientOptions {
  /** The instance's base URL (https://pm.example.net, with or without a trailing /api). */
  baseUrl: string;
  token: string;
  /** Records per page asked for (default 500; Peering Manager caps it at its MAX_PAGE_SIZE, 1000 by default). */
  pageSize?: number;
  /** Time allowed for the answer's headers, and between two chunks of its body, in ms (default 120 s). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** Attempts after the first on 429, 5xx and network errors. */
  maxRetries?: number;
  backoffMs?: number;
  /** Most pages one list may take (a guard against a server whose `next` never ends). */
  maxPages?: number;
  logger?: Logger;
  /** Injected for tests; the client then leaves closing it to the caller. */
  dispatcher?: Dispatcher;
}

/** Peering Manager failed or answered something unusable: one sentence, never the token. */
export class PeeringManagerError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "PeeringManagerError";
  }
}

/** The instance's origin and path prefix (no trailing /api or slash); refused when not http(s). */
export function apiBase(baseUrl: string): { origin: string; prefix: string; host: string } {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw new PeeringManagerError(
      "The Peering Manager URL is not a URL; give its base, e.g. https://peering-manager.example.net.",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new PeeringManagerError(
      `The Peering Manager URL must start with http:// or https://, not ${url.protocol}//.`,
    );
  if (url.username || url.password)
    throw new PeeringManagerError(
      "The Peering Manager URL must not carry a user name or password; the token comes from --token-env.",
    );
  const prefix = url.pathname.replace(/\/+$/, "").replace(/\/api$/, "");
  return { origin: url.origin, prefix, host: url.host.toLowerCase() };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class PeeringManagerClient implements PeeringManagerSource {
  readonly host: string;
  requests = 0;
  private readonly base: { origin: string; prefix: string };
  private readonly token: string;
  private readonly pageSize: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxPages: number;
  private readonly log: Logger | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(opts: PeeringManagerClientOptions) {
    const b = apiBase(opts.baseUrl);
    this.base = { origin: b.origin, prefix: b.prefix };
    this.host = b.host;
    this.token = opts.token.trim();
    if (!this.token) throw new PeeringManagerError("The Peering Manager API token is empty.");
    if (/[\s\u0000-\u001f]/.test(this.token))
      throw new PeeringManagerError("The Peering Manager API token has spaces or control characters in it.");
    // Peering Manager serializes every nested object of every record: a page of 500 sessions
    // can take it tens of seconds, so pages are moderate and the wait is long.
    this.pageSize = opts.pageSize ?? 500;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.maxRetries = opts.maxRetries ?? 3;
    this.backoffMs = opts.backoffMs ?? 1000;
    this.maxPages = opts.maxPages ?? 10_000;
    this.log = opts.logger;
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher =
      opts.dispatcher ??
      new Agent({
        keepAliveTimeout: 30_000,
        connections: 2,
        connect: { timeout: opts.connectTimeoutMs ?? 10_000 },
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  async status(): Promise<{ version: string | null }> {
    const body = await this.getJson("/api/status/");
    const parsed = statusSchema.safeParse(body);
    if (!parsed.success)
      throw new PeeringManagerError(
        `${this.host} answered /api/status/ with something that is not Peering Manager's status; is the URL the Peering Manager's base URL?`,
      );
    return { version: parsed.data["peering-manager-version"] ?? null };
  }

  async list<K extends PmKind>(kind: K): Promise<PmList<PmRecords[K]>> {
    const candidates = PATHS[kind];
    for (let i = 0; i < candidates.length; i++) {
      const path = `/api/${candidates[i]}/`;
      try {
        return await this.walk(kind, path);
      } catch (err) {
        const last = i === candidates.length - 1;
        if (err instanceof PeeringManagerError && err.status === 404 && !last) {
          this.log?.debug(`Peering Manager ${this.host}: ${path} is not there; trying ${candidates[i + 1]}`);
          continue;
        }
        if (err instanceof PeeringManagerError && err.status === 404)
          throw new PeeringManagerError(
            `${this.host} has no ${candidates.map((c) => `/api/${c}/`).join(" nor ")} (HTTP 404); peerbot reads Peering Manager 1.9 and later.`,
            404,
          );
        throw err;
      }
    }
    throw new PeeringManagerError(`no API path is known for ${kind}`);
  }

  /** Every page of one list, each record validated on its own. */
  private async walk<K extends PmKind>(kind: K, path: string): Promise<PmList<PmRecords[K]>> {
    const schema = SCHEMAS[kind];
    const out: PmList<PmRecords[K]> = { records: [], invalid: [], path };
    const params = new URLSearchParams({ limit: String(this.pageSize), offset: "0", fields: FIELDS[kind] });
    let next: string | null = `${path}?${params.toString()}`;
    const seen = new Set<string>();
    for (let page = 0; next; page++) {
      if (page >= this.maxPages || seen.has(next))
        throw new PeeringManagerError(
          `${this.host} kept sending more pages of ${path} than it has records; stopped after ${page}.`,
        );
      seen.add(next);
      const body = await this.getJson(next);
      const parsed = pageSchema.safeParse(body);
      if (!parsed.success)
        throw new PeeringManagerError(
          `${this.host} answered ${path} with something that is not a Peering Manager list (${firstIssue(parsed.error)}).`,
        );
      for (const raw of parsed.data.results) {
        const r = schema.safeParse(raw);
        if (r.success) out.records.push(r.data);
        else {
          const rid = (raw as { id?: unknown } | null)?.id;
          out.invalid.push({ id: typeof rid === "number" ? rid : null, why: firstIssue(r.error) });
        }
      }
      next = parsed.data.next ? this.sameOrigin(parsed.data.next, path) : null;
    }
    return out;
  }

  /**
   * The path and query of a `next` link, to be asked of our own base: a Peering Manager behind
   * a proxy often writes its internal name or scheme into links, and the token must never go
   * to any host but the one the admin named.
   */
  private sameOrigin(next: string, path: string): string {
    let url: URL;
    try {
      url = new URL(next, `${this.base.origin}${this.base.prefix}/`);
    } catch {
      throw new PeeringManagerError(`${this.host} sent a next link for ${path} that is not a URL.`);
    }
    const prefix = this.base.prefix;
    if (!url.pathname.startsWith(`${prefix}/api/`))
      throw new PeeringManagerError(`${this.host} sent a next link for ${path} outside its API.`);
    return `${url.pathname.slice(prefix.length)}${url.search}`;
  }

  /** GET <base><pathAndQuery> and return its JSON. */
  private async getJson(pathAndQuery: string): Promise<unknown> {
    const url = `${this.base.origin}${this.base.prefix}${pathAndQuery}`;
    const shown = pathAndQuery.split("?")[0] ?? pathAndQuery;
    for (let attempt = 0; ; attempt++) {
      this.requests++;
      const t0 = performance.now();
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          method: "GET",
          headers: {
            authorization: `Token ${this.token}`,
            accept: "application/json",
            "user-agent": USER_AGENT,
          },
          dispatcher: this.dispatcher,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
        });
      } catch (err) {
        const why = this.networkReason(err);
        if (attempt < this.maxRetries && why.retry) {
          this.log?.warn(`Peering Manager ${this.host} GET ${shown} failed (${why.text}); retrying`);
          await sleep(this.backoffMs * 2 ** attempt);
          continue;
        }
        throw new PeeringManagerError(`Peering Manager at ${this.host} cannot be reached: ${why.text}.`);
      }
      const status = res.statusCode;
      if ((status === 429 || status >= 500) && attempt < this.maxRetries) {
        await res.body.dump().catch(() => {});
        const after = Number(res.headers["retry-after"]);
        const wait =
          Number.isFinite(after) && after > 0
            ? Math.min(after * 1000, 60_000)
            : this.backoffMs * 2 ** attempt;
        this.log?.warn(`Peering Manager ${this.host} GET ${shown}: HTTP ${status}; retrying in ${wait} ms`);
        await sleep(wait);
        continue;
      }
      let text: string;
      try {
        text = await res.body.text();
      } catch (err) {
        throw new PeeringManagerError(
          `Peering Manager at ${this.host} broke off its answer to ${shown}: ${this.networkReason(err).text}.`,
          status,
        );
      }
      if (status === 401 || status === 403)
        throw new PeeringManagerError(
          `Peering Manager at ${this.host} refused the API token (HTTP ${status}${this.detail(text)}); check the token and that its user may read ${shown}.`,
          status,
        );
      if (status === 404) throw new PeeringManagerError(`${this.host} has no ${shown} (HTTP 404).`, 404);
      if (status !== 200)
        throw new PeeringManagerError(
          `Peering Manager at ${this.host} answered ${shown} with HTTP ${status}${this.detail(text)}.`,
          status,
        );
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new PeeringManagerError(
          `${this.host} answered ${shown} with something that is not JSON; is the URL the Peering Manager's base URL?`,
          status,
        );
      }
      this.log?.debug(
        `Peering Manager ${this.host} GET ${shown}: ${status}, ${text.length} bytes in ${Math.round(performance.now() - t0)} ms`,
      );
      return body;
    }
  }

  /** Peering Manager's {"detail": "..."}, as ": <detail>", on one line, the token cut out. */
  private detail(text: string): string {
    let d = "";
    try {
      const body = JSON.parse(text) as { detail?: unknown };
      if (typeof body.detail === "string") d = body.detail;
    } catch {
      return "";
    }
    d = d.split(this.token).join("[token]");
    d = d
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 120);
    return d ? `: ${d.replace(/\.$/, "")}` : "";
  }

  private networkReason(err: unknown): { text: string; retry: boolean } {
    const e = err as { code?: string; cause?: { code?: string }; name?: string; message?: string };
    const code = e?.code ?? e?.cause?.code ?? "";
    switch (code) {
      case "ECONNREFUSED":
        return { text: "the connection was refused", retry: false };
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return { text: "its host name does not resolve", retry: code === "EAI_AGAIN" };
      case "UND_ERR_CONNECT_TIMEOUT":
        return { text: "the connection timed out", retry: true };
      case "UND_ERR_HEADERS_TIMEOUT":
      case "UND_ERR_BODY_TIMEOUT":
        return { text: `no answer within ${Math.round(this.timeoutMs / 1000)} s`, retry: true };
      case "ECONNRESET":
      case "UND_ERR_SOCKET":
        return { text: "the connection was reset", retry: true };
      case "EHOSTUNREACH":
      case "ENETUNREACH":
        return { text: "there is no route to it", retry: false };
      case "CERT_HAS_EXPIRED":
      case "DEPTH_ZERO_SELF_SIGNED_CERT":
      case "SELF_SIGNED_CERT_IN_CHAIN":
      case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
      case "ERR_TLS_CERT_ALTNAME_INVALID":
        return { text: `its TLS certificate does not verify (${code})`, retry: false };
      default: {
        const m = (e?.message ?? String(err)).split(this.token).join("[token]");
        return { text: m.replace(/\s+/g, " ").slice(0, 120) || "unknown error", retry: true };
      }
    }
  }
}
