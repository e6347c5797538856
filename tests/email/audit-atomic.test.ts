// An e-mail's Send and Cancel and their audit rows commit together (as a change's transitions
// do: tests/changes/audit-atomic.test.ts). PostgreSQL refuses the row here (a trigger of this
// file's database): the step then does not happen, and nothing is sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelEmail, queueEmail } from "../../core/email/index.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import { auditRefusal, auditTrail } from "../helpers/refuse-audit.js";
import { draftToHe } from "../helpers/email.js";
import type { TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let close: (() => Promise<void>) | undefined;
let refuse: (...commands: string[]) => Promise<void>;
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };

beforeAll(async () => {
  ({ db, services, close } = await demoChat(import.meta.filename));
  refuse = await auditRefusal(db);
});
afterAll(() => close?.());

const auditsOf = (id: number) => auditTrail(db, "email.", id);
const row = (id: number) => db.prisma.email.findUniqueOrThrow({ where: { id } });

describe("an e-mail's step and its audit row", () => {
  it("a Send or a Cancel whose audit row cannot be written does not happen, and nothing is sent", async () => {
    const { e } = await draftToHe(services);
    await refuse("email.send", "email.cancel");
    try {
      await expect(queueEmail(services, e.id, alice)).rejects.toThrow();
      await expect(cancelEmail(services, e.id, alice)).rejects.toThrow();
      await services.queue.drain();
    } finally {
      await refuse();
    }
    const left = await row(e.id);
    expect([left.status, left.attempts, left.sentBy]).toEqual(["draft", 0, ""]);
    expect(await auditsOf(e.id)).toEqual([]);

    // Once the database takes the rows again, Send goes through, audited once.
    await queueEmail(services, e.id, alice);
    expect(await auditsOf(e.id)).toEqual(["email.send"]);
    expect((await row(e.id)).sentBy).toBe("console:alice");
  });
});
