// Bad input from the trust issue's review, each answered in one sentence with a usage hint,
// changing nothing: an empty router name after `router` (it used to plan on every router),
// `diff` of a router whose SSH credentials cannot be had (it used to answer "Something went
// wrong"), and rejecting or approving with a reason or verb that is not one.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;
const registry = buildRegistry();

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-bad-"));
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, {}, dataDir);
  await seedDemoDb(db, dataDir);
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function say(user: string, text: string) {
  const before = await fingerprint(db);
  const r = await dispatch(registry, services, {
    actor: { platform: "console", userId: user, userName: user },
    channel: "console",
    text,
  });
  expect(await fingerprint(db), `"${text}" changed nothing`).toBe(before);
  return { ...r, text: r.reply.text ?? "" };
}

describe("bad input changes nothing and gets one sentence", () => {
  it("peer with an empty router name", async () => {
    const r = await say("alice", 'peer AS6762 at linx router ""');
    expect(r.outcome).toBe("user_error");
    expect(r.text).toMatch(/^Say which router after `router`, e\.g\. router edge1\.lon\.\nUsage: peer /);
  });

  it("diff of a router whose password variable is not set names the router and the variable, not an error reference", async () => {
    await db.prisma.router.update({
      where: { name: "edge1.fra" },
      data: { credentialEnv: "PEERBOT_TEST_UNSET_PASSWORD", passwordEnc: null },
    });
    delete process.env.PEERBOT_TEST_UNSET_PASSWORD;
    const r = await say("alice", "diff edge1.fra");
    expect(r.outcome).toBe("user_error");
    expect(r.text).toMatch(
      /^Cannot read edge1\.fra's configuration: .*PEERBOT_TEST_UNSET_PASSWORD is not set\./,
    );
    expect(r.text).not.toMatch(/Something went wrong|reference/);
  });

  it("a reject reason over 500 characters, and change with a verb it does not know", async () => {
    const long = await say("bob", `reject 1 ${"x".repeat(600)}`);
    expect(long.text).toMatch(/^That reason is too long: say it in 500 characters or fewer\./);
    const verb = await say("admin", "change 1 explode");
    expect(verb.text).toMatch(
      /^The only thing to do with a change here is abandon it, e\.g\. change 12 abandon\.\nUsage: change/,
    );
  });
});
