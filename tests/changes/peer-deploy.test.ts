// The headline flow on the demo network: `peer AS6939 at LINX` as alice, four-eyes, approval
// by bob, the queued deploy to the file router, and the failure modes: a stale diff, a double
// approval, a worker that died mid-deploy.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeConfig, deployChange, getChange } from "../../core/changes.js";
import { diffConfigs, sha256 } from "../../core/diff.js";
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

const configFile = () => path.join(dataDir, "configs", "edge1.lon.conf");

beforeAll(async () => {
  ({ db, services, chat, dataDir, close } = await demoChat(import.meta.filename));
});
afterAll(() => close?.());

describe("peer AS6939 at LINX, end to end", () => {
  let changeId: number;

  it("posts a diff with Hurricane Electric's neighbors at LINX LON1", async () => {
    const t = await say("alice", "peer AS6939 at LINX");
    const m = /Change #(\d+) on edge1\.lon: peer AS6939 Hurricane Electric at LINX LON1/.exec(t);
    expect(m).not.toBeNull();
    changeId = Number(m![1]);
    expect(t).toContain("2 new sessions with AS6939 (Hurricane Electric) at LINX LON1, in provisioning");
    expect(t).toMatch(/^\+\s+neighbor 195\.66\.224\.21 as 6939;$/m);
    expect(t).toMatch(/^\+\s+neighbor 2001:7f8:4::1b1b:1 as 6939;$/m);
    expect(t).toContain(`(change.approve:${changeId})`);
    const hs = await db.prisma.ixpSession.findMany({
      where: { autonomousSystem: { asn: 6939n }, connection: { ixp: { slug: "linx-lon1" } } },
    });
    expect(hs.map((s) => s.status)).toEqual(["provisioning", "provisioning"]);
  });

  it("an operator cannot approve, and the refusal is audited as denied", async () => {
    const t = await say("alice", `approve ${changeId}`);
    expect(t).toContain("You need the approver role"); // alice is an operator
    const c = await getChange(db, changeId);
    expect(c?.status).toBe("pending");
    expect(
      await db.prisma.auditEvent.count({ where: { userId: "alice", command: "approve", outcome: "denied" } }),
    ).toBe(1);
  });

  it("bob approves: the job deploys to the file router and the message shows each step", async () => {
    const t = await say("bob", `approve ${changeId}`);
    expect(t).toContain(`Change #${changeId} on edge1.lon approved; the deploy is queued.`);
    for (const step of [
      "rendered again: the diff matches the approved one",
      "candidate loaded",
      "committed, confirm within 300 s",
      "verified: the router has exactly the approved configuration",
      "confirmed",
      "2 sessions now enabled",
      "Status: deployed.",
    ]) {
      expect(t).toContain(step);
    }
    const c = await getChange(db, changeId);
    expect(c?.status).toBe("deployed");
    // The file holds exactly the approved diff applied to what it held before (nothing).
    const now = readFileSync(configFile(), "utf8");
    expect(sha256(now)).toBe(c!.configSha256);
    expect(
      diffConfigs("", now, { fromName: "edge1.lon (running)", toName: "edge1.lon (peerbot)" }).diffSha256,
    ).toBe(c!.diffSha256);
    const hs = await db.prisma.ixpSession.findMany({
      where: { autonomousSystem: { asn: 6939n }, connection: { ixp: { slug: "linx-lon1" } } },
    });
    expect(hs.map((s) => s.status)).toEqual(["enabled", "enabled"]);
    expect(
      await db.prisma.auditEvent.count({
        where: { command: "change.deployed", objects: { has: `change:${changeId}` } },
      }),
    ).toBe(1);
  });

  it("four-eyes: an approver cannot approve their own change, and nothing changes", async () => {
    const own = newChange(await say("bob", "session AS15169 at LINX disable"));
    const before = await fingerprint(db);
    const t = await say("bob", `approve ${own}`);
    expect(t).toContain(`You requested change #${own}; four-eyes: another approver must approve it.`);
    expect(await fingerprint(db)).toBe(before);
    expect((await getChange(db, own))?.status).toBe("pending");
    expect(
      await db.prisma.auditEvent.count({ where: { userId: "bob", command: "approve", outcome: "denied" } }),
    ).toBe(1);
    expect(await say("bob", `reject ${own}`)).toMatch(/rejected/);
  });

  it("a second approval of the same change deploys nothing more", async () => {
    const t = await say("admin", `approve ${changeId}`);
    expect(t).toMatch(new RegExp(`Change #${changeId} is deployed; there is nothing to decide`));
  });
});

