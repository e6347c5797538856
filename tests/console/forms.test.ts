// Forms in the console, as a user answers them: the Reject button of a change asks for a
// reason and the change ends rejected with it, in its row and in its message; the Edit button
// of an e-mail draft asks for its subject, To, Cc and body and changes the draft; a required
// field left empty is refused and asked again; "/cancel" changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newChange, type Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import { fingerprint } from "../helpers/services.js";

let db: TestDatabase;
let chat: Chat;
let close: (() => Promise<void>) | undefined;
const say = (user: string, line: string) => chat.say(user, line);

beforeAll(async () => {
  ({ db, chat, close } = await demoChat(import.meta.filename, {
    env: { PEERBOT_EMAIL_FROM: "AS64500 Peering <peering@example.net>" },
  }));
});
afterAll(() => close?.());

describe("the Reject button's form", () => {
  it("asks for a reason; the change ends rejected with it in its row and its message", async () => {
    const id = newChange(await say("alice", "peer AS6939 at LINX"));
    await say("bob", `change ${id}`);
    const asked = await chat.click("bob", "Reject");
    expect(asked).toContain(`Reject change #${id} (a form)`);
    expect(asked).toContain("Reason (optional) (an empty line leaves it empty, at most 200 characters):");
    // Nothing happened yet.
    expect((await db.prisma.changeRequest.findUniqueOrThrow({ where: { id } })).status).toBe("pending");

    const done = await say("bob", "wrong router, use edge2");
    expect(done).toContain(`Change #${id} on edge1.lon rejected by bob (console): wrong router, use edge2.`);
    // The change's own message is redrawn with the reason.
    expect(done).toMatch(/updated\].*\n?.*Status: rejected \(rejected by .*bob.*: wrong router, use edge2\)/);
    const c = await db.prisma.changeRequest.findUniqueOrThrow({ where: { id } });
    expect(c.status).toBe("rejected");
    expect(c.reason).toMatch(/^rejected by .*bob.*: wrong router, use edge2$/);
  });

  it("an empty reason rejects without one; /cancel changes nothing", async () => {
    const id = newChange(await say("alice", "peer AS6939 at LINX"));
    await say("bob", `change ${id}`);
    await chat.click("bob", "Reject");
    const before = await fingerprint(db);
    expect(await say("bob", "/cancel")).toContain(`Reject change #${id}: stopped; nothing was changed.`);
    expect(await fingerprint(db)).toBe(before);
    // After /cancel the console reads commands again.
    expect(await say("bob", `change ${id}`)).toContain("Status: waiting for approval.");
    await chat.click("bob", "Reject");
    expect(await say("bob", "")).toContain(`Change #${id} on edge1.lon rejected by bob (console).`);
    const c = await db.prisma.changeRequest.findUniqueOrThrow({ where: { id } });
    expect(c.status).toBe("rejected");
    expect(c.reason).toMatch(/^rejected by .*bob\W*$/);
  });

  it("a change that is no longer open gets one sentence, and no form", async () => {
    const c = await db.prisma.changeRequest.findFirstOrThrow({ where: { status: "rejected" } });
    const t = await say("bob", `click change.reject:${c.id}`);
    expect(t).toContain(`Change #${c.id} is rejected; there is nothing to reject.`);
    expect(t).not.toContain("(a form)");
  });
});

describe("the Edit button's form", () => {
  it("changes the draft's subject, Cc and body; an empty line keeps To", async () => {
    const preview = await say("alice", "request AS6939 at LINX");
    expect(preview).toContain("Peering request to AS6939");
    const e = await db.prisma.email.findFirstOrThrow({ orderBy: { id: "desc" } });
    const asked = await chat.click("alice", "Edit");
    expect(asked).toContain(`Edit e-mail #${e.id} (a form)`);
    expect(asked).toContain(`Subject [${e.subject}] (an empty line keeps it`);

    expect(await say("alice", "Peering with AS64500 at LINX LON1")).toContain(
      "To [peering@he.net] (an empty line keeps it",
    );
    expect(await say("alice", "")).toContain("Cc (optional) (an empty line leaves it empty");
    const bodyAsk = await say("alice", "noc@example.net");
    expect(bodyAsk).toContain('ended by a line holding only "."');
    for (const line of ["Hello HE,", "", "We'd like to peer at LINX LON1 \\o/", "", "alice"])
      expect(await say("alice", line)).toBe("");
    const saved = await say("alice", ".");
    expect(saved).toContain(
      `Draft #${e.id} (edited by alice (console)): subject changed; Cc now noc@example.net; body changed`,
    );
    expect(saved).toMatch(/^Subject: Peering with AS64500 at LINX LON1$/m);
    const after = await db.prisma.email.findUniqueOrThrow({ where: { id: e.id } });
    expect(after.subject).toBe("Peering with AS64500 at LINX LON1");
    expect(after.to).toEqual(["peering@he.net"]);
    expect(after.cc).toEqual(["noc@example.net"]);
    // The backslash stays a backslash: a form's body is not the typed command's `\n` line.
    expect(after.textBody).toBe("Hello HE,\n\nWe'd like to peer at LINX LON1 \\o/\n\nalice\n");
    expect(after.status).toBe("draft");
  });

  it("a required field left empty is refused, asked again, and nothing changes until it is right", async () => {
    const e = await db.prisma.email.findFirstOrThrow({ orderBy: { id: "desc" } });
    await say("alice", `email ${e.id}`);
    await chat.click("alice", "Edit");
    await say("alice", ""); // subject kept
    await say("alice", "-"); // To cleared
    await say("alice", ""); // Cc kept
    const before = await fingerprint(db);
    const refused = await say("alice", "."); // body kept: the form is submitted
    expect(refused).toContain("Error: To: This cannot be empty.");
    expect(refused).toContain("To (at most 2000 characters):"); // asked again
    expect(await fingerprint(db)).toBe(before); // the draft is as it was
    const bad = await say("alice", "not-an-address");
    expect(bad).toContain('To: "not-an-address" is not an e-mail address');
    expect(await fingerprint(db)).toBe(before);
    const ok = await say("alice", "peering@he.net, noc@he.net");
    expect(ok).toContain(`Draft #${e.id} (edited by alice (console)): now to peering@he.net, noc@he.net.`);
    expect((await db.prisma.email.findUniqueOrThrow({ where: { id: e.id } })).to).toEqual([
      "peering@he.net",
      "noc@he.net",
    ]);
  });

  it("the typed edit command still works", async () => {
    const e = await db.prisma.email.findFirstOrThrow({ orderBy: { id: "desc" } });
    const t = await say("alice", `edit ${e.id} subject "Typed subject"`);
    expect(t).toMatch(/^Subject: Typed subject$/m);
  });
});
