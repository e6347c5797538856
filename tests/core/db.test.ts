import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
});
afterAll(async () => {
  await db?.drop();
});

describe("database", () => {
  it("stores a 32-bit ASN above the signed integer range", async () => {
    const as = await db.prisma.autonomousSystem.create({
      data: { asn: 4_200_000_000n, name: "Private 4-byte" },
    });
    expect(as.asn).toBe(4_200_000_000n);
  });
  it("refuses two sessions on one connection with the same remote address", async () => {
    const local = await db.prisma.autonomousSystem.create({
      data: { asn: 64500n, name: "Us", affiliated: true },
    });
    const ixp = await db.prisma.internetExchange.create({
      data: { name: "X", slug: "x", localAsId: local.id },
    });
    const conn = await db.prisma.connection.create({ data: { ixpId: ixp.id, ipv4Address: "192.0.2.1/24" } });
    const data = { autonomousSystemId: local.id, connectionId: conn.id, ipAddress: "192.0.2.7" };
    await db.prisma.ixpSession.create({ data });
    await expect(db.prisma.ixpSession.create({ data })).rejects.toThrow(/Unique constraint/);
  });
});
