// The console with the demo network: the read commands print the right data, and bad input
// gets one clear sentence, changes nothing and never crashes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { defineCommand } from "../../commands/registry.js";
import { createChat, type Chat } from "../helpers/chat.js";
import { seedDemoDb } from "../helpers/demo.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let chat: Chat;
const say = (user: string, line: string) => chat.say(user, line);

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db);
  chat = createChat(services);
  await seedDemoDb(db, "/tmp/peerbot-test-unused");
});
afterAll(async () => {
  await db?.drop();
});

describe("read commands on the demo network", () => {
  it("as 64500 shows our network", async () => {
    const t = await say("alice", "as 64500");
    expect(t).toContain("AS64500 peerbot demo network");
    expect(t).toContain("AS-PEERBOT-DEMO");
    expect(t).toMatch(/Ours: yes/);
  });

  it("as AS15169 shows a peer with its sessions", async () => {
    const t = await say("alice", "as AS15169");
    expect(t).toContain("AS15169 Google LLC");
    expect(t).toContain("2 sessions with us.");
    expect(t).toMatch(/LINX LON1\s+195\.66\.224\.125\s+enabled/);
    expect(t).toMatch(/LINX LON1\s+2001:7f8:4::3b41:1\s+enabled/);
  });

  it("ix linx finds LINX LON1 by prefix and shows our port", async () => {
    const t = await say("alice", "ix linx");
    expect(t).toContain("LINX LON1");
    expect(t).toContain("ix 18, ixlan 18");
    expect(t).toContain("195.66.226.250/22");
    expect(t).toContain("2001:7f8:4::fbf4:1/64");
  });

  it("sessions linx lists the LINX sessions and no others", async () => {
    const t = await say("alice", "sessions linx");
    expect(t).toContain("6 sessions");
    for (const ip of ["195.66.224.125", "2001:7f8:4::3b41:1", "195.66.224.140", "195.66.225.4"])
      expect(t).toContain(ip);
    expect(t).not.toContain("80.81."); // DE-CIX
    expect(t).not.toMatch(/AS6939\b/); // left unpeered at LINX on purpose
  });

  it("click <action id> with spaces presses that button, as the README shows", async () => {
    const t = await say("alice", "click cmd:sessions linx-lon1");
    expect(t).toContain("6 sessions");
    expect(t).toContain("195.66.224.125");
  });

  it("sessions filters by AS, router and status", async () => {
    expect(await say("alice", "sessions AS6939")).toContain("DE-CIX Frankfurt");
    expect(await say("alice", "sessions edge1.fra")).toContain("80.81.192.172");
    expect(await say("alice", "sessions linx status:disabled")).toContain(
      "No disabled sessions for LINX LON1",
    );
  });

  it("routers lists both demo routers", async () => {
    const t = await say("alice", "routers");
    expect(t).toMatch(/edge1\.fra\s+edge1\.fra\.example\.net\s+junos/);
    expect(t).toMatch(/edge1\.lon\s+edge1\.lon\.example\.net\s+file/);
  });

  it("an ambiguous IXP is offered as buttons, and a click picks one", async () => {
    const us = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 64500n } });
    await db.prisma.internetExchange.createMany({
      data: [
        { name: "Netnod Stockholm A", slug: "netnod-sto-a", localAsId: us.id },
        { name: "Netnod Stockholm B", slug: "netnod-sto-b", localAsId: us.id },
      ],
    });
    const t = await say("alice", "ix netnod");
    expect(t).toContain('"netnod" matches 2 IXPs');
    expect(t).toContain("[1] Netnod Stockholm A  (cmd:ix netnod-sto-a)");
    expect(await chat.click("alice", 2)).toContain("Netnod Stockholm B");
    expect(await chat.click("alice", 9)).toContain("There is no button 9");
  });

  it("help lists every command and help <command> explains one", async () => {
    const t = await say("alice", "help");
    for (const c of ["as <asn>", "ix <name", "sessions [AS|IXP|router]", "routers"]) expect(t).toContain(c);
    expect(await say("alice", "help sessions")).toContain("sessions AS15169");
  });
});

