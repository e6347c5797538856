// Routers, our ASes, connections and contacts from chat, on the demo network, as a console user:
// added, changed, shown and removed by the roles that may, each write in the change history,
// and every bad input answered in one sentence with a usage hint and nothing changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sayRefused, type Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import type { TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let chat: Chat;
let close: (() => Promise<void>) | undefined;
const say = (user: string, line: string) => chat.say(user, line);

/** Says a line that must be refused: one sentence (and a hint), and not a row changed. */
const refused = (line: string, sentence: RegExp, user = "admin") =>
  sayRefused(chat, db, user, line, sentence, { trimEnd: true });

const lastChange = (objectType: string) =>
  db.prisma.objectChange.findFirst({ where: { objectType }, orderBy: { id: "desc" } });

beforeAll(async () => {
  ({ db, services, chat, close } = await demoChat(import.meta.filename, { workers: false }));
});
afterAll(async () => {
  await close?.();
  delete process.env.PEERBOT_TEST_EDGE2_PW;
});

describe("router add, show, set, remove", () => {
  it("an admin adds a Junos router naming its password variable; the local AS defaults to our only one", async () => {
    const t = await say(
      "admin",
      "router add edge2.lon host edge2.lon.example.net platform junos user peerbot credential env:PEERBOT_TEST_EDGE2_PW",
    );
    expect(t).toContain("Router edge2.lon added: junos at edge2.lon.example.net:22.");
    expect(t).toContain("$PEERBOT_TEST_EDGE2_PW is not set in peerbot's environment yet");
    const r = await db.prisma.router.findUniqueOrThrow({
      where: { name: "edge2.lon" },
      include: { localAs: true },
    });
    expect(r).toMatchObject({
      platform: "junos",
      username: "peerbot",
      credentialEnv: "PEERBOT_TEST_EDGE2_PW",
      port: 22,
    });
    expect(r.localAs.asn).toBe(64500n);
    const h = await lastChange("router");
    expect(h).toMatchObject({
      action: "create",
      objectRepr: "edge2.lon",
      actor: "console:admin",
      via: "chat",
    });
    expect((h?.after as Record<string, unknown>).hostname).toBe("edge2.lon.example.net");
    expect(await say("alice", "routers")).toMatch(/edge2\.lon\s+edge2\.lon\.example\.net\s+junos\s+AS64500/);
  });

  it("router show prints every field, the credential only as where it comes from", async () => {
    let t = await say("alice", "router show edge2.lon");
    expect(t).toContain("Router edge2.lon");
    expect(t).toContain("Host: edge2.lon.example.net:22");
    expect(t).toContain("Platform: junos (template junos, built in)");
    expect(t).toContain("Local AS: AS64500 peerbot demo network");
    expect(t).toContain("Login: peerbot");
    expect(t).toContain("Credential: from $PEERBOT_TEST_EDGE2_PW (not set)");
    expect(t).toContain("Host key: not pinned");
    expect(t).toContain("Four-eyes: on");
    expect(t).toContain("edge2.lon has no connection to an IXP yet.");
    process.env.PEERBOT_TEST_EDGE2_PW = "not shown anywhere";
    t = await say("alice", "router edge2.lon");
    expect(t).toContain("Credential: from $PEERBOT_TEST_EDGE2_PW (set)");
    expect(t).not.toContain("not shown anywhere");
    // A stored password and a pinned key, as `peerbot secret set router` and `router test` leave them.
    await db.prisma.router.update({
      where: { name: "edge2.lon" },
      data: { passwordEnc: services.secrets!.encrypt("hunter2"), hostKeyFingerprint: "SHA256:abcdEFGH" },
    });
    t = await say("alice", "router show edge2.lon");
    expect(t).toContain("password stored (encrypted)");
    expect(t).toContain("unused while a password is stored");
    expect(t).toContain("Host key: pinned SHA256:abcdEFGH");
    expect(t).not.toContain("hunter2");
  });

  it("router show lists the connections with their ids", async () => {
    const t = await say("alice", "router show edge1.lon");
    const c = await db.prisma.connection.findFirstOrThrow({
      where: { router: { name: "edge1.lon" }, ixp: { slug: "linx-lon1" } },
    });
    expect(t).toMatch(new RegExp(`#${c.id}\\s+LINX LON1\\s+195\\.66\\.226\\.250/22`));
    expect(t).toContain("Sessions: 8 at IXPs, 0 direct");
  });

  it("router set changes one field at a time, each recorded with what it was and is", async () => {
    let t = await say("admin", "router set edge2.lon status maintenance");
    expect(t).toContain("edge2.lon: status is now maintenance.");
    const h = await lastChange("router");
    expect(h?.before).toMatchObject({ status: "enabled" });
    expect(h?.after).toMatchObject({ status: "maintenance" });
    t = await say("admin", "router set edge2.lon poll on");
    expect(t).toContain("poll is now on");
    t = await say("admin", "router set edge2.lon port 830");
    expect(t).toContain("port is now 830");
    t = await say("admin", "router set edge2.lon router-id 192.0.2.2");
    expect(t).toContain("router-id is now 192.0.2.2");
    t = await say("admin", "router set edge2.lon comments on call: see the NOC wiki");
    expect(t).toContain('comments is now "on call: see the NOC wiki"');
    t = await say("admin", "router set edge2.lon four-eyes off");
    expect(t).toContain("four-eyes is now off");
    t = await say("admin", "router set edge2.lon as 64500");
    expect(t).toContain("edge2.lon's as already was AS64500.");
    const r = await db.prisma.router.findUniqueOrThrow({ where: { name: "edge2.lon" } });
    expect(r).toMatchObject({
      status: "maintenance",
      pollSessionState: true,
      port: 830,
      bgpRouterId: "192.0.2.2",
      fourEyes: false,
    });
  });

  it("naming a variable drops the stored password; the history masks it", async () => {
    const t = await say("admin", "router set edge2.lon credential env:PEERBOT_TEST_EDGE2_PW");
    expect(t).toContain("credential is now from $PEERBOT_TEST_EDGE2_PW (set)");
    expect(t).toContain("The password stored for it was removed.");
    const r = await db.prisma.router.findUniqueOrThrow({ where: { name: "edge2.lon" } });
    expect(r.passwordEnc).toBeNull();
    const h = await lastChange("router");
    expect(h?.before).toMatchObject({ passwordEnc: "(set)" });
    expect(h?.after).toMatchObject({ passwordEnc: null });
    const rows = await db.prisma.objectChange.findMany({ where: { objectType: "router" } });
    expect(JSON.stringify(rows.map((r) => [r.before, r.after]))).not.toMatch(/v1:|hunter2/);
  });

  it("a template is checked against what the renderer can load and the platform", async () => {
    await refused("router set edge2.lon template nosuch", /^There is no router template called "nosuch"\./);
    await refused(
      "router set edge2.lon template bird2",
      /^The bird2 template writes bird2 configuration, which a junos router cannot take\./,
    );
    const t = await say("admin", "router set edge2.lon template junos");
    expect(t).toContain("template is now junos");
  });

  it("an operator may look but not add, change or remove", async () => {
    await refused(
      "router add x1 host x1.example.net platform junos",
      /^You need the admin role to run `router add`/,
      "alice",
    );
    await refused(
      "router set edge2.lon status enabled",
      /^You need the admin role to run `router set`/,
      "alice",
    );
    await refused("router remove edge2.lon", /^You need the admin role to run `router remove`/, "alice");
    expect(
      await db.prisma.auditEvent.count({ where: { userId: "alice", command: "router", outcome: "denied" } }),
    ).toBe(3);
  });

  it("removing a router in use is refused with the counts and what to do", async () => {
    const t = await refused(
      "router remove edge1.lon",
      /^edge1\.lon still has 8 sessions \(8 at IXPs, 0 direct\), so peerbot will not remove it\.\n/,
    );
    expect(t).toContain("or set it disabled to keep it out of use");
  });

  it("removing an unused router records its deletion", async () => {
    const t = await say("admin", "router remove edge2.lon");
    expect(t).toContain("Router edge2.lon removed.");
    expect(await db.prisma.router.count({ where: { name: "edge2.lon" } })).toBe(0);
    const h = await lastChange("router");
    expect(h).toMatchObject({ action: "delete", objectRepr: "edge2.lon" });
    expect(h?.before).toMatchObject({ hostname: "edge2.lon.example.net", status: "maintenance" });
  });
});

