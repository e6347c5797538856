// The write side of the inventory (core/objects) called directly, as a file apply or an import
// would: values checked with one sentence each, one transaction per write with its history row
// in it (or in the caller's transaction), races between two writers, no-op updates leaving no
// row, and addresses checked against an exchange's peering LAN.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../core/errors.js";
import { processAuthor } from "../../core/history.js";
import {
  addAutonomousSystem,
  checkIxpAddress,
  createConnection,
  createRouter,
  fields,
  removeRouter,
  updateAutonomousSystem,
  updateConnection,
  updateRouter,
} from "../../core/objects/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { fingerprint } from "../helpers/services.js";

let db: TestDatabase;
const author = () => processAuthor("cli:tester", "file", "tester");

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename, { poolSize: 8 });
  await seedDemoDb(db);
});
afterAll(async () => {
  await db?.drop();
});

/** The sentence a call is refused with, after checking that nothing changed. */
async function refusal(fn: () => Promise<unknown>): Promise<string> {
  const before = await fingerprint(db);
  const err = await fn().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  expect(await fingerprint(db)).toBe(before);
  return (err as UserError).message;
}

describe("addresses on a peering LAN", () => {
  const linx = { name: "LINX LON1", prefixes: ["195.66.224.0/22", "2001:7f8:4::/64"] };
  it("takes the LAN's prefix length for a bare address, and canonical IPv6", () => {
    expect(checkIxpAddress("195.66.224.10", 4, linx)).toMatchObject({ text: "195.66.224.10/22" });
    expect(checkIxpAddress("2001:07F8:0004:0:0:0:fbf4:1", 6, linx)).toMatchObject({
      text: "2001:7f8:4::fbf4:1/64",
    });
  });
  it("refuses another length, an address outside, the network and the broadcast address", () => {
    expect(() => checkIxpAddress("195.66.224.10/24", 4, linx)).toThrow(
      /wrong prefix length.*195\.66\.224\.10\/22/,
    );
    expect(() => checkIxpAddress("195.66.228.1", 4, linx)).toThrow(
      /is not in LINX LON1's peering LAN \(195\.66\.224\.0\/22\)/,
    );
    expect(() => checkIxpAddress("195.66.224.0", 4, linx)).toThrow(/network address/);
    expect(() => checkIxpAddress("195.66.227.255", 4, linx)).toThrow(/broadcast address/);
    expect(() => checkIxpAddress("2001:7f8:4::", 6, linx)).toThrow(/network address/);
    expect(() => checkIxpAddress("2001:7f8:5::1", 6, linx)).toThrow(/not in LINX LON1's peering LAN/);
    expect(() => checkIxpAddress("195.66.224.300", 4, linx)).toThrow(/is not an IPv4 address/);
  });
  it("takes an address with its length, unchecked, where the IXP lists no LAN of that family", () => {
    const v6only = { name: "X", prefixes: ["2001:db8::/64"] };
    expect(checkIxpAddress("192.0.2.1/24", 4, v6only)).toMatchObject({
      text: "192.0.2.1/24",
      unchecked: true,
    });
    expect(() => checkIxpAddress("192.0.2.1", 4, v6only)).toThrow(
      /lists no IPv4 peering LAN, so give the prefix length too/,
    );
  });
});

describe("values", () => {
  it("normalises a MAC, an e-mail domain, a sender and AS-SETs", () => {
    expect(fields.mac.parse("001B.213A.4C5D")).toBe("00:1b:21:3a:4c:5d");
    expect(fields.email.parse("NOC@Example.NET")).toBe("NOC@example.net");
    expect(fields.mailbox.parse("  Example Peering   <peering@example.net> ")).toBe(
      "Example Peering <peering@example.net>",
    );
    expect(fields.asSet.parse("RIPE::AS-FOO, AS64500:AS-CUST  AS64500")).toBe(
      "RIPE::AS-FOO AS64500:AS-CUST AS64500",
    );
    expect(fields.mailbox.safeParse('"x" <a@b.example>').success).toBe(false);
    expect(fields.email.safeParse("a@b").success).toBe(false);
    expect(fields.hostname.safeParse("2001:db8::1").success).toBe(true);
    expect(fields.hostname.safeParse("10.0.0.256").success).toBe(false);
  });
});

describe("one transaction per write, its history row inside it", () => {
  it("a router created in a caller's transaction that fails leaves neither router nor history", async () => {
    const before = await fingerprint(db);
    await expect(
      db.prisma.$transaction(async (tx) => {
        await createRouter(
          db,
          author(),
          { name: "tx1", hostname: "tx1.example.net", platform: "junos" },
          { tx },
        );
        expect(await tx.objectChange.count({ where: { objectRepr: "tx1" } })).toBe(1);
        throw new Error("the rest of the file failed");
      }),
    ).rejects.toThrow("the rest of the file failed");
    expect(await fingerprint(db)).toBe(before);
  });

  it("two writers adding the same router: one gets it, the other a sentence", async () => {
    const results = await Promise.allSettled(
      [1, 2, 3].map(() =>
        createRouter(db, author(), { name: "race1", hostname: "race1.example.net", platform: "eos" }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((x) => x.status === "rejected"))
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        message: "There is already a router called race1.",
      });
    expect(await db.prisma.objectChange.count({ where: { objectType: "router", objectRepr: "race1" } })).toBe(
      1,
    );
  });

  it("an update that changes nothing writes no history row", async () => {
    const n = await db.prisma.objectChange.count();
    const r = await updateRouter(db, author(), "race1", { hostname: "race1.example.net", port: 22 });
    expect(r.changed).toBe(false);
    const a = await updateAutonomousSystem(db, author(), 64500, {
      comments: "AS64500 is reserved for documentation (RFC 5398).",
    });
    expect(a.changed).toBe(false);
    expect(await db.prisma.objectChange.count()).toBe(n);
  });

  it("a connection left without any address is refused and rolled back", async () => {
    const c = await createConnection(db, author(), {
      ixpId: await linxId(),
      router: "race1",
      ipv6: "2001:7f8:4::beef:1",
    });
    expect(c.connection.ipv6Address).toBe("2001:7f8:4::beef:1/64");
    const msg = await refusal(() => updateConnection(db, author(), c.connection.id, { ipv6: null }));
    expect(msg).toBe(
      `Connection #${c.connection.id} would have no address left; a connection needs at least one.`,
    );
  });

  it("removing a router detaches its connections, recorded with the deletion under one request", async () => {
    const r = await removeRouter(db, author(), "race1");
    expect(r.detached).toEqual(["LINX LON1 2001:7f8:4::beef:1"]);
    const rows = await db.prisma.objectChange.findMany({ orderBy: { id: "desc" }, take: 2 });
    expect(rows.map((x) => [x.objectType, x.action])).toEqual([
      ["router", "delete"],
      ["connection", "update"],
    ]);
    expect(rows[0]?.requestId).toBe(rows[1]?.requestId);
    expect(rows[1]?.after).toMatchObject({ routerId: null });
  });
});

describe("autonomous systems", () => {
  it("refuses AS_TRANS and reserved numbers; a private one comes with a note", async () => {
    expect(await refusal(() => addAutonomousSystem(db, author(), { asn: 23456 }))).toMatch(/AS_TRANS/);
    expect(await refusal(() => addAutonomousSystem(db, author(), { asn: 65535 }))).toMatch(
      /reserved \(RFC 7300\)/,
    );
    const p = await addAutonomousSystem(db, author(), { asn: 64512, name: "Lab" });
    expect(p.notes[0]).toMatch(/private AS number/);
    expect(p.as).toMatchObject({ name: "Lab", syncName: false, peeringdbNetId: null });
  });

  it("two writers adding the same AS: one gets it", async () => {
    const results = await Promise.allSettled(
      [1, 2].map(() => addAutonomousSystem(db, author(), { asn: 3257 })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.prisma.autonomousSystem.count({ where: { asn: 3257n } })).toBe(1);
  });
});

async function linxId() {
  return (await db.prisma.internetExchange.findUniqueOrThrow({ where: { slug: "linx-lon1" } })).id;
}
