// The README's path, as a newcomer runs it: `peerbot seed-demo` and `peerbot console` on the
// embedded database (PGlite over the wire protocol), scripted through a pipe.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { runPeerbot } from "../helpers/cli.js";
import { adminUrl, dbUrl } from "../helpers/pg.js";
import { freePort } from "../helpers/throwaway.js";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-cli-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const peerbot = (args: string[], input = "", env: Record<string, string> = {}) =>
  runPeerbot(args, { input, env: { PEERBOT_DATA_DIR: dataDir, ...env } });

describe("peerbot on the embedded database", () => {
  it("seed-demo then a scripted console session prints the demo data", async () => {
    const seed = await peerbot(["seed-demo"]);
    expect(seed.err).toBe("");
    expect(seed.out).toContain("Demo network ready: AS64500 with 3 connections at 3 IXPs, 2 routers");
    const again = await peerbot(["seed-demo"]);
    expect(again.code).toBe(0);

    const { code, out } = await peerbot(["console", "--user", "alice"], "as 64500\nix linx\nsessions linx\n");
    expect(code).toBe(0);
    expect(out).toContain("note: No REDIS_URL: jobs run inside this process.");
    expect(out).toContain("peerbot> as 64500\nAS64500 peerbot demo network");
    expect(out).toContain("peerbot> ix linx\nLINX LON1");
    expect(out).toMatch(/peerbot> sessions linx\nSessions: LINX LON1\n6 sessions\./);
    expect(out).toContain("2001:7f8:4::3b41:1");
  }, 180_000);

  it("a wrong setting stops start-up with one line per problem, naming the variable, never its value", async () => {
    const r = await peerbot(["console"], "", {
      DATABASE_URL: "mysql://root:hunter2@db/x",
      REDIS_URL: "nope",
      PEERBOT_ROLES: "console:alice=overlord",
    });
    expect(r.code).toBe(78);
    expect(r.err).toContain("3 setting(s) are wrong");
    expect(r.err).toMatch(/^ {2}DATABASE_URL: expected a postgresql:\/\/ URL$/m);
    expect(r.err).toMatch(/^ {2}REDIS_URL: expected a redis:\/\/ URL$/m);
    expect(r.err).toMatch(/^ {2}PEERBOT_ROLES: expected platform:/m);
    expect(r.err).not.toContain("hunter2");
  });

  it("every subcommand has --help, and an unknown one says so", async () => {
    for (const sub of ["console", "start", "worker", "migrate", "seed-demo"]) {
      const r = await peerbot([sub, "--help"]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: peerbot ${sub}`));
    }
    const bad = await peerbot(["deploy-everything"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('there is no command "deploy-everything"');
  });
});

describe("peerbot sync", () => {
  it("syncs the mirror from PEERINGDB_URL and prints what it did; the API key never shows", async () => {
    const { FakePeeringDb } = await import("../fakes/peeringdb-server.js");
    const fake = await FakePeeringDb.start();
    try {
      const env = {
        PEERINGDB_URL: fake.url,
        PEERINGDB_API_KEY: "pdb-secret-key-for-test",
        PEERINGDB_REQUEST_SPACING: "0s",
        PEERBOT_LOG_LEVEL: "debug",
      };
      const first = await peerbot(["sync"], "", env);
      expect(first.code).toBe(0);
      expect(first.out).toMatch(/^netixlan\s+ok: \d+ fetched/m);
      expect(first.out).toMatch(/^Synced in [\d.]+ s\.$/m);
      expect(first.out + first.err).not.toContain("pdb-secret-key-for-test");
      expect(fake.requests.some((r) => r.authorization === "Api-Key pdb-secret-key-for-test")).toBe(true);
      const again = await peerbot(["sync"], "", env);
      // Incremental: only what changed since the watermark (less a small overlap) comes back.
      expect(again.out).toMatch(/^net\s+ok: [01] fetched, 0 changed/m);
    } finally {
      await fake.close();
    }
  }, 180_000);
});

describe("start-up failures a user causes", () => {
  it("`peerbot migrate` creates a database that does not exist yet, then migrates it", async () => {
    const name = `peerbot_cli_new_${process.pid}`;
    const url = dbUrl(name);
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    try {
      await admin.query(`drop database if exists "${name}"`);
      const before = await peerbot(["console"], "", { DATABASE_URL: url });
      expect(before.code).toBe(1);
      expect(before.err.trim()).toBe(
        `peerbot console: The database "${name}" does not exist on ${new URL(url).hostname}:${new URL(url).port || "5432"}: run \`peerbot migrate\`, which creates it, or create it yourself.`,
      );
      const r = await peerbot(["migrate"], "", { DATABASE_URL: url });
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`Created the database "${name}".`);
      expect(r.out).toContain("The database is up to date.");
      expect((await peerbot(["migrate"], "", { DATABASE_URL: url })).out).not.toContain("Created");
    } finally {
      await admin.query(`drop database if exists "${name}" with (force)`).catch(() => {});
      await admin.end();
    }
  }, 120_000);

  it("a server that refuses, or a host that does not resolve: one sentence, no log line, no password", async () => {
    const port = await freePort();
    const refused = await peerbot(["console"], "", {
      DATABASE_URL: `postgresql://peerbot:Sekr1t-pw@127.0.0.1:${port}/peerbot`,
    });
    expect(refused.code).toBe(1);
    expect(refused.err.trim()).toBe(
      `peerbot console: PostgreSQL at 127.0.0.1:${port} refused the connection: is it running there? Check DATABASE_URL.`,
    );
    const unknown = await peerbot(["migrate"], "", {
      DATABASE_URL: "postgresql://peerbot:Sekr1t-pw@no-such-host.invalid:5432/peerbot",
    });
    expect(unknown.err.trim()).toBe(
      'peerbot migrate: The host "no-such-host.invalid" in DATABASE_URL cannot be resolved: check its name.',
    );
    for (const r of [refused, unknown]) expect(r.out + r.err).not.toMatch(/Sekr1t|"level"|\bat \S+:\d+:\d+/);
  }, 60_000);
});
