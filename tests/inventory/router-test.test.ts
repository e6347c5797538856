// `router test <name>` from chat, as an admin runs it: against the Junos, IOS-XR and EOS SSH
// fakes and against the real OpenSSH of the router lab (BIRD 2 behind it). An unknown host key
// is shown with an Accept key button that pins it (history and audit rows; the test then logs in
// and reports the platform, version and BGP neighbours); a changed key is refused with both
// fingerprints; a key swapped between the button and the press is not pinned; every failure
// (wrong password, no credentials, refused, DNS, a server that never speaks) is one sentence,
// and none changes anything.
import net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  parseBirdStatus,
  parseEosVersion,
  parseFrrVersion,
  parseIosXrVersion,
  parseJunosVersion,
} from "../../drivers/router/base/versions.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import type { FakeCliServer, FakeNeighbor } from "../fakes/cli-ssh-base.js";
import { EosFake } from "../fakes/eos-ssh.js";
import { IosXrFake } from "../fakes/iosxr-ssh.js";
import { JunosFake } from "../fakes/junos-ssh.js";
import { ed25519KeyPair } from "../fakes/ssh-keys.js";
import { createChat, type Chat } from "../helpers/chat.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";
import { labUnavailable, RouterLab, skipReason } from "../routers/lab.js";

const PASSWORD = "Rtr-test-pw-9f1c";
const OTHER_KEY = "SHA256:" + "A".repeat(43);

