// No text from outside can inject a header: hostile PeeringDB names (those of the render
// injection tests and of the benchmark's data generator, and header-specific ones), hostile
// contact addresses, IXP names and senders go through composeEmail; the composed subject and
// addresses are checked, and the raw message nodemailer's MailComposer builds from them is
// parsed back with mailparser to show exactly the headers and recipients expected.
import { simpleParser, type AddressObject } from "mailparser";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addressProblem,
  formatMailbox,
  headerText,
  parseMailbox,
  splitAddressField,
} from "../../core/email/address.js";
import { composeEmail, type Composed } from "../../core/email/compose.js";
import { UserError } from "../../core/errors.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { HOSTILE_NAMES, ODD_NAMES } from "../helpers/hostile-names.js";
import { testServices, type TestServices } from "../helpers/services.js";

/** The odd names of tests/bench/pdb-generator.ts, and one with a line break as it makes them. */
const GENERATOR_ODD = [...ODD_NAMES, "Tera Networks\n(line two) 7"];
/** Aimed at mail headers. */
const HEADER_HOSTILE = [
  "Evil Net\r\nBcc: victim@evil.example",
  "Evil Net\nSubject: spoofed\n\nbody starts here",
  "Evil Net\rX-Injected: 1",
  "Evil\u2028Bcc: victim@evil.example",
  "Evil\u0085Bcc: victim@evil.example",
  "=?utf-8?b?RXZpbA0KQmNjOiB2aWN0aW1AZXZpbC5leGFtcGxl?=",
  "Evil <victim@evil.example>, Other <other@evil.example>",
  "Evil\u0007Bell\u007fDel",
  "   \r\n\t  ",
];
const NAMES = [...HOSTILE_NAMES, ...GENERATOR_ODD, ...HEADER_HOSTILE];

/** Contact addresses in PeeringDB: every one of these but the last two is refused. */
const HOSTILE_EMAILS = [
  "noc@evil.example\r\nBcc: victim@evil.example",
  "noc@evil.example\nTo: victim@evil.example",
  "victim@evil.example>",
  "<victim@evil.example",
  '"quoted"@evil.example',
  "two@@evil.example",
  "spaces in@evil.example",
  "ip@[127.0.0.1]",
  "nodot@localhost",
  "trailing.@evil.example",
  "x@-bad-.example",
  "x@evil.123",
  `${"l".repeat(65)}@evil.example`,
  "noc@evil.example\u2028victim@evil.example",
];

let db: TestDatabase;
let s: TestServices;
let linx: { id: number; ixlanId: number };
const requester = { id: "console:mallory", name: "Mallory\r\nBcc: victim@evil.example" };
const BASE_ASN = 4_100_000_000;

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  await seedDemoDb(db);
  s = testServices(db, { PEERBOT_EMAIL_CC: "team@demo.example", PEERBOT_EMAIL_BCC: "archive@demo.example" });
  const x = await db.prisma.internetExchange.findUniqueOrThrow({ where: { slug: "linx-lon1" } });
  linx = { id: x.id, ixlanId: x.peeringdbIxlanId! };
  const now = new Date();
  for (const [i, name] of NAMES.entries()) {
    const netId = 920_000 + i;
    const asn = BASE_ASN + i;
    await db.pool.query(
      `insert into pdb_net (id, org_id, name, aka, asn, status, created, updated) values ($1, 1, $2, $2, $3, 'ok', $4, $4)`,
      [netId, name, asn, now],
    );
    await db.pool.query(
      `insert into pdb_netixlan (id, net_id, ix_id, ixlan_id, asn, ipaddr4, operational, status, created, updated)
       values ($1, $2, $3, $3, $4, $5, true, 'ok', $6, $6)`,
      [930_000 + i, netId, linx.ixlanId, asn, `195.66.225.${i + 1}`, now],
    );
    const emails = [
      ...HOSTILE_EMAILS,
      `peering${i}@net${i}.example`,
      `NOC${i}@NET${i}.example, peering${i}@net${i}.example`,
    ];
    for (const [j, email] of emails.entries())
      await db.pool.query(
        `insert into pdb_poc (id, net_id, role, visible, name, email, status, created, updated)
         values ($1, $2, 'Policy', 'Public', $3, $4, 'ok', $5, $5)`,
        [940_000 + i * 100 + j, netId, name, email, now],
      );
  }
});
afterAll(async () => {
  await db?.drop();
});

const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
/** The top-level headers of a request to one address with the team in Cc, sorted: nothing else. */
const HEADERS = ["cc", "content-type", "date", "from", "message-id", "mime-version", "subject", "to"];

