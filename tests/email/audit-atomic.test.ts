// An e-mail's Send and Cancel and their audit rows commit together (as a change's transitions
// do: tests/changes/audit-atomic.test.ts). PostgreSQL refuses the row here (a trigger of this
// file's database): the step then does not happen, and nothing is sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelEmail, queueEmail } from "../../core/email/index.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import { draftToHe } from "../helpers/email.js";
import type { TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let close: (() => Promise<void>) | undefined;
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };

beforeAll(async () => {
  ({ db, services, close } = await demoChat(import.meta.filename));
  await db.pool.query(`
    create table refused_audit (command text primary key);
    create function refuse_audit() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from refused_audit where command = new.command) then
        raise exception 'audit refused by the test';
      end if;
      return new;
    end $$;
    create trigger refuse_audit before insert on "AuditEvent" for each row execute function refuse_audit();
  `);
});
afterAll(() => close?.());

/** From now on, PostgreSQL refuses audit rows of these commands (none: takes them all again). */
async function refuse(...commands: string[]): Promise<void> {
  await db.pool.query("delete from refused_audit");
  for (const c of commands) await db.pool.query("insert into refused_audit values ($1)", [c]);
}

const auditsOf = async (id: number) =>
  (
    await db.prisma.auditEvent.findMany({
      where: { args: `#${id}`, command: { startsWith: "email." } },
      orderBy: { id: "asc" },
    })
  ).map((a) => a.command);
const row = async (id: number) => (await db.prisma.email.findUniqueOrThrow({ where: { id } }))!;

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
