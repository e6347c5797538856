// The e-mail walk-through in the console, as a user: `request AS6939 at LINX` on the demo
// network previews a peering request to Hurricane Electric's PeeringDB contact with both
// sides' addresses at LINX LON1; Edit, Send (into the outbox, as the demo does without SMTP),
// a second press, the journal, `as 6939`, the cooldown, Cancel, declined/answered with
// `peers`, Tell AS6939 after a deployed peer change, and a poll that marks it configured.
// Bad input gets one sentence and changes nothing.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { pollRouter } from "../../core/polling.js";
import type { BgpNeighbor, RouterDriver } from "../../core/ports.js";
import { MemoryRouter } from "../fakes/memory-router.js";
import { newChange, type Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import { fingerprint, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;
let chat: Chat;
let close: (() => Promise<void>) | undefined;
const registry = buildRegistry();
const say = (user: string, line: string) => chat.say(user, line);
const outbox = () => {
  try {
    return readdirSync(path.join(dataDir, "outbox")).filter((f) => f.endsWith(".eml"));
  } catch {
    return [];
  }
};
const lastId = async () => (await db.prisma.email.findFirstOrThrow({ orderBy: { id: "desc" } })).id;
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  ({ db, services, chat, dataDir, close } = await demoChat(import.meta.filename, {
    env: (dataDir) => ({
      PEERBOT_EMAIL_FROM: "AS64500 Peering <peering@example.net>",
      PEERBOT_DATA_DIR: dataDir,
    }),
    registry,
  }));
});
afterAll(() => close?.());

