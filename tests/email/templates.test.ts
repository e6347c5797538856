// E-mail templates as an operator meets them: the bundled ones for every kind, an override
// folder that wins (and is re-read when it changes), a broken template answered with one
// sentence naming the file and the line (never a stack trace in a body), and plain text that
// is not HTML-escaped while the HTML part is.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeEmail, type Composed } from "../../core/email/compose.js";
import { EMAIL_HELPER_NAMES, EMAIL_TEMPLATE_NAMES, loadEmailTemplate } from "../../core/email/templates.js";
import { UserError } from "../../core/errors.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let dir: string;
let s: TestServices;
let linx: { id: number; ixlanId: number };
const requester = { id: "console:alice", name: "Alice" };

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  await seedDemoDb(db);
  dir = mkdtempSync(path.join(os.tmpdir(), "peerbot-email-tpl-"));
  mkdirSync(path.join(dir, "email", "partials"), { recursive: true });
  s = testServices(db, { PEERBOT_TEMPLATES_DIR: dir });
  const x = await db.prisma.internetExchange.findUniqueOrThrow({ where: { slug: "linx-lon1" } });
  linx = { id: x.id, ixlanId: x.peeringdbIxlanId! };
  // A network whose name has what HTML must escape and plain text must keep.
  const now = new Date();
  await db.pool.query(
    `insert into pdb_net (id, org_id, name, asn, status, created, updated) values (910001, 1, $1, 64497, 'ok', $2, $2)`,
    ["Smith & Sons <Networks> \"AS\" 'Q'", now],
  );
  await db.pool.query(
    `insert into pdb_netixlan (id, net_id, ix_id, ixlan_id, asn, ipaddr4, operational, status, created, updated)
     values (910002, 910001, $1, $1, 64497, '195.66.227.210', true, 'ok', $2, $2)`,
    [linx.ixlanId, now],
  );
  await db.pool.query(
    `insert into pdb_poc (id, net_id, role, visible, email, status, created, updated)
     values (910003, 910001, 'Policy', 'Public', 'peering@smith.example', 'ok', $1, $1)`,
    [now],
  );
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string) => path.join(dir, "email", name);
function write(name: string, text: string) {
  writeFileSync(file(name), text);
}
function remove(name: string) {
  rmSync(file(name), { force: true });
}

const request = (services = s, peerAsn = 6939n): Promise<Composed> =>
  composeEmail(services, { kind: "peering_request", peerAsn, ixpId: linx.id, requester });

