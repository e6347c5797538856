// The SSH transport: host key pinning, authentication, timeouts, output limits, exec, SFTP,
// the per-router pool, and redaction.
import ssh2 from "ssh2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DriverError } from "../../core/ports.js";
import { JunosDriver } from "../../drivers/router/junos.js";
import { SshConnection, probeHostKey, type SshTarget } from "../../drivers/ssh/connection.js";
import {
  AuthenticationError,
  HostKeyError,
  OutputLimitError,
  Redactor,
  redactConfigSecrets,
} from "../../drivers/ssh/errors.js";
import { normalizeFingerprint, sshFingerprint } from "../../drivers/ssh/fingerprint.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { normalizeTerminalText, stripEcho } from "../../drivers/ssh/shell.js";
import { targetFromRouter } from "../../drivers/ssh/target.js";
import { makeNeighbors } from "../fakes/cli-ssh-base.js";
import { JunosFake } from "../fakes/junos-ssh.js";
import { ed25519KeyPair } from "../fakes/ssh-keys.js";

const PASSWORD = "Corr3ct-Horse-Battery";
const PASSPHRASE = "key-passphrase-77";
const clientKey = ed25519KeyPair();
const lockedKey = ed25519KeyPair({
  passphrase: PASSPHRASE,
  cipher: "aes256-ctr",
  rounds: 8,
});