let db: TestDatabase;
let services: TestServices;
let chat: Chat;
let pool: SshPool;
let dataDir: string;
let ourAsId: number;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-rtest-"));
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, {}, dataDir);
  pool = new SshPool({ idleMs: 100 });
  services.drivers = createDriverFactory({ secrets: services.secrets, dataDir, pool });
  chat = createChat(services);
  ourAsId = (await db.prisma.autonomousSystem.create({ data: { asn: 64500n, name: "us", affiliated: true } }))
    .id;
});
afterAll(async () => {
  await pool?.closeAll();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function makeRouter(
  name: string,
  data: {
    platform: "junos" | "iosxr" | "eos" | "bird2" | "frr" | "file";
    hostname: string;
    port?: number;
  } & Record<string, unknown>,
) {
  return db.prisma.router.create({
    data: {
      name,
      username: "peerbot",
      passwordEnc: services.secrets!.encrypt(PASSWORD),
      localAsId: ourAsId,
      ...data,
    },
  });
}

/** Says `line` as `user`, and proves it changed nothing but the audit log. */
async function sayUnchanged(user: string, line: string): Promise<string> {
  const before = await fingerprint(db);
  const out = await chat.say(user, line);
  expect(await fingerprint(db), `"${line}" changed nothing`).toBe(before);
  return out;
}

const neighbors: FakeNeighbor[] = [
  { address: "192.0.2.2", asn: 64501, state: "Established", received: 10, accepted: 9, advertised: 2 },
  { address: "192.0.2.3", asn: 64502, state: "Active" },
  { address: "2001:db8::2", asn: 64501, state: "Established", received: 4, accepted: 4, advertised: 1 },
];

interface Vendor {
  platform: "junos" | "iosxr" | "eos";
  make(hostKey?: string): FakeCliServer & { neighbors: FakeNeighbor[] };
  runs: RegExp;
}

const vendors: Vendor[] = [
  {
    platform: "junos",
    make: (hostKey) =>
      new JunosFake({ hostname: "jr1", users: [{ username: "peerbot", password: PASSWORD }], hostKey }),
    runs: /Runs: Junos 21\.4R3-S5\.4 \(mx204\)/,
  },
  {
    platform: "iosxr",
    make: (hostKey) =>
      new IosXrFake({ hostname: "xr1", users: [{ username: "peerbot", password: PASSWORD }], hostKey }),
    runs: /Runs: IOS-XR 7\.5\.2 \(NCS-5500\)/,
  },
  {
    platform: "eos",
    make: (hostKey) =>
      new EosFake({ hostname: "eos1", users: [{ username: "peerbot", password: PASSWORD }], hostKey }),
    runs: /Runs: EOS 4\.28\.3M \(DCS-7280SR-48C6\)/,
  },
];

describe.each(vendors)("router test against the $platform SSH fake", (v) => {
  let fake: FakeCliServer & { neighbors: FakeNeighbor[] };
  let routerId: number;
  const name = `t-${v.platform}`;

  beforeAll(async () => {
    fake = v.make();
    fake.neighbors = neighbors;
    await fake.start();
    routerId = (await makeRouter(name, { platform: v.platform, hostname: "127.0.0.1", port: fake.port })).id;
  });
  afterAll(async () => {
    await fake?.stop();
  });

  it("an unknown host key: shown with its fingerprint and an Accept key button, nothing pinned", async () => {
    const out = await sayUnchanged("admin", `router test ${name}`);
    expect(out).toContain(`${name}: SSH host key not accepted yet`);
    expect(out).toContain(`presented the host key ssh-ed25519 ${fake.hostKeyFingerprint}`);
    expect(out).toContain(`[1] Accept key  (router.acceptkey:${routerId}:${fake.hostKeyFingerprint})`);
    expect(fake.logins).toBe(0);
  });

  it("an operator may neither test nor accept", async () => {
    const t = await sayUnchanged("alice", `router test ${name}`);
    expect(t).toMatch(/You need the admin role to (run `router test`|test a router)/);
    const a = await sayUnchanged("alice", `click router.acceptkey:${routerId}:${fake.hostKeyFingerprint}`);
    expect(a).toContain("You need the admin role to accept a router's SSH host key");
  });

  it("Accept key pins it (history, audit), and the test then reports the platform, version and neighbours", async () => {
    await chat.say("admin", `router test ${name}`);
    const out = await chat.click("admin", "Accept key");
    expect(out).toContain(`Pinned the SSH host key ssh-ed25519 ${fake.hostKeyFingerprint} for ${name}.`);
    expect(out).toContain(`${name}: SSH works`);
    expect(out).toMatch(v.runs);
    expect(out).toContain("BGP neighbours: 3, 2 Established; 3 without a session in peerbot");
    expect(out).toContain(`(cmd:import sessions ${name})`);
    const r = await db.prisma.router.findUniqueOrThrow({ where: { id: routerId } });
    expect(r.hostKeyFingerprint).toBe(fake.hostKeyFingerprint);
    const h = await db.prisma.objectChange.findMany({
      where: { objectType: "router", objectId: String(routerId) },
    });
    expect(h).toHaveLength(1);
    expect(h[0]).toMatchObject({ actor: "console:admin", via: "chat", action: "update", objectRepr: name });
    expect((h[0]!.before as { hostKeyFingerprint: string }).hostKeyFingerprint).toBe("");
    expect((h[0]!.after as { hostKeyFingerprint: string }).hostKeyFingerprint).toBe(fake.hostKeyFingerprint);
    expect((h[0]!.after as { passwordEnc: string }).passwordEnc).toBe("(set)");
    const audits = await db.prisma.auditEvent.findMany({ where: { command: "router.hostkey" } });
    expect(
      audits.some(
        (a) => a.message === `pinned ssh-ed25519 ${fake.hostKeyFingerprint}` && a.userId === "admin",
      ),
    ).toBe(true);
    expect(
      await db.prisma.auditEvent.count({ where: { command: "button:router.acceptkey", outcome: "ok" } }),
    ).toBeGreaterThan(0);

    // A second test logs in at once.
    const again = await sayUnchanged("admin", `router test ${name}`);
    expect(again).toContain(`${name}: SSH works`);
    expect(again).toContain(`sees 3 BGP neighbours (2 Established)`);
    expect(again).toMatch(v.runs);
    expect(again).toContain(`Host key: ${fake.hostKeyFingerprint}`);
    expect(again).not.toContain(PASSWORD);
  });

  it("a changed host key is refused loudly, with both fingerprints, and an Accept that asks first", async () => {
    await db.prisma.router.update({ where: { id: routerId }, data: { hostKeyFingerprint: OTHER_KEY } });
    const out = await sayUnchanged("admin", `router test ${name}`);
    expect(out).toContain(`${name}: SSH host key CHANGED`);
    expect(out).toContain(`presented ssh-ed25519 ${fake.hostKeyFingerprint}, but ${OTHER_KEY} is pinned`);
    expect(out).toContain("man-in-the-middle");
    expect(out).toMatch(
      new RegExp(
        `\\[1\\] Accept new key {2}\\(router\\.acceptkey:${routerId}:${fake.hostKeyFingerprint.replace(/[+/]/g, "\\$&")}\\) {2}\\(asks: Pin `,
      ),
    );
    await db.prisma.router.update({
      where: { id: routerId },
      data: { hostKeyFingerprint: fake.hostKeyFingerprint },
    });
  });

  it("a wrong password, and a password variable that is not set: one sentence each", async () => {
    await db.prisma.router.update({
      where: { id: routerId },
      data: { passwordEnc: services.secrets!.encrypt("not-the-password") },
    });
    const wrong = await sayUnchanged("admin", `router test ${name}`);
    expect(wrong).toContain(`${name}: the router refused peerbot's credentials for user peerbot.`);
    expect(wrong).not.toContain("not-the-password");
    await db.prisma.router.update({
      where: { id: routerId },
      data: { passwordEnc: null, credentialEnv: "PEERBOT_TEST_RTEST_UNSET" },
    });
    delete process.env.PEERBOT_TEST_RTEST_UNSET;
    const unset = await sayUnchanged("admin", `router test ${name}`);
    expect(unset).toContain(
      `${name} has no usable SSH credentials: its password variable PEERBOT_TEST_RTEST_UNSET is not set.`,
    );
    expect(unset).toContain(`peerbot secret set router ${name}`);
    await db.prisma.router.update({
      where: { id: routerId },
      data: { passwordEnc: services.secrets!.encrypt(PASSWORD), credentialEnv: "" },
    });
  });
});

describe("a key swapped between the button and the press is not pinned", () => {
  it("the press connects again and refuses a key other than the one shown", async () => {
    const first = new JunosFake({ hostname: "swap", users: [{ username: "peerbot", password: PASSWORD }] });
    const second = new JunosFake({
      hostname: "swap",
      users: [{ username: "peerbot", password: PASSWORD }],
      hostKey: ed25519KeyPair().private,
    });
    await first.start();
    await second.start();
    try {
      const r = await makeRouter("t-swap", { platform: "junos", hostname: "127.0.0.1", port: first.port });
      const shown = await chat.say("admin", "router test t-swap");
      expect(shown).toContain(first.hostKeyFingerprint);
      // The router now answers with another key (another box at that address).
      await db.prisma.router.update({ where: { id: r.id }, data: { port: second.port } });
      const before = await fingerprint(db);
      const out = await chat.click("admin", "Accept key");
      expect(out).toContain(
        `t-swap now presents ssh-ed25519 ${second.hostKeyFingerprint}, not the key ${first.hostKeyFingerprint} you were shown, so nothing was pinned.`,
      );
      expect(await fingerprint(db)).toBe(before);
      expect(second.logins).toBe(0);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});

describe("unreachable routers: one sentence each, nothing changed", () => {
  it("a closed port on 127.0.0.1 is refused", async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    await makeRouter("t-closed", { platform: "eos", hostname: "127.0.0.1", port });
    const out = await sayUnchanged("admin", "router test t-closed");
    expect(out).toContain(
      `t-closed: 127.0.0.1:${port} refused the connection: nothing accepts SSH on that port, or a firewall rejects peerbot.`,
    );
  });

  it("a name that does not resolve", async () => {
    await makeRouter("t-dns", { platform: "iosxr", hostname: "no-such-router.invalid" });
    const out = await sayUnchanged("admin", "router test t-dns");
    expect(out).toContain("t-dns: the host name no-such-router.invalid does not resolve (DNS).");
    expect(out).toContain("router set t-dns host <address>");
  });

  it("a TCP server that never speaks: the handshake times out within the short connect timeout", async () => {
    const silent = net.createServer(() => {});
    const held: net.Socket[] = [];
    silent.on("connection", (c) => held.push(c));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      await makeRouter("t-silent", { platform: "junos", hostname: "127.0.0.1", port });
      const t0 = Date.now();
      const out = await sayUnchanged("admin", "router test t-silent");
      expect(out).toContain(`t-silent: 127.0.0.1:${port} did not complete an SSH handshake within 5 s.`);
      expect(Date.now() - t0).toBeLessThan(9_000);
    } finally {
      for (const c of held) c.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  }, 20_000);

  it("a file router has nothing to connect to; an unknown router is named", async () => {
    await makeRouter("t-file", { platform: "file", hostname: "localhost" });
    expect(await sayUnchanged("admin", "router test t-file")).toContain(
      "t-file is a file router: peerbot writes its configuration to a file, so there is nothing to connect to.",
    );
    expect(await sayUnchanged("admin", "router test nope")).toContain('There is no router called "nope".');
  });
});

const unavailable = skipReason(labUnavailable(), it);

describe.skipIf(unavailable)(
  `router test against the router lab's OpenSSH${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    let lab: RouterLab;
    let routerId: number;

    beforeAll(async () => {
      lab = new RouterLab({ tag: "rt", mgmtSlot: 20, daemon: "bird2" });
      await lab.start();
      routerId = (
        await db.prisma.router.create({
          data: {
            name: "t-lab",
            hostname: lab.mgmtHost,
            platform: "bird2",
            localAsId: ourAsId,
            username: lab.username,
            passwordEnc: services.secrets!.encrypt(lab.password),
            configPath: lab.configPath,
          },
        })
      ).id;
    }, 120_000);
    afterAll(async () => {
      await lab?.close();
    });

    it("unknown key -> Accept pins it -> the test logs in to sshd and reads BIRD's version", async () => {
      const out = await sayUnchanged("admin", "router test t-lab");
      expect(out).toContain(`presented the host key ssh-ed25519 ${lab.hostKeyFingerprint}`);
      const pinned = await chat.click("admin", "Accept key");
      expect(pinned).toContain(`Pinned the SSH host key ssh-ed25519 ${lab.hostKeyFingerprint} for t-lab.`);
      expect(pinned).toMatch(/Runs: BIRD 2\.\d+\.\d+/);
      expect(pinned).toContain("t-lab answers over SSH; it has no BGP neighbours configured.");
      const r = await db.prisma.router.findUniqueOrThrow({ where: { id: routerId } });
      expect(r.hostKeyFingerprint).toBe(lab.hostKeyFingerprint);
      const again = await sayUnchanged("admin", "router test t-lab");
      expect(again).toContain("t-lab: SSH works");
      expect(again).toMatch(/Runs: BIRD 2\.\d+\.\d+/);
    });

    it("a changed key is refused, a wrong password is one sentence", async () => {
      await db.prisma.router.update({ where: { id: routerId }, data: { hostKeyFingerprint: OTHER_KEY } });
      const changed = await sayUnchanged("admin", "router test t-lab");
      expect(changed).toContain(
        `presented ssh-ed25519 ${lab.hostKeyFingerprint}, but ${OTHER_KEY} is pinned`,
      );
      await db.prisma.router.update({
        where: { id: routerId },
        data: {
          hostKeyFingerprint: lab.hostKeyFingerprint,
          passwordEnc: services.secrets!.encrypt("wrong-lab-pw"),
        },
      });
      const wrong = await sayUnchanged("admin", "router test t-lab");
      expect(wrong).toContain("t-lab: the router refused peerbot's credentials for user peerbot.");
      expect(wrong).not.toContain(lab.password);
    });
  },
);

describe("what each platform's version command says", () => {
  it("reads the platform, version and model, and shows the first line of an answer it does not know", () => {
    expect(parseJunosVersion("Hostname: r1\nModel: mx960\nJunos: 22.4R2.8\nJUNOS OS Kernel 64-bit")).toEqual({
      platform: "Junos",
      version: "22.4R2.8",
      model: "mx960",
    });
    expect(parseJunosVersion("Model: m320\nJUNOS Base OS boot [12.3R12.4]\n").version).toBe("12.3R12.4");
    expect(
      parseIosXrVersion(
        "Cisco IOS XR Software, Version 6.5.3[Default]\nCopyright (c) 2013-2019 by Cisco Systems, Inc.\n\ncisco ASR9K Series (Intel 686 F6M14S4) processor with 6291456K bytes of memory.",
      ),
    ).toEqual({ platform: "IOS-XR", version: "6.5.3", model: "ASR9K Series" });
    expect(parseEosVersion(`{"modelName": "DCS-7050SX3-48YC8-F", "version": "4.30.1F"}`)).toEqual({
      platform: "EOS",
      version: "4.30.1F",
      model: "DCS-7050SX3-48YC8-F",
    });
    expect(parseEosVersion("Arista vEOS-lab\nSoftware image version: 4.29.2F\n")).toEqual({
      platform: "EOS",
      version: "4.29.2F",
      model: "vEOS-lab",
    });
    expect(
      parseBirdStatus("0001 BIRD 2.0.12 ready.\n1000-BIRD 2.0.12\n1011-Router ID is 192.0.2.1\n").version,
    ).toBe("2.0.12");
    expect(
      parseFrrVersion("FRRouting 8.4.4 (lab-frr) on Linux(6.1.0-18-amd64).\nCopyright 1996-2005").version,
    ).toBe("8.4.4");
    expect(parseJunosVersion("\n  error: permission denied\n").version).toBe("error: permission denied");
  });
});
