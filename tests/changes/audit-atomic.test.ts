// A change's transition and its audit row commit together. The rows were written after the
// transition's transaction, so a process killed between the two (three workers, sixty changes,
// one SIGKILL: tests/faults/many-workers.test.ts) left a change deployed with no
// `change.deployed` row, and an audit write that failed was only logged. Here PostgreSQL itself
// refuses the audit row (a trigger of this file's database): the transition does not happen.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveChange, getChange, rejectChange } from "../../core/changes.js";
import { newChange, type Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import { auditRefusal, auditTrail } from "../helpers/refuse-audit.js";
import type { TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let chat: Chat;
let close: (() => Promise<void>) | undefined;
let refuse: (...commands: string[]) => Promise<void>;
const bob = { platform: "console" as const, userId: "bob", userName: "bob" };

beforeAll(async () => {
  ({ db, services, chat, close } = await demoChat(import.meta.filename));
  refuse = await auditRefusal(db);
});
afterAll(() => close?.());

const auditsOf = (id: number) => auditTrail(db, "change.", id);

describe("a change's transition and its audit row", () => {
  it("an approval whose audit row cannot be written does not happen: no approval, no job, still pending", async () => {
    const id = newChange(await chat.say("alice", "peer AS6939 at LINX"));
    await refuse("change.approve");
    try {
      await expect(approveChange(services, id, bob)).rejects.toThrow();
    } finally {
      await refuse();
    }
    const c = (await getChange(db, id))!;
    expect(c.status).toBe("pending");
    expect(await db.prisma.changeApproval.count({ where: { changeId: id } })).toBe(0);
    expect(await auditsOf(id)).toEqual(["change.create"]);

    // Once the database takes the row again, the same approval goes through, audited once.
    await approveChange(services, id, bob);
    await services.queue.drain();
    expect((await getChange(db, id))!.status).toBe("deployed");
    expect(await auditsOf(id)).toEqual(["change.create", "change.approve", "change.deployed"]);
  });

  it("a rejection whose audit row cannot be written does not happen either", async () => {
    // A network at LINX that the demo does not peer with yet.
    const { rows } = await db.pool.query<{ asn: number }>(
      `select distinct n.asn from pdb_netixlan n join "InternetExchange" i on i."peeringdbIxlanId" = n.ixlan_id
        where i.slug = 'linx-lon1' and n.status = 'ok' and n.operational and n.ipaddr4 is not null
          and n.asn not in (select asn from "AutonomousSystem") order by n.asn limit 1`,
    );
    const asn = Number(rows[0]!.asn);
    const id = newChange(await chat.say("alice", `peer AS${asn} at LINX`));
    const sessions = async () =>
      (await db.prisma.ixpSession.findMany({ where: { autonomousSystem: { asn } } })).map((s) => s.status);
    const before = await sessions();
    expect(before.length).toBeGreaterThan(0);
    await refuse("change.reject");
    try {
      await expect(rejectChange(services, id, bob, "not today")).rejects.toThrow();
    } finally {
      await refuse();
    }
    expect((await getChange(db, id))!.status).toBe("pending");
    // Its sessions were not reverted either: the transition, its effects and its row are one.
    expect(await sessions()).toEqual(before);
    expect(await auditsOf(id)).toEqual(["change.create"]);
  });
});
