// `peerbot doctor` and the admins' `doctor`: against the real PostgreSQL and Redis, the Slack,
// Discord, PeeringDB and SMTP fakes and a Junos SSH fake. Everything right gives no failure;
// then each failure is made real (a wrong token, a wrong key, a refused port, a name that
// does not resolve, a changed host key, a wrong password) and gets its own failing line with
// what to do, and no line carries a secret. The shell command exits 1 when a check fails; the
// chat command is refused to anyone but an admin.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { doctorFailed, formatDoctor, defaultProbes, runDoctor, type CheckLine } from "../../core/doctor.js";
import { createServices } from "../../bot/services.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { BullJobQueue } from "../../jobs/bull-queue.js";
import { FakeDiscord } from "../fakes/discord-api.js";
import { JunosFake } from "../fakes/junos-ssh.js";
import { FakePeeringDb } from "../fakes/peeringdb-server.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { FakeSmtpServer } from "../fakes/smtp.js";
import { createChat } from "../helpers/chat.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { dbUrl } from "../helpers/pg.js";
import { testConfig, testServices, type TestServices } from "../helpers/services.js";
import { createLogger } from "../../core/log.js";

const REDIS = process.env.PEERBOT_TEST_REDIS ?? "redis://127.0.0.1:6379";
const SLACK_TOKEN = "xoxb-doctor-slack-token-5c1e";
const DISCORD_TOKEN = "discord-doctor-token-0123456789abcdef";
const PDB_KEY = "pdb-doctor-key-77aa";
const ROUTER_PASSWORD = "Rtr-doctor-pw-31f9";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;
let pool: SshPool;
let slack: FakeSlack;
let discord: FakeDiscord;
let pdb: FakePeeringDb;
let smtp: FakeSmtpServer;
let junos: JunosFake;
let env: Record<string, string>;
const queues: BullJobQueue[] = [];
const log = createLogger("silent");

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-doctor-"));
  db = await createTestDatabase(import.meta.filename);
  [slack, discord, pdb, smtp] = await Promise.all([
    new FakeSlack({ botToken: SLACK_TOKEN }).start(),
    new FakeDiscord(DISCORD_TOKEN).start(),
    FakePeeringDb.start({ apiKey: PDB_KEY }),
    FakeSmtpServer.start(),
  ]);
  junos = new JunosFake({ hostname: "jr1", users: [{ username: "peerbot", password: ROUTER_PASSWORD }] });
  await junos.start();
  env = {
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    DISCORD_TOKEN,
    DISCORD_API_URL: discord.apiUrl,
    PEERINGDB_URL: pdb.url,
    PEERINGDB_API_KEY: PDB_KEY,
    REDIS_URL: REDIS,
    ...smtp.env,
  };
  services = testServices(db, env, dataDir);
  pool = new SshPool({ idleMs: 100 });
  services.drivers = createDriverFactory({ secrets: services.secrets, dataDir, pool });
  const us = await db.prisma.autonomousSystem.create({ data: { asn: 64500n, name: "us", affiliated: true } });
  await db.prisma.router.create({
    data: {
      name: "jr1",
      platform: "junos",
      hostname: "127.0.0.1",
      port: junos.port,
      username: "peerbot",
      passwordEnc: services.secrets!.encrypt(ROUTER_PASSWORD),
      hostKeyFingerprint: junos.hostKeyFingerprint,
      localAsId: us.id,
    },
  });
  await db.prisma.router.create({
    data: { name: "lab.file", platform: "file", hostname: "lab", localAsId: us.id },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  await pool?.closeAll();
  await Promise.all([slack?.stop(), discord?.stop(), pdb?.close(), smtp?.close(), junos?.stop()]);
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The doctor of a process with these settings over `env` (and the test's own routers). */
async function doctor(overrides: Record<string, string> = {}): Promise<CheckLine[]> {
  const config = testConfig({ ...env, ...overrides });
  const jobs = new BullJobQueue(config.REDIS_URL!, `peerbot-test-doctor-${queues.length}`, log);
  queues.push(jobs);
  const s = {
    ...createServices({ db, config, jobs, log, secrets: services.secrets, dataDir }),
    drivers: services.drivers,
  };
  try {
    return await runDoctor(s, config, defaultProbes(s), { timeoutMs: 5_000 });
  } finally {
    await s.mailer.close();
  }
}

const line = (lines: CheckLine[], name: string) => {
  const l = lines.find((x) => x.name === name);
  expect(l, `a line for ${name}`).toBeDefined();
  return l!;
};

function expectNoSecret(text: string): void {
  for (const secret of [
    SLACK_TOKEN,
    DISCORD_TOKEN,
    PDB_KEY,
    ROUTER_PASSWORD,
    smtp.env.PEERBOT_SMTP_PASSWORD!,
  ])
    expect(text).not.toContain(secret);
}

describe("peerbot doctor", () => {
  it("passes every check when everything answers, one line each", async () => {
    const lines = await doctor();
    const text = formatDoctor(lines);
    expect(
      lines.filter((l) => l.status === "fail"),
      text,
    ).toEqual([]);
    expect(doctorFailed(lines)).toBe(false);
    for (const name of ["configuration", "postgresql", "redis", "slack", "discord", "smtp", "peeringdb"])
      expect(line(lines, name).status, text).toBe("ok");
    expect(line(lines, "postgresql").detail).toMatch(/all \d+ migrations applied/);
    expect(line(lines, "slack").detail).toContain("peerbot in Fake");
    for (const part of ["dns", "tcp", "ssh host key", "login"])
      expect(line(lines, `router jr1 ${part}`).status, text).toBe("ok");
    expect(line(lines, "router lab.file").status).toBe("ok");
    expect(text.split("\n")).toHaveLength(lines.length);
    expectNoSecret(text);
  });

  it("fails, with what to do, for a wrong token or key, a refused port and a wrong SMTP password", async () => {
    const t0 = Date.now();
    const lines = await doctor({
      SLACK_BOT_TOKEN: "xoxb-wrong-token-for-doctor",
      DISCORD_TOKEN: "wrong-discord-token-for-the-doctor",
      PEERINGDB_API_KEY: "wrong-pdb-key",
      REDIS_URL: "redis://127.0.0.1:1",
      PEERBOT_SMTP_PASSWORD: "wrong-smtp-password",
    });
    const text = formatDoctor(lines);
    expect(Date.now() - t0, "each check is bounded in time").toBeLessThan(25_000);
    expect(doctorFailed(lines)).toBe(true);
    expect(line(lines, "slack")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("invalid_auth"),
    });
    expect(line(lines, "slack").fix).toContain("SLACK_BOT_TOKEN");
    expect(line(lines, "discord")).toMatchObject({ status: "fail", detail: expect.stringContaining("401") });
    expect(line(lines, "peeringdb")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("API key"),
    });
    expect(line(lines, "peeringdb").fix).toContain("PEERINGDB_API_KEY");
    expect(line(lines, "redis").status).toBe("fail");
    expect(line(lines, "redis").fix).toContain("REDIS_URL");
    expect(line(lines, "smtp").status).toBe("fail");
    // What did not break still passes.
    expect(line(lines, "postgresql").status).toBe("ok");
    expect(line(lines, "router jr1 login").status).toBe("ok");
    expectNoSecret(text);
    for (const wrong of [
      "xoxb-wrong-token-for-doctor",
      "wrong-discord-token-for-the-doctor",
      "wrong-pdb-key",
    ])
      expect(text).not.toContain(wrong);
    expect(text).not.toContain("wrong-smtp-password");
  });

  it("names a router's failing step: DNS, TCP, a changed host key, a refused password", async () => {
    const us = await db.prisma.autonomousSystem.findFirstOrThrow({ where: { affiliated: true } });
    const closed = net0();
    const changed = new JunosFake({
      hostname: "jr2",
      users: [{ username: "peerbot", password: ROUTER_PASSWORD }],
    });
    await changed.start();
    const base = { platform: "junos" as const, username: "peerbot", localAsId: us.id };
    const made = await Promise.all([
      db.prisma.router.create({ data: { ...base, name: "nodns", hostname: "no-such-router.invalid" } }),
      db.prisma.router.create({
        data: { ...base, name: "closed", hostname: "127.0.0.1", port: await closed },
      }),
      db.prisma.router.create({
        data: {
          ...base,
          name: "rekeyed",
          hostname: "127.0.0.1",
          port: changed.port,
          passwordEnc: services.secrets!.encrypt(ROUTER_PASSWORD),
          hostKeyFingerprint: junos.hostKeyFingerprint,
        },
      }),
      db.prisma.router.create({
        data: {
          ...base,
          name: "badpw",
          hostname: "127.0.0.1",
          port: junos.port,
          passwordEnc: services.secrets!.encrypt("not-the-password"),
          hostKeyFingerprint: junos.hostKeyFingerprint,
        },
      }),
    ]);
    try {
      const lines = await doctor();
      const text = formatDoctor(lines);
      expect(line(lines, "router nodns dns").status, text).toBe("fail");
      expect(line(lines, "router nodns tcp").status).toBe("skip");
      expect(line(lines, "router closed dns").status).toBe("ok");
      expect(line(lines, "router closed tcp")).toMatchObject({
        status: "fail",
        detail: expect.stringContaining("refused"),
      });
      expect(line(lines, "router rekeyed ssh host key")).toMatchObject({
        status: "fail",
        detail: expect.stringContaining(changed.hostKeyFingerprint),
      });
      expect(line(lines, "router rekeyed ssh host key").detail).toContain("changed");
      expect(line(lines, "router rekeyed login").status).toBe("skip");
      expect(line(lines, "router badpw ssh host key").status, text).toBe("ok");
      expect(line(lines, "router badpw login")).toMatchObject({ status: "fail" });
      expect(line(lines, "router badpw login").fix).toContain("peerbot secret set router badpw");
      expect(line(lines, "router jr1 login").status).toBe("ok");
      expectNoSecret(text);
      expect(text).not.toContain("not-the-password");
    } finally {
      await db.prisma.router.deleteMany({ where: { id: { in: made.map((r) => r.id) } } });
      await changed.stop();
    }
  });

  it("`peerbot doctor` prints one line per check and exits 1 when one fails", async () => {
    const child = spawn(
      process.execPath,
      [path.resolve(import.meta.dirname, "../../bin/peerbot.js"), "doctor", "--timeout", "3"],
      {
        env: {
          ...process.env,
          ...env,
          PEERBOT_NO_ENV_FILE: "true",
          DATABASE_URL: dbUrl(db.name),
          DISCORD_TOKEN: "wrong-discord-token-for-the-doctor",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((ok) => child.on("exit", ok));
    expect(code, out).toBe(1);
    expect(out).toMatch(/^FAIL {2}discord: Discord refused the bot token \(401 Unauthorized\)\. Fix: /m);
    expect(out).toMatch(/^ok {4}postgresql: reachable; all \d+ migrations applied\.$/m);
    expect(out).toMatch(/^ok {4}slack: /m);
    expect(out).toMatch(/checks failed\.$/m);
    expectNoSecret(out);
  }, 60_000);

  it("`doctor` in chat: the table for an admin, refused for anyone else", async () => {
    const chat = createChat(services);
    const refused = await chat.say("alice", "doctor");
    expect(refused).toMatch(/admin/i);
    expect(refused).not.toContain("postgresql");
    const shown = await chat.say("admin", "doctor");
    expect(shown).toContain("postgresql");
    expect(shown).toContain("router jr1 login");
    expectNoSecret(shown);
  }, 30_000);
});

/** A port on 127.0.0.1 that nothing listens on. */
async function net0(): Promise<number> {
  const { createServer } = await import("node:net");
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", ok));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}
