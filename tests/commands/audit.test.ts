// Audit before effect: an invocation that cannot be audited is refused and changes nothing,
// one that can is audited in one row before it runs, and a missing user name neither throws
// nor skips the audit.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import type { Invocation } from "../../commands/registry.js";
import { audit, beginAudit, finishAudit, UNFINISHED } from "../../core/audit.js";
import type { Actor } from "../../core/roles.js";
import { createChat } from "../helpers/chat.js";
import { seedDemoDb } from "../helpers/demo.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;

const alice: Actor = { platform: "console", userId: "alice", userName: "alice" };

function line(text: string, actor: Actor = alice): Invocation {
  return { actor, channel: "console", text };
}

async function lastAuditId(): Promise<bigint> {
  return (await db.prisma.auditEvent.aggregate({ _max: { id: true } }))._max.id ?? 0n;
}

async function rowsAfter(id: bigint) {
  return db.prisma.auditEvent.findMany({ where: { id: { gt: id } }, orderBy: { id: "asc" } });
}

/** Makes every insert into AuditEvent fail, as a full disk or a revoked grant would. */
async function breakAuditInserts(): Promise<void> {
  await db.pool.query(`
    create or replace function peerbot_test_no_audit() returns trigger language plpgsql as $$
    begin raise exception 'audit log unavailable (test)'; end $$;
    create trigger peerbot_test_no_audit before insert on "AuditEvent"
      for each row execute function peerbot_test_no_audit();`);
}

/** Makes every update of AuditEvent fail, so that a row cannot be finished. */
async function breakAuditUpdates(): Promise<void> {
  await db.pool.query(`
    create or replace function peerbot_test_no_audit_update() returns trigger language plpgsql as $$
    begin raise exception 'audit log read-only (test)'; end $$;
    create trigger peerbot_test_no_audit_update before update on "AuditEvent"
      for each row execute function peerbot_test_no_audit_update();`);
}

async function repairAudit(): Promise<void> {
  await db.pool.query(`
    drop trigger if exists peerbot_test_no_audit on "AuditEvent";
    drop trigger if exists peerbot_test_no_audit_update on "AuditEvent";`);
}

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db);
  await seedDemoDb(db);
});
afterAll(async () => {
  await db?.drop();
});
afterEach(async () => {
  await repairAudit();
  services.logLines.length = 0;
});

describe("when the audit log cannot be written", () => {
  it("refuses a state-changing command in one sentence, changes nothing, and logs it", async () => {
    await breakAuditInserts();
    const before = await fingerprint(db);
    const r = await dispatch(buildRegistry(), services, line("hide AS6939 at LINX"));
    expect(r.outcome).toBe("error");
    expect(r.reply.text).toMatch(
      /^peerbot could not write `hide` to its audit log, so it did not run it \(reference [0-9a-f]{8}\); try again in a moment\.$/,
    );
    expect(r.reply.text).not.toMatch(/exception|prisma|\.ts:\d+/i);
    expect(await fingerprint(db)).toBe(before);
    expect(await db.prisma.hiddenPeer.count()).toBe(0);
    expect(services.logLines.join("\n")).toMatch(/audit write failed; the command was refused/);
  });

  it("refuses a read-only command too", async () => {
    await breakAuditInserts();
    const r = await dispatch(buildRegistry(), services, line("sessions linx"));
    expect(r.outcome).toBe("error");
    expect(r.reply.text).toMatch(
      /^peerbot could not write `sessions` to its audit log, so it did not run it/,
    );
    expect(r.reply.table).toBeUndefined();
  });

  it("refuses a button action, and a command re-run from a button, the same way", async () => {
    await breakAuditInserts();
    const press = await dispatch(buildRegistry(), services, {
      actor: { platform: "console", userId: "bob", userName: "bob" },
      channel: "console",
      action: "change.approve:1",
    });
    expect(press.reply.text).toMatch(/^peerbot could not write `button:change\.approve` to its audit log/);
    const rerun = await dispatch(buildRegistry(), services, {
      actor: alice,
      channel: "console",
      action: "cmd:hide AS6939 at linx-lon1",
    });
    expect(rerun.reply.text).toMatch(/^peerbot could not write `hide` to its audit log/);
    expect(await db.prisma.hiddenPeer.count()).toBe(0);
  });

  it("still refuses what it would refuse anyway, with the usual sentence", async () => {
    await breakAuditInserts();
    const r = await dispatch(
      buildRegistry(),
      services,
      line("hide AS6939 at LINX", { ...alice, userId: "mallory" }),
    );
    expect(r.outcome).toBe("denied");
    expect(r.reply.text).toBe("You need the operator role to run `hide`; ask an admin to grant it.");
    expect(services.logLines.join("\n")).toMatch(/audit write failed/);
  });

  it("keeps the reply of a command that ran when its row cannot be finished, and logs that", async () => {
    await breakAuditUpdates();
    const from = await lastAuditId();
    const r = await dispatch(buildRegistry(), services, line("hide AS6939 at LINX"));
    expect(r.outcome).toBe("ok");
    expect(r.reply.text).toContain("AS6939 is hidden from `peers linx-lon1`");
    expect(services.logLines.join("\n")).toMatch(/audit update failed after the command ran/);
    // The row written before the command ran says, truthfully, that it was not seen to finish.
    const [ev, ...more] = await rowsAfter(from);
    expect(more).toEqual([]);
    expect(ev).toMatchObject({ command: "hide", outcome: UNFINISHED.outcome, message: UNFINISHED.message });
    await repairAudit();
    await dispatch(buildRegistry(), services, line("unhide AS6939 at LINX"));
  });
});

