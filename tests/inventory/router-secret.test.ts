// `peerbot secret set router <name>` as an admin runs it from a shell script: the password on
// standard input (one line), stored encrypted with PEERBOT_SECRET_KEY, the router's history
// noting it (actor cli:<$USER>, via cli) without the value, and then `router test` in chat
// logs in with it. A private key from --key-file; an encrypted key, a missing key setting and
// an unknown router refused in one sentence, changing nothing; `secret clear`; --help.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox, newSecretKey } from "../../core/crypto.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { JunosFake } from "../fakes/junos-ssh.js";
import { ed25519KeyPair } from "../fakes/ssh-keys.js";
import { createChat } from "../helpers/chat.js";
import { PEERBOT_BIN, peerbotEnv, ROOT, runPeerbot } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { dbUrl } from "../helpers/pg.js";
import { fingerprint, testServices } from "../helpers/services.js";

const KEY = newSecretKey();
const PASSWORD = "Sh3ll-typed pw with spaces";

let db: TestDatabase;
let dir: string;
let fake: JunosFake;

/** What an admin's shell has set: who they are, the data folder, the database and the key. */
const shellEnv = () => ({
  USER: "netops",
  PEERBOT_DATA_DIR: dir,
  DATABASE_URL: dbUrl(db.name),
  PEERBOT_SECRET_KEY: KEY,
});

