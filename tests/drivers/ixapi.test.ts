// The IX-API v2 client against the fake v2 server (tests/fakes/ixapi.ts) over loopback:
// sessions (login, reuse, refresh, restart), version refusal, the one-pass fetch, retries,
// problems as one sentence, writes, validation, secrets kept out of every message, and the
// database-backed token store of drivers/ixapi/index.ts.
import { request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import { IxApiError, type IxApiClient } from "../../core/ixapi/port.js";
import {
  createIxApiClient,
  createIxApiClientFactory,
  jwtExpiry,
  memoryTokenStore,
  normalizeMac,
  type IxApiClientOptions,
} from "../../drivers/ixapi/index.js";
import { startFakeIxApi, type FakeIxApi, type FakeIxApiOptions } from "../fakes/ixapi.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

const open: { close(): Promise<void> }[] = [];
/** Every error message a test saw, checked for secrets at the end. */
const messages: string[] = [];
const secretsSeen = new Set<string>();

afterEach(async () => {
  for (const c of open.splice(0).reverse()) {
    // The tokens a fake issued join the secrets the last test looks for.
    if ("issuedTokens" in c) for (const t of (c as FakeIxApi).issuedTokens) secretsSeen.add(t);
    await c.close();
  }
});

async function fake(opts: FakeIxApiOptions = {}): Promise<FakeIxApi> {
  const f = await startFakeIxApi(opts);
  open.push(f);
  secretsSeen.add(f.apiKey);
  secretsSeen.add(f.apiSecret);
  return f;
}

function client(f: FakeIxApi, opts: Partial<IxApiClientOptions> = {}): IxApiClient {
  const c = createIxApiClient({
    baseUrl: f.url,
    apiKey: f.apiKey,
    apiSecret: f.apiSecret,
    accountId: f.state.accountId,
    backoffMs: 5,
    ...opts,
  });
  open.push(c);
  return c;
}

/** The IxApiError a promise rejects with (recorded for the secrets check). */
async function failure(p: Promise<unknown>): Promise<IxApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(IxApiError);
    messages.push((err as Error).message);
    return err as IxApiError;
  }
  throw new Error("expected an IxApiError");
}

/** One sentence: one line, ends with a period, no second sentence after it. */
function expectOneSentence(message: string): void {
  expect(message).not.toMatch(/\n/);
  expect(message).toMatch(/\.$/);
  expect(message).not.toMatch(/[.!?]\s+[A-Z]/);
  expect(message.length).toBeLessThan(700);
}

const calls = (f: FakeIxApi, method: string, path: string) =>
  f.requests.filter((r) => r.method === method && r.path === path).length;