async function failure(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  const u = e as UserError;
  expect(u.message).not.toMatch(/\n|\.ts:\d+|at Object\.|\bat [A-Za-z.]+ \(/);
  return u;
}

describe("bundled templates", () => {
  it("every kind has a text part with a subject and an HTML part, and compiles", () => {
    for (const name of EMAIL_TEMPLATE_NAMES) {
      const t = loadEmailTemplate(name, null);
      expect(t.label).toBe(name);
      expect(t.textFile).toMatch(new RegExp(`templates/email/${name}\\.txt\\.hbs$`));
      expect(t.htmlFile).toMatch(new RegExp(`templates/email/${name}\\.html\\.hbs$`));
    }
    expect(EMAIL_HELPER_NAMES).toEqual(
      expect.arrayContaining(["eq", "and", "or", "not", "join", "plural", "utc", "iso", "default", "pad"]),
    );
  });

  it("the text part keeps & < > and quotes as they are, the HTML part escapes them", async () => {
    const c = await request(s, 64497n);
    const name = "Smith & Sons <Networks> \"AS\" 'Q'";
    expect(c.subject).toBe(`Peering request: AS64500 peerbot demo network and AS64497 ${name} at LINX LON1`);
    expect(c.text).toContain(`Hello ${name} peering team,`);
    expect(c.html).toContain(
      "Hello Smith &amp; Sons &lt;Networks&gt; &quot;AS&quot; &#x27;Q&#x27; peering team,",
    );
    expect(c.html).not.toContain("<Networks>");
    expect(c.text).not.toContain("&amp;");
  });
});

describe("an override folder", () => {
  it("replaces the bundled template (text, subject and HTML), and is re-read when it changes", async () => {
    write(
      "peering-request.txt.hbs",
      "---\nsubject: Hi {{peer.name}} from AS{{local.asn}}\n---\nDear {{peer.name}}: {{#each ixp.missing}}{{theirs}} {{/each}}\n{{> sig}}\n",
    );
    write("partials/sig.txt.hbs", '-- {{requester.name}} ({{plural ixp.missing "address" "addresses"}})\n');
    try {
      let c = await request();
      expect(c.template).toBe("override/peering-request");
      expect(c.subject).toBe("Hi Hurricane Electric from AS64500");
      expect(c.text).toBe(
        "Dear Hurricane Electric: 195.66.224.21 2001:7f8:4::1b1b:1\n-- Alice (2 addresses)\n",
      );
      // An overridden text part without an HTML part of its own sends no HTML.
      expect(c.html).toBeUndefined();
      write("peering-request.html.hbs", "<p>{{peer.name}} &mdash; {{join ixp.theirs.ipv4}}</p>");
      c = await request();
      expect(c.html).toBe("<p>Hurricane Electric &mdash; 195.66.224.21</p>\n");
      write(
        "peering-request.txt.hbs",
        "---\nsubject: Changed\n---\nChanged body, a bit longer than before.\n",
      );
      c = await request();
      expect(c.subject).toBe("Changed");
      expect(c.text).toBe("Changed body, a bit longer than before.\n");
      // Other kinds keep the bundled templates.
      expect(loadEmailTemplate("maintenance", dir).label).toBe("maintenance");
    } finally {
      for (const f of ["peering-request.txt.hbs", "peering-request.html.hbs", "partials/sig.txt.hbs"])
        remove(f);
    }
    expect((await request()).template).toBe("peering-request");
  });

  it("can replace the HTML part alone", async () => {
    write("peering-request.html.hbs", "<b>{{peer.name}}</b>");
    try {
      const c = await request();
      expect(c.template).toBe("override/peering-request");
      expect(c.text).toContain("Hello Hurricane Electric peering team,");
      expect(c.html).toBe("<b>Hurricane Electric</b>\n");
    } finally {
      remove("peering-request.html.hbs");
    }
  });
});

describe("a broken template is one sentence naming the file and the line", () => {
  const cases: [string, string, string, RegExp][] = [
    [
      "a syntax error",
      "peering-request.txt.hbs",
      "---\nsubject: ok\n---\nline one\n{{#if peer.name}\n",
      /has an error on line 5: syntax error \(unexpected invalid\)\.$/,
    ],
    [
      "a misspelt field",
      "peering-request.txt.hbs",
      "---\nsubject: ok\n---\none\ntwo {{peer.nmae}}\n",
      /has an error on line 5: "nmae" is not defined\.$/,
    ],
    [
      "a misspelt field in the subject",
      "peering-request.txt.hbs",
      "---\n# comment\nsubject: Hello {{peer.nam}}\n---\nbody\n",
      /has an error on line 3: "nam" is not defined\.$/,
    ],
    [
      "an unknown helper",
      "peering-request.txt.hbs",
      "---\nsubject: ok\n---\n\n\n{{shout peer.name}}\n",
      /has an error on line 6: unknown helper shout\.$/,
    ],
    [
      "a missing partial",
      "peering-request.txt.hbs",
      "---\nsubject: ok\n---\nbody\n{{> footer}}\n",
      /has an error on line 5: there is no partial footer\.$/,
    ],
    [
      "no subject",
      "peering-request.txt.hbs",
      "---\nfrom: x\n---\nbody\n",
      /has an error on line 2: unknown front matter key from \(only subject\)\.$/,
    ],
    [
      "no front matter",
      "peering-request.txt.hbs",
      "Hello {{peer.name}}\n",
      /has an error on line 1: it must start with a front matter block/,
    ],
    [
      "unescaped output in HTML",
      "peering-request.html.hbs",
      "<p>ok</p>\n<p>{{{peer.name}}}</p>\n",
      /peering-request\.html\.hbs has an error on line 2: \{\{\{ \}\}\} and \{\{& \}\} are not allowed in an HTML template/,
    ],
  ];
  for (const [what, name, text, message] of cases) {
    it(what, async () => {
      write(name, text);
      try {
        const e = await failure(request());
        expect(e.message).toMatch(
          new RegExp(
            `^The e-mail template ${file(name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} has an error`,
          ),
        );
        expect(e.message).toMatch(message);
        expect(e.hint).toBe("Fix the file, or remove it to use the bundled template; nothing was sent.");
      } finally {
        remove(name);
      }
    });
  }

  it("an error inside a partial names the partial's file", async () => {
    write("partials/signature.txt.hbs", "Regards,\n{{requester.nickname}}\n");
    try {
      const e = await failure(request());
      expect(e.message).toBe(
        `The e-mail template ${file("partials/signature.txt.hbs")} has an error on line 2: "nickname" is not defined.`,
      );
    } finally {
      remove("partials/signature.txt.hbs");
    }
  });

  it("a subject that renders empty", async () => {
    write("peering-request.txt.hbs", "---\nsubject: {{local.policyUrl}}\n---\nbody\n");
    try {
      expect((await failure(request())).message).toBe(
        `The e-mail template ${file("peering-request.txt.hbs")} made an empty subject (line 2).`,
      );
    } finally {
      remove("peering-request.txt.hbs");
    }
  });

  it("the bulk path stops on a broken template instead of skipping every network", async () => {
    write("peering-request.txt.hbs", "---\nsubject: ok\n---\n{{nope}}\n");
    try {
      const { composeBulk } = await import("../../core/email/compose.js");
      const e = await failure(
        composeBulk(s, { kind: "peering_request", ixpId: linx.id, peerAsns: [6939n, 64497n], requester }),
      );
      expect(e.message).toMatch(/has an error on line 4: "nope" is not defined\.$/);
    } finally {
      remove("peering-request.txt.hbs");
    }
  });
});

describe("helpers", () => {
  it("format dates, counts, lists and columns", async () => {
    write(
      "peering-request.txt.hbs",
      [
        "---",
        'subject: "{{plural 1 "session"}} / {{plural sharedIxps "exchange"}}"',
        "---",
        '[{{pad peer.asn 8}}]{{join ixp.theirs.ipv6 "; "}}',
        '{{#if (and ixp (not (eq peer.asn 1)))}}yes{{/if}} {{default local.policyUrl "no policy"}}',
        "{{utc now.iso}} | {{iso now.iso}}",
        '{{#each sharedIxps}}{{#if (or requested (eq slug "de-cix-frankfurt"))}}{{slug}} {{/if}}{{/each}}',
      ].join("\n"),
    );
    try {
      const c = await request();
      expect(c.subject).toBe("1 session / 2 exchanges");
      const [a, b, d, e] = c.text.split("\n");
      expect(a).toBe("[6939    ]2001:7f8:4::1b1b:1");
      expect(b).toBe("yes no policy");
      expect(d).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC \| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(e).toBe("linx-lon1 de-cix-frankfurt");
    } finally {
      remove("peering-request.txt.hbs");
    }
  });
});