describe("failure modes", () => {
  it("a double approval (two presses at once) ends in exactly one deploy", async () => {
    const t = await say("alice", "session AS15169 at LINX disable");
    const id = newChange(t);
    const press = (user: string) => chat.session(user).handleLine(`click change.approve:${id}`);
    await Promise.all([press("bob"), press("admin")]);
    await chat.drain();
    const text = chat.out.take();
    expect(text.match(/approved by (bob|admin) \(console\); the deploy is queued/g)).toHaveLength(1);
    expect(text).toMatch(/is already approved and (queued|deploying)|is deployed; there is nothing/);
    const c = await getChange(db, id);
    expect(c?.status).toBe("deployed");
    expect(c?.approvals).toHaveLength(1);
    expect(c?.steps.filter((s) => s.startsWith("committed"))).toHaveLength(1);
    const block =
      /protocol bgp pb_linx_lon1_as15169_\w+ from pb_linx_lon1_v4 \{[^}]*?neighbor 195\.66\.224\.125[\s\S]*?\n\}/.exec(
        readFileSync(configFile(), "utf8"),
      );
    expect(block?.[0]).toContain("disabled yes;");
  });

  it("a job retried after the worker died after its commit finishes without deploying twice", async () => {
    const t = await say("alice", "session AS15169 at LINX enable");
    const id = newChange(t);
    const c = (await getChange(db, id))!;
    // What a worker leaves behind when it dies right after the commit: the file written,
    // the change `deploying` in phase `committed`.
    writeFileSync(configFile(), changeConfig(services, c));
    await db.prisma.changeRequest.update({
      where: { id },
      data: { status: "deploying", phase: "committed", steps: ["approved by bob", "committed"] },
    });
    expect(await deployChange(services, id)).toBe("deployed");
    expect(await deployChange(services, id)).toBe("skipped"); // and a further retry does nothing
    const after = (await getChange(db, id))!;
    expect(after.status).toBe("deployed");
    expect(after.steps.filter((s) => s.startsWith("committed"))).toHaveLength(1);
    chat.out.take();
  });

  it("a job retried after the worker died before its commit deploys once", async () => {
    const t = await say("alice", "session AS702 at LINX disable");
    const id = newChange(t);
    await db.prisma.changeRequest.update({ where: { id }, data: { status: "deploying", phase: "loaded" } });
    expect(await deployChange(services, id)).toBe("deployed");
    const after = (await getChange(db, id))!;
    expect(after.steps.filter((s) => s.startsWith("committed"))).toHaveLength(1);
    expect(sha256(readFileSync(configFile(), "utf8"))).toBe(after.configSha256);
    chat.out.take();
  });

  it("a stale diff: the file is edited after approval; the deploy is refused, nothing written, a new change posted", async () => {
    const t = await say("alice", "session AS702 at LINX enable");
    const id = newChange(t);
    const c = (await getChange(db, id))!;
    // Approved, but its job has not run yet; meanwhile someone edits the router's file.
    await db.prisma.changeRequest.update({ where: { id }, data: { status: "queued" } });
    const edited = readFileSync(configFile(), "utf8") + "# hand edit on the router\n";
    writeFileSync(configFile(), edited);
    expect(await deployChange(services, id)).toBe("stale");
    expect(readFileSync(configFile(), "utf8")).toBe(edited); // nothing written
    const old = (await getChange(db, id))!;
    expect(old.status).toBe("superseded");
    expect(old.reason).toMatch(/^stale/);
    const next = await db.prisma.changeRequest.findFirstOrThrow({ where: { supersedesId: id } });
    expect(next.status).toBe("pending");
    expect(next.diff).toContain("-# hand edit on the router");
    expect(next.diffSha256).not.toBe(c.diffSha256);
    // The sessions it carries are still waiting for the new change, not reverted.
    const s = await db.prisma.ixpSession.findMany({
      where: { autonomousSystem: { asn: 702n }, connection: { ixp: { slug: "linx-lon1" } } },
    });
    expect(s.every((x) => x.status === "enabled")).toBe(true);
    expect(chat.out.take()).toContain(`The diff of change #${id} is stale; here is the new one.`);
  });

  it("a new change supersedes a pending one, whose buttons then stop working", async () => {
    const first = await say("alice", "session AS8075 at LINX disable");
    const a = newChange(first);
    const second = await say("alice", "deploy edge1.lon");
    const b = newChange(second);
    expect(b).toBeGreaterThan(a);
    expect((await getChange(db, a))?.status).toBe("superseded");
    const press = await chat.click("bob", `change.approve:${a}`);
    expect(press).toContain(`Change #${a} was superseded (superseded by change #${b})`);
    // The superseding change carries the disable: rejecting it restores the session.
    const rej = await say("bob", `reject ${b} not now`);
    expect(rej).toContain(`Change #${b} on edge1.lon rejected.`);
    const s = await db.prisma.ixpSession.findMany({
      where: { autonomousSystem: { asn: 8075n }, connection: { ixp: { slug: "linx-lon1" } } },
    });
    expect(s.every((x) => x.status === "enabled")).toBe(true);
  });

  it("a deploying change locks its router: a new change is refused with who and since when", async () => {
    const t = await say("alice", "session AS8075 at LINX disable");
    const id = newChange(t);
    await db.prisma.changeRequest.update({ where: { id }, data: { status: "deploying" } });
    const refused = await say("alice", "deploy edge1.lon");
    expect(refused).toMatch(
      new RegExp(
        `edge1\\.lon is locked by change #${id} \\(deploying\\), requested by alice \\(console\\), since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\.`,
      ),
    );
    await db.prisma.changeRequest.update({ where: { id }, data: { status: "failed" } });
  });
});