describe("sessions", () => {
  it("logs in once and reuses the access token", async () => {
    const f = await fake();
    const c = client(f);
    await c.listMacs();
    await c.getNetworkServiceConfig("nsc-1");
    await c.fetchAll();
    expect(f.counts.logins).toBe(1);
    expect(f.counts.refreshes).toBe(0);
    expect(c.requestCount).toBe(f.counts.requests);
    expect(c.requestCount).toBe(1 + 1 + 1 + 5);
  });

  it("refreshes after the access token's exp, and logs in when the refresh token is past its exp too", async () => {
    let clock = Date.now();
    const now = () => clock;
    const f = await fake({ now, accessTtl: 60, refreshTtl: 600 });
    const c = client(f, { now, expiryMarginMs: 5_000 });
    await c.listMacs();
    expect(f.counts).toMatchObject({ logins: 1, refreshes: 0 });

    clock += 30_000; // still fresh
    await c.listMacs();
    expect(f.counts).toMatchObject({ logins: 1, refreshes: 0 });

    clock += 60_000; // the access token is past its exp, the refresh token is not
    await c.listMacs();
    expect(f.counts).toMatchObject({ logins: 1, refreshes: 1 });
    // The client renewed before calling: no request was refused.
    expect(f.requests.filter((r) => r.path === "/macs")).toHaveLength(3);
    expect(c.requestCount).toBe(f.counts.requests);

    clock += 3_600_000; // both past their exp
    await c.listMacs();
    expect(f.counts).toMatchObject({ logins: 2, refreshes: 1 });
  });

  it("goes on after a restart with the stored session: no new login", async () => {
    const f = await fake();
    const store = memoryTokenStore();
    const first = client(f, { tokenStore: store });
    await first.listMacs();
    await first.close();
    expect(store.tokens?.accessToken).toBeTruthy();
    expect(store.tokens?.accessExpiresAt.getTime()).toBe(jwtExpiry(store.tokens!.accessToken));

    const second = client(f, { tokenStore: store });
    await second.fetchAll();
    expect(f.counts.logins).toBe(1);
    expect(second.requestCount).toBe(5);
  });

  it("a 401 mid-session refreshes once and retries once", async () => {
    const f = await fake();
    const c = client(f);
    await c.listMacs();
    f.expireTokens("access");
    const macs = await c.listMacs();
    expect(macs).toHaveLength(2);
    expect(f.counts).toMatchObject({ logins: 1, refreshes: 1 });
    expect(f.requests.slice(-3).map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /macs",
      "POST /auth/refresh",
      "GET /macs",
    ]);
  });

  it("logs in when the refresh token is refused as well", async () => {
    const f = await fake();
    const c = client(f);
    await c.listMacs();
    f.expireTokens("all");
    await c.listMacs();
    expect(f.counts).toMatchObject({ logins: 2, refreshes: 1 });
  });

  it("concurrent calls share one login", async () => {
    const f = await fake();
    const c = client(f);
    await Promise.all([c.listMacs(), c.getNetworkServiceConfig("nsc-1"), c.getNetworkServiceConfig("nsc-2")]);
    expect(f.counts.logins).toBe(1);
  });

  it("a second 401 is refused in one sentence", async () => {
    const f = await fake();
    const c = client(f);
    f.setFault({
      kind: "problem",
      status: 401,
      title: "Authentication Credentials Invalid",
      times: 2,
      match: { path: "/macs" },
    });
    const err = await failure(c.listMacs());
    expect(err.message).toBe(
      `The IX-API at ${new URL(f.url).host} refused our credentials: check the endpoint's API key and secret.`,
    );
    expect(err.status).toBe(401);
    expect(err.transient).toBe(false);
    expect(f.counts.refreshes).toBe(1);
  });

  it("wrong credentials are refused in one sentence without the secret", async () => {
    const f = await fake();
    const c = client(f, { apiSecret: "wrong-secret-value" });
    secretsSeen.add("wrong-secret-value");
    const err = await failure(c.listMacs());
    expectOneSentence(err.message);
    expect(err.message).toMatch(/refused our credentials/);
    expect(f.counts.logins).toBe(1);
  });
});

describe("version", () => {
  it("accepts a v2 endpoint", async () => {
    const f = await fake();
    await client(f).checkVersion();
    expect(f.requests.map((r) => r.path)).toEqual(["/auth/token", "/health", "/implementation"]);
  });

  it("refuses a v1 base path at once, in one sentence", async () => {
    const f = await fake({ v1: true });
    const c = client(f);
    const err = await failure(c.checkVersion());
    expectOneSentence(err.message);
    expect(err.message).toMatch(/v1 endpoint/);
    expect(c.requestCount).toBe(0);
  });

  it("refuses a v1 endpoint behind another path (no /implementation), in one sentence", async () => {
    const f = await fake({ v1: true, basePath: "/ixapi" });
    const err = await failure(client(f).checkVersion());
    expectOneSentence(err.message);
    expect(err.message).toMatch(/v1/);
  });

  it("refuses an endpoint that implements another schema major", async () => {
    const f = await fake({ schemaVersion: "3.0.0" });
    const err = await failure(client(f).checkVersion());
    expectOneSentence(err.message);
    expect(err.message).toMatch(/schema version 3\.0\.0/);
  });
});