describe("router: bad input, one sentence each, nothing changed", () => {
  const cases: [string, RegExp][] = [
    [
      "router add x1 host x1.example.net platform cisco",
      /^"cisco" is not a platform peerbot drives; use one of junos, iosxr, eos, bird2, frr, file\.\nUsage: router add/,
    ],
    [
      'router add "edge 1" host x.example.net platform junos',
      /^"edge 1" is not a router name: use letters, digits, "\.", "-" and "_" \(no spaces or quotes\)/,
    ],
    [
      "router add x1 host x1.example.net platform junos port 70000",
      /^"70000" is not a TCP port: use 1 to 65535\.\nUsage:/,
    ],
    [
      "router add x1 host x1.example.net platform junos credential hunter2",
      /^A credential is never typed in chat: name an environment variable with credential env:<VAR>\.\nOr store the password from the shell, where it is not echoed: peerbot secret set router x1$/,
    ],
    ["router set edge1.fra credential hunter2", /^A credential is never typed in chat/],
    ["router set edge1.fra password hunter2", /^A credential is never typed in chat/],
    [
      "router add x1 host x1.example.net platform junos credential env:1BAD",
      /^"1BAD" is not an environment variable name/,
    ],
    [
      "router add x1 host bad_host!.example platform junos",
      /^"bad_host!\.example" is not a host name or an IP address/,
    ],
    [
      "router add x1 host x1.example.net",
      /^Say the router's platform: platform junos, iosxr, eos, bird2, frr or file\./,
    ],
    ["router add x1 platform junos", /^Say where x1 is: host <hostname or address>\./],
    [
      "router add x1 host x1.example.net platform junos as 64999",
      /^AS64999 is not in peerbot's database; add it as one of ours first\./,
    ],
    [
      "router add x1 host x1.example.net platform junos as 15169",
      /^AS15169 is not one of ours \(affiliated\), so it cannot be a router's local AS\./,
    ],
    [
      "router add lab1 host localhost platform file",
      /^A file router writes its configuration from a template, so lab1 needs one\./,
    ],
    [
      "router add lab1 platform file template bird2 config-path /etc/cron.d/x",
      /^A file router set from chat writes inside peerbot's data folder \(.*\); give a path in it/,
    ],
    [
      "router add lab1 platform file template bird2 config-path ../../x.conf",
      /^"\.\.\/\.\.\/x\.conf" is not a configuration path: one line, without "\.\."/,
    ],
    [
      "router add x1 host x1.example.net platform junos credential env:PEERBOT_SECRET_KEY",
      /^PEERBOT_SECRET_KEY is one of peerbot's own settings, not a router's password/,
    ],
    ["router set edge1.fra credential env:DATABASE_URL", /^DATABASE_URL is one of peerbot's own settings/],
    [
      "router add edge1.lon host x.example.net platform junos",
      /^There is already a router called edge1\.lon\./,
    ],
    ["router add 64501 host x.example.net platform junos", /^"64501" reads as an AS number/],
    ["router set edge1.fra colour blue", /^A router has no field "colour"; the fields are hostname, port/],
    ["router set edge1.fra port", /^Say the new port, e\.g\. router set edge1\.fra port 22\./],
    [
      "router set edge1.fra status broken",
      /^"broken" is not a router status; use enabled, disabled or maintenance\./,
    ],
    ["router set edge1.fra poll maybe", /^poll is on or off, not "maybe"\./],
    ["router set edge1.fra router-id 2001:db8::1", /^"2001:db8::1" is not a BGP router id/],
    [
      "router set nosuch status enabled",
      /^There is no router called "nosuch"\.\nRouters: edge1\.fra, edge1\.lon\.$/,
    ],
    ["router explode edge1.fra", /^There is no `router explode`; `router` does add, set, show, remove/],
    ["router", /^Say what to do: router add, router set/],
    [
      "router add x1 host x.example.net platform junos frobnicate",
      /^I did not understand "frobnicate" in that `router add` command\./,
    ],
  ];
  for (const [line, sentence] of cases) it(line, () => refused(line, sentence).then(() => undefined));

  it("a credential typed by mistake is kept out of the audit log too", async () => {
    const rows = await db.prisma.auditEvent.findMany({ where: { command: "router" } });
    expect(rows.some((r) => r.args.includes("credential (hidden)"))).toBe(true);
    expect(JSON.stringify(rows.map((r) => [r.args, r.message]))).not.toContain("hunter2");
  });
});

describe("as add and as set", () => {
  it("as add fills a network from the PeeringDB mirror", async () => {
    const t = await say("alice", "as add AS2686");
    expect(t).toMatch(
      /^AS2686 AT&T EMEA added, from PeeringDB: AS-SET \S+, max prefixes IPv4 \d+ \/ IPv6 \d+, policy \w+\./m,
    );
    const a = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 2686n } });
    expect(a.peeringdbNetId).not.toBeNull();
    expect(a.affiliated).toBe(false);
    expect(await lastChange("as")).toMatchObject({ action: "create", objectRepr: "AS2686" });
  });

  it("as add of a network the mirror does not know makes it bare and says so", async () => {
    const t = await say("alice", "as add 4200000001 name Customer Ltd");
    expect(t).toContain("AS4200000001 Customer Ltd added.");
    expect(t).toContain("a private AS number (RFC 6996): fine for direct sessions");
    expect(t).toContain("The PeeringDB mirror does not know AS4200000001, so it was added bare");
  });

  it("our own AS needs an admin", async () => {
    await refused(
      "as add 64501 affiliated",
      /^You need the admin role to add one of our own networks/,
      "alice",
    );
    const t = await say("admin", "as add 64501 affiliated");
    expect(t).toContain("AS64501 AS64501 added as one of ours.");
    await refused(
      "as set 64501 comments ours",
      /^You need the admin role to change one of our own networks/,
      "alice",
    );
  });

  it("setting a synced field turns that field's sync off; turning it on takes PeeringDB's again", async () => {
    let t = await say("alice", "as set 2686 max-prefixes v4 12345");
    expect(t).toContain("AS2686: max-prefixes is now IPv4 12345 /");
    expect(t).toContain("PeeringDB sync of AS2686's max prefixes is now off");
    let a = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 2686n } });
    expect(a).toMatchObject({ ipv4MaxPrefixes: 12345, syncMaxPrefixes: false });
    t = await say("alice", "as set 2686 sync-max-prefixes on");
    expect(t).toContain("sync-max-prefixes is now on");
    a = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 2686n } });
    expect(a.ipv4MaxPrefixes).not.toBe(12345);
    t = await say("alice", "as set 2686 as-set RIPE::AS-ATT-EMEA");
    expect(t).toContain("as-set is now RIPE::AS-ATT-EMEA");
    t = await say("alice", "as set 2686 policy selective");
    expect(t).toContain("policy is now Selective");
    t = await say("admin", "as set 64500 email-from Example Peering <peering@example.net>");
    expect(t).toContain("email-from is now Example Peering <peering@example.net>");
    const h = await lastChange("as");
    expect(h?.after).toMatchObject({ emailFrom: "Example Peering <peering@example.net>" });
  });

  it("as <asn> still shows a network as before", async () => {
    const t = await say("alice", "as 64500");
    expect(t).toContain("AS64500 peerbot demo network");
    expect(t).toContain("Ours: yes (affiliated)");
  });

  const cases: [string, RegExp, string?][] = [
    [
      "as add 23456",
      /^AS23456 is AS_TRANS, the stand-in for a 4-byte AS number \(RFC 6793\), which is no network's number\./,
    ],
    ["as add 0", /^AS0 is out of range/],
    ["as add 6939x", /^"6939x" is not an AS number/],
    ["as add 15169", /^AS15169 is already in peerbot's database\./],
    ["as set 2686 as-set not an as set", /^"not" is not an AS-SET/],
    ["as set 2686 policy maybe", /^"maybe" is not a peering policy; use Open, Selective, Restrictive, No/],
    ["as set 2686 max-prefixes 100", /^Say which family: max-prefixes v4 <n> or max-prefixes v6 <n>\./],
    ["as set 2686 ipv6-max-prefixes -5", /^"-5" is not a max-prefix count/],
    ["as set 2686 colour blue", /^A network has no field "colour"/],
    ["as set 6 name x", /^AS6 is not in peerbot's database\./],
    ["as set 64500 email-from not-an-address", /^"not-an-address" is not a sender address/, "admin"],
    [
      "as set 64500 email-reply-to a@b.c\r\nBcc: x@y.z",
      /is not a sender address|I did not understand/,
      "admin",
    ],
    [
      "as set 64500 affiliated no",
      /^AS64500 is the local AS of 2 routers and 3 IXPs, so it stays one of ours\./,
      "admin",
    ],
    [
      "as set 15169 affiliated yes",
      /^We have 2 IXP sessions with AS15169; peerbot does not make a network it peers with one of ours\./,
      "admin",
    ],
  ];
  for (const [line, sentence, user] of cases)
    it(line, () => refused(line, sentence, user ?? "alice").then(() => undefined));
});