describe("audit before effect", () => {
  it("audits an invocation whose actor has no user name, by its user id, and runs it", async () => {
    const nameless = { platform: "console", userId: "alice" } as unknown as Actor;
    const from = await lastAuditId();
    const r = await dispatch(buildRegistry(), services, line("hide AS6939 at LINX", nameless));
    expect(r.outcome).toBe("ok");
    expect(r.reply.text).toContain("AS6939 is hidden from `peers linx-lon1`");
    const evs = await rowsAfter(from);
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({
      platform: "console",
      userId: "alice",
      userName: "alice",
      command: "hide",
      args: "AS6939 at LINX",
      outcome: "ok",
      message: "",
    });
    expect(evs[0]?.objects).toEqual(expect.arrayContaining(["as:6939"]));
    const hidden = await db.prisma.hiddenPeer.findFirstOrThrow({ where: { asn: 6939n } });
    expect(hidden.createdBy).toBe("alice");
    // Written before the effect: the row is older than the hidden peer.
    expect(evs[0]!.at.getTime()).toBeLessThanOrEqual(hidden.createdAt.getTime());
    await dispatch(buildRegistry(), services, line("unhide AS6939 at LINX"));
  });

  it("writes one row for a click on a command button, and one for a denied command", async () => {
    const carol: Actor = { platform: "console", userId: "carol", userName: "carol" };
    const from = await lastAuditId();
    await createChat(services).click("carol", "cmd:routers");
    await dispatch(buildRegistry(), services, {
      actor: carol,
      channel: "console",
      action: "cmd:sessions linx",
    });
    await dispatch(buildRegistry(), services, line("hide AS6939 at LINX", carol));
    const evs = await rowsAfter(from);
    expect(evs.map((e) => [e.userId, e.command, e.args, e.outcome])).toEqual([
      ["carol", "routers", "", "ok"],
      ["carol", "sessions", "linx", "ok"],
      ["carol", "hide", "AS6939 at LINX", "denied"],
    ]);
  });

  it("never throws on odd identity fields, and cleans them like the rest", async () => {
    const odd = {
      platform: "console",
      userId: "odd\u0000id",
      userName: null,
    } as unknown as Actor;
    await audit(db, {
      actor: odd,
      channel: undefined as unknown as string,
      command: "x",
      args: "",
      outcome: "ok",
    });
    const id = await beginAudit(db, {
      actor: { platform: "console", userId: "u".repeat(500), userName: `n${"\u0000".repeat(300)}` },
      channel: "c".repeat(500),
      command: "y",
      args: "",
    });
    await finishAudit(db, id, { outcome: "ok", durationMs: Number.NaN, objects: ["as:1"] });
    const a = await db.prisma.auditEvent.findFirstOrThrow({ where: { command: "x" } });
    expect(a).toMatchObject({ userId: "odd\uFFFDid", userName: "odd\uFFFDid", channel: "" });
    const b = await db.prisma.auditEvent.findUniqueOrThrow({ where: { id } });
    expect(b.userId).toHaveLength(200);
    expect(b.userName).toMatch(/^n\uFFFD+$/);
    expect(b.userName).toHaveLength(200);
    expect(b.channel).toHaveLength(200);
    expect(b).toMatchObject({ outcome: "ok", message: "", durationMs: 0, objects: ["as:1"] });
  });
});

describe("an argument that looks like an AS number but is not one", () => {
  const cases = ["AS0", "AS4294967296", "AS-1", "AS 99999999999", "as0"];
  it.each(cases.flatMap((t) => ["sessions", "status"].map((c) => `${c} ${t}`)))(
    "%s says it is not a valid AS number",
    async (text) => {
      const r = await dispatch(buildRegistry(), services, line(text));
      expect(r.outcome).toBe("user_error");
      const [first, hint, ...more] = (r.reply.text ?? "").split("\n");
      expect(first).toMatch(
        /^"AS ?-?\d+" is not a valid AS number: an AS number is a whole number from 1 to 4294967295\.$/i,
      );
      expect(hint).toMatch(/^Usage: (sessions|status) \[/);
      expect(more).toEqual([]);
      expect(r.reply.text).not.toContain("No IXP");
    },
  );
});

describe("a secret typed into chat by mistake", () => {
  it.each([
    "direct AS174 on edge1.lon 192.0.2.1 transit password hunter2-Secret",
    "direct AS174 on edge1.lon 192.0.2.1 password:hunter2-Secret",
    "router set edge1.lon credential hunter2-Secret",
  ])("is refused and kept out of the audit row: %s", async (text) => {
    const before = await lastAuditId();
    const r = await dispatch(
      buildRegistry(),
      services,
      line(text, { ...alice, userId: "admin", userName: "admin" }),
    );
    expect(r.outcome).not.toBe("ok");
    expect(r.reply.text).not.toContain("hunter2");
    const rows = await rowsAfter(before);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows)
      expect(JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(
        "hunter2",
      );
  });

  it("leaves references and instructions readable", async () => {
    const { maskSecrets } = await import("../../commands/dispatch.js");
    expect(maskSecrets(["password", "generate", "credential", "env:EDGE1_PW", "password:env:X"])).toEqual([
      "password",
      "generate",
      "credential",
      "env:EDGE1_PW",
      "password:env:X",
    ]);
  });
});