describe("request AS6939 at LINX, in the console", () => {
  let id: number;

  it("previews a peering request to Hurricane Electric's PeeringDB contact, with both sides' addresses at LINX LON1", async () => {
    const t = await say("alice", "request AS6939 at LINX");
    id = await lastId();
    expect(t).toContain("Peering request to AS6939 Hurricane Electric at LINX LON1");
    expect(t).toContain("to its PeeringDB contacts; nothing is sent until you press Send");
    expect(t).toMatch(/^From: AS64500 Peering <peering@example\.net>$/m);
    expect(t).toMatch(/^To: peering@he\.net$/m);
    expect(t).toMatch(/^Subject: .*AS6939.*LINX LON1/m);
    // Ours and theirs at LINX LON1, both families.
    for (const a of ["195.66.226.250", "2001:7f8:4::fbf4:1", "195.66.224.21", "2001:7f8:4::1b1b:1"])
      expect(t).toContain(a);
    expect(t).toContain(`(email.send:${id})`);
    expect(t).toContain(`(email.edit:${id})`);
    expect(t).toContain(`(email.cancel:${id})`);
    const e = await db.prisma.email.findUniqueOrThrow({ where: { id } });
    expect(e.status).toBe("draft");
    expect(e.messageId).toMatch(/^<[0-9a-f-]{36}@example\.net>$/);
    expect(e.draftedBy).toBe("console:alice");
    expect(outbox()).toEqual([]);
  });

  it("Edit opens a form (tests/console/forms.test.ts), and each typed edit redraws the preview", async () => {
    const form = await chat.click("alice", "Edit");
    expect(form).toContain(`Edit e-mail #${id} (a form)`);
    expect(await say("alice", "/cancel")).toContain("stopped; nothing was changed");
    const s = await say("alice", `edit ${id} subject "Peering with AS64500 at LINX LON1"`);
    expect(s).toContain(`[message m1 updated]`); // the preview itself
    expect(s).toMatch(/^Subject: Peering with AS64500 at LINX LON1$/m);
    await say("alice", `edit ${id} cc noc@example.net, NOC@example.net`);
    const b = await say(
      "alice",
      `edit ${id} body "Hello HE,\\n\\nWe'd like to peer at LINX LON1.\\n\\nalice"`,
    );
    expect(b).toContain("Hello HE,\n\nWe'd like to peer at LINX LON1.\n\nalice");
    const e = await db.prisma.email.findUniqueOrThrow({ where: { id } });
    expect(e.subject).toBe("Peering with AS64500 at LINX LON1");
    expect(e.cc).toEqual(["noc@example.net"]); // the same address twice is one
    expect(e.textBody).toBe("Hello HE,\n\nWe'd like to peer at LINX LON1.\n\nalice\n");
    expect(e.htmlBody).toBe("");
  });

  it("pressing Send delivers it into the outbox and the preview says where it went", async () => {
    const t = await chat.click("alice", "Send");
    expect(t).toContain(`E-mail #${id} queued by alice (console) for peering@he.net`);
    expect(t).toMatch(/\[message m1 updated\] Peering request to AS6939.*\nQueued for delivery\./);
    expect(t).toMatch(
      /\[message m1 updated\] Peering request to AS6939.*\nSent to peering@he\.net, noc@example\.net \(written to /,
    );
    const files = outbox();
    expect(files).toHaveLength(1);
    const e = await db.prisma.email.findUniqueOrThrow({ where: { id }, include: { deliveries: true } });
    expect(e.status).toBe("sent");
    expect(e.sentByName).toBe("alice");
    expect(e.deliveries.map((d) => [d.attempt, d.outcome])).toEqual([[1, "sent"]]);
    const eml = readFileSync(path.join(dataDir, "outbox", files[0]!), "utf8");
    expect(eml).toContain(`Message-ID: ${e.messageId}`);
    expect(eml).toMatch(/^To: peering@he\.net$/m);
    expect(eml).toMatch(/^Cc: noc@example\.net$/m);
    expect(eml).toMatch(/^Subject: Peering with AS64500 at LINX LON1$/m);
  });

  it("a second press sends nothing more", async () => {
    const t = await say("bob", `click email.send:${id}`);
    expect(t).toContain(`E-mail #${id} is already sent; it is sent once.`);
    expect(outbox()).toHaveLength(1);
  });

  it("emails, email <id> and as 6939 show it", async () => {
    const list = await say("alice", "emails");
    expect(list).toMatch(
      new RegExp(
        `^${id} +\\S+ \\S+ +peering request +AS6939 Hurricane Electric +LINX LON1 +peering@he\\.net +sent +alice`,
        "m",
      ),
    );
    expect(await say("alice", "emails AS6939 status:sent")).toContain("1 e-mail.");
    expect(await say("alice", "emails AS15169")).toContain("No e-mail for AS15169 yet.");
    const one = await say("alice", `email ${id}`);
    expect(one).toMatch(/^Delivery: 1\. .* sent: written to /m);
    expect(one).toContain("Send pressed by: alice");
    const as = await say("alice", "as 6939");
    expect(as).toContain(`Peering request: requested ${today()} (today) by alice (console)`);
    expect(as).toContain(`Last e-mails: #${id} peering request, sent ${today()} by alice (console)`);
  });

  it("a second request within the cooldown still previews, and says when they were last contacted", async () => {
    const t = await say("alice", "request AS6939 at LINX");
    expect(t).toContain(`Warning: Peering request to AS6939 Hurricane Electric at LINX LON1`);
    expect(t).toContain(
      `AS6939 was last contacted ${today()} (today) by alice (console); the cooldown is 30 days.`,
    );
  });

  it("Cancel: a cancelled draft is never sent", async () => {
    const second = await lastId();
    const t = await chat.click("alice", "Cancel");
    expect(t).toContain(`E-mail #${second} cancelled by alice (console); it will never be sent.`);
    expect(t).toContain("Cancelled: it was not sent and never will be.");
    const again = await say("alice", `email ${second} send`);
    expect(again).toContain(`E-mail #${second} is cancelled; only a draft can be sent.`);
    expect(outbox()).toHaveLength(1);
    expect((await db.prisma.email.findUniqueOrThrow({ where: { id: second } })).status).toBe("cancelled");
  });

  it("peers shows who was contacted; declined with hide leaves them out, answered brings them back", async () => {
    const p = await say("alice", "peers linx hurricane");
    expect(p).toMatch(/^AS6939 +Hurricane Electric .* requested today$/m);
    const until = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
    const d = await say("alice", `request AS6939 declined until ${until} hide`);
    expect(d).toContain(
      `Peering between AS64500 and AS6939: declined until ${until}, hidden from peers. AS6939 is left out of \`peers\` until then.`,
    );
    expect(await say("alice", "peers linx hurricane")).toContain(
      "No available peer at LINX LON1 matching hurricane",
    );
    expect(await say("alice", "as 6939")).toContain(
      `Peering request: declined until ${until}, hidden from peers`,
    );
    const again = await say("alice", "request AS6939 at LINX");
    expect(again).toContain(`AS6939 declined until ${until}: send only if they asked to hear from us again.`);
    await chat.click("alice", "Cancel");
    const a = await say("alice", "request AS6939 answered");
    expect(a).toContain("Peering between AS64500 and AS6939: answered.");
    expect(await say("alice", "peers linx hurricane")).toMatch(/^AS6939 +Hurricane Electric .* answered$/m);
  });

  it("help lists the e-mail commands with examples", async () => {
    const h = await say("viewer", "help");
    for (const c of [
      "request <AS>",
      "notify maintenance",
      "emails [AS|IXP|router]",
      "email <id>",
      "edit <e-mail>",
    ])
      expect(h).toContain(c);
    const r = await say("viewer", "help request");
    expect(r).toContain("`request all at LINX policy:open max:20`");
    expect(r).toContain("`request AS6939 declined until 2027-06-01 hide`");
    expect(await say("viewer", "help notify")).toContain(
      "notify maintenance edge1.lon from 2026-12-10 22:00",
    );
  });

  it("a viewer may read the journal but not draft or send", async () => {
    expect(await say("viewer", "emails")).toContain("E-mails: all networks");
    expect(await say("viewer", "request AS6939 at LINX")).toContain(
      "You need the operator role to run `request`",
    );
    expect(await say("viewer", `click email.send:${id}`)).toContain(
      "You need the operator role to send e-mails",
    );
  });
});

describe("Tell AS6939 after the peer change is deployed", () => {
  it("offers Tell AS6939 on the deployed change, previews the sessions-configured note and sends it", async () => {
    const changeId = newChange(await say("alice", "peer AS6939 at LINX"));
    const deployed = await say("bob", `approve ${changeId}`);
    expect(deployed).toMatch(/Status: deployed\.[\s\S]*\(email\.tell:\d+\)/);
    expect(deployed).toContain(`[1] Tell AS6939  (email.tell:${changeId})`);
    // The deploy configured their sessions: the request they were sent is configured at once,
    // without waiting for a poll (edge1.lon does not poll).
    expect((await db.prisma.peeringRequest.findFirstOrThrow({ where: { peerAsn: 6939n } })).state).toBe(
      "configured",
    );
    const t = await say("bob", `click email.tell:${changeId}`);
    expect(t).toContain(
      `Preview of the note telling AS6939 that the sessions of change #${changeId} are configured`,
    );
    expect(t).toMatch(/^To: peering@he\.net$/m);
    expect(t).toMatch(/LINX LON1, IPv4: AS64500 195\.66\.226\.250 <-> AS6939 195\.66\.224\.21/);
    expect(t).toMatch(/LINX LON1, IPv6: AS64500 2001:7f8:4::fbf4:1 <-> AS6939 2001:7f8:4::1b1b:1/);
    const tellId = await lastId();
    const e = await db.prisma.email.findUniqueOrThrow({ where: { id: tellId } });
    expect([e.kind, e.changeId, e.status]).toEqual(["sessions_configured", changeId, "draft"]);
    await chat.click("bob", "Send");
    expect((await db.prisma.email.findUniqueOrThrow({ where: { id: tellId } })).status).toBe("sent");
    expect(outbox()).toHaveLength(2);
    // A change that is not deployed has nothing to tell.
    const r = await dispatch(registry, services, {
      actor: { platform: "console", userId: "alice", userName: "alice" },
      channel: "console",
      action: "email.tell:999",
    });
    expect(r.reply.text).toContain("There is no change #999.");
  });

  it("when the sessions come up Established, the request becomes configured", async () => {
    await db.prisma.peeringRequest.updateMany({ where: { peerAsn: 6939n }, data: { state: "requested" } });
    const router = await db.prisma.router.update({
      where: { name: "edge1.lon" },
      data: { pollSessionState: true },
    });
    const up: BgpNeighbor[] = ["195.66.224.21", "2001:7f8:4::1b1b:1"].map((a) => ({
      remoteAddress: a,
      remoteAs: 6939,
      state: "established",
    }));
    class UpRouter extends MemoryRouter {
      override async getBgpNeighbors() {
        return up;
      }
    }
    const drivers = (): RouterDriver => new UpRouter();
    await pollRouter({ ...services, drivers }, router.id);
    expect((await db.prisma.peeringRequest.findFirstOrThrow({ where: { peerAsn: 6939n } })).state).toBe(
      "configured",
    );
    expect(await say("alice", "as 6939")).toContain("Peering request: configured: sessions are up");
  });
});

describe("bad input changes nothing and gets one sentence", () => {
  async function bad(user: string, text: string) {
    const before = await fingerprint(db);
    const r = await dispatch(registry, services, {
      actor: { platform: "console", userId: user, userName: user },
      channel: "console",
      text,
    });
    await services.queue.drain();
    expect(await fingerprint(db), `"${text}" changed nothing`).toBe(before);
    expect(r.outcome, text).toBe("user_error");
    return r.reply.text ?? "";
  }

  it("an unknown AS, an AS with no contact, an IXP we are not at", async () => {
    expect(await bad("alice", "request AS4200000123 at LINX")).toMatch(
      /^AS4200000123 is neither in peerbot's database nor in the PeeringDB mirror\./,
    );
    expect(await bad("alice", "request AS2686 at LINX")).toMatch(
      /^AS2686 \(AT&T EMEA\) has no e-mail contact peerbot can write to.*\nAdd one with `contact add AS2686 <e-mail> \[role <r>\]` or give `to:<address>`/,
    );
    expect(await bad("alice", "request AS6939 at Equinix-Nowhere")).toMatch(
      /^No IXP is called "Equinix-Nowhere"\.\nType `ixps`/,
    );
    expect(await bad("alice", "request banana")).toMatch(/^"banana" is not an AS number/);
    expect(await bad("alice", "request AS0")).toMatch(/^AS0 is/);
  });

  it("a to: that is not an address, max:0, a date in the past", async () => {
    expect(await bad("alice", "request AS6939 at LINX to:peering-at-he.net")).toMatch(
      /^"peering-at-he\.net" is not an e-mail address: it has no @\./,
    );
    expect(await bad("alice", "request AS6939 at LINX to:a@b.net%0d%0aBcc:x@y.net")).toMatch(
      /is not an e-mail address/,
    );
    expect(await bad("alice", "request all at LINX max:0")).toMatch(
      /^max:0 is not a number of e-mails: say max:1 to max:5000\.\nUsage: request/,
    );
    expect(await bad("alice", "request AS6939 declined until 2020-01-01")).toMatch(
      /^2020-01-01 is in the past/,
    );
    expect(await bad("alice", "request AS6939 declined until tomorrow")).toMatch(
      /^"tomorrow" is not a date; write it as YYYY-MM-DD\./,
    );
    expect(
      await bad("alice", "notify maintenance edge1.lon from 2020-01-01 22:00 to 2020-01-02 02:00"),
    ).toMatch(/^2020-01-01 22:00 UTC is in the past; a maintenance notice is for a window still to come\./);
  });

  it("an e-mail that does not exist, and editing one that was sent", async () => {
    expect(await bad("alice", "email 99")).toMatch(/^There is no e-mail #99\.\n`emails` lists the journal\./);
    expect(await bad("alice", "edit 99 subject hello")).toMatch(/^There is no e-mail #99\./);
    expect(await bad("alice", 'edit 1 subject "Too late"')).toMatch(
      /^E-mail #1 is sent; only a draft can be edited\./,
    );
    expect(await bad("alice", "edit 1 colour blue")).toMatch(
      /^Say what to change: subject, to, cc or body\./,
    );
    expect(await bad("alice", "emails status:lost")).toMatch(
      /^"lost" is not an e-mail status; use one of draft, queued, sending, sent, failed, cancelled\./,
    );
    expect(await bad("alice", "email 1 resend")).toMatch(/^Say send or cancel/);
  });

  it("a draft's edit with a bad address changes nothing", async () => {
    expect(await say("alice", "request AS3257 at LINX")).toContain("Draft #"); // a fresh draft
    const id = await lastId();
    expect((await db.prisma.email.findUniqueOrThrow({ where: { id } })).status).toBe("draft");
    expect(await bad("alice", `edit ${id} to someone`)).toMatch(
      /^"someone" is not an e-mail address: it has no @\./,
    );
    expect(await bad("alice", `edit ${id} to ""`)).toMatch(
      /^Say the new value|^An e-mail needs at least one recipient/,
    );
  });
});