/** The raw message MailComposer makes of a composed e-mail, its top-level header names, and the parse. */
async function build(c: Composed) {
  const raw = await new MailComposer({
    from: c.from,
    replyTo: c.replyTo,
    to: c.to,
    cc: c.cc,
    bcc: c.bcc,
    subject: c.subject,
    text: c.text,
    html: c.html,
    messageId: "<fixed-id@peerbot.test>",
    date: new Date("2026-12-01T10:00:00Z"),
  })
    .compile()
    .build();
  const text = raw.toString("utf8");
  const head = text.slice(0, text.indexOf("\r\n\r\n"));
  const lines = head.split("\r\n");
  for (const l of lines) expect(l, `header line ${JSON.stringify(l)}`).toMatch(/^([A-Za-z0-9-]+: |[ \t])/);
  const names = lines.filter((l) => !/^[ \t]/.test(l)).map((l) => l.slice(0, l.indexOf(":")).toLowerCase());
  const parsed = await simpleParser(raw);
  return { raw: text, names, parsed };
}

const addresses = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value.map((v) => v.address));

describe("hostile PeeringDB names and contacts", () => {
  it("reach no header: one subject line, exactly the expected headers and recipients", async () => {
    for (const [i, name] of NAMES.entries()) {
      const c = await composeEmail(s, {
        kind: "peering_request",
        peerAsn: BigInt(BASE_ASN + i),
        ixpId: linx.id,
        requester,
      });
      const what = `name #${i} ${JSON.stringify(name.slice(0, 60))}`;
      expect(c.subject, what).not.toMatch(CONTROL);
      expect(c.subject.length, what).toBeLessThanOrEqual(200);
      expect(c.subject, what).toMatch(/^Peering request: AS64500 peerbot demo network and AS\d+ /);
      expect(c.peer.name, what).not.toMatch(CONTROL);
      expect(c.to, what).toEqual([`peering${i}@net${i}.example`, `NOC${i}@net${i}.example`]);
      expect(c.cc, what).toEqual(["team@demo.example"]);
      expect(c.bcc, what).toEqual(["archive@demo.example"]);
      expect(
        c.dropped.map((d) => d.reason.replace(/: .*/, "")),
        what,
      ).toEqual(HOSTILE_EMAILS.map(() => "PeeringDB contact (Policy)"));
      for (const d of c.dropped) expect(d.address, what).not.toMatch(CONTROL);
      // The body has the name on one line: nothing in it starts a line of its own.
      expect(c.text, what).not.toMatch(/^(Bcc|To|Subject|X-Injected):/im);
      expect(c.text, what).not.toMatch(/^ *neighbor 6\.6\.6/m);

      const { names, parsed } = await build(c);
      expect(names.sort(), what).toEqual(HEADERS);
      expect(parsed.subject, what).toBe(c.subject);
      // Nor does the subject decode (RFC 2047) into something with a line break at the receiver.
      expect(parsed.subject, what).not.toMatch(CONTROL);
      expect(c.subject, what).not.toContain("=?");
      expect(addresses(parsed.from), what).toEqual(["peerbot@localhost"]);
      expect(addresses(parsed.to), what).toEqual(c.to);
      expect(addresses(parsed.cc), what).toEqual(["team@demo.example"]);
      expect(parsed.bcc, what).toBeUndefined();
      expect(parsed.headers.has("bcc"), what).toBe(false);
      expect(parsed.headers.has("x-injected"), what).toBe(false);
      expect(parsed.messageId, what).toBe("<fixed-id@peerbot.test>");
      expect(parsed.text?.trim(), what).toBe(c.text.trim());
    }
  });

  it("an IXP name, our AS's name and the requester's name with line breaks stay on their line", async () => {
    await db.prisma.internetExchange.update({
      where: { id: linx.id },
      data: { name: "LINX\r\nBcc: victim@evil.example" },
    });
    await db.prisma.autonomousSystem.update({
      where: { asn: 64500n },
      data: { name: "Demo\nX-Injected: yes" },
    });
    try {
      const c = await composeEmail(s, { kind: "peering_request", peerAsn: 6939n, ixpId: linx.id, requester });
      expect(c.subject).toBe(
        "Peering request: AS64500 Demo X-Injected: yes and AS6939 Hurricane Electric at LINX Bcc: victim@evil.example",
      );
      expect(c.text).toContain(
        "Best regards,\nMallory Bcc: victim@evil.example\nAS64500 Demo X-Injected: yes\n",
      );
      const { names, parsed } = await build(c);
      expect(names.sort()).toEqual(HEADERS);
      expect(addresses(parsed.to)).toEqual(["peering@he.net"]);
      expect(parsed.headers.has("bcc")).toBe(false);
      expect(parsed.headers.has("x-injected")).toBe(false);
    } finally {
      await db.prisma.internetExchange.update({ where: { id: linx.id }, data: { name: "LINX LON1" } });
      await db.prisma.autonomousSystem.update({
        where: { asn: 64500n },
        data: { name: "peerbot demo network" },
      });
    }
  });
});

