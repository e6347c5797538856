// A fake IX-API v2 server on loopback (node:http) for the driver's tests and the benchmark.
// It speaks the v2.1.0 schema's paths and JSON (base path /api/v2, snake_case, string ids):
// POST /auth/token and /auth/refresh issuing HS256 JWTs with `exp`, Bearer auth on everything
// else, GET /health (HealthResponse) and /implementation (schema_version), the lists
// /accounts, /network-service-configs, /network-services, /network-features, /ips and /macs
// with their filters (`id` as a comma list, the other fields as single values), GET of one
// object, POST /macs and PATCH /network-service-configs/{id} (merge-patch, `type` required),
// and RFC 7807 problems (validation errors with `properties: [{name, reason}]`).
//
// Faults are switched at runtime: setFault() answers the next N matching requests with a
// status (429 with Retry-After, 5xx), a problem, or late (delay); expireTokens() makes the
// tokens issued so far expire; mutateConfig() changes a config between a read and a write;
// injectRaw() serves an object as given (for objects that must fail validation). Every request
// is recorded (method, path below the base, query), and logins and refreshes are counted.
import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export type FakeCollection =
  "accounts" | "network-service-configs" | "network-services" | "network-features" | "ips" | "macs";

export interface FakeVlanConfig {
  vlan_type: "port" | "dot1q" | "qinq";
  vlan?: number;
  vlan_ethertype?: string;
  outer_vlan?: number;
  inner_vlan?: number;
  outer_vlan_ethertype?: string;
}

/** An ExchangeLanNetworkServiceConfig as v2 sends it. */
export interface FakeConfig {
  id: string;
  type: "exchange_lan";
  state: string;
  status: unknown[];
  network_service: string;
  managing_account: string;
  consuming_account: string;
  billing_account: string;
  role_assignments: string[];
  connection: string;
  product_offering: string;
  vlan_config: FakeVlanConfig;
  capacity: number | null;
  asns: number[];
  listed: boolean;
  macs: string[];
  ips: string[];
  network_feature_configs: string[];
  purchase_order: string;
  contract_ref: string | null;
  external_ref: string | null;
}

export interface FakeService {
  id: string;
  type: "exchange_lan";
  state: string;
  status: unknown[];
  name: string;
  managing_account: string;
  consuming_account: string;
  metro_area_network: string;
  product_offering: string;
  peeringdb_ixid: number | null;
  ixfdb_ixid: number | null;
  network_features: string[];
  subnet_v4: string;
  subnet_v6: string;
  external_ref: string | null;
}

export interface FakeFeature {
  id: string;
  type: "route_server";
  name: string;
  network_service: string;
  required: boolean;
  flags: { name: string; description: string }[];
  asn: number;
  fqdn: string;
  looking_glass_url: string;
  address_families: string[];
  session_mode: string;
  available_bgp_session_types: string[];
  ip_v4: string;
  ip_v6: string;
}

export interface FakeIp {
  id: string;
  managing_account: string;
  consuming_account: string;
  version: 4 | 6;
  address: string;
  prefix_length: number;
  fqdn: string | null;
  valid_not_before: string | null;
  valid_not_after: string | null;
  external_ref: string | null;
}

export interface FakeMac {
  id: string;
  managing_account: string;
  consuming_account: string;
  address: string;
  valid_not_before: string | null;
  valid_not_after: string | null;
  external_ref: string | null;
}

export interface FakeAccount {
  id: string;
  name: string;
  state: string;
  managing_account: string | null;
  discoverable: boolean;
  metro_area_network_presence: string[];
  external_ref: string | null;
}

export interface FakeIxApiState {
  /** Our account (managing and consuming every config, IP and MAC). */
  accountId: string;
  /** The exchange's own account (it manages the exchange-LAN services). */
  exchangeAccountId: string;
  accounts: FakeAccount[];
  configs: Map<string, FakeConfig>;
  services: FakeService[];
  features: FakeFeature[];
  ips: FakeIp[];
  macs: Map<string, FakeMac>;
  /** Objects served as given after the valid ones, per list. */
  raw: Record<FakeCollection, unknown[]>;
  /** Bumped on every change to a config (PATCH or mutateConfig). */
  revisions: Map<string, number>;
}