describe("fetchAll", () => {
  it("takes the same number of requests for 50/200/100 objects as for 2/4/2", async () => {
    const small = await fake({ generate: { configs: 2, ips: 4, macs: 2 } });
    const big = await fake({ generate: { configs: 50, ips: 200, macs: 100 } });
    const a = await client(small).fetchAll();
    const b = await client(big).fetchAll();
    expect(b.configs).toHaveLength(50);
    expect(b.ips).toHaveLength(200);
    expect(b.macs).toHaveLength(100);
    expect(b.services).toHaveLength(3);
    expect(b.features).toHaveLength(6);
    expect(b.invalid).toBe(0);
    expect(a.requests).toBe(b.requests);
    expect(b.requests).toBe(6); // login + five lists
    const configsCall = big.requests.find((r) => r.path === "/network-service-configs");
    expect(configsCall?.query).toEqual({ managing_account: big.state.accountId, type: "exchange_lan" });
    expect(big.requests.some((r) => "managing__account" in r.query)).toBe(false);
    // Every shape came through: vlan configs of the three kinds, IPs linked to their config.
    expect(new Set(b.configs.map((c) => c.vlan_config.vlan_type))).toEqual(
      new Set(["port", "dot1q", "qinq"]),
    );
    const qinq = b.configs.find((c) => c.vlan_config.vlan_type === "qinq")!;
    expect(qinq.vlan_config).toMatchObject({ outer_vlan: expect.any(Number), inner_vlan: 10 });
    const ip = b.ips[0]!;
    expect(ip.network_service_config).toBe("nsc-1");
    expect(b.features[0]).toMatchObject({ type: "route_server", ip_v4: "10.10.0.1", session_mode: "public" });
    expect(b.services[0]).toMatchObject({ peeringdb_ixid: 1000, subnet_v4: "10.10.0.0/16" });
  });

  it("finds the account through GET /accounts once when the row has none", async () => {
    const f = await fake();
    const found: string[] = [];
    const c = client(f, { accountId: undefined, onAccountDiscovered: (id) => void found.push(id) });
    const pass = await c.fetchAll();
    await c.fetchAll();
    expect(pass.accountId).toBe(f.state.accountId);
    expect(found).toEqual([f.state.accountId]);
    expect(calls(f, "GET", "/accounts")).toBe(1);
  });

  it("skips and counts objects that fail validation", async () => {
    const f = await fake();
    const account = f.state.accountId;
    f.injectRaw("macs", {
      id: "mac-bad",
      address: "not-a-mac",
      managing_account: account,
      consuming_account: account,
    });
    f.injectRaw("network-service-configs", {
      ...f.state.configs.get("nsc-1"),
      id: "nsc-bad",
      vlan_config: { vlan_type: "dot1q", vlan: 5000 },
    });
    const pass = await client(f).fetchAll();
    expect(pass.configs.map((c) => c.id)).toEqual(["nsc-1", "nsc-2"]);
    expect(pass.macs).toHaveLength(2);
    expect(pass.invalid).toBe(2);
    expect(pass.skipped).toEqual([
      expect.stringMatching(/^network-service-configs nsc-bad \(vlan_config\.vlan: /),
      "macs mac-bad (address: not a MAC address)",
    ]);
  });
});

describe("retries and problems", () => {
  it("waits for Retry-After on a 429, then succeeds", async () => {
    const f = await fake();
    const waits: number[] = [];
    const c = client(f, { sleep: async (ms) => void waits.push(ms) });
    f.setFault({ kind: "status", status: 429, retryAfter: 2, times: 1, match: { path: "/macs" } });
    await expect(c.listMacs()).resolves.toHaveLength(2);
    expect(waits).toEqual([2000]);
    expect(calls(f, "GET", "/macs")).toBe(2);
    expect(c.requestCount).toBe(f.counts.requests);
  });

  it("gives up after three 500s with a transient one-sentence error", async () => {
    const f = await fake();
    const waits: number[] = [];
    const c = client(f, { sleep: async (ms) => void waits.push(ms) });
    f.setFault({ kind: "status", status: 500, times: 3, match: { path: "/macs" } });
    const err = await failure(c.listMacs());
    expect(err.transient).toBe(true);
    expect(err.status).toBe(500);
    expectOneSentence(err.message);
    expect(err.message).toMatch(/failed with HTTP 500 on GET \/macs \(3 attempts\); try again later\.$/);
    expect(calls(f, "GET", "/macs")).toBe(3);
    expect(waits).toEqual([5, 10]);
  });

  it("does not retry the POST of a MAC on a 500", async () => {
    const f = await fake();
    const c = client(f);
    f.setFault({ kind: "status", status: 500, times: 3, match: { path: "/macs", method: "POST" } });
    const err = await failure(
      c.createMac({
        address: "02:aa:bb:cc:dd:ee",
        managing_account: "acc-peerbot",
        consuming_account: "acc-peerbot",
      }),
    );
    expect(err.transient).toBe(true);
    expect(calls(f, "POST", "/macs")).toBe(1);
  });

  it("a timeout is a transient error", async () => {
    const f = await fake();
    const c = client(f, { timeoutMs: 150 });
    await c.listMacs();
    f.setFault({ kind: "delay", ms: 600, times: 3, match: { path: "/macs" } });
    const err = await failure(c.listMacs());
    expect(err.transient).toBe(true);
    expectOneSentence(err.message);
    expect(err.message).toMatch(/did not answer GET \/macs within 150 ms/);
  });

  it("a 400 problem with properties is one sentence naming the field", async () => {
    const f = await fake();
    const c = client(f);
    f.setFault({
      kind: "problem",
      title: "Validation error",
      properties: [{ name: "macs", reason: "this MAC is already in use" }],
      match: { method: "PATCH" },
    });
    const err = await failure(c.patchNetworkServiceConfig("nsc-1", { macs: ["mac-1"] }));
    expect(err.message).toBe(
      `The IX-API at ${new URL(f.url).host} refused the change: Validation error (macs: this MAC is already in use).`,
    );
    expect(err.status).toBe(400);
    expect(err.transient).toBe(false);
  });

  it("the fake's own validation of an unknown MAC id comes back as one sentence", async () => {
    const f = await fake();
    const err = await failure(client(f).patchNetworkServiceConfig("nsc-1", { macs: ["mac-404"] }));
    expectOneSentence(err.message);
    expect(err.message).toMatch(/\(macs: Unknown mac-address id mac-404\)\.$/);
  });

  it("server text is cleaned, capped, and never carries a secret", async () => {
    const f = await fake();
    const c = client(f);
    await c.listMacs();
    const token = f.issuedTokens[0]!;
    f.setFault({
      kind: "problem",
      status: 400,
      title: "Bad\u0007 request\r\nInjected: line",
      detail: `key ${f.apiKey} secret ${f.apiSecret} token ${token} ${"x".repeat(1000)}`,
      match: { path: "/macs" },
    });
    const err = await failure(c.listMacs());
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
    expect(err.message).toContain("[redacted]");
    expect(err.message.length).toBeLessThan(700);
    for (const s of [f.apiKey, f.apiSecret, token]) expect(err.message).not.toContain(s);

    // Part of a token, cut by the server, is masked all the same.
    f.setFault({
      kind: "problem",
      title: "Bad token",
      detail: `got ${token.slice(0, 40)}`,
      match: { path: "/macs" },
    });
    const cut = await failure(c.listMacs());
    expect(cut.message).not.toContain(token.slice(0, 20));
    expect(cut.message).toContain("[redacted]");
  });
});

describe("the fake", () => {
  it("filters lists by the v2 query parameters", async () => {
    const f = await fake({ generate: { configs: 6, ips: 12, macs: 6 } });
    const login = await request(`${f.url}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ api_key: f.apiKey, api_secret: f.apiSecret }),
    });
    expect(login.statusCode).toBe(201);
    const { access_token } = (await login.body.json()) as { access_token: string };
    const get = async (path: string) => {
      const r = await request(`${f.url}${path}`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(r.statusCode).toBe(200);
      return ((await r.body.json()) as { id: string }[]).map((o) => o.id);
    };
    expect(await get("/network-service-configs?id=nsc-1,nsc-3")).toEqual(["nsc-1", "nsc-3"]);
    expect(await get("/network-service-configs?network_service=ns-2")).toEqual(["nsc-2", "nsc-5"]);
    expect(await get("/network-service-configs?managing_account=someone-else")).toEqual([]);
    expect(await get("/network-features?type=route_server&network_service=ns-1")).toEqual([
      "rs-1-1",
      "rs-1-2",
    ]);
    expect(await get("/ips?network_service_config=nsc-1")).toEqual(["ip-1", "ip-7"]);
    expect(await get("/macs?consuming_account=acc-peerbot&id=mac-2")).toEqual(["mac-2"]);
    expect(await get("/network-services?type=exchange_lan&unknown=1")).toEqual(["ns-1", "ns-2", "ns-3"]);
    const denied = await request(`${f.url}/macs`, { headers: { authorization: "Bearer nonsense" } });
    expect(denied.statusCode).toBe(401);
    expect(await denied.body.json()).toMatchObject({
      type: "https://errors.ix-api.net/v2/authentication-error.html",
      status: 401,
    });
  });
});

describe("writes", () => {
  it("creates a MAC and patches it onto a config: the fake's state shows it", async () => {
    const f = await fake();
    const c = client(f);
    const account = f.state.accountId;
    const mac = await c.createMac({
      address: "02-AA-BB-CC-DD-EE",
      managing_account: account,
      consuming_account: account,
    });
    expect(mac).toMatchObject({ address: "02:aa:bb:cc:dd:ee", managing_account: account });
    expect(f.requests.at(-1)).toMatchObject({ method: "POST", path: "/macs" });

    const before = await c.getNetworkServiceConfig("nsc-1");
    const revision = f.state.revisions.get("nsc-1")!;
    const after = await c.patchNetworkServiceConfig("nsc-1", { macs: [...before.macs, mac.id] });
    expect(after.macs).toEqual([...before.macs, mac.id]);
    expect(f.state.configs.get("nsc-1")!.macs).toContain(mac.id);
    expect(f.state.revisions.get("nsc-1")).toBe(revision + 1);
    expect((await c.listMacs()).map((m) => m.id)).toContain(mac.id);
  });

  it("a bad MAC is refused by the fake with the field named", async () => {
    const f = await fake();
    const err = await failure(
      client(f).createMac({
        address: "03:00:00:00:00:01",
        managing_account: "acc-peerbot",
        consuming_account: "acc-peerbot",
      }),
    );
    expect(err.message).toMatch(
      /refused the change: Validation Error: Some fields did not validate \(address: Only unicast/,
    );
  });

  it("reads a config afresh after it changed at the exchange", async () => {
    const f = await fake();
    const c = client(f);
    expect((await c.getNetworkServiceConfig("nsc-2")).macs).toEqual(["mac-2"]);
    f.mutateConfig("nsc-2", (cfg) => (cfg.macs = []));
    expect((await c.getNetworkServiceConfig("nsc-2")).macs).toEqual([]);
  });

  it("normalises MAC addresses to lower-case colon form", () => {
    expect(normalizeMac("02AA.BBCC.DDEE")).toBe("02:aa:bb:cc:dd:ee");
    expect(normalizeMac("02-aa-bb-cc-dd-ee")).toBe("02:aa:bb:cc:dd:ee");
    expect(normalizeMac("02aabbccddee")).toBe("02:aa:bb:cc:dd:ee");
    expect(normalizeMac("02:aa:bb:cc:dd")).toBeNull();
  });
});

describe("the endpoint row (drivers/ixapi/index.ts)", () => {
  let db: TestDatabase;
  const secrets = SecretBox.fromString(newSecretKey());

  beforeAll(async () => {
    db = await createTestDatabase(import.meta.filename);
  });
  afterAll(async () => {
    await db?.drop();
    delete process.env.PEERBOT_TEST_IXAPI_KEY;
    delete process.env.PEERBOT_TEST_IXAPI_SECRET;
  });

  it("keeps the session encrypted in the row and reuses it from a second factory", async () => {
    const f = await fake();
    process.env.PEERBOT_TEST_IXAPI_KEY = f.apiKey;
    process.env.PEERBOT_TEST_IXAPI_SECRET = f.apiSecret;
    const row = await db.prisma.ixApiEndpoint.create({
      data: {
        name: "fake-ix",
        url: f.url,
        keyEnv: "PEERBOT_TEST_IXAPI_KEY",
        secretEnv: "PEERBOT_TEST_IXAPI_SECRET",
      },
    });
    const first = await createIxApiClientFactory({ db, secrets, client: { backoffMs: 5 } })(row.id);
    open.push(first);
    await first.fetchAll();
    expect(f.counts.logins).toBe(1);

    const stored = await db.prisma.ixApiEndpoint.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored.accountId).toBe(f.state.accountId); // found through /accounts and kept
    const [access, refresh] = f.issuedTokens;
    expect(stored.accessTokenEnc).toMatch(/^v1:/);
    expect(stored.refreshTokenEnc).toMatch(/^v1:/);
    const rowText = JSON.stringify(stored);
    for (const s of [access!, refresh!, f.apiKey, f.apiSecret]) expect(rowText).not.toContain(s);
    expect(secrets.decrypt(stored.accessTokenEnc!)).toBe(access);
    expect(secrets.decrypt(stored.refreshTokenEnc!)).toBe(refresh);
    expect(stored.accessExpiresAt?.getTime()).toBe(jwtExpiry(access!));
    expect(stored.refreshExpiresAt?.getTime()).toBe(jwtExpiry(refresh!));

    const second = await createIxApiClientFactory({ db, secrets })(row.id);
    open.push(second);
    await second.fetchAll();
    expect(f.counts.logins).toBe(1);
    expect(second.requestCount).toBe(5); // no login, no /accounts
  });

  it("reads keyEnc/secretEnc, and stores no token without a secret box", async () => {
    const f = await fake();
    const row = await db.prisma.ixApiEndpoint.create({
      data: {
        name: "fake-ix-enc",
        url: f.url,
        keyEnc: secrets.encrypt(f.apiKey),
        secretEnc: secrets.encrypt(f.apiSecret),
      },
    });
    const c = await createIxApiClientFactory({ db, secrets })(row.id);
    open.push(c);
    await c.listMacs();
    expect(f.counts.logins).toBe(1);

    const plain = await db.prisma.ixApiEndpoint.create({
      data: {
        name: "fake-ix-plain",
        url: f.url,
        keyEnv: "PEERBOT_TEST_IXAPI_KEY",
        secretEnv: "PEERBOT_TEST_IXAPI_SECRET",
        accountId: f.state.accountId,
      },
    });
    process.env.PEERBOT_TEST_IXAPI_KEY = f.apiKey;
    process.env.PEERBOT_TEST_IXAPI_SECRET = f.apiSecret;
    const d = await createIxApiClientFactory({ db })(plain.id);
    open.push(d);
    await d.listMacs();
    await d.listMacs();
    expect(f.counts.logins).toBe(2); // one for this client, kept in its memory
    const after = await db.prisma.ixApiEndpoint.findUniqueOrThrow({ where: { id: plain.id } });
    expect([after.accessTokenEnc, after.refreshTokenEnc, after.accessExpiresAt]).toEqual([null, null, null]);

    const err = await failure(createIxApiClientFactory({ db })(row.id));
    expectOneSentence(err.message);
    expect(err.message).toMatch(/PEERBOT_SECRET_KEY is not set/);
  });
});

describe("secrets", () => {
  it("no error message seen above holds a key, a secret or a token", () => {
    expect(messages.length).toBeGreaterThan(10);
    for (const m of messages) for (const s of secretsSeen) expect(m).not.toContain(s);
  });
});
