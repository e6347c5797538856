// Direct sessions from chat: `direct AS174 on edge1.lon 192.0.2.1 transit group … password
// generate` posts a change with the neighbour in the diff and its password masked, shows the
// generated password once, to the requester only, and never anywhere else; a second user's
// approval deploys it to the file router; `session … on <router>` disables and removes it. On
// an empty database (our AS, a router and the PeeringDB mirror, nothing else) the same, with a
// policy attached. Every bad input the issue names is one sentence and changes nothing.
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { changeConfig, getChange } from "../../core/changes.js";
import { generatePassword, PASSWORD_ALPHABET } from "../../core/direct-password.js";
import { newChange, sayRefused, type Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import type { TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;
let chat: Chat;
let close: (() => Promise<void>) | undefined;
const say = (user: string, line: string) => chat.say(user, line);
const configFile = () => path.join(dataDir, "configs", "edge1.lon.conf");

const refused = (line: string, sentence: RegExp, user = "alice") =>
  sayRefused(chat, db, user, line, sentence);

/** Every row of every table as text: where a secret must not be. */
async function everything(d: TestDatabase): Promise<string> {
  const { rows } = await d.pool.query<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  let out = "";
  for (const { table_name } of rows) {
    const r = await d.pool.query(`select string_agg(t::text, '\n') as x from "${table_name}" t`);
    out += `${r.rows[0].x ?? ""}\n`;
  }
  return out;
}

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

beforeAll(async () => {
  ({ db, services, chat, dataDir, close } = await demoChat(import.meta.filename));
});
afterAll(() => close?.());

describe("generated passwords", () => {
  it("are 24 characters of letters and digits without look-alikes, and differ", () => {
    const a = generatePassword();
    const b = generatePassword();
    expect(a).toMatch(new RegExp(`^[${PASSWORD_ALPHABET}]{24}$`));
    expect(a).not.toBe(b);
    expect(PASSWORD_ALPHABET).not.toMatch(/[0O1lI]/);
  });
});

describe("direct AS174 on edge1.lon, end to end", () => {
  let changeId: number;
  let password: string;

  it("posts a change with the neighbour in the diff and the password masked, and shows the password once", async () => {
    await say("alice", "group add transit");
    const t = await say(
      "alice",
      "direct AS174 on edge1.lon 192.0.2.1 transit group transit password generate",
    );
    expect(t).toContain(
      "New direct session with AS174 (Cogent Communications, Inc.) on edge1.lon: 192.0.2.1, transit provider, group transit, in provisioning.",
    );
    expect(t).toContain(
      "A TCP-MD5 password was generated; only you are shown it, once, in a message of its own.",
    );
    changeId = newChange(t);
    expect(t).toMatch(
      /Change #\d+ on edge1\.lon: direct AS174 Cogent Communications, Inc\. on edge1\.lon 192\.0\.2\.1 \(transit provider, group transit\)/,
    );
    expect(t).toMatch(/^\+\s+neighbor 192\.0\.2\.1 as 174;$/m);
    expect(t).toMatch(/^\+\s+password "\*{8}";$/m);
    expect(t).toMatch(/^\+template bgp pb_transit_v4 \{$/m);
    const m = /BGP password \(shown once\)[\s\S]*?`([A-Za-z0-9]{24})`/.exec(t);
    expect(m).not.toBeNull();
    password = m![1]!;
    expect(occurrences(t, password)).toBe(1);
    const s = await db.prisma.directSession.findFirstOrThrow({ where: { ipAddress: "192.0.2.1" } });
    expect(s).toMatchObject({ status: "provisioning", relationship: "transit_provider", passwordEnv: "" });
    expect(services.secrets!.decrypt(s.passwordEnc!)).toBe(password);
  });

  it("the password is nowhere else: not in the database in clear, the change's diff, the history, the audit or the log", async () => {
    const all = await everything(db);
    expect(all).not.toContain(password);
    expect(services.logLines.join("\n")).not.toContain(password);
    const c = await getChange(db, changeId);
    expect(c!.diff).toContain('password "********";');
    const h = await db.prisma.objectChange.findFirstOrThrow({
      where: { objectType: "direct-session", action: "create" },
    });
    expect(h).toMatchObject({ objectRepr: "edge1.lon 192.0.2.1", actor: "console:alice" });
    expect(h.after).toMatchObject({
      passwordEnc: "(set)",
      passwordEnv: "",
      relationship: "transit_provider",
    });
  });

  it("on Slack or Discord the password goes in an ephemeral message of its own, the public one only says it was made", async () => {
    const r = await dispatch(buildRegistry(), services, {
      actor: { platform: "console", userId: "alice", userName: "alice" },
      channel: "console",
      text: "direct AS3356 on edge1.lon 192.0.2.5 transit password generate",
    });
    expect(r.outcome).toBe("ok");
    const secret = r.reply.followUps?.find((f) => f.ephemeral);
    const pw = /`([A-Za-z0-9]{24})`/.exec(secret?.text ?? "")?.[1];
    expect(pw).toBeDefined();
    const publicText = JSON.stringify({
      ...r.reply,
      followUps: r.reply.followUps?.filter((f) => !f.ephemeral),
    });
    expect(publicText).not.toContain(pw);
    expect(r.reply.ephemeral).toBeFalsy();
    expect(r.reply.text).toContain("A TCP-MD5 password was generated");
    // The change it made supersedes the pending one: withdraw it for the next tests.
    const id = Number(/^change:(\d+)$/.exec(r.reply.track ?? "")?.[1]);
    expect(await say("alice", `reject ${id}`)).toMatch(/rejected/);
    expect(await db.prisma.directSession.count({ where: { ipAddress: "192.0.2.5" } })).toBe(0);
    expect(await db.prisma.directSession.count({ where: { ipAddress: "192.0.2.1" } })).toBe(0);
  });

  it("approved by a second user, it is deployed to the file router with its password", async () => {
    const t = await say(
      "alice",
      "direct AS174 on edge1.lon 192.0.2.1 transit group transit password generate",
    );
    changeId = newChange(t);
    password = /`([A-Za-z0-9]{24})`/.exec(t)![1]!;
    expect(await say("alice", `approve ${changeId}`)).toContain("You need the approver role");
    const d = await say("bob", `approve ${changeId}`);
    expect(d).toContain("Status: deployed.");
    expect(d).not.toContain(password);
    const conf = readFileSync(configFile(), "utf8");
    const block = /protocol bgp pb_transit_as174_d\d+ from pb_transit_v4 \{[\s\S]*?\n\}/.exec(conf)?.[0];
    expect(block).toContain("neighbor 192.0.2.1 as 174;");
    expect(block).toContain(`password "${password}";`);
    expect(block).not.toContain("disabled yes;");
    const s = await db.prisma.directSession.findFirstOrThrow({ where: { ipAddress: "192.0.2.1" } });
    expect(s.status).toBe("enabled");
    expect(await say("alice", "sessions edge1.lon")).toMatch(/AS174 .*direct .*192\.0\.2\.1 .*enabled/);
  });

  it("`session AS174 on edge1.lon disable` disables it through a change", async () => {
    const t = await say("alice", "session AS174 on edge1.lon disable");
    expect(t).toContain("1 session with AS174 on edge1.lon marked to disable: direct 192.0.2.1.");
    const id = newChange(t);
    expect(await say("bob", `approve ${id}`)).toContain("Status: deployed.");
    const block = /protocol bgp pb_transit_as174_d\d+ [\s\S]*?\n\}/.exec(
      readFileSync(configFile(), "utf8"),
    )?.[0];
    expect(block).toContain("disabled yes;");
    expect(
      (await db.prisma.directSession.findFirstOrThrow({ where: { ipAddress: "192.0.2.1" } })).status,
    ).toBe("disabled");
    const h = await db.prisma.objectChange.findMany({
      where: { objectType: "direct-session", via: "chat", action: "update" },
      orderBy: { id: "desc" },
      take: 1,
    });
    expect(h[0]).toMatchObject({
      actor: "console:alice",
      before: { status: "enabled" },
      after: { status: "disabled" },
    });
  });

  it("and `session AS174 on edge1.lon 192.0.2.1 remove` takes it off the router", async () => {
    const id = newChange(await say("alice", "session AS174 on edge1.lon 192.0.2.1 remove"));
    expect(await say("bob", `approve ${id}`)).toContain("Status: deployed.");
    expect(readFileSync(configFile(), "utf8")).not.toContain("192.0.2.1");
    expect(
      (await db.prisma.directSession.findFirstOrThrow({ where: { ipAddress: "192.0.2.1" } })).status,
    ).toBe("decommissioned");
  });

  it("a removed session's address can be used again", async () => {
    const t = await say("alice", "direct AS1299 on edge1.lon 192.0.2.1 transit");
    expect(t).toContain(
      "New direct session with AS1299 (Arelion (Twelve99)) on edge1.lon: 192.0.2.1, transit provider",
    );
    expect(await say("alice", `reject ${newChange(t)}`)).toMatch(/rejected/);
    const s = await db.prisma.directSession.findFirstOrThrow({ where: { ipAddress: "192.0.2.1" } });
    expect(s.status).toBe("decommissioned");
  });
});

describe("session … on <router> when the network has IXP and direct sessions there", () => {
  it("asks which, changing nothing; a button picks the direct one", async () => {
    const id = newChange(await say("alice", "direct AS15169 on edge1.lon 203.0.113.9 private-peering"));
    expect(await say("bob", `approve ${id}`)).toContain("Status: deployed.");
    const t = await refused(
      "session AS15169 on edge1.lon disable",
      /^Warning: AS15169 has 1 direct session and 2 IXP sessions on edge1\.lon; which to disable\? Nothing has changed yet\./,
    );
    expect(t).toContain("direct 203.0.113.9 (private peering)");
    expect(t).toContain("LINX LON1 (2 sessions)");
    const c = await chat.click("alice", "direct 203.0.113.9 (private peering)");
    expect(c).toContain("1 session with AS15169 on edge1.lon marked to disable: direct 203.0.113.9.");
    expect(await say("alice", `reject ${newChange(c)}`)).toMatch(/rejected/);
    const ixp = await db.prisma.ixpSession.findMany({ where: { autonomousSystem: { asn: 15169n } } });
    expect(ixp.every((s) => s.status === "enabled")).toBe(true);
  });

  it("`all` takes both kinds, and the reply names each", async () => {
    const t = await say("alice", "session AS15169 on edge1.lon all disable");
    expect(t).toMatch(
      /3 sessions with AS15169 on edge1\.lon marked to disable: direct 203\.0\.113\.9; IXP LINX LON1 /,
    );
    expect(await say("alice", `reject ${newChange(t)}`)).toMatch(/rejected/);
  });

  it("`session <AS> at <IXP>` still means the IXP's sessions only", async () => {
    const t = await say("alice", "session AS15169 at LINX disable");
    expect(t).toContain("2 sessions with AS15169 at LINX LON1 marked to disable.");
    expect(await say("alice", `reject ${newChange(t)}`)).toMatch(/rejected/);
  });
});

describe("password env:<VAR>", () => {
  const VAR = "PEERBOT_TEST_DIRECT_BGP_PW";
  afterAll(() => {
    delete process.env[VAR];
  });

  it("renders the variable's password, masked in the diff; an unset variable is named, never its value", async () => {
    process.env[VAR] = "env-Secret.42";
    const t = await say(
      "alice",
      `direct AS2914 on edge1.lon 2001:db8:2914::1 local 2001:db8:2914::2 transit password env:${VAR}`,
    );
    expect(t).toContain(`Its TCP-MD5 password is read from ${VAR} when the configuration is rendered.`);
    expect(t).toMatch(/^\+\s+local 2001:db8:2914::2 as 64500;$/m);
    expect(t).toMatch(/^\+\s+password "\*{8}";$/m);
    expect(t).not.toContain("env-Secret.42");
    const s = await db.prisma.directSession.findFirstOrThrow({ where: { ipAddress: "2001:db8:2914::1" } });
    expect(s).toMatchObject({ passwordEnv: VAR, passwordEnc: null });
    // The configuration to deploy carries the variable's value (stored encrypted with the change).
    const c = await getChange(db, newChange(t));
    expect(changeConfig(services, c!)).toContain('password "env-Secret.42";');
    expect(c!.config).not.toContain("env-Secret.42");
    delete process.env[VAR];
    const d = await refused(
      "diff edge1.lon",
      new RegExp(`comes from the environment variable ${VAR}, which is not set`),
    );
    expect(d).not.toContain("env-Secret.42");
    process.env[VAR] = "env-Secret.42";
    expect(await say("alice", `reject ${newChange(t)}`)).toMatch(/rejected/);
  });
});

describe("bad input: one sentence, nothing changed", () => {
  it("a remote IP equal to our own", async () => {
    await refused(
      "direct AS174 on edge1.lon 192.0.2.10 local 192.0.2.10 transit",
      /^The neighbour address 192\.0\.2\.10 is our own local address: give the other end's address\./,
    );
    await refused(
      "direct AS174 on edge1.lon 195.66.226.250 transit",
      /^195\.66\.226\.250 is edge1\.lon's own address \(our connection to LINX LON1\): give the neighbour's address\.\nUsage: direct <AS> on <router> <remote-ip> /,
    );
  });

  it("a remote IP that is already a session on the router", async () => {
    await refused(
      "direct AS3356 on edge1.lon 203.0.113.9 transit",
      /^203\.0\.113\.9 is already a session on edge1\.lon: AS15169, private peering, enabled\.\n`sessions edge1\.lon` lists them/,
    );
    const s = await db.prisma.ixpSession.findFirstOrThrow({
      where: {
        autonomousSystem: { asn: 8075n },
        connection: { ixp: { slug: "linx-lon1" } },
        ipAddress: { not: { contains: ":" } },
      },
    });
    const ip = s.ipAddress.replace(/\/\d+$/, "");
    await refused(
      `direct AS8075 on edge1.lon ${ip} peering`,
      new RegExp(
        `^${ip.replace(/\./g, "\\.")} is already a session on edge1\\.lon: AS8075 at LINX LON1, enabled\\.`,
      ),
    );
  });

  it("addresses: a family mismatch, a prefix length, special addresses, not an address", async () => {
    await refused(
      "direct AS174 on edge1.lon 2001:db8::1 local 192.0.2.2 transit",
      /^The local address 192\.0\.2\.2 is IPv4 and the neighbour 2001:db8::1 IPv6: give both of one family\./,
    );
    await refused(
      "direct AS174 on edge1.lon 192.0.2.1/30 transit",
      /^Give the neighbour address without a prefix length/,
    );
    await refused(
      "direct AS174 on edge1.lon 224.0.0.5 transit",
      /^224\.0\.0\.5 is a multicast address: it cannot be a BGP neighbour address\./,
    );
    await refused("direct AS174 on edge1.lon fe80::1 transit", /^fe80::1 is link-local/);
    await refused(
      "direct AS174 on edge1.lon 192.0.2.300 transit",
      /^"192\.0\.2\.300" is not an IP address\./,
    );
    await refused(
      "direct AS174 on edge1.lon transit",
      /^Say the neighbour's address after the router, e\.g\. direct AS174 on edge1\.lon 192\.0\.2\.1 transit\./,
    );
  });

  it("an unknown relationship, an unknown group, an unknown router", async () => {
    await refused(
      "direct AS174 on edge1.lon 192.0.2.20 upstreamz",
      /^"upstreamz" is not a relationship: say transit, customer, private-peering, peering, internal or other\.\nUsage: direct /,
    );
    await refused(
      "direct AS174 on edge1.lon 192.0.2.20 transit group nope",
      /^There is no BGP group called "nope"\.\nKnown: transit/,
    );
    await refused(
      "direct AS174 on edge9.nowhere 192.0.2.20 transit",
      /^There is no router called "edge9\.nowhere"\.\nRouters: edge1\.fra, edge1\.lon/,
    );
  });

  it("a literal password is never accepted, nor repeated", async () => {
    const t = await refused(
      "direct AS174 on edge1.lon 192.0.2.21 transit password hunter2",
      /^A BGP password is never typed in chat: say `password generate`, or `password env:<VAR>` naming an environment variable that holds it\./,
    );
    expect(t).not.toContain("hunter2");
    await refused(
      "direct AS174 on edge1.lon 192.0.2.21 transit password env:9BAD",
      /^"9BAD" is not an environment variable name/,
    );
    await refused(
      "direct AS174 on edge1.lon 192.0.2.21 transit password env:PEERBOT_TEST_SURELY_UNSET",
      /^The environment variable PEERBOT_TEST_SURELY_UNSET is not set where peerbot runs\./,
    );
  });

  it("AS numbers that make no sense for the relationship", async () => {
    await refused(
      "direct AS23456 on edge1.lon 192.0.2.30 transit",
      /^AS23456 is AS_TRANS.*: no BGP session can be made with it\./,
    );
    await refused(
      "direct AS64512 on edge1.lon 192.0.2.30 transit",
      /^AS64512 is a private AS number \(RFC 6996\): a transit provider session is with a public AS number\.\nA private AS number fits a customer/,
    );
    await refused(
      "direct AS64500 on edge1.lon 192.0.2.30 transit",
      /^AS64500 is one of ours: a session with it is internal, not transit provider\./,
    );
    await refused(
      "direct AS174 on edge1.lon 192.0.2.30 internal",
      /^AS174 is not one of ours, so the session cannot be internal\./,
    );
    await refused(
      "direct AS174 on edge1.lon 192.0.2.30 transit multihop 300",
      /^"300" is not a multihop TTL: a whole number from 1 to 255\./,
    );
  });

  it("a viewer cannot", async () => {
    await refused("direct AS174 on edge1.lon 192.0.2.40 transit", /You need the operator role/, "viewer");
  });
});

describe("a customer with a private AS number", () => {
  it("is created bare, named by its number, with its history", async () => {
    const t = await say("alice", "direct AS64512 on edge1.lon 198.51.100.9 customer multihop 2");
    expect(t).toContain(
      "New direct session with AS64512 (AS64512) on edge1.lon: 198.51.100.9, customer, in provisioning.",
    );
    expect(t).toMatch(/^\+\s+multihop 2;$/m);
    const as = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 64512n } });
    expect(as).toMatchObject({ name: "AS64512", peeringdbNetId: null });
    expect(
      await db.prisma.objectChange.count({
        where: { objectType: "as", objectId: String(as.id), action: "create" },
      }),
    ).toBe(1);
    expect(await say("alice", `reject ${newChange(t)}`)).toMatch(/rejected/);
  });
});