export interface FakeGenerate {
  configs: number;
  ips: number;
  macs: number;
  /** Exchange-LAN services the configs are spread over (default 3, at most the configs). */
  services?: number;
}

export interface FakeIxApiOptions {
  /** Default /api/v2 (/api/v1 with v1). */
  basePath?: string;
  apiKey?: string;
  apiSecret?: string;
  /** Token lifetimes in seconds (default 300 and 3600). */
  accessTtl?: number;
  refreshTtl?: number;
  /** The server's clock in ms (default Date.now), shared with a client's to move time in a test. */
  now?: () => number;
  /** Behave as an IX-API v1 endpoint: /health answers version "1", /implementation does not exist. */
  v1?: boolean;
  /** schema_version of GET /implementation (default 2.1.0). */
  schemaVersion?: string;
  accountId?: string;
  /** Generated data instead of the default small account (2 configs, 4 IPs, 2 MACs). */
  generate?: FakeGenerate;
}

export interface FaultMatch {
  method?: string;
  /** Prefix of the path below the base path, e.g. "/macs". */
  path?: string;
}

export type FakeFault =
  | { kind: "status"; status: number; times?: number; retryAfter?: number; match?: FaultMatch }
  | {
      kind: "problem";
      status?: number;
      title: string;
      detail?: string;
      type?: string;
      properties?: { name: string; reason: string }[];
      times?: number;
      match?: FaultMatch;
    }
  | { kind: "delay"; ms: number; times?: number; match?: FaultMatch };

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

export interface FakeIxApi {
  /** Base URL including the base path, e.g. http://127.0.0.1:41234/api/v2 */
  url: string;
  apiKey: string;
  apiSecret: string;
  state: FakeIxApiState;
  requests: FakeRequest[];
  counts: { requests: number; logins: number; refreshes: number };
  /** Every token issued, for the tests that look for them where they must not be. */
  issuedTokens: string[];
  setFault(fault: FakeFault): void;
  clearFaults(): void;
  /** The tokens issued so far expire now: the access tokens ("access", default) or all. */
  expireTokens(which?: "access" | "all"): void;
  /** Moves the server's clock on (when it was not given one). */
  advance(seconds: number): void;
  mutateConfig(id: string, fn: (config: FakeConfig) => void): void;
  injectRaw(collection: FakeCollection, object: unknown): void;
  /** Forgets the recorded requests and counts. */
  resetCounts(): void;
  close(): Promise<void>;
}

