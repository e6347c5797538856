// What a change request promises, tried as an insider would: four-eyes cannot be bypassed by
// superseding someone's change, an operator cannot undo another's pending sessions, a BGP
// password is not stored in plain text in a change, and an admin can end a stuck change.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeConfig, getChange, requestersOf } from "../../core/changes.js";
import { newChange, type Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import { fingerprint, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;
let chat: Chat;
let close: (() => Promise<void>) | undefined;
const say = (user: string, line: string) => chat.say(user, line);

/** ASNs at LINX that the demo has no session with yet, each handed out once. */
const used = new Set<number>();
async function freshAsn(): Promise<number> {
  const { rows } = await db.pool.query<{ asn: number }>(
    `select distinct n.asn from pdb_netixlan n join "InternetExchange" i on i."peeringdbIxlanId" = n.ixlan_id
      where i.slug = 'linx-lon1' and n.status = 'ok' and n.operational and n.ipaddr4 is not null
        and n.asn not in (select asn from "AutonomousSystem") order by n.asn`,
  );
  const asn = rows.map((r) => Number(r.asn)).find((a) => !used.has(a));
  if (asn === undefined) throw new Error("no fresh ASN left at LINX");
  used.add(asn);
  return asn;
}

beforeAll(async () => {
  ({ db, services, chat, dataDir, close } = await demoChat(import.meta.filename, {
    env: {
      PEERBOT_ROLES:
        "console:alice=operator,console:olga=operator,console:bob=approver,console:carol=approver,console:admin=admin",
    },
  }));
});
afterAll(() => close?.());

describe("four-eyes through supersede", () => {
  it("an approver's own peering, carried into an operator's deploy, cannot be approved by that approver", async () => {
    const mine = newChange(await say("bob", "peer AS6939 at LINX"));
    const theirs = newChange(await say("alice", "deploy edge1.lon"));
    expect((await getChange(db, mine))?.status).toBe("superseded");
    const c = (await getChange(db, theirs))!;
    expect(new Set(requestersOf(c))).toEqual(new Set(["console:bob", "console:alice"]));
    const before = await fingerprint(db);
    const reply = await say("bob", `approve ${theirs}`);
    expect(reply).toMatch(/carries a change you requested; four-eyes/);
    expect(await fingerprint(db)).toBe(before);
    expect((await getChange(db, theirs))?.status).toBe("pending");
    // Another approver may.
    expect(await say("carol", `approve ${theirs}`)).toMatch(/approved/);
    expect((await getChange(db, theirs))?.status).toBe("deployed");
  });

  it("an operator cannot delete another operator's pending sessions by superseding and rejecting them", async () => {
    const asn = await freshAsn();
    const olgas = newChange(await say("olga", `peer AS${asn} at LINX`));
    const alices = newChange(await say("alice", "deploy edge1.lon"));
    expect((await getChange(db, olgas))?.status).toBe("superseded");
    const before = await fingerprint(db);
    expect(await say("alice", `reject ${alices}`)).toMatch(
      /also carries someone else's request; you need the approver role/,
    );
    expect(await fingerprint(db)).toBe(before);
    // An approver can reject it, and olga's sessions go.
    expect(await say("bob", `reject ${alices} not now`)).toMatch(/rejected/);
    const ms = await db.prisma.ixpSession.count({
      where: { autonomousSystem: { asn: 8075n }, status: "provisioning" },
    });
    expect(ms).toBe(0);
  });

  it("the requester alone may still withdraw their own change", async () => {
    const id = newChange(await say("olga", `peer AS${await freshAsn()} at LINX`));
    expect(await say("olga", `reject ${id}`)).toMatch(/rejected/);
  });
});

describe("secrets at rest", () => {
  it("a BGP password is neither in the stored config nor in the stored diff, but is deployed", async () => {
    const secret = "Sup3r-s3cret-md5";
    // Give one of HE's sessions on edge1.lon a password, then change it through a deploy.
    const he = await db.prisma.ixpSession.findFirstOrThrow({
      where: { autonomousSystem: { asn: 6939n }, connection: { router: { name: "edge1.lon" } } },
    });
    await db.prisma.ixpSession.update({
      where: { id: he.id },
      data: { passwordEnc: services.secrets!.encrypt(secret) },
    });
    const open = await db.prisma.changeRequest.findMany({ where: { status: "pending" } });
    for (const c of open) await say("alice", `reject ${c.id}`);
    const id = newChange(await say("alice", "deploy edge1.lon"));
    const { rows } = await db.pool.query<{ config: string; diff: string }>(
      `select config, diff from "ChangeRequest" where id = $1`,
      [id],
    );
    expect(rows[0]!.config).not.toContain(secret);
    expect(rows[0]!.diff).not.toContain(secret);
    expect(changeConfig(services, (await getChange(db, id))!)).toContain(secret);
    await say("bob", `approve ${id}`);
    const done = (await getChange(db, id))!;
    expect(done.status).toBe("deployed");
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(path.join(dataDir, "configs", "edge1.lon.conf"), "utf8")).toContain(secret);
    const audit = await db.prisma.auditEvent.findMany();
    expect(JSON.stringify(audit, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain(
      secret,
    );
    expect(services.logLines.join("\n")).not.toContain(secret);
  });
});

describe("change <id> abandon", () => {
  it("an admin ends a change stuck in queued after reading the router; others may not", async () => {
    const id = newChange(await say("alice", "session AS15169 at LINX disable"));
    // Stuck: approved and queued, but no job will ever run it (as after a lost Redis).
    await db.prisma.changeRequest.update({ where: { id }, data: { status: "queued", deployAttempt: 1 } });
    expect(await say("alice", "deploy edge1.lon")).toMatch(/locked by change/);
    expect(await say("bob", `change ${id} abandon`)).toMatch(/You need the admin role to abandon a change/);
    const reply = await say("admin", `change ${id} abandon router replaced`);
    expect(reply).toMatch(
      /Change #\d+ abandoned: edge1.lon runs the configuration from before the change, so it ends failed/,
    );
    const c = (await getChange(db, id))!;
    expect(c.status).toBe("failed");
    expect(c.reason).toBe("abandoned by @{console:admin|admin}: router replaced");
    const google = await db.prisma.ixpSession.findMany({ where: { autonomousSystem: { asn: 15169n } } });
    expect(google.every((s) => s.status !== "disabled")).toBe(true);
    // The router is unlocked.
    expect(await say("alice", "deploy edge1.lon")).not.toMatch(/locked by change/);
    expect(await say("admin", `change ${id} abandon`)).toMatch(
      /only a queued, deploying or planning change can be abandoned/,
    );
    expect(await say("admin", "change 99999 abandon")).toMatch(/There is no change #99999/);
    expect(await say("admin", `change ${id} explode`)).toMatch(/Usage: change <id>/);
  });
});