describe("peer and session record what they change in the history", () => {
  it("peer: each new IXP session, and the AS when it is new; session: each status change", async () => {
    const t = await say("alice", "peer AS3257 at LINX");
    expect(t).toContain("new session");
    const as = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 3257n } });
    const asRows = await db.prisma.objectChange.findMany({
      where: { objectType: "as", objectId: String(as.id) },
    });
    expect(asRows.map((r) => [r.action, r.actor, r.objectRepr])).toEqual([
      ["create", "console:alice", "AS3257"],
    ]);
    const sessions = await db.prisma.ixpSession.findMany({
      where: { autonomousSystemId: as.id },
      orderBy: { id: "asc" },
    });
    const created = await db.prisma.objectChange.findMany({
      where: {
        objectType: "ixp-session",
        action: "create",
        objectId: { in: sessions.map((s) => String(s.id)) },
      },
    });
    expect(created).toHaveLength(sessions.length);
    expect(created[0]?.objectRepr).toMatch(/^LINX LON1 /);
    expect(created.every((r) => r.requestId === created[0]?.requestId)).toBe(true);
    expect(await say("bob", `approve ${newChange(t)}`)).toContain("Status: deployed.");
    const ip = sessions[0]!.ipAddress.replace(/\/\d+$/, "");
    const d = await say("alice", `session AS3257 at LINX ${ip} disable`);
    expect(d).toContain("1 session with AS3257 at LINX LON1 marked to disable.");
    const row = await db.prisma.objectChange.findFirstOrThrow({
      where: { objectType: "ixp-session", objectId: String(sessions[0]!.id), via: "chat", action: "update" },
      orderBy: { id: "desc" },
    });
    expect(row).toMatchObject({
      objectRepr: `LINX LON1 ${ip}`,
      before: { status: "enabled" },
      after: { status: "disabled" },
    });
    expect(await say("alice", `reject ${newChange(d)}`)).toMatch(/rejected/);
  });
});