describe("SSH transport", () => {
  let fake: JunosFake;
  let other: JunosFake;
  const pools: SshPool[] = [];
  const open: Array<{ close(): Promise<void> }> = [];

  const target = (over: Partial<SshTarget> = {}): SshTarget => ({
    host: "127.0.0.1",
    port: fake.port,
    username: "peerbot",
    password: PASSWORD,
    hostKeyFingerprint: fake.hostKeyFingerprint,
    ...over,
  });
  const pool = (idleMs = 100) => {
    const p = new SshPool({ idleMs });
    pools.push(p);
    return p;
  };
  const connect = async (t: SshTarget, timeouts?: Parameters<typeof SshConnection.connect>[1]) => {
    const c = await SshConnection.connect(t, timeouts);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    fake = new JunosFake({
      hostname: "edge1",
      users: [
        { username: "peerbot", password: PASSWORD },
        { username: "keyuser", publicKey: clientKey.public },
        { username: "lockeduser", publicKey: lockedKey.public },
      ],
      config: "protocols { bgp { group g { type internal; neighbor 10.0.0.2; } } }",
    });
    other = new JunosFake({ hostname: "other", users: [{ username: "peerbot", password: PASSWORD }] });
    await fake.start();
    await other.start();
  });

  afterEach(async () => {
    for (const c of open.splice(0)) await c.close().catch(() => undefined);
    for (const p of pools.splice(0)) await p.closeAll();
    fake.stallOn = [];
  });

  afterAll(async () => {
    await fake.stop();
    await other.stop();
  });

  describe("host keys", () => {
    it("refuses an unknown key and reports its fingerprint", async () => {
      const err = (await connect(target({ hostKeyFingerprint: "" })).catch(
        (e: unknown) => e,
      )) as HostKeyError;
      expect(err).toBeInstanceOf(HostKeyError);
      expect(err).toBeInstanceOf(DriverError);
      expect(err.reason).toBe("unknown");
      expect(err.fingerprint).toBe(fake.hostKeyFingerprint);
      expect(err.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(err.keyType).toBe("ssh-ed25519");
      expect(err.message).toContain(fake.hostKeyFingerprint);
      expect(err.message).not.toContain(PASSWORD);
      expect(fake.logins).toBe(0);
    });

    it("refuses a changed key, naming both fingerprints", async () => {
      const err = (await connect(target({ hostKeyFingerprint: other.hostKeyFingerprint })).catch(
        (e: unknown) => e,
      )) as HostKeyError;
      expect(err).toBeInstanceOf(HostKeyError);
      expect(err.reason).toBe("changed");
      expect(err.fingerprint).toBe(fake.hostKeyFingerprint);
      expect(err.pinned).toBe(other.hostKeyFingerprint);
      expect(err.message).toContain("CHANGED");
      expect(err.transient).toBe(false);
    });

    it("connects when the pinned key matches, however the admin pasted it", async () => {
      const pasted = fake.hostKeyFingerprint.replace(/^SHA256:/, "") + "=";
      const c = await connect(target({ hostKeyFingerprint: ` ${pasted} ` }));
      expect(c.fingerprint).toBe(fake.hostKeyFingerprint);
      expect(c.keyType).toBe("ssh-ed25519");
      expect(normalizeFingerprint(pasted)).toBe(fake.hostKeyFingerprint);
    });

    it("probeHostKey reads the key without logging in", async () => {
      const logins = fake.logins;
      const seen = await probeHostKey("127.0.0.1", fake.port);
      expect(seen).toEqual({ fingerprint: fake.hostKeyFingerprint, keyType: "ssh-ed25519" });
      expect(fake.logins).toBe(logins);
    });

    it("computes fingerprints as OpenSSH prints them", () => {
      const parsed = ssh2.utils.parseKey(clientKey.public);
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      if (key instanceof Error || !key) throw key;
      const fp = sshFingerprint(key.getPublicSSH());
      expect(fp.startsWith("SHA256:")).toBe(true);
      expect(fp).not.toContain("=");
    });
  });

  describe("authentication", () => {
    it("a wrong password: a clear error without the password", async () => {
      const wrong = "Wr0ng-Password-123";
      const err = (await connect(target({ password: wrong })).catch(
        (e: unknown) => e,
      )) as AuthenticationError;
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err.message).toContain("authentication failed for peerbot@127.0.0.1");
      expect(err.message).not.toContain(wrong);
      expect(err.message).not.toContain(PASSWORD);
      expect(err.transient).toBe(false);
      expect(fake.failedAuth).toContain("password");
    });

    it("a private key", async () => {
      const c = await connect(
        target({ username: "keyuser", password: undefined, privateKey: clientKey.private }),
      );
      const res = await c.exec("show version");
      expect(res.stdout).toContain("Hostname: edge1");
    });

    it("an encrypted private key with its passphrase; a wrong passphrase is reported without it", async () => {
      const ok = await connect(
        target({
          username: "lockeduser",
          password: undefined,
          privateKey: lockedKey.private,
          passphrase: PASSPHRASE,
        }),
      );
      expect(ok.closed).toBe(false);
      const wrong = "not-the-passphrase";
      const err = (await connect(
        target({
          username: "lockeduser",
          password: undefined,
          privateKey: lockedKey.private,
          passphrase: wrong,
        }),
      ).catch((e: unknown) => e)) as DriverError;
      expect(err).toBeInstanceOf(DriverError);
      expect(err.message).toContain("private key");
      expect(err.message).not.toContain(wrong);
      expect(err.message).not.toContain(PASSPHRASE);
      expect(err.message).not.toContain("PRIVATE KEY");
    });

    it("no credentials at all", async () => {
      const err = (await connect(target({ password: undefined })).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(AuthenticationError);
    });

    it("a refused connection is transient", async () => {
      const err = (await connect(target({ port: 1 })).catch((e: unknown) => e)) as DriverError;
      expect(err).toBeInstanceOf(DriverError);
      expect(err.transient).toBe(true);
      expect(err.message).not.toContain(PASSWORD);
    });
  });

  describe("exec, limits and timeouts", () => {
    it("exec returns output and exit status", async () => {
      const c = await connect(target());
      const res = await c.exec("show configuration protocols bgp");
      expect(res.code).toBe(0);
      expect(res.stdout).toContain("group g {");
    });

    it("refuses an exec answer over the output limit", async () => {
      fake.neighbors = makeNeighbors(50);
      const c = await connect(target(), { maxOutputBytes: 4096 });
      const err = (await c
        .exec("show bgp neighbor | display json")
        .catch((e: unknown) => e)) as OutputLimitError;
      expect(err).toBeInstanceOf(OutputLimitError);
      expect(err.message).toContain("exceeded the 4 KiB output limit");
      expect(err.limitBytes).toBe(4096);
    });

    it("refuses a CLI answer over the output limit, then works again on a new shell", async () => {
      fake.neighbors = makeNeighbors(200);
      const d = new JunosDriver({ pool: pool(), target: target(), timeouts: { maxOutputBytes: 64 * 1024 } });
      open.push(d);
      const err = (await d.getBgpNeighbors().catch((e: unknown) => e)) as OutputLimitError;
      expect(err).toBeInstanceOf(OutputLimitError);
      expect(err.message).toMatch(/exceeded the 64 KiB output limit; it was refused rather than truncated/);
      expect(await d.getConfig()).toContain("group g {");
    });

    it("a command that never answers times out with a transient error", async () => {
      fake.stallOn = [/^show system uptime$/];
      const d = new JunosDriver({ pool: pool(), target: target(), timeouts: { commandTimeoutMs: 300 } });
      open.push(d);
      await d.getConfig();
      const shell = await (
        d as unknown as { session: { shell(): Promise<{ run(c: string): Promise<unknown> }> } }
      ).session.shell();
      const err = (await shell.run("show system uptime").catch((e: unknown) => e)) as DriverError;
      expect(err).toBeInstanceOf(DriverError);
      expect(err.transient).toBe(true);
      expect(err.message).toMatch(/timed out after 300 ms waiting for .* to answer 'show system uptime'/);
      // The next operation opens a fresh shell.
      expect(await d.getConfig()).toContain("group g {");
    });
  });

  describe("SFTP", () => {
    it("writes atomically and reads back", async () => {
      const c = await connect(target());
      await c.writeFile("/etc/bird/peerbot.conf", "protocol bgp x {}\n");
      expect(fake.files.get("/etc/bird/peerbot.conf")?.toString()).toBe("protocol bgp x {}\n");
      await c.writeFile("/etc/bird/peerbot.conf", "protocol bgp y {}\n");
      expect((await c.readFile("/etc/bird/peerbot.conf")).toString()).toBe("protocol bgp y {}\n");
      expect([...fake.files.keys()].filter((k) => k.includes(".tmp"))).toEqual([]);
    });

    it("refuses a file over the limit and reports a missing one as permanent", async () => {
      fake.files.set("/var/log/huge", Buffer.alloc(10_000, 65));
      const c = await connect(target(), { maxOutputBytes: 1024 });
      const err = (await c.readFile("/var/log/huge").catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(OutputLimitError);
      const missing = (await c.readFile("/nope").catch((e: unknown) => e)) as DriverError;
      expect(missing).toBeInstanceOf(DriverError);
      expect(missing.transient).toBe(false);
    });
  });

  describe("the pool", () => {
    it("shares one connection between a deploy driver and a polling driver", async () => {
      const p = pool(5_000);
      const connectionsBefore = fake.connections;
      const deploy = new JunosDriver({ pool: p, target: target({ key: "router:1" }) });
      const poll = new JunosDriver({ pool: p, target: target({ key: "router:1" }) });
      open.push(deploy, poll);
      fake.neighbors = makeNeighbors(3);
      const [config, neighbors] = await Promise.all([deploy.getConfig(), poll.getBgpNeighbors()]);
      expect(config).toContain("group g {");
      expect(neighbors).toHaveLength(3);
      await deploy.loadCandidate("protocols { bgp { group h { type internal; } } }");
      expect(await poll.getBgpNeighbors()).toHaveLength(3);
      await deploy.rollback();
      expect(fake.connections - connectionsBefore).toBe(1);
      expect(p.stats()).toEqual([{ key: "router:1", refs: 2, open: true, connects: 1 }]);
    });

    it("reconnects when the connection died", async () => {
      const p = pool(5_000);
      const d = new JunosDriver({ pool: p, target: target() });
      open.push(d);
      const before = fake.connections;
      await d.getConfig();
      await d.close();
      fake.dropConnections();
      await new Promise((r) => setTimeout(r, 100));
      await d.getConfig();
      expect(fake.connections - before).toBe(2);
    });

    it("closes an idle connection", async () => {
      const p = pool(100);
      const lease = await p.acquire(target());
      const conn = lease.connection;
      lease.release();
      expect(conn.closed).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
      expect(conn.closed).toBe(true);
      expect(p.stats()).toEqual([]);
    });

    it("a re-pinned host key gets a new connection", async () => {
      const p = pool(5_000);
      const a = await p.acquire(target());
      a.release();
      const err = (await p
        .acquire(target({ hostKeyFingerprint: other.hostKeyFingerprint }))
        .catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(HostKeyError);
    });
  });

  it("targetFromRouter keys the pool by router id", () => {
    const t = targetFromRouter(
      {
        id: 7,
        name: "edge1",
        hostname: "192.0.2.1",
        port: 22,
        username: "peerbot",
        hostKeyFingerprint: "SHA256:x",
      },
      { password: "pw" },
    );
    expect(t).toMatchObject({
      key: "router:7",
      host: "192.0.2.1",
      port: 22,
      label: "edge1 (192.0.2.1:22)",
      password: "pw",
    });
  });
});

describe("redaction", () => {
  it("masks exact secrets, PEM keys and their lines", () => {
    const key = ed25519KeyPair().private;
    const r = new Redactor(["hunter2-secret", key]);
    const line = key.split("\n")[1]!;
    const out = r.redact(`pw hunter2-secret then ${line} and\n${key}`);
    expect(out).not.toContain("hunter2-secret");
    expect(out).not.toContain(line);
    expect(out).not.toContain("PRIVATE KEY");
  });

  it("masks secrets in router configuration text", () => {
    const text = [
      'authentication-key "$9$abcdefg"; ## SECRET-DATA',
      "  password clear plain-text-pw",
      "  password encrypted 094F471A1A0A",
      "   neighbor 192.0.2.1 password 7 0822455D0A16",
      "   neighbor 192.0.2.2 password sekret",
    ].join("\n");
    const out = redactConfigSecrets(text);
    for (const s of ["$9$abcdefg", "plain-text-pw", "094F471A1A0A", "0822455D0A16", "sekret"]) {
      expect(out).not.toContain(s);
    }
    expect(out).toContain('authentication-key "<redacted>"');
    expect(out).toContain("password clear <redacted>");
    expect(out).toContain("neighbor 192.0.2.1 password 7 <redacted>");
    expect(out).toContain("neighbor 192.0.2.2 password <redacted>");
  });
});

describe("terminal text", () => {
  it("normalises CR/LF, escapes and backspaces, and strips the echo", () => {
    expect(normalizeTerminalText("a\r\r\nb\x1b[0mc\x1b[?25l\r\nx\x08y\n\r")).toBe("a\nbc\ny\n");
    expect(stripEcho("show version\nJunos 21\n", "show version")).toBe("Junos 21\n");
    expect(stripEcho("Junos 21\n", "show version")).toBe("Junos 21\n");
  });
});
