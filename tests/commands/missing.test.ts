// `missing` over the demo network and its real PeeringDB records, plus mirror edits: a network
// we peer with at one IXP that the mirror shows at another of ours, a family missing where
// both sides have it, a hidden peer left out, the Peer button closing the gap, and `as`.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRegistry } from "../../commands/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { sayAs } from "../helpers/say.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;
const registry = buildRegistry();

const say = (user: string, text: string, action?: string) => sayAs(registry, services, user, text, action);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-missing-"));
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, {}, dataDir);
  await seedDemoDb(db, dataDir);
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** What the mirror says independently: the demo peers' ports at our other IXPs. */
async function expectedFromMirror(): Promise<string[]> {
  const r = await db.pool.query<{ asn: string; slug: string }>(
    `select distinct n.asn, x.slug
       from pdb_netixlan n join "InternetExchange" x on x."peeringdbIxlanId" = n.ixlan_id
      where n.status = 'ok' and n.operational
        and n.asn in (select a.asn from "AutonomousSystem" a join "IxpSession" s on s."autonomousSystemId" = a.id where not a.affiliated)
        and not exists (select 1 from "IxpSession" s join "Connection" c on c.id = s."connectionId"
                         join "AutonomousSystem" a on a.id = s."autonomousSystemId"
                        where a.asn = n.asn and c."ixpId" = x.id)
      order by 1, 2`,
  );
  return r.rows.map((x) => `AS${String(x.asn)} at ${x.slug}`);
}

describe("missing", () => {
  it("lists the networks we peer with elsewhere that the mirror shows at another of our IXPs", async () => {
    const r = await say("bob", "missing");
    expect(r.outcome).toBe("ok");
    const got = r.rows.map((row) => row.split(" | ")[4]!.replace(/^peer /, ""));
    const want = await expectedFromMirror();
    expect(want.length).toBeGreaterThan(2);
    expect(got).toEqual(want);
    expect(r.all).toMatch(
      /AS8075 \| Microsoft \| DE-CIX Frankfurt \| no session here \(we peer at LINX LON1\)/,
    );
    // A Peer button for each row, running the row's command.
    expect(r.reply.buttons?.map((b) => b.actionId)).toEqual(got.map((g) => `cmd:peer ${g}`));
  });

  it("finds a network the mirror adds at another IXP, and drops it when the port goes", async () => {
    // AMS-IX's peer AS3320 gets a port at LINX LON1 in the mirror.
    const linx = await db.prisma.internetExchange.findUniqueOrThrow({ where: { slug: "linx-lon1" } });
    await db.pool.query(
      `insert into pdb_netixlan (id, net_id, ix_id, ixlan_id, asn, ipaddr4, ipaddr6, status, created, updated)
       values (990001, 1, $1, $2, 3320, '195.66.239.254', null, 'ok', now(), now())`,
      [linx.peeringdbIxId, linx.peeringdbIxlanId],
    );
    let r = await say("bob", "missing AS3320");
    expect(r.rows).toEqual([
      expect.stringMatching(
        /^AS3320 \| .* \| LINX LON1 \| no session here \(we peer at AMS-IX\) \| peer AS3320 at linx-lon1 v4$/,
      ),
    ]);
    await db.pool.query(`update pdb_netixlan set operational = false where id = 990001`);
    r = await say("bob", "missing AS3320");
    expect(r.rows).toEqual([]);
    expect(r.reply.text).toMatch(/^No missing sessions with AS3320/);
  });

  it("lists a family we lack where both of us have it, with a Peer button for that family", async () => {
    const v6 = await db.prisma.ixpSession.findFirstOrThrow({
      where: {
        autonomousSystem: { asn: 15169n },
        connection: { ixp: { slug: "linx-lon1" } },
        ipAddress: { contains: ":" },
      },
    });
    await db.prisma.ixpSession.update({ where: { id: v6.id }, data: { status: "decommissioned" } });
    const r = await say("bob", "missing LINX");
    const row = r.rows.find((x) => x.startsWith("AS15169 |"));
    expect(row).toMatch(
      /LINX LON1 \| no IPv6 session \(the other family is up\) \| peer AS15169 at linx-lon1 v6$/,
    );
  });

  it("leaves hidden peers out, and the Peer button closes the gap", async () => {
    expect((await say("alice", "hide AS8075 at DE-CIX")).outcome).toBe("ok");
    expect((await say("bob", "missing AS8075")).rows).toEqual([]);
    expect((await say("alice", "unhide AS8075 at DE-CIX")).outcome).toBe("ok");
    expect((await say("bob", "missing AS8075")).rows).toHaveLength(1);
    // At LINX LON1 (the demo's file router): the button runs `peer`, which makes the sessions.
    const before = await say("bob", "missing AS6939");
    const button = before.reply.buttons?.find((b) => b.actionId === "cmd:peer AS6939 at linx-lon1");
    expect(button).toBeDefined();
    const pressed = await say("alice", "", button!.actionId);
    expect(pressed.outcome, pressed.all).toBe("ok");
    expect(
      await db.prisma.ixpSession.count({
        where: { autonomousSystem: { asn: 6939n }, connection: { ixp: { slug: "linx-lon1" } } },
      }),
    ).toBeGreaterThan(0);
    expect((await say("bob", "missing AS6939")).rows).toEqual([]);
  });

  it("is counted in `as`", async () => {
    const r = await say("bob", "as AS3303");
    expect(r.all).toMatch(/Missing sessions: 1 \(LINX LON1\): `missing AS3303`/);
  });

  it("answers bad input in one sentence and changes nothing", async () => {
    for (const [text, pattern] of [
      ["missing AS99999999999", /out of range/],
      ["missing nowhere-ix", /No IXP is called "nowhere-ix"/],
      ["missing LINX extra", /I did not understand "extra"/],
    ] as const) {
      const before = await fingerprint(db);
      const r = await say("bob", text);
      expect(r.outcome, text).toBe("user_error");
      expect(r.reply.text, text).toMatch(pattern);
      expect(await fingerprint(db)).toBe(before);
    }
  });
});