describe("senders", () => {
  it("a display name with quotes, commas and angle brackets is quoted: one From address", async () => {
    const conf = testServices(db, {
      PEERBOT_EMAIL_FROM: '"Evil\\" <victim@evil.example>, Bcc: x" <peering@demo.example>',
      PEERBOT_EMAIL_REPLY_TO: "Ops Team <ops@demo.example>",
    });
    const c = await composeEmail(conf, { kind: "peering_request", peerAsn: 6939n, requester });
    expect(c.from).toBe('"Evil\\" <victim@evil.example>, Bcc: x" <peering@demo.example>');
    const { names, parsed } = await build(c);
    expect(names).toContain("reply-to");
    expect(parsed.from?.value).toEqual([
      { name: 'Evil" <victim@evil.example>, Bcc: x', address: "peering@demo.example" },
    ]);
    expect(addresses(parsed.replyTo)).toEqual(["ops@demo.example"]);
    expect(parsed.headers.has("bcc")).toBe(false);
  });

  it("a sender override with a line break is refused in one sentence", async () => {
    await db.prisma.autonomousSystem.update({
      where: { asn: 64500n },
      data: { emailFrom: "Peering <peering@demo.example>\r\nBcc: victim@evil.example" },
    });
    try {
      const e = await composeEmail(s, { kind: "peering_request", peerAsn: 6939n, requester }).then(
        () => null,
        (x: unknown) => x as UserError,
      );
      expect(e).toBeInstanceOf(UserError);
      expect(e?.message).toBe(
        "AS64500's e-mail sender is not valid: Peering <peering@demo.example> Bcc: victim@evil.example is not a valid e-mail address: it contains control characters or line breaks.",
      );
    } finally {
      await db.prisma.autonomousSystem.update({ where: { asn: 64500n }, data: { emailFrom: "" } });
    }
  });
});

describe("addresses", () => {
  it("accepts the ordinary ones and refuses what a header could misread", () => {
    for (const ok of [
      "peering@he.net",
      "first.last+tag@sub.example.co.uk",
      "o'reilly@example.net",
      "x_y-z@xn--bcher-kva.example",
      "a@b.cd",
    ])
      expect(addressProblem(ok), ok).toBeNull();
    expect(parseMailbox("noc@Bücher.Example").address).toBe("noc@xn--bcher-kva.example");
    for (const [bad, why] of [
      ["", "it is empty"],
      ["no-at.example", "it has no @"],
      ["a@b@c.example", "it has more than one @"],
      ["@example.net", "it has nothing before the @"],
      ["a b@example.net", "its part before the @ has characters peerbot does not send to"],
      ["a,b@example.net", "its part before the @ has characters peerbot does not send to"],
      ['"a"@example.net', "its part before the @ has characters peerbot does not send to"],
      ["<a>@example.net", "its part before the @ has characters peerbot does not send to"],
      [".a@example.net", "its part before the @ has a misplaced dot"],
      ["a..b@example.net", "its part before the @ has a misplaced dot"],
      ["a@localhost", "its domain has no dot"],
      ["a@[192.0.2.1]", "it is addressed to an IP literal, not a domain"],
      ["a@192.0.2.1", "its domain ends in a number, not a name"],
      ["a@exa_mple.net", "its domain is not a valid domain name"],
      ["a@example..net", "its domain is not a valid domain name"],
      ["a\r\n@example.net", "it contains control characters or line breaks"],
      [`${"a".repeat(65)}@example.net`, "its part before the @ is longer than 64 characters"],
      [`a@${"b".repeat(250)}.net`, "it is longer than 254 characters"],
    ] as const)
      expect(addressProblem(bad), JSON.stringify(bad)).toBe(why);
    expect(addressProblem("peerbot@localhost", { allowSingleLabel: true })).toBeNull();
  });

  it("a contact field with a list is split; one with a line break is refused whole", () => {
    expect(splitAddressField("a@x.example, b@x.example; mailto:c@x.example")).toEqual({
      ok: ["a@x.example", "b@x.example", "c@x.example"],
      bad: [],
    });
    expect(splitAddressField("a@x.example\r\nBcc: v@evil.example")).toEqual({
      ok: [],
      bad: [
        {
          address: "a@x.example Bcc: v@evil.example",
          reason: "it contains control characters or line breaks",
        },
      ],
    });
  });

  it("formats display names safely", () => {
    expect(formatMailbox({ address: "a@x.example", name: "Plain Name" })).toBe("Plain Name <a@x.example>");
    expect(formatMailbox({ address: "a@x.example", name: 'Q"uote, \\ Inc.' })).toBe(
      '"Q\\"uote, \\\\ Inc." <a@x.example>',
    );
    expect(formatMailbox({ address: "a@x.example", name: "Line\r\nBreak" })).toBe("Line Break <a@x.example>");
    expect(formatMailbox({ address: "a@x.example", name: "" })).toBe("a@x.example");
    expect(headerText("a\u202eb\u2028c\td", 100)).toBe("a b c d");
    expect(headerText("=?utf-8?q?Evil=0D=0ABcc:_x?=", 100)).toBe("= ?utf-8?q?Evil=0D=0ABcc:_x?=");
    expect(headerText("x".repeat(300), 200)).toHaveLength(200);
  });
});