const PROBLEM = "https://errors.ix-api.net/v2";
const JWT_SECRET = randomBytes(32);

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function sign(payload: Record<string, unknown>): string {
  const head = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(payload)}`;
  return `${head}.${createHmac("sha256", JWT_SECRET).update(head).digest("base64url")}`;
}

function verify(token: string): Record<string, unknown> | null {
  const [h, p, s] = token.split(".");
  if (!h || !p || !s) return null;
  const expected = createHmac("sha256", JWT_SECRET).update(`${h}.${p}`).digest("base64url");
  if (expected !== s) return null;
  try {
    return JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}

const hex2 = (n: number) => (n & 255).toString(16).padStart(2, "0");

function buildState(accountId: string, gen: FakeGenerate): FakeIxApiState {
  const exchangeAccountId = "ix-operator";
  const nServices = Math.max(1, Math.min(gen.services ?? 3, Math.max(1, gen.configs)));
  const state: FakeIxApiState = {
    accountId,
    exchangeAccountId,
    accounts: [
      {
        id: accountId,
        name: "Peerbot Test Networks",
        state: "production",
        managing_account: null,
        discoverable: false,
        metro_area_network_presence: ["man-1"],
        external_ref: null,
      },
    ],
    configs: new Map(),
    services: [],
    features: [],
    ips: [],
    macs: new Map(),
    raw: {
      accounts: [],
      "network-service-configs": [],
      "network-services": [],
      "network-features": [],
      ips: [],
      macs: [],
    },
    revisions: new Map(),
  };
  for (let i = 0; i < nServices; i++) {
    const sid = `ns-${i + 1}`;
    const rs = [1, 2].map((n) => `rs-${i + 1}-${n}`);
    state.services.push({
      id: sid,
      type: "exchange_lan",
      state: "production",
      status: [],
      name: `FAKE-IX LAN ${i + 1}`,
      managing_account: exchangeAccountId,
      consuming_account: exchangeAccountId,
      metro_area_network: "man-1",
      product_offering: `po-lan-${i + 1}`,
      peeringdb_ixid: 1000 + i,
      ixfdb_ixid: null,
      network_features: rs,
      subnet_v4: `10.${10 + i}.0.0/16`,
      subnet_v6: `2001:db8:${(i + 1).toString(16)}::/64`,
      external_ref: null,
    });
    rs.forEach((fid, n) =>
      state.features.push({
        id: fid,
        type: "route_server",
        name: `rs${n + 1}.lan${i + 1}`,
        network_service: sid,
        required: false,
        flags: [{ name: "RPKI", description: "RPKI reject invalid filtering is available" }],
        asn: 64500 + i,
        fqdn: `rs${n + 1}.lan${i + 1}.fake-ix.net`,
        looking_glass_url: `https://lg.fake-ix.net/rs${n + 1}-lan${i + 1}`,
        address_families: ["af_inet", "af_inet6"],
        session_mode: "public",
        available_bgp_session_types: ["passive"],
        ip_v4: `10.${10 + i}.0.${n + 1}`,
        ip_v6: `2001:db8:${(i + 1).toString(16)}::${n + 1}`,
      }),
    );
  }
  const configIds: string[] = [];
  for (let j = 0; j < gen.configs; j++) {
    const id = `nsc-${j + 1}`;
    const kind = j % 3;
    const vlan_config: FakeVlanConfig =
      kind === 0
        ? { vlan_type: "port" }
        : kind === 1
          ? { vlan_type: "dot1q", vlan: 100 + j, vlan_ethertype: "0x8100" }
          : { vlan_type: "qinq", outer_vlan: 200 + j, inner_vlan: 10, outer_vlan_ethertype: "0x88a8" };
    configIds.push(id);
    state.configs.set(id, {
      id,
      type: "exchange_lan",
      state: "production",
      status: [],
      network_service: state.services[j % nServices]!.id,
      managing_account: accountId,
      consuming_account: accountId,
      billing_account: accountId,
      role_assignments: ["ra-noc-1"],
      connection: `conn-${j + 1}`,
      product_offering: `po-lan-${(j % nServices) + 1}`,
      vlan_config,
      capacity: null,
      asns: [64496],
      listed: true,
      macs: [],
      ips: [],
      network_feature_configs: [],
      purchase_order: "",
      contract_ref: null,
      external_ref: null,
    });
    state.revisions.set(id, 1);
  }
  for (let k = 0; k < gen.macs; k++) {
    const id = `mac-${k + 1}`;
    state.macs.set(id, {
      id,
      managing_account: accountId,
      consuming_account: accountId,
      address: `02:00:5e:${hex2(k >> 16)}:${hex2(k >> 8)}:${hex2(k)}`,
      valid_not_before: null,
      valid_not_after: null,
      external_ref: null,
    });
    const owner = configIds.length ? state.configs.get(configIds[k % configIds.length]!) : undefined;
    owner?.macs.push(id);
  }
  for (let m = 0; m < gen.ips; m++) {
    const id = `ip-${m + 1}`;
    const owner = configIds.length ? state.configs.get(configIds[m % configIds.length]!) : undefined;
    const si = owner ? state.services.findIndex((s) => s.id === owner.network_service) : 0;
    const n = m + 10;
    const v4 = m % 2 === 0;
    state.ips.push({
      id,
      managing_account: accountId,
      consuming_account: accountId,
      version: v4 ? 4 : 6,
      address: v4
        ? `10.${10 + si}.${n >> 8}.${n & 255}`
        : `2001:db8:${(si + 1).toString(16)}::${n.toString(16)}`,
      prefix_length: v4 ? 16 : 64,
      fqdn: null,
      valid_not_before: null,
      valid_not_after: null,
      external_ref: null,
    });
    owner?.ips.push(id);
  }
  return state;
}

