// Inbound peering requests over HTTP on loopback, against the real operations server, the demo
// network with its real PeeringDB records (Hurricane Electric, AS6939, is at LINX LON1 with the
// contacts peering@he.net and noc@he.net) and a real SMTP server: the first POST e-mails a token
// to the PeeringDB contact and answers the same for an address that is not one; the second POST
// opens the request and posts it to the requests channel with Peer and Decline; forged,
// replayed and expired tokens, an ASN not at the IXP, addresses that are not its own, a body too
// large, bad JSON and a flood from one address are refused with a JSON sentence and nothing
// stored, sent or posted; Peer creates the sessions and the change; Decline e-mails the reply.
import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OpsServer } from "../../bot/ops-server.js";
import { INBOUND_PATH, inboundRoute } from "../../bot/inbound-route.js";
import type { MessageRef, Notifier } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import { FakeSmtpServer } from "../fakes/smtp.js";
import { demoChat, type DemoChat } from "../helpers/demo-chat.js";
import { until } from "../helpers/until.js";

let demo: DemoChat;
let smtp: FakeSmtpServer;
let ops: OpsServer;
let base: string;
const posts: { channel: { platform: string; channel: string }; reply: Reply; ref: MessageRef }[] = [];

beforeAll(async () => {
  smtp = await FakeSmtpServer.start();
  demo = await demoChat(import.meta.filename, {
    env: {
      ...smtp.env,
      PEERBOT_EMAIL_FROM: "AS64500 Peering <peering@example.net>",
      PEERBOT_REQUESTS_CHANNEL: "console:peering-requests",
      PEERBOT_REQUESTS_PER_ASN: "5",
      PEERBOT_REQUESTS_PER_SOURCE: "8",
    },
  });
  // What is posted to the requests channel, then printed by alice's console as usual.
  const inner = demo.services.notifier as Notifier;
  demo.services.notifier = {
    update: (ref, reply) => inner.update(ref, reply),
    async post(channel, reply) {
      const ref = await inner.post(channel, reply);
      posts.push({ channel, reply, ref });
      return ref;
    },
  };
  ops = new OpsServer({ port: 0, host: "127.0.0.1", log: demo.services.log });
  ops.mount(INBOUND_PATH, inboundRoute(demo.services));
  base = `http://127.0.0.1:${await ops.start()}${INBOUND_PATH}`;
}, 120_000);

afterAll(async () => {
  await ops?.close();
  await demo?.close();
  await smtp?.close();
});