describe("connection add, set, remove", () => {
  let id = 0;
  it("adds a second port at LINX on edge1.lon, its address checked and its MAC normalised", async () => {
    const t = await say(
      "admin",
      "connection add LINX router edge1.lon v4 195.66.224.9 v6 2001:7f8:4::fbf4:2/64 vlan 100 mac 00-1B-21-3A-4C-5D speed 10G",
    );
    const m =
      /Connection #(\d+) added at LINX LON1 on edge1\.lon: 195\.66\.224\.9\/22, 2001:7f8:4::fbf4:2\/64, 10G\./.exec(
        t,
      );
    expect(m, t).not.toBeNull();
    id = Number(m![1]);
    const c = await db.prisma.connection.findUniqueOrThrow({ where: { id } });
    expect(c).toMatchObject({
      vlan: 100,
      macAddress: "00:1b:21:3a:4c:5d",
      speed: 10000,
      ipv4Address: "195.66.224.9/22",
    });
    expect(await lastChange("connection")).toMatchObject({
      action: "create",
      objectRepr: "LINX LON1 195.66.224.9",
    });
    expect(await say("alice", "connection list linx")).toMatch(
      new RegExp(`#${id}\\s+LINX LON1\\s+edge1\\.lon\\s+195\\.66\\.224\\.9/22`),
    );
  });

  it("set by id, and by IXP and router when that names one", async () => {
    let t = await say("admin", `connection set #${id} status maintenance`);
    expect(t).toContain(`Connection #${id} at LINX LON1: status is now maintenance.`);
    t = await say("admin", "connection set ams-ix router edge1.lon speed 100G");
    expect(t).toMatch(/Connection #\d+ at AMS-IX: speed is now 100G\./);
    await refused(
      "connection set LINX router edge1.lon speed 100G",
      /^We have 2 connections to LINX LON1 \(#\d+ on edge1\.lon 195\.66\.226\.250\/22, #\d+ on edge1\.lon 195\.66\.224\.9\/22\); say which/,
    );
    t = await say("admin", `connection set ${id} v4 195.66.224.8/22`);
    expect(t).toContain("v4 is now 195.66.224.8/22");
  });

  const cases: (() => [string, RegExp])[] = [
    () => [
      "connection add LINX router edge1.lon v4 10.0.0.1/22",
      /^10\.0\.0\.1 is not in LINX LON1's peering LAN \(195\.66\.224\.0\/22\)\./,
    ],
    () => [
      "connection add LINX router edge1.lon v4 195.66.224.7/24",
      /^195\.66\.224\.7\/24 has the wrong prefix length: LINX LON1's peering LAN is 195\.66\.224\.0\/22, so write 195\.66\.224\.7\/22\./,
    ],
    () => [
      "connection add LINX router edge1.lon v4 195.66.224.0/22",
      /^195\.66\.224\.0 is the network address of LINX LON1's peering LAN/,
    ],
    () => [
      "connection add LINX router edge1.lon v4 195.66.224.125/22",
      /^195\.66\.224\.125 is AS15169's address at LINX LON1 \(we have a session with it there\), not ours\./,
    ],
    () => [
      "connection add LINX router edge1.lon v4 195.66.226.250/22",
      /^195\.66\.226\.250 is already the address of connection #\d+ at LINX LON1\./,
    ],
    () => [
      "connection add LINX router edge1.lon v6 195.66.224.5/22",
      /^"195\.66\.224\.5\/22" is not an IPv6 address/,
    ],
    () => ["connection add LINX router edge1.lon", /^A connection needs our address on the peering LAN/],
    () => ["connection add LINX v4 195.66.224.5/22", /^Say which router the port is on: router <name>\./],
    () => ["connection add LINX router nosuch v4 195.66.224.5/22", /^There is no router called "nosuch"\./],
    () => [
      "connection add LINX router edge1.lon v4 195.66.224.5/22 mac 01:00:5e:00:00:01",
      /is not a port's MAC address: it is all zeros or a multicast address\./,
    ],
    () => [
      "connection add LINX router edge1.lon v4 195.66.224.5/22 mac zz:zz",
      /^"zz:zz" is not a MAC address/,
    ],
    () => ["connection add LINX router edge1.lon v4 195.66.224.5/22 vlan 5000", /^"5000" is not a VLAN id/],
    () => [
      "connection add LINX router edge1.lon v4 195.66.224.5/22 speed fast",
      /^"fast" is not a port speed/,
    ],
    () => ["connection add nowhere router edge1.lon v4 195.66.224.5/22", /^No IXP is called "nowhere"\./],
    () => [`connection set #${id} colour blue`, /^A connection has no field "colour"/],
    () => [`connection set #999999 status enabled`, /^There is no connection #999999\./],
    () => [`connection set #${id} v4 none`, /^Connection #\d+ would have no address left|v4 is now none/],
    () => ["connection remove linx router edge1.lon", /^We have 2 connections to LINX LON1/],
  ];
  it("bad input, one sentence each, nothing changed", async () => {
    for (const c of cases) {
      const [line, sentence] = c();
      if (line.includes("v4 none")) continue;
      await refused(line, sentence);
    }
  });

  it("removing a connection with sessions is refused; an empty one goes", async () => {
    const linx = await db.prisma.connection.findFirstOrThrow({ where: { ipv4Address: "195.66.226.250/22" } });
    await refused(
      `connection remove #${linx.id}`,
      /^Connection #\d+ at LINX LON1 still has 6 sessions, so peerbot will not remove it\./,
    );
    const t = await say("admin", `connection remove #${id}`);
    expect(t).toContain(`Connection #${id} (LINX LON1 195.66.224.8) removed.`);
    expect(await lastChange("connection")).toMatchObject({ action: "delete" });
  });
});

describe("contact add and remove", () => {
  it("adds contacts with roles, shown by `as`", async () => {
    let t = await say("alice", "contact add AS15169 peering@google.com name Peering Team role policy");
    expect(t).toContain("Peering Team <peering@google.com> is now AS15169's policy contact.");
    t = await say("alice", "contact add 15169 noc@google.com role NOC phone +1 650 253 0000");
    expect(t).toContain("noc@google.com is now AS15169's noc contact.");
    t = await say("alice", "as 15169");
    expect(t).toContain("policy: Peering Team <peering@google.com>");
    expect(t).toContain("noc: (no name) <noc@google.com> +1 650 253 0000");
    expect(await lastChange("contact")).toMatchObject({
      action: "create",
      objectRepr: "AS15169 noc@google.com",
    });
  });

  it("bad input, one sentence each, nothing changed", async () => {
    await refused("contact add AS15169 not-an-email", /^"not-an-email" is not an e-mail address/, "alice");
    await refused(
      "contact add AS15169 x@example.net role boss",
      /^"boss" is not a contact role; use one of technical, policy, noc/,
      "alice",
    );
    await refused(
      "contact add AS15169 peering@google.com role policy",
      /^peering@google\.com is already AS15169's policy contact\./,
      "alice",
    );
    await refused("contact add AS7 x@example.net", /^AS7 is not in peerbot's database\./, "alice");
    await refused(
      "contact remove AS15169 nobody@google.com",
      /^AS15169 has no contact nobody@google\.com\./,
      "alice",
    );
    await refused("contact add AS15169 x@example.net", /^You need the operator role/, "viewer1");
  });

  it("removes a contact, recorded", async () => {
    const t = await say("alice", "contact remove AS15169 noc@google.com");
    expect(t).toContain("noc@google.com is no longer AS15169's contact (noc)");
    expect(await lastChange("contact")).toMatchObject({
      action: "delete",
      objectRepr: "AS15169 noc@google.com",
    });
  });
});

describe("help", () => {
  it("lists the new commands, each with its examples and, alone, each subcommand's syntax", async () => {
    const t = await say("alice", "help");
    for (const u of [
      "router add|set|show|remove|test <name> …",
      "connection add|set|remove|list …",
      "contact add|remove <AS> <e-mail> …",
      "history [router|as|ixp",
      "as <asn> | as add <asn> [affiliated] | as set <asn> <field> <value>",
    ])
      expect(t).toContain(u);
    const r = await say("alice", "help router");
    expect(r).toContain("router add edge1.lon host edge1.lon.example.net platform junos");
    expect(r).toContain("router set edge1.lon status maintenance");
    const syntax = await say("alice", "router");
    expect(syntax).toContain(
      "router add <name> host <hostname> platform <junos|iosxr|eos|bird2|frr|file> [port <n>] [as <local ASN>] [user <name>] [credential env:<VAR>] [template <name>] [router-id <IPv4>] [config-path <path>]\nrouter set <name> <field> <value>",
    );
    expect(await say("alice", "help connection")).toContain(
      "connection add LINX router edge1.lon v4 195.66.224.10/22",
    );
    expect(await say("alice", "help contact")).toContain(
      "contact add AS6939 peering@he.net name Peering Team role policy",
    );
    expect(await say("alice", "help history")).toContain("history session AS6939");
  });
});