/** Filters each list accepts (v2.1.0 list operations), beyond the plain field equality. */
const FILTERS: Record<FakeCollection, string[]> = {
  accounts: ["id", "state", "managing_account", "name", "external_ref"],
  "network-service-configs": [
    "id",
    "state",
    "managing_account",
    "consuming_account",
    "external_ref",
    "type",
    "inner_vlan",
    "outer_vlan",
    "capacity",
    "network_service",
    "connection",
    "product_offering",
  ],
  "network-services": [
    "id",
    "state",
    "managing_account",
    "consuming_account",
    "external_ref",
    "type",
    "product_offering",
  ],
  "network-features": ["id", "type", "required", "network_service", "name"],
  ips: [
    "id",
    "managing_account",
    "consuming_account",
    "external_ref",
    "network_service",
    "network_service_config",
    "network_feature",
    "version",
    "fqdn",
    "prefix_length",
  ],
  macs: ["id", "managing_account", "consuming_account", "external_ref", "network_service_config", "address"],
};

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export async function startFakeIxApi(opts: FakeIxApiOptions = {}): Promise<FakeIxApi> {
  const basePath = (opts.basePath ?? (opts.v1 ? "/api/v1" : "/api/v2")).replace(/\/+$/, "");
  const apiKey = opts.apiKey ?? `fake-key-${randomBytes(6).toString("hex")}`;
  const apiSecret = opts.apiSecret ?? `fake-secret-${randomBytes(12).toString("hex")}`;
  const accessTtl = opts.accessTtl ?? 300;
  const refreshTtl = opts.refreshTtl ?? 3600;
  let offsetMs = 0;
  const now = () => (opts.now ? opts.now() : Date.now()) + offsetMs;
  const state = buildState(opts.accountId ?? "acc-peerbot", opts.generate ?? { configs: 2, ips: 4, macs: 2 });
  const requests: FakeRequest[] = [];
  const counts = { requests: 0, logins: 0, refreshes: 0 };
  const faults: (FakeFault & { left: number })[] = [];
  const issuedTokens: string[] = [];
  /** jti of tokens made to expire by expireTokens(). */
  const expired = new Set<string>();
  const issued: { jti: string; typ: string }[] = [];
  let macSeq = state.macs.size;

  const issue = () => {
    const iat = Math.floor(now() / 1000);
    const make = (typ: "access" | "refresh", ttl: number) => {
      const jti = randomBytes(8).toString("hex");
      issued.push({ jti, typ });
      const token = sign({ iss: "fake-ix-api", sub: "api-user-1", typ, iat, exp: iat + ttl, jti });
      issuedTokens.push(token);
      return token;
    };
    return { access_token: make("access", accessTtl), refresh_token: make("refresh", refreshTtl) };
  };

  /** The token's claims when it is a live token of this type, else why not. */
  const check = (token: string, typ: string): { ok: true } | { ok: false; expired: boolean } => {
    const claims = verify(token);
    if (!claims || claims.typ !== typ) return { ok: false, expired: false };
    if (typeof claims.exp !== "number" || claims.exp * 1000 <= now() || expired.has(String(claims.jti)))
      return { ok: false, expired: true };
    return { ok: true };
  };

  const server = http.createServer((req, res) => {
    res.on("error", () => {});
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) problem(res, 500, "Internal Server Error", String(err), "about:blank");
    });
  });

  function json(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  function problem(
    res: http.ServerResponse,
    status: number,
    title: string,
    detail?: string,
    type = `${PROBLEM}/validation-error.html`,
    properties?: { name: string; reason: string }[],
    headers: Record<string, string> = {},
  ) {
    if (res.destroyed) return;
    const body = {
      type,
      title,
      status,
      ...(detail ? { detail } : {}),
      ...(properties ? { properties } : {}),
    };
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/problem+json",
      "content-length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  const validation = (res: http.ServerResponse, properties: { name: string; reason: string }[]) =>
    problem(res, 400, "Validation Error", "Some fields did not validate.", undefined, properties);

  async function readBody(req: http.IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 1_000_000) throw new Error("body too large");
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return Symbol.for("malformed");
    }
  }

  function listOf(collection: FakeCollection): Record<string, unknown>[] {
    switch (collection) {
      case "accounts":
        return state.accounts as unknown as Record<string, unknown>[];
      case "network-service-configs":
        return [...state.configs.values()] as unknown as Record<string, unknown>[];
      case "network-services":
        return state.services as unknown as Record<string, unknown>[];
      case "network-features":
        return state.features as unknown as Record<string, unknown>[];
      case "ips":
        return state.ips as unknown as Record<string, unknown>[];
      case "macs":
        return [...state.macs.values()] as unknown as Record<string, unknown>[];
    }
  }

  function matches(
    collection: FakeCollection,
    obj: Record<string, unknown>,
    key: string,
    value: string,
  ): boolean {
    if (key === "id") return value.split(",").includes(String(obj.id));
    const configs = [...state.configs.values()];
    if (collection === "ips" && key === "network_service_config")
      return !!state.configs.get(value)?.ips.includes(String(obj.id));
    if (collection === "ips" && key === "network_service")
      return configs.some((c) => c.network_service === value && c.ips.includes(String(obj.id)));
    if (collection === "ips" && key === "network_feature") return false;
    if (collection === "macs" && key === "network_service_config")
      return !!state.configs.get(value)?.macs.includes(String(obj.id));
    if (collection === "macs" && key === "address")
      return String(obj.address).toLowerCase() === value.toLowerCase();
    if (collection === "network-service-configs" && (key === "inner_vlan" || key === "outer_vlan")) {
      const vc = obj.vlan_config as FakeVlanConfig;
      return String(vc[key]) === value;
    }
    return String(obj[key]) === value;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    const query = Object.fromEntries(url.searchParams.entries());
    if (!url.pathname.startsWith(`${basePath}/`) && url.pathname !== basePath) {
      counts.requests++;
      requests.push({ method, path: url.pathname, query });
      return problem(res, 404, "Not Found", "No such resource.", `${PROBLEM}/not-found.html`);
    }
    const path = url.pathname.slice(basePath.length) || "/";
    counts.requests++;
    requests.push({ method, path, query });
    if (method === "POST" && path === "/auth/token") counts.logins++;
    if (method === "POST" && path === "/auth/refresh") counts.refreshes++;

    const fault = faults.find(
      (f) =>
        f.left > 0 &&
        (!f.match?.method || f.match.method === method) &&
        (!f.match?.path || path.startsWith(f.match.path)),
    );
    if (fault) {
      fault.left--;
      if (fault.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
      else if (fault.kind === "status") {
        const headers: Record<string, string> =
          fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
        const title = fault.status === 429 ? "Too Many Requests" : `Server Error ${fault.status}`;
        return problem(res, fault.status, title, undefined, "about:blank", undefined, headers);
      } else {
        return problem(
          res,
          fault.status ?? 400,
          fault.title,
          fault.detail,
          fault.type ?? `${PROBLEM}/validation-error.html`,
          fault.properties,
        );
      }
    }
    if (res.destroyed) return;

    // --- auth ---
    if (path === "/auth/token" || path === "/auth/refresh") {
      if (method !== "POST") return problem(res, 405, "Method Not Allowed", undefined, "about:blank");
      const body = (await readBody(req)) as Record<string, unknown> | undefined;
      if (!body || typeof body !== "object")
        return validation(res, [{ name: "body", reason: "A JSON object is required." }]);
      if (path === "/auth/token") {
        const missing = ["api_key", "api_secret"].filter((k) => typeof body[k] !== "string" || !body[k]);
        if (missing.length)
          return validation(
            res,
            missing.map((name) => ({ name, reason: "This field is required." })),
          );
        if (body.api_key !== apiKey || body.api_secret !== apiSecret)
          return problem(
            res,
            401,
            "Authentication Credentials Invalid",
            "The api key or secret is not valid.",
            `${PROBLEM}/authentication-error.html`,
          );
        return json(res, 201, issue());
      }
      if (typeof body.refresh_token !== "string")
        return validation(res, [{ name: "refresh_token", reason: "This field is required." }]);
      const c = check(body.refresh_token, "refresh");
      if (!c.ok)
        return problem(
          res,
          401,
          c.expired ? "Signature has expired" : "Authentication Credentials Invalid",
          undefined,
          c.expired ? `${PROBLEM}/signature-expired.html` : `${PROBLEM}/authentication-error.html`,
        );
      return json(res, 201, issue());
    }

    // --- everything else needs a live access token ---
    const auth = req.headers.authorization ?? "";
    const m = /^Bearer (\S+)$/.exec(auth);
    const c = m?.[1] ? check(m[1], "access") : { ok: false as const, expired: false };
    if (!c.ok)
      return problem(
        res,
        401,
        c.expired ? "Signature has expired" : "Authentication Credentials Invalid",
        m ? undefined : "No Bearer token was given.",
        c.expired ? `${PROBLEM}/signature-expired.html` : `${PROBLEM}/authentication-error.html`,
      );

    if (method === "GET" && path === "/health") {
      return json(
        res,
        200,
        opts.v1
          ? { status: "pass", version: "1" }
          : { status: "pass", description: "peerbot's fake IX-API", releaseId: "fake-2.1.0" },
      );
    }
    if (method === "GET" && path === "/implementation") {
      if (opts.v1) return problem(res, 404, "Not Found", "No such resource.", `${PROBLEM}/not-found.html`);
      return json(res, 200, {
        schema_version: opts.schemaVersion ?? "2.1.0",
        service_version: "fake-1.0.0",
        supported_network_service_types: ["exchange_lan"],
        supported_network_service_config_types: ["exchange_lan"],
        supported_network_feature_types: ["route_server"],
        supported_network_feature_config_types: ["route_server"],
        supported_operations: [
          "network_service_configs_list",
          "network_service_configs_read",
          "network_service_configs_partial_update",
          "macs_list",
          "macs_create",
        ],
      });
    }

    const parts = path.split("/").filter(Boolean);
    const collection = parts[0] as FakeCollection;
    if (!(collection in FILTERS) || parts.length > 2)
      return problem(res, 404, "Not Found", "No such resource.", `${PROBLEM}/not-found.html`);
    const objectId = parts[1] ? decodeURIComponent(parts[1]) : undefined;

    if (method === "GET" && objectId === undefined) {
      let items = listOf(collection);
      for (const [key, value] of Object.entries(query)) {
        if (!FILTERS[collection].includes(key)) continue; // unknown parameters are ignored
        items = items.filter((o) => matches(collection, o, key, value));
      }
      return json(res, 200, [...items, ...state.raw[collection]]);
    }
    if (method === "GET" && objectId !== undefined) {
      const found = listOf(collection).find((o) => String(o.id) === objectId);
      if (!found)
        return problem(res, 404, "Not Found", `No object with id ${objectId}.`, `${PROBLEM}/not-found.html`);
      return json(res, 200, found);
    }
    if (method === "POST" && collection === "macs" && objectId === undefined) {
      const body = (await readBody(req)) as Record<string, unknown> | undefined;
      if (!body || typeof body !== "object")
        return validation(res, [{ name: "body", reason: "A JSON object is required." }]);
      const props: { name: string; reason: string }[] = [];
      for (const k of ["address", "managing_account", "consuming_account"])
        if (typeof body[k] !== "string" || !body[k])
          props.push({ name: k, reason: "This field is required." });
      const address = typeof body.address === "string" ? body.address : "";
      if (address && !MAC_RE.test(address))
        props.push({ name: "address", reason: "Enter a MAC address as hexadecimal values with colons." });
      else if (address && parseInt(address.slice(0, 2), 16) & 1)
        props.push({ name: "address", reason: "Only unicast MAC addresses are allowed." });
      else if (address && [...state.macs.values()].some((x) => x.address === address.toLowerCase()))
        props.push({ name: "address", reason: "This MAC address is already in use." });
      for (const k of ["managing_account", "consuming_account"])
        if (typeof body[k] === "string" && body[k] && !state.accounts.some((a) => a.id === body[k]))
          props.push({ name: k, reason: "Unknown account." });
      if (props.length) return validation(res, props);
      const id = `mac-${++macSeq}`;
      const mac: FakeMac = {
        id,
        managing_account: String(body.managing_account),
        consuming_account: String(body.consuming_account),
        address: address.toLowerCase(),
        valid_not_before: typeof body.valid_not_before === "string" ? body.valid_not_before : null,
        valid_not_after: typeof body.valid_not_after === "string" ? body.valid_not_after : null,
        external_ref: typeof body.external_ref === "string" ? body.external_ref : null,
      };
      state.macs.set(id, mac);
      return json(res, 201, mac);
    }
    if (method === "PATCH" && collection === "network-service-configs" && objectId !== undefined) {
      const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
      if (type !== "application/merge-patch+json" && type !== "application/json")
        return problem(res, 415, "Unsupported Media Type", undefined, "about:blank");
      const config = state.configs.get(objectId);
      if (!config)
        return problem(res, 404, "Not Found", `No object with id ${objectId}.`, `${PROBLEM}/not-found.html`);
      const body = (await readBody(req)) as Record<string, unknown> | undefined;
      if (!body || typeof body !== "object")
        return validation(res, [{ name: "body", reason: "A JSON object is required." }]);
      if (body.type === undefined)
        return validation(res, [{ name: "type", reason: "This field is required." }]);
      if (body.type !== config.type)
        return validation(res, [{ name: "type", reason: `The type must be ${config.type}.` }]);
      if (body.macs !== undefined) {
        if (!Array.isArray(body.macs) || !body.macs.every((x) => typeof x === "string"))
          return validation(res, [{ name: "macs", reason: "A list of mac-address ids is required." }]);
        const unknown = (body.macs as string[]).filter((x) => !state.macs.has(x));
        if (unknown.length)
          return validation(
            res,
            unknown.map((x) => ({ name: "macs", reason: `Unknown mac-address id ${x}.` })),
          );
        config.macs = [...new Set(body.macs as string[])];
      }
      if (typeof body.listed === "boolean") config.listed = body.listed;
      state.revisions.set(config.id, (state.revisions.get(config.id) ?? 0) + 1);
      return json(res, 202, config);
    }
    return problem(res, 405, "Method Not Allowed", undefined, "about:blank");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    apiKey,
    apiSecret,
    state,
    requests,
    counts,
    issuedTokens,
    setFault(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    expireTokens(which = "access") {
      for (const t of issued) if (which === "all" || t.typ === "access") expired.add(t.jti);
    },
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
    mutateConfig(id, fn) {
      const config = state.configs.get(id);
      if (!config) throw new Error(`the fake IX-API has no config ${id}`);
      fn(config);
      state.revisions.set(id, (state.revisions.get(id) ?? 0) + 1);
    },
    injectRaw(collection, object) {
      state.raw[collection].push(object);
    },
    resetCounts() {
      requests.length = 0;
      counts.requests = 0;
      counts.logins = 0;
      counts.refreshes = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