const peerbot = (args: string[], input: string, env: Record<string, string | undefined> = {}) =>
  runPeerbot(args, { input, env: { ...shellEnv(), ...env } });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "peerbot-secret-"));
  db = await createTestDatabase(import.meta.filename);
  fake = new JunosFake({ hostname: "sec1", users: [{ username: "peerbot", password: PASSWORD }] });
  await fake.start();
  const us = await db.prisma.autonomousSystem.create({ data: { asn: 64500n, name: "us", affiliated: true } });
  await db.prisma.router.create({
    data: {
      name: "edge1.sec",
      hostname: "127.0.0.1",
      port: fake.port,
      platform: "junos",
      localAsId: us.id,
      username: "peerbot",
      credentialEnv: "EDGE1_SEC_PASSWORD",
      hostKeyFingerprint: fake.hostKeyFingerprint,
    },
  });
});
afterAll(async () => {
  await fake?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const router = () => db.prisma.router.findUniqueOrThrow({ where: { name: "edge1.sec" } });

/**
 * Runs `peerbot <args>` on a pseudo-terminal (util-linux `script`), typing each answer only once
 * its prompt is shown, as a person would; returns everything the terminal showed.
 */
function onTerminal(
  args: string[],
  answers: Array<[prompt: string, answer: string]>,
): Promise<{ code: number; screen: string }> {
  const line = [process.execPath, PEERBOT_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const child = spawn("script", ["-qec", line, "/dev/null"], {
    cwd: ROOT,
    env: peerbotEnv({ ...shellEnv(), TERM: "dumb" }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let screen = "";
  const pending = [...answers];
  child.stdout.on("data", (d: Buffer) => {
    screen += d.toString();
    const next = pending[0];
    if (next && screen.includes(next[0])) {
      pending.shift();
      child.stdin.write(`${next[1]}\r`);
    }
  });
  child.stderr.on("data", (d: Buffer) => (screen += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? 1, screen })));
}

describe("peerbot secret", () => {
  it("--help documents set and clear, the key file and what a stored password replaces", async () => {
    const r = await peerbot(["secret", "--help"], "");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Usage: peerbot secret set router <name> [--key-file <path>]");
    expect(r.out).toContain("peerbot secret clear router <name> [--key]");
    expect(r.out).toContain("never typed in chat");
    expect(r.out).toContain("replaces the environment variable the router named");
  });

  it("set router: the password from standard input, stored encrypted, in the history without its value; router test then logs in", async () => {
    const r = await peerbot(["secret", "set", "router", "edge1.sec"], `${PASSWORD}\n`);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `Stored the SSH password of peerbot@127.0.0.1:${fake.port} (edge1.sec), encrypted. The router no longer reads its password from EDGE1_SEC_PASSWORD.`,
    );
    expect(r.out + r.err).not.toContain(PASSWORD);
    const row = await router();
    expect(row.passwordEnc).not.toContain(PASSWORD);
    expect(SecretBox.fromString(KEY).decrypt(row.passwordEnc!)).toBe(PASSWORD);
    expect(row.credentialEnv).toBe("");

    const h = await db.prisma.objectChange.findMany({
      where: { objectType: "router", objectId: String(row.id) },
    });
    expect(h).toHaveLength(1);
    expect(h[0]).toMatchObject({ actor: "cli:netops", actorName: "netops", via: "cli", action: "update" });
    expect(h[0]!.after).toMatchObject({
      passwordEnc: "(set)",
      credentialEnv: "",
      credentialStored: "password",
    });
    expect(h[0]!.before).toMatchObject({ passwordEnc: null, credentialEnv: "EDGE1_SEC_PASSWORD" });
    expect(JSON.stringify(h.map((x) => [x.before, x.after]))).not.toContain(PASSWORD);

    // The bot, with the same key, logs in with it.
    const services = testServices(db, {}, dir);
    const pool = new SshPool({ idleMs: 100 });
    services.secrets = SecretBox.fromString(KEY);
    services.drivers = createDriverFactory({ secrets: services.secrets, dataDir: dir, pool });
    try {
      const out = await createChat(services).say("admin", "router test edge1.sec");
      expect(out).toContain("edge1.sec: SSH works");
      expect(out).toContain("Runs: Junos 21.4R3-S5.4 (mx204)");
    } finally {
      await pool.closeAll();
    }
  }, 60_000);

  it.skipIf(!existsSync("/usr/bin/script") && process.env.CI !== "true")(
    "on a terminal: asked twice without echo; two answers that differ store nothing",
    async () => {
      const typed = "Typed-on-a-tty 42";
      const r = await onTerminal(
        ["secret", "set", "router", "edge1.sec"],
        [
          ["SSH password for peerbot@127.0.0.1", typed],
          ["Again, to be sure: ", typed],
        ],
      );
      expect(r.screen).toContain(`SSH password for peerbot@127.0.0.1:${fake.port} (edge1.sec): `);
      expect(r.screen).toContain("Stored the SSH password of");
      expect(r.screen).not.toContain(typed);
      expect(r.code).toBe(0);
      expect(SecretBox.fromString(KEY).decrypt((await router()).passwordEnc!)).toBe(typed);

      const before = await fingerprint(db);
      const differ = await onTerminal(
        ["secret", "set", "router", "edge1.sec"],
        [
          ["SSH password for", "first-answer"],
          ["Again, to be sure: ", "second-answer"],
        ],
      );
      expect(differ.screen).toContain("The two passwords differ; nothing was stored.");
      expect(differ.code).toBe(1);
      expect(await fingerprint(db)).toBe(before);
      // Back to the password the next test expects.
      await peerbot(["secret", "set", "router", "edge1.sec"], `${PASSWORD}\n`);
    },
    60_000,
  );

  it("refuses without PEERBOT_SECRET_KEY, for an unknown router, and an encrypted key file: nothing changes", async () => {
    const before = await fingerprint(db);
    const nokey = await peerbot(["secret", "set", "router", "edge1.sec"], "whatever\n", {
      PEERBOT_SECRET_KEY: undefined,
    });
    expect(nokey.code).toBe(78);
    expect(nokey.err).toContain(
      "peerbot secret: PEERBOT_SECRET_KEY is not set: peerbot stores router credentials encrypted with it, so nothing was stored.",
    );
    const unknown = await peerbot(["secret", "set", "router", "edge9"], "whatever\n");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('peerbot secret: There is no router called "edge9".');
    const locked = path.join(dir, "locked_ed25519");
    writeFileSync(locked, ed25519KeyPair({ passphrase: "pp", cipher: "aes256-ctr", rounds: 4 }).private, {
      mode: 0o600,
    });
    const enc = await peerbot(["secret", "set", "router", "edge1.sec", "--key-file", locked], "");
    expect(enc.code).toBe(1);
    expect(enc.err).toContain("is encrypted with a passphrase, which peerbot has nowhere to keep");
    const usage = await peerbot(["secret", "set", "edge1.sec"], "");
    expect(usage.code).toBe(2);
    expect(usage.err).toContain("Usage: peerbot secret set router <name>");
    expect(await fingerprint(db)).toBe(before);
  }, 60_000);

  it("--key-file stores a private key (the password stays as the fallback); clear removes one", async () => {
    const pair = ed25519KeyPair();
    const file = path.join(dir, "id_ed25519");
    writeFileSync(file, pair.private, { mode: 0o600 });
    const r = await peerbot(["secret", "set", "router", "edge1.sec", "--key-file", file], "");
    expect(r.err).toBe("");
    expect(r.out).toContain(
      `Stored the SSH private key of peerbot@127.0.0.1:${fake.port} (edge1.sec), encrypted.`,
    );
    const row = await router();
    expect(SecretBox.fromString(KEY).decrypt(row.privateKeyEnc!)).toBe(pair.private);
    expect(SecretBox.fromString(KEY).decrypt(row.passwordEnc!)).toBe(PASSWORD);

    const c = await peerbot(["secret", "clear", "router", "edge1.sec", "--key"], "");
    expect(c.out).toContain(
      `Removed the stored SSH private key of peerbot@127.0.0.1:${fake.port} (edge1.sec).`,
    );
    expect((await router()).privateKeyEnc).toBeNull();
    const h = await db.prisma.objectChange.findMany({
      where: { objectType: "router" },
      orderBy: { id: "asc" },
    });
    expect(h.length).toBeGreaterThanOrEqual(3);
    expect(h.every((x) => x.actor === "cli:netops" && x.via === "cli")).toBe(true);
    expect(h.at(-1)!.after).toMatchObject({ privateKeyEnc: null });
    expect(h.at(-2)!.after).toMatchObject({ privateKeyEnc: "(set)", credentialStored: "private key" });
    expect(JSON.stringify(h.map((x) => [x.before, x.after]))).not.toContain("PRIVATE KEY");
  }, 60_000);
});