// Each test starts with the rate limits' hour behind it.
beforeEach(async () => {
  await demo.db.pool.query(`update "InboundRequest" set "createdAt" = "createdAt" - interval '2 hours'`);
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function post(body: unknown, opts: { type?: string; raw?: string } = {}): Promise<Answer> {
  const r = await fetch(base, {
    method: "POST",
    headers: { "content-type": opts.type ?? "application/json" },
    body: opts.raw ?? JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text) as Record<string, unknown>, headers: r.headers };
}

const mailsTo = (to: string) => smtp.received.filter((m) => m.envelope.to.includes(to));
const rows = async () =>
  JSON.stringify(
    await demo.db.prisma.inboundRequest.findMany({ orderBy: { id: "asc" } }),
    (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v),
  );

/** A first POST for HE at LINX to peering@he.net, and the token the e-mail carries. */
async function ask(extra: Record<string, unknown> = {}): Promise<{ uid: string; token: string }> {
  const before = mailsTo("peering@he.net").length;
  const a = await post({ asn: 6939, ixps: ["linx-lon1"], email: "peering@he.net", ...extra });
  expect(a.status, JSON.stringify(a.body)).toBe(202);
  const got = await until(
    async () => mailsTo("peering@he.net"),
    (l) => l.length > before,
  );
  expect(got.length).toBe(before + 1);
  const text = got.at(-1)!.parsed.text ?? "";
  const token = /"token": "([A-Za-z0-9_-]{43})"/.exec(text)?.[1];
  expect(token, text).toBeDefined();
  expect(text).toContain(String(a.body.uid));
  return { uid: String(a.body.uid), token: token! };
}

/** Expects a refusal: its status, one JSON sentence, and nothing stored, e-mailed or posted. */
async function refused(
  body: unknown,
  status: number,
  sentence: RegExp,
  opts: { type?: string; raw?: string } = {},
) {
  const before = { rows: await rows(), mails: smtp.received.length, posts: posts.length };
  const a = await post(body, opts);
  expect(a.status, JSON.stringify(a.body)).toBe(status);
  expect(Object.keys(a.body)).toEqual(["error"]);
  expect(String(a.body.error)).toMatch(sentence);
  await new Promise((r) => setTimeout(r, 150));
  expect(await rows()).toBe(before.rows);
  expect(smtp.received.length).toBe(before.mails);
  expect(posts.length).toBe(before.posts);
  return a;
}

describe("the first POST", () => {
  it("e-mails a one-time token to the PeeringDB contact, and stores only its hash", async () => {
    const { uid, token } = await ask({ message: "We would like to peer with you." });
    const m = mailsTo("peering@he.net").at(-1)!;
    expect(m.parsed.from?.text).toBe('"AS64500 Peering" <peering@example.net>');
    expect(m.subject).toMatch(/^Your peering request to AS64500/);
    expect(m.parsed.text).toContain("LINX LON1");
    const row = await demo.db.prisma.inboundRequest.findUniqueOrThrow({ where: { uid } });
    expect(row.state).toBe("unverified");
    expect(row.asn).toBe(6939n);
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.values(row).map(String).join(" ")).not.toContain(token);
    expect(row.sourceAddress).toBe("127.0.0.1");
  });

  it("answers an address that is not a PeeringDB contact exactly the same, and sends nothing", async () => {
    const before = smtp.received.length;
    const a = await post({ asn: 6939, ixps: ["LINX LON1"], email: "attacker@evil.example" });
    expect(a.status).toBe(202);
    expect(String(a.body.message)).toMatch(
      /^If attacker@evil\.example is a PeeringDB contact of AS6939, a token was sent to it;/,
    );
    expect(Object.keys(a.body).sort()).toEqual(["expiresAt", "message", "state", "uid"]);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.received.length).toBe(before);
    expect(JSON.stringify(a.body)).not.toContain("he.net");
  });

  it("refuses an ASN that PeeringDB does not list at the IXP", async () => {
    await refused(
      { asn: 6939, ixps: ["ams-ix"], email: "peering@he.net" },
      422,
      /PeeringDB does not list AS6939 at AMS-IX/,
    );
  });

  it("refuses addresses that are not the network's own there", async () => {
    await refused(
      { asn: 6939, ixps: [{ ixp: "linx-lon1", ipv4: "195.66.226.250" }], email: "peering@he.net" },
      422,
      /^195\.66\.226\.250 is not AS6939's address at LINX LON1 in PeeringDB\.$/,
    );
    await refused(
      { asn: 6939, ixps: [{ ixp: 18, ipv6: "2001:7f8:4::1b1b:2" }], email: "peering@he.net" },
      422,
      /2001:7f8:4::1b1b:2 is not AS6939's address/,
    );
  });

  it("refuses an e-mail address that would add a header", async () => {
    await refused(
      { asn: 6939, ixps: ["linx-lon1"], email: "peering@he.net\r\nBcc: all@evil.example" },
      422,
      /^The email is not valid: it contains control characters or line breaks\.$/,
    );
  });

  it("refuses an IXP that is not ours, our own ASN and a private one", async () => {
    await refused(
      { asn: 6939, ixps: ["nowhere-ix"], email: "peering@he.net" },
      422,
      /"nowhere-ix" is not one of our IXPs/,
    );
    await refused(
      { asn: 64500, ixps: ["linx-lon1"], email: "peering@he.net" },
      422,
      /AS64500 is one of our own networks/,
    );
    await refused({ asn: 64512, ixps: ["linx-lon1"], email: "x@y.example" }, 422, /private AS number/);
  });

  it("refuses bad JSON, a wrong content type, unknown fields and a body over 16 KiB", async () => {
    await refused(undefined, 400, /^The request body is not valid JSON\.$/, { raw: '{"asn": 6939,' });
    await refused(undefined, 415, /Content-Type: application\/json/, { type: "text/plain", raw: "{}" });
    await refused(
      { asn: 6939, ixps: ["linx-lon1"], email: "peering@he.net", admin: true },
      422,
      /unknown field "admin"/,
    );
    await refused(
      { asn: 6939, ixps: ["linx-lon1"], email: "peering@he.net", message: "x".repeat(17_000) },
      413,
      /larger than 16384 bytes/,
    );
  });

  it("refuses a body without Content-Length the moment it grows past 16 KiB", async () => {
    const before = await rows();
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        base,
        { method: "POST", headers: { "content-type": "application/json" } },
        (res) => {
          let t = "";
          res.on("data", (c: Buffer) => (t += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: t }));
        },
      );
      req.on("error", reject);
      req.write('{"asn": 6939, "message": "');
      // Chunked, 1 KiB at a time, without ever ending the JSON.
      const timer = setInterval(() => {
        if (!req.destroyed) req.write("x".repeat(1024));
      }, 5);
      req.on("close", () => clearInterval(timer));
    });
    expect(status).toBe(413);
    expect(JSON.parse(text)).toEqual({ error: "The request body is larger than 16384 bytes." });
    expect(await rows()).toBe(before);
  });

  it("answers a flood from one ASN, then from one address, 429 with Retry-After; nothing stored", async () => {
    for (let i = 0; i < 5; i++)
      expect((await post({ asn: 6939, ixps: ["linx-lon1"], email: `x${i}@he.example` })).status).toBe(202);
    const perAsn = await refused(
      { asn: 6939, ixps: ["linx-lon1"], email: "peering@he.net" },
      429,
      /Too many requests for AS6939: at most 5 an hour/,
    );
    expect(Number(perAsn.headers.get("retry-after"))).toBeGreaterThan(3000);
    expect(Number(perAsn.headers.get("retry-after"))).toBeLessThanOrEqual(3600);
    for (let i = 0; i < 3; i++)
      expect((await post({ asn: 3257, ixps: ["linx-lon1"], email: `y${i}@gtt.example` })).status).toBe(202);
    const perSource = await refused(
      { asn: 4788, ixps: ["linx-lon1"], email: "z@tm.example" },
      429,
      /Too many requests for this address: at most 8 an hour/,
    );
    expect(Number(perSource.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("the second POST", () => {
  it("opens the request and posts it to the requests channel with Peer and Decline; a replay is refused", async () => {
    const { uid, token } = await ask({ message: "Hello\n*urgent* <!channel> please" });
    const before = posts.length;
    const a = await post({ uid, token });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body).toMatchObject({ uid, state: "open" });
    expect(posts.length).toBe(before + 1);
    const p = posts.at(-1)!;
    expect(p.channel).toEqual({ platform: "console", channel: "peering-requests" });
    const row = await demo.db.prisma.inboundRequest.findUniqueOrThrow({ where: { uid } });
    expect(row.state).toBe("open");
    expect(row.tokenHash).toBeNull();
    expect(row.messageId).toBe(p.ref.messageId);
    expect(p.reply.title).toBe(`Peering request #${row.id} from AS6939 Hurricane Electric`);
    expect(p.reply.buttons?.map((b) => [b.label, b.actionId])).toEqual([
      ["Peer", `inbound.peer:${row.id}`],
      ["Decline", `inbound.decline:${row.id}`],
    ]);
    expect(p.reply.fields).toContainEqual({
      label: "LINX LON1",
      value: "195.66.224.21, 2001:7f8:4::1b1b:1",
      inline: true,
    });
    // Their message, on one line.
    expect(p.reply.fields).toContainEqual({
      label: "Their message",
      value: "Hello *urgent* <!channel> please",
    });

    await refused({ uid, token }, 409, /already verified.*a token works once/);
    await refused({ asn: 6939, token }, 401, /^The token is not valid for this request\.$/);
  });

  it("refuses a forged token, and a token for another request", async () => {
    const { uid, token } = await ask();
    await refused({ uid, token: "A".repeat(43) }, 401, /not valid/);
    await refused({ uid: "00000000-0000-4000-8000-000000000000", token }, 401, /not valid/);
    await refused({ asn: 3257, token }, 401, /not valid/);
    // The right one still works, named by the ASN.
    expect((await post({ asn: "AS6939", token })).status).toBe(200);
  });

  it("refuses an expired token, and the request is expired", async () => {
    const { uid, token } = await ask();
    const clock = demo.services.clock;
    demo.services.clock = { now: () => new Date(Date.now() + 61 * 60_000) };
    try {
      const before = posts.length;
      const a = await post({ uid, token });
      expect(a.status).toBe(410);
      expect(String(a.body.error)).toMatch(
        /^The token expired at .* UTC; send the first request again for a new one\.$/,
      );
      expect(posts.length).toBe(before);
      // Expired once, it stays refused.
      expect((await post({ uid, token })).status).toBe(410);
    } finally {
      demo.services.clock = clock;
    }
    const row = await demo.db.prisma.inboundRequest.findUniqueOrThrow({ where: { uid } });
    expect(row.state).toBe("expired");
    expect(row.tokenHash).toBeNull();
  });
});

async function openRequest(): Promise<number> {
  const { uid, token } = await ask();
  expect((await post({ uid, token })).status).toBe(200);
  return (await demo.db.prisma.inboundRequest.findUniqueOrThrow({ where: { uid } })).id;
}

describe("Peer and Decline", () => {
  it("a viewer may not press Peer; an operator's Peer creates the sessions and the change", async () => {
    const id = await openRequest();
    const denied = await demo.chat.say("mallory", `click inbound.peer:${id}`);
    expect(denied).toMatch(/operator/);
    expect((await demo.db.prisma.inboundRequest.findUniqueOrThrow({ where: { id } })).state).toBe("open");

    const t = await demo.chat.say("alice", `click inbound.peer:${id}`);
    expect(t).toContain(`Peering request #${id} from AS6939: peered by`);
    expect(t).toMatch(/LINX LON1: 2 new sessions\./);
    expect(t).toMatch(/Change #\d+/);
    const row = await demo.db.prisma.inboundRequest.findUniqueOrThrow({ where: { id } });
    expect(row.state).toBe("peered");
    expect(row.decidedByName).toBe("alice");
    expect(row.changeIds.length).toBe(1);
    const change = await demo.db.prisma.changeRequest.findUniqueOrThrow({ where: { id: row.changeIds[0]! } });
    expect(change.summary).toMatch(/^peer AS6939 Hurricane Electric at LINX LON1/);
    const sessions = await demo.db.prisma.ixpSession.findMany({
      where: { autonomousSystem: { asn: 6939n }, connection: { ixp: { slug: "linx-lon1" } } },
    });
    expect(sessions.map((x) => [x.ipAddress.replace(/\/\d+$/, ""), x.status]).sort()).toEqual([
      ["195.66.224.21", "provisioning"],
      ["2001:7f8:4::1b1b:1", "provisioning"],
    ]);
    // The request's message is redrawn without its buttons; a second press does nothing.
    expect(t).toMatch(/updated\][^\n]*Peering request #\d+/);
    expect(await demo.chat.say("alice", `click inbound.peer:${id}`)).toContain(
      `Peering request #${id} is peered; there is nothing to peer.`,
    );
  });

  it("Decline asks for a reason, e-mails the templated reply to the contact and ends declined", async () => {
    const id = await openRequest();
    const asked = await demo.chat.say("alice", `click inbound.decline:${id}`);
    expect(asked).toContain(`Decline request #${id} (a form)`);
    expect((await demo.db.prisma.inboundRequest.findUniqueOrThrow({ where: { id } })).state).toBe("open");
    const before = mailsTo("peering@he.net").length;
    const done = await demo.chat.say("alice", "we need 1 Gbit/s of traffic first");
    expect(done).toContain(`Peering request #${id} from AS6939 declined by`);
    expect(done).toContain("queued for peering@he.net");
    const got = await until(
      async () => mailsTo("peering@he.net"),
      (l) => l.length > before,
    );
    expect(got.length).toBe(before + 1);
    const m = got.at(-1)!;
    expect(m.subject).toBe("Your peering request to AS64500 peerbot demo network");
    expect(m.parsed.text).toContain("We are not able to peer with you there at this time.");
    expect(m.parsed.text).toContain("Reason: we need 1 Gbit/s of traffic first");
    const row = await demo.db.prisma.inboundRequest.findUniqueOrThrow({ where: { id } });
    expect(row.state).toBe("declined");
    expect(row.reason).toBe("we need 1 Gbit/s of traffic first");
    const email = await until(
      () =>
        demo.db.prisma.email.findFirstOrThrow({
          where: { template: "inbound-declined" },
          orderBy: { id: "desc" },
        }),
      (e) => e.status === "sent",
    );
    expect(email.status).toBe("sent");
    expect(email.to).toEqual(["peering@he.net"]);
    // The reply is in the e-mail journal like any other.
    expect(await demo.chat.say("alice", `email ${email.id}`)).toContain("peering@he.net");
  });

  it("`requests` lists the open ones, `requests all` every one", async () => {
    const id = await openRequest();
    const open = await demo.chat.say("bob", "requests");
    expect(open).toContain("Open peering requests");
    expect(open).toMatch(new RegExp(`\\b${id}\\b.*AS6939.*Hurricane Electric.*linx-lon1`));
    expect(open).not.toMatch(/peered by alice/);
    const all = await demo.chat.say("bob", "requests all");
    expect(all).toMatch(/peered by alice/);
    expect(all).toMatch(/declined by alice/);
    expect(all).toMatch(/expired/);
  });
});