describe("from an empty database with the PeeringDB mirror", () => {
  let empty: TestDatabase;
  let chat2: Chat;
  let dir: string;
  let close2: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({
      db: empty,
      chat: chat2,
      dataDir: dir,
      close: close2,
    } = await demoChat(`${import.meta.filename}-empty`, { seed: "mirror" }));
    mkdirSync(path.join(dir, "configs"));
    // Our AS and a router, as `as add` and `router add` make them.
    const us = await empty.prisma.autonomousSystem.create({
      data: { asn: 64500n, name: "Example network", affiliated: true },
    });
    await empty.prisma.router.create({
      data: {
        name: "edge1",
        hostname: "edge1.example.net",
        platform: "file",
        template: "bird2",
        localAsId: us.id,
        configPath: path.join(dir, "configs", "edge1.conf"),
      },
    });
  });
  afterAll(() => close2?.());

  it("a transit session with a policy from its group, diffed, approved and deployed", async () => {
    const say2 = (u: string, l: string) => chat2.say(u, l);
    await say2("alice", "group add transit");
    await say2("alice", "policy add transit-in import");
    await say2("alice", "policy add transit-out export");
    expect(await say2("alice", "policy attach transit-in to group transit")).toContain(
      "attached to group transit as import.",
    );
    await say2("alice", "policy attach transit-out to group transit");
    const t = await say2("alice", "direct AS174 on edge1 192.0.2.1 transit group transit");
    expect(t).toContain(
      "New direct session with AS174 (Cogent Communications, Inc.) on edge1: 192.0.2.1, transit provider, group transit, in provisioning.",
    );
    expect(t).toMatch(/^\+\s+policy_transit_in\(\);$/m);
    expect(t).toMatch(/^\+\s+policy_transit_out\(\);$/m);
    const as = await empty.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 174n } });
    expect(as.peeringdbNetId).not.toBeNull();
    expect(
      await empty.prisma.objectChange.count({
        where: { objectType: "as", objectRepr: "AS174", action: "create" },
      }),
    ).toBe(1);
    const d = await say2("bob", `approve ${newChange(t)}`);
    expect(d).toContain("Status: deployed.");
    const conf = readFileSync(path.join(dir, "configs", "edge1.conf"), "utf8");
    expect(conf).toMatch(/protocol bgp pb_transit_as174_d\d+ from pb_transit_v4 \{/);
    expect(conf).toContain("neighbor 192.0.2.1 as 174;");
    expect(await say2("alice", "diff edge1")).toContain(
      "edge1 already has exactly the configuration peerbot renders",
    );
    expect(await say2("alice", "sessions")).toMatch(/AS174 .*direct .*edge1 .*192\.0\.2\.1 .*enabled/);
    expect(await say2("alice", "policies")).toMatch(/transit-in .*group transit \(import\)/);
    expect(await say2("alice", "groups")).toMatch(
      /^transit +transit +enabled +1 +edge1 +transit-in +transit-out /m,
    );
  });
});