describe("PeeringDB on the demo network", () => {
  it("peers linx lists real LINX LON1 members, without those we have sessions with", async () => {
    // Walk every page through its Next button, as a user would.
    const t = await say("alice", "peers linx");
    expect(t).toContain("Available peers at LINX LON1");
    const all: string[] = [t];
    let page = t;
    for (let i = 0; i < 10; i++) {
      if (!/\[\d+\] Next/.test(page)) break;
      page = await chat.click("alice", "Next »");
      all.push(page);
    }
    const text = all.join("\n");
    expect(text).toMatch(/AS6939\s+Hurricane Electric\s+195\.66\.224\.21\s+2001:7f8:4::1b1b:1/);
    expect(text).toMatch(/AS2686\s+AT&T EMEA/);
    for (const peered of ["AS15169 ", "AS8075 ", "AS702 "]) expect(text).not.toContain(`\n${peered}`);
    expect(text).not.toMatch(/^AS64500\b/m);
    expect(text).toContain("(cmd:peer AS6939 at linx-lon1)");
  });

  it("peers linx policy:open rs:no filters", async () => {
    const t = await say("alice", "peers linx policy:open rs:no");
    const rows = t.split("\n").filter((l) => /^AS\d+\s/.test(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toMatch(/\sno\s+Open\s/);
    expect(t).not.toContain("Hurricane Electric"); // a route-server peer
  });

  it("hide AS6939 at LINX removes it and unhide brings it back", async () => {
    expect(await say("alice", "peers linx hurricane")).toContain("AS6939");
    expect(await say("alice", "hide AS6939 at LINX until 2099-01-01 reason asked us to wait")).toContain(
      "AS6939 is hidden from `peers linx-lon1` until 2099-01-01 (asked us to wait).",
    );
    expect(await say("alice", "peers linx hurricane")).toContain("No available peer at LINX LON1");
    expect(await say("alice", "unhide")).toMatch(
      /AS6939\s+LINX LON1\s+2099-01-01\s+asked us to wait\s+alice/,
    );
    expect(await say("alice", "unhide AS6939 at LINX")).toContain("AS6939 shows in `peers linx-lon1` again.");
    expect(await say("alice", "peers linx hurricane")).toContain("AS6939");
    expect(await say("alice", "hide AS6939 at LINX until 2001-01-01")).toContain(
      "That moment has already passed.",
    );
  });

  it("as <asn> shows PeeringDB's view of a network we do not know yet, with a Peer button", async () => {
    const t = await say("alice", "as AS2686");
    expect(t).toContain("AS2686 AT&T EMEA");
    expect(t).toContain("No session with us yet.");
    expect(t).toContain("(cmd:peer AS2686 at linx-lon1)");
    expect(t).toContain("not in peerbot's database yet");
  });
});

describe("bad input", () => {
  const cases: [string, RegExp][] = [
    ["peer", /^Error: Say which network: give the peer's AS number/],
    ["peer AS99999999999 at LINX", /^Error: AS99999999999 is out of range/],
    ["peer AS6939", /^Error: Say which IXP/],
    ["peer AS6939 at nowhere", /^Error: No IXP is called "nowhere"\./],
    ["peer AS6939 at LINX v4 v6", /^Error: Say v4 or v6, not both/],
    ["peer AS64500 at LINX", /^Error: AS64500 is one of ours/],
    [
      "peer AS3320 at LINX",
      /^Error: AS3320 has no address at LINX LON1 in PeeringDB\.\n`as 3320` shows where they are and whom to contact; `peers linx-lon1` lists who is there\.$/m,
    ],
    ["peers", /^Error: Say which IXP/],
    ["peers linx speed:fast", /^Error: /],
    ["approve", /^Error: /],
    ["approve x", /^Error: /],
    ["ix", /^Error: Say which IXP/],
    ["ix nowhere", /^Error: No IXP is called "nowhere"\./],
    ["as", /^Error: Say which network/],
    ["as AS99999999999", /^Error: AS99999999999 is out of range/],
    ["as 🦄", /^Error: "🦄" is not an AS number/],
    ["as 64500 64501", /^Error: I did not understand "64501"/],
    ["sessions linx status:up", /^Error: "up" is not a session status/],
    ["sessions AS0", /^Error: "AS0" is not a valid AS number.*\nUsage: sessions /],
    ["sessions AS 99999999999", /^Error: "AS99999999999" is not a valid AS number/],
    ["status AS0", /^Error: "AS0" is not a valid AS number.*\nUsage: status /],
    ["status AS-1", /^Error: "AS-1" is not a valid AS number/],
    ["sessions linx page:0", /^Error: "0" is not a page number/],
    ["sesions", /^Error: There is no command "sesions"\.\nDid you mean `sessions`/],
    ["ıx ﬁnd ∂", /^Error: There is no command/],
    ["x".repeat(10_000), /^Error: That line is 10000 characters long/],
    ['ix "unclosed', /^Error: No IXP is called "unclosed"/],
    ["as \u0000\u0001", /^Error: Say which network/],
    // Special-purpose and our own ASNs: nothing to hide, nobody to peer with at an IXP.
    ["hide AS23456 at LINX", /^Error: AS23456 is AS_TRANS, .* not a network to hide\.\nUsage: hide /],
    ["hide AS4294967295 at LINX", /^Error: AS4294967295 is reserved \(RFC 7300\), not a network to hide\./],
    ["hide AS65535 at LINX", /^Error: AS65535 is reserved \(RFC 7300\)/],
    ["hide AS64512 at LINX", /^Error: AS64512 is a private AS number \(RFC 6996\), not a network to hide\./],
    ["hide AS65534 at LINX", /^Error: AS65534 is a private AS number/],
    ["hide AS4200000000 at LINX", /^Error: AS4200000000 is a private AS number/],
    ["hide AS4294967294 at LINX", /^Error: AS4294967294 is a private AS number/],
    ["hide AS64496 at LINX", /^Error: AS64496 is reserved for documentation \(RFC 5398\)/],
    ["hide AS65551 at LINX", /^Error: AS65551 is reserved for documentation/],
    ["hide AS65536 at nowhere", /^Error: AS65536 is reserved for documentation/],
    [
      "hide AS64500 at LINX",
      /^Error: AS64500 is one of ours; `peers` never lists our own networks\.\nUsage: hide /,
    ],
    ["peer AS23456 at LINX", /^Error: AS23456 is AS_TRANS, .*: peerbot does not peer with it at an IXP\./],
    ["peer AS64512 at LINX", /^Error: AS64512 is a private AS number \(RFC 6996\): peerbot does not peer/],
    ["peer AS4200000001 at LINX", /^Error: AS4200000001 is a private AS number/],
    ["peer AS65535 at LINX", /^Error: AS65535 is reserved \(RFC 7300\)/],
    ["peer AS4294967295 at LINX", /^Error: AS4294967295 is reserved \(RFC 7300\)/],
  ];
  const labelled = cases.map(([line, re]) => ({
    label: JSON.stringify(line.length > 40 ? `${line.slice(0, 20)}… (${line.length} chars)` : line),
    line,
    re,
  }));
  it.each(labelled)("$label gets one clear sentence and changes nothing", async ({ line, re: expected }) => {
    const before = await fingerprint(db);
    const t = await say("alice", line);
    expect(t).toMatch(expected);
    const [first, second] = t.trim().split("\n");
    expect(first).toMatch(/[.?]$/); // a sentence
    expect(second ?? "").toMatch(/^(\S.*)?$/); // and at most a one-line hint
    expect(t).not.toMatch(/at .*\.ts:\d+|Error: .*Exception|prisma/i); // never a stack trace
    expect(await fingerprint(db)).toBe(before);
  });

  it("every invocation is audited, user errors as user_error", async () => {
    await say("carol", "ix nowhere-at-all");
    const ev = await db.prisma.auditEvent.findFirstOrThrow({
      where: { userId: "carol" },
      orderBy: { id: "desc" },
    });
    expect(ev).toMatchObject({
      platform: "console",
      command: "ix",
      outcome: "user_error",
      args: "nowhere-at-all",
    });
  });
});

describe("roles", () => {
  it("refuses a command that needs a role the user lacks, names the role, and audits it as denied", async () => {
    const registry = buildRegistry();
    let ran = false;
    registry.add(
      defineCommand({
        name: "touch",
        summary: "changes state (test)",
        usage: "touch",
        examples: [],
        role: "operator",
        args: {},
        schema: z.object({}),
        async handler() {
          ran = true;
          return { text: "done" };
        },
      }),
    );
    const inv = (user: string) => ({
      actor: { platform: "console" as const, userId: user, userName: user },
      channel: "console",
      text: "touch",
    });
    const denied = await dispatch(registry, services, inv("mallory"));
    expect(denied.outcome).toBe("denied");
    expect(denied.reply.text).toBe("You need the operator role to run `touch`; ask an admin to grant it.");
    expect(ran).toBe(false);
    const ev = await db.prisma.auditEvent.findFirstOrThrow({
      where: { userId: "mallory" },
      orderBy: { id: "desc" },
    });
    expect(ev.outcome).toBe("denied");
    expect(ev.command).toBe("touch");

    const ok = await dispatch(registry, services, inv("alice"));
    expect(ok.outcome).toBe("ok");
    expect(ran).toBe(true);
  });

  it("a button press is authorised again, and an unknown button says so", async () => {
    const r = await dispatch(buildRegistry(), services, {
      actor: { platform: "console", userId: "alice", userName: "alice" },
      channel: "console",
      action: "nothing.here:1",
    });
    expect(r.outcome).toBe("user_error");
    expect(r.reply.text).toMatch(/That button no longer does anything/);
  });
});

describe("peers on the demo network: networks, pages and free text", () => {
  /** Every page of `line`'s reply, walked through its Next buttons. */
  async function allPages(line: string): Promise<string[]> {
    const pages = [await say("alice", line)];
    for (let i = 0; i < 20; i++) {
      if (!/\[\d+\] Next/.test(pages[pages.length - 1] ?? "")) break;
      pages.push(await chat.click("alice", "Next »"));
    }
    return pages;
  }

  it("counts networks, not ports, and shows one row and one Peer button per network", async () => {
    const pages = await allPages("peers de-cix");
    const text = pages.join("\n");
    const total = Number(/^(\d+) networks? we do not peer with yet/m.exec(text)?.[1]);
    const buttons = [...text.matchAll(/\(cmd:peer AS(\d+) at de-cix-frankfurt\)/g)].map((m) => m[1]);
    expect(buttons.length).toBe(total);
    expect(new Set(buttons).size).toBe(buttons.length);
    // AS10310 has several ports at DE-CIX Frankfurt in PeeringDB: one row, their speeds summed.
    expect(buttons.filter((b) => b === "10310")).toHaveLength(1);
    expect(text.split("\n").filter((l) => /^AS10310\s/.test(l))).toHaveLength(1);
    expect(text).toMatch(/^AS10310\s.*\(\d+ ports\)/m);
  });

  it("a page past the end says so and offers the last page", async () => {
    const t = await say("alice", "peers linx page:99");
    const pages = Number(
      /There are (\d+) pages of available peers at LINX LON1; page 99 is past the end\./.exec(t)?.[1],
    );
    expect(pages).toBeGreaterThan(1);
    expect(t).not.toMatch(/page 99 of|Prev/);
    expect(t).toContain(`Last page (${pages})  (cmd:peers linx-lon1 page:${pages})`);
    const last = await chat.click("alice", 1);
    expect(last).toContain(`page ${pages} of ${pages}`);
    expect(last).toMatch(/^AS\d+\s/m);
  });

  it("free text after the IXP's name is a filter, matched literally", async () => {
    const us = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 64500n } });
    // An exchange named so that the free text continues its name; LINX LON1's members.
    await db.prisma.internetExchange.create({
      data: {
        name: "Example IX Berlin",
        slug: "example-ix-berlin",
        localAsId: us.id,
        peeringdbIxId: 18,
        peeringdbIxlanId: 18,
      },
    });
    const ber = await say("alice", "peers example-ix ber");
    expect(ber).toContain("Available peers at Example IX Berlin");
    expect(ber).toMatch(/we do not peer with yet \(ber\)/);
    expect(ber).toMatch(/^AS13030\s+Init7/m); // "Fiber7" in its AKA
    expect(ber).toMatch(/^AS4788\s+Telekom Malaysia Berhad/m);
    expect(ber).not.toContain("AS6939");
    // We have no port there: no Peer button that `peer` would refuse.
    expect(ber).not.toContain("(cmd:peer AS");
    expect(ber).toContain("We have no enabled connection with a router at Example IX Berlin");
    for (const w of ["%", "_", "100%"])
      expect(await say("alice", `peers example-ix ${w}`)).toContain(
        `No available peer at Example IX Berlin matching ${w}:`,
      );
    // Whole words of the name still make the name.
    expect(await say("alice", "peers example-ix berlin hurricane")).toMatch(/^AS6939\s+Hurricane Electric/m);
    expect(await say("alice", "peers linx lon1 hurricane")).toMatch(/^AS6939\s+Hurricane Electric/m);
  });
});
