// An IX-API endpoint's key and secret stored from the shell (`peerbot secret set ixapi <name>`,
// two lines on standard input in a script), encrypted with PEERBOT_SECRET_KEY: the endpoint is
// added in chat without environment variables, the shell stores the two, and the next refresh
// in chat logs in with them. Neither value is in the database in clear, in the history, in the
// command's output or in the log. An unknown endpoint, a missing secret and a missing key
// setting are refused in one sentence, changing nothing; `secret clear ixapi` removes them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRegistry } from "../../commands/index.js";
import { SecretBox, newSecretKey } from "../../core/crypto.js";
import { createIxApiClientFactory } from "../../drivers/ixapi/index.js";
import { registerAllWorkers } from "../../jobs/index.js";
import { startFakeIxApi, type FakeIxApi } from "../fakes/ixapi.js";
import { runPeerbot } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { dbUrl } from "../helpers/pg.js";
import { sayAs } from "../helpers/say.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";

const KEY = newSecretKey();
let db: TestDatabase;
let fake: FakeIxApi;
let services: TestServices;
const registry = buildRegistry();
const say = (user: string, text: string) => sayAs(registry, services, user, text);
const shell = (args: string[], input: string, env: Record<string, string | undefined> = {}) =>
  runPeerbot(["secret", ...args], {
    input,
    env: { USER: "netops", DATABASE_URL: dbUrl(db.name), PEERBOT_SECRET_KEY: KEY, ...env },
  });

/** Every row of the tables that could hold a credential, as text. */
async function everything(): Promise<string> {
  const rows = await db.pool.query(
    `select row_to_json(e)::text as t from "IxApiEndpoint" e
     union all select row_to_json(h)::text from "ObjectChange" h
     union all select row_to_json(a)::text from "AuditEvent" a`,
  );
  return rows.rows.map((r: { t: string }) => r.t).join("\n");
}

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  fake = await startFakeIxApi({ generate: { configs: 1, ips: 1, macs: 1, services: 1 } });
  services = testServices(db);
  // The bot's own box, with the key the shell stores with; no variables in its environment.
  services.secrets = SecretBox.fromString(KEY);
  services.ixapi = createIxApiClientFactory({
    db,
    secrets: services.secrets,
    env: {},
    timeoutMs: 2_000,
    client: { backoffMs: 5, maxBackoffMs: 20 },
  });
  registerAllWorkers(services.queue, services);
  const added = await say("admin", `ixapi add fake ${fake.url}`);
  expect(added.outcome, added.text).toBe("ok");
  expect(added.text).toContain("`peerbot secret set ixapi fake` asks for them and stores them encrypted");
});

afterAll(async () => {
  await services?.queue.close?.();
  await fake?.close();
  await db?.drop();
});

describe("peerbot secret set ixapi", () => {
  it("refuses what it cannot do in one sentence, and stores nothing", async () => {
    const before = await fingerprint(db);
    const unknown = await shell(["set", "ixapi", "nowhere"], `${fake.apiKey}\n${fake.apiSecret}\n`);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err.trim()).toMatch(/^peerbot secret: There is no IX-API endpoint called "nowhere"/);
    const half = await shell(["set", "ixapi", "fake"], `${fake.apiKey}\n`);
    expect(half.code).not.toBe(0);
    expect(half.err).toMatch(/No secret was given, so nothing was stored\./);
    const nokey = await shell(["set", "ixapi", "fake"], `${fake.apiKey}\n${fake.apiSecret}\n`, {
      PEERBOT_SECRET_KEY: undefined,
    });
    expect(nokey.code).toBe(78);
    expect(nokey.err).toMatch(/PEERBOT_SECRET_KEY is not set: peerbot stores IX-API credentials encrypted/);
    const flag = await shell(["set", "ixapi", "fake", "--key"], "");
    expect(flag.code).toBe(2);
    for (const r of [unknown, half, nokey, flag]) {
      expect(r.out + r.err).not.toContain(fake.apiKey);
      expect(r.out + r.err).not.toContain(fake.apiSecret);
    }
    expect(await fingerprint(db)).toBe(before);
    // Without credentials the refresh says what is missing, in one sentence.
    const r = await say("alice", "ixapi refresh fake");
    expect(r.reply.kind).toBe("error");
    expect(r.text).toMatch(/has no key: name an environment variable for it or store it encrypted/);
  });

  it("stores both encrypted from two lines of standard input; the next refresh logs in with them", async () => {
    const r = await shell(["set", "ixapi", "fake"], `${fake.apiKey}\n${fake.apiSecret}\n`);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^Stored the IX-API key and secret of fake, encrypted\. In chat, `ixapi refresh fake`/,
    );
    const row = await db.prisma.ixApiEndpoint.findUniqueOrThrow({ where: { name: "fake" } });
    expect(row.keyEnc && services.secrets!.decrypt(row.keyEnc)).toBe(fake.apiKey);
    expect(row.secretEnc && services.secrets!.decrypt(row.secretEnc)).toBe(fake.apiSecret);
    const history = await db.prisma.objectChange.findMany({
      where: { objectType: "ixapi-endpoint", objectId: String(row.id) },
      orderBy: { id: "asc" },
    });
    expect(history.map((h) => [h.action, h.actor])).toEqual([
      ["create", "console:admin"],
      ["update", "cli:netops"],
    ]);

    fake.resetCounts();
    const refreshed = await say("alice", "ixapi refresh fake");
    expect(refreshed.reply.kind, refreshed.text).toBe("success");
    expect(fake.counts.logins).toBe(1);
    const list = await say("alice", "ixapi list");
    expect(list.all).toMatch(/fake \| .* \| stored \(encrypted\) \| stored \(encrypted\) \|/);

    const hist = await say("alice", "history ixapi fake");
    expect(hist.outcome, hist.text).toBe("ok");
    expect(hist.all).toMatch(/cli:netops|netops/);
    expect(hist.all).toMatch(/credentialsStored/);

    const seen = [await everything(), r.out, r.err, list.all, hist.all, ...services.logLines].join("\n");
    expect(seen).not.toContain(fake.apiKey);
    expect(seen).not.toContain(fake.apiSecret);
  });

  it("secret clear ixapi removes them, and the tokens kept for them", async () => {
    const r = await shell(["clear", "ixapi", "fake"], "");
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe("Removed the stored IX-API key and secret of fake.");
    const row = await db.prisma.ixApiEndpoint.findUniqueOrThrow({ where: { name: "fake" } });
    expect([row.keyEnc, row.secretEnc, row.accessTokenEnc, row.refreshTokenEnc]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    const again = await shell(["clear", "ixapi", "fake"], "");
    expect(again.out.trim()).toBe("fake has no stored IX-API key or secret; nothing changed.");
  });
});
