// Polling without a lab: a driver that answers what the test says, so that every transition
// is deterministic. Matching by address (IPv6 spelled differently), state and counts stored,
// alerts once per transition (down, still down, back up) and none for sessions that are not
// enabled, the change that enabled a session told once, the poll job, and `status`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleSession } from "../../bot/console/console.js";
import { buildRegistry } from "../../commands/index.js";
import { resolveIntents } from "../../commands/intents.js";
import { ConfigError, loadConfig } from "../../core/config.js";
import { alertChannel, pollRouter } from "../../core/polling.js";
import type { BgpNeighbor, MessageRef, RouterDriver } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import { registerAllWorkers } from "../../jobs/index.js";
import { enqueuePolls } from "../../jobs/poll-sessions.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { Capture, testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let neighbors: BgpNeighbor[] = [];
let failWith: string | null = null;
let now = new Date("2026-11-21T12:00:00Z");
const posted: Array<{ channel: string; reply: Reply }> = [];
const updated: Reply[] = [];
let routerId: number;
let v4Id: number;
let v6Id: number;
let directId: number;

const driver: RouterDriver = {
  getConfig: async () => "",
  loadCandidate: async () => {},
  commit: async () => ({ output: "" }),
  confirm: async () => {},
  rollback: async () => {},
  getBgpNeighbors: async () => {
    if (failWith) throw new Error(failWith);
    return neighbors;
  },
  close: async () => {},
};

const up = (address: string, received = 5): BgpNeighbor => ({
  remoteAddress: address,
  remoteAs: 64501,
  state: "established",
  receivedPrefixes: received,
  acceptedPrefixes: received - 1,
  advertisedPrefixes: 2,
});
const down = (address: string): BgpNeighbor => ({ remoteAddress: address, remoteAs: 64501, state: "active" });

async function poll(minutesLater = 0) {
  now = new Date(now.getTime() + minutesLater * 60_000);
  return pollRouter(services, routerId);
}

const titles = () => posted.map((p) => p.reply.title ?? "");

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, { PEERBOT_ALERT_CHANNEL: "slack:C0ALERTS", PEERBOT_ALERT_DOWN_AFTER: "15m" });
  services.clock = { now: () => now };
  services.drivers = () => driver;
  services.notifier = {
    post: async (channel, reply): Promise<MessageRef> => {
      posted.push({ channel: `${channel.platform}:${channel.channel}`, reply });
      return { platform: channel.platform, channel: channel.channel, messageId: String(posted.length) };
    },
    update: async (_ref, reply) => {
      updated.push(reply);
    },
  };
  const p = db.prisma;
  const us = await p.autonomousSystem.create({ data: { asn: 64500n, name: "us", affiliated: true } });
  const peer = await p.autonomousSystem.create({ data: { asn: 64501n, name: "Peer Networks" } });
  const ixp = await p.internetExchange.create({
    data: { name: "Poll IX", slug: "poll-ix", localAsId: us.id },
  });
  const router = await p.router.create({
    data: {
      name: "edge9",
      hostname: "edge9.example.net",
      platform: "bird2",
      localAsId: us.id,
      pollSessionState: true,
    },
  });
  routerId = router.id;
  const conn = await p.connection.create({
    data: { ixpId: ixp.id, routerId, ipv4Address: "192.0.2.1/24", ipv6Address: "2001:db8::1/64" },
  });
  const old = new Date("2026-11-21T11:00:00Z");
  v4Id = (
    await p.ixpSession.create({
      data: { autonomousSystemId: peer.id, connectionId: conn.id, ipAddress: "192.0.2.2", status: "enabled" },
    })
  ).id;
  v6Id = (
    await p.ixpSession.create({
      data: {
        autonomousSystemId: peer.id,
        connectionId: conn.id,
        ipAddress: "2001:db8::2",
        status: "maintenance",
      },
    })
  ).id;
  directId = (
    await p.directSession.create({
      data: { autonomousSystemId: peer.id, routerId, ipAddress: "198.51.100.9", status: "enabled" },
    })
  ).id;
  await db.pool.query(`update "IxpSession" set "updatedAt" = $1`, [old]);
  await db.pool.query(`update "DirectSession" set "updatedAt" = $1`, [now]);
  // A deployed change that enabled the IPv4 session, with a message to update.
  await p.changeRequest.create({
    data: {
      routerId,
      summary: "peer AS64501 at Poll IX",
      requestedBy: "console:alice",
      status: "deployed",
      config: "",
      configSha256: "",
      baseSha256: "",
      diff: "",
      diffSha256: "",
      effects: [{ kind: "ixp", id: v4Id, onDeploy: "enabled", onRevert: "delete" }],
      expiresAt: now,
      deployedAt: now,
      messagePlatform: "slack",
      messageChannel: "C0CHANGES",
      messageId: "1700000000.000100",
    },
  });
});

afterAll(async () => {
  await db?.drop();
});

describe("pollRouter", () => {
  it("stores state and counts by address, notes the change once, alerts nobody when all is well", async () => {
    neighbors = [up("192.0.2.2"), up("2001:DB8:0:0::2", 7), down("198.51.100.9")];
    const r = await poll();
    expect(r).toMatchObject({
      router: "edge9",
      neighbors: 3,
      sessions: 3,
      matched: 3,
      established: 2,
      changesNoted: 1,
    });
    const v4 = await db.prisma.ixpSession.findUniqueOrThrow({ where: { id: v4Id } });
    expect(v4).toMatchObject({
      bgpState: "established",
      receivedPrefixCount: 5,
      acceptedPrefixCount: 4,
      advertisedPrefixCount: 2,
    });
    expect(v4.polledAt).toEqual(now);
    expect(v4.lastEstablishedAt).toEqual(now);
    expect((await db.prisma.ixpSession.findUniqueOrThrow({ where: { id: v6Id } })).receivedPrefixCount).toBe(
      7,
    );
    const d = await db.prisma.directSession.findUniqueOrThrow({ where: { id: directId } });
    expect(d.bgpState).toBe("active");
    expect(d.receivedPrefixCount).toBeNull();
    const c = await db.prisma.changeRequest.findFirstOrThrow({ where: { routerId } });
    expect(c.steps).toEqual([
      "AS64501 192.0.2.2: BGP session Established, 5 prefixes received, 2 advertised (polled 12:00:00 UTC)",
    ]);
    expect(updated.at(-1)?.text).toContain("AS64501 192.0.2.2: BGP session Established");
    // The direct session has been down since it was enabled (just now): not yet an alert.
    expect(posted).toEqual([]);
    await poll(1);
    expect((await db.prisma.changeRequest.findFirstOrThrow({ where: { routerId } })).steps).toHaveLength(1);
  });

  it("alerts once when an enabled session leaves Established, and not for one in maintenance", async () => {
    neighbors = [down("192.0.2.2"), down("2001:db8::2"), down("198.51.100.9")];
    await poll(1);
    await poll(1);
    expect(titles()).toEqual(["BGP session down: AS64501 Peer Networks at Poll IX, 192.0.2.2 on edge9"]);
    expect(posted[0]!.channel).toBe("slack:C0ALERTS");
    // Core asks for the buttons as intents; commands/ writes their lines.
    expect(posted[0]!.reply.buttons?.map((b) => b.intent)).toEqual([
      { command: "sessions", args: [{ asn: "64501" }] },
      { command: "status", args: [{ asn: "64501" }] },
    ]);
    expect(resolveIntents(buildRegistry(), posted[0]!.reply).buttons?.map((b) => b.actionId)).toEqual([
      "cmd:sessions AS64501",
      "cmd:status AS64501",
    ]);
    expect(posted[0]!.reply.text).toContain("now Active");
    const v4 = await db.prisma.ixpSession.findUniqueOrThrow({ where: { id: v4Id } });
    expect(v4.alertedState).toBe("down");
    expect(v4.lastEstablishedAt?.toISOString()).toBe("2026-11-21T12:01:00.000Z");
  });

  it("alerts once more when a session stays down past PEERBOT_ALERT_DOWN_AFTER", async () => {
    posted.length = 0;
    await poll(10);
    expect(posted).toEqual([]);
    await poll(10); // 22 min after it was last seen up; the direct one 23 min after it was enabled
    await poll(10);
    expect(titles().sort()).toEqual([
      "BGP session still down: AS64501 Peer Networks at Poll IX, 192.0.2.2 on edge9",
      "BGP session still down: AS64501 Peer Networks at a direct session, 198.51.100.9 on edge9",
    ]);
  });

  it("says when it is back up, once, and forgets the alert", async () => {
    posted.length = 0;
    neighbors = [up("192.0.2.2"), down("2001:db8::2"), up("198.51.100.9")];
    await poll(1);
    await poll(1);
    expect(titles().sort()).toEqual([
      "BGP session back up: AS64501 Peer Networks at Poll IX, 192.0.2.2 on edge9",
      "BGP session back up: AS64501 Peer Networks at a direct session, 198.51.100.9 on edge9",
    ]);
    expect((await db.prisma.ixpSession.findUniqueOrThrow({ where: { id: v4Id } })).alertedState).toBeNull();
  });

  it("a session the router does not have is down; a router that cannot be reached is reported, nothing stored", async () => {
    posted.length = 0;
    neighbors = [up("2001:db8::2")];
    await poll(1);
    expect(titles()).toHaveLength(2);
    expect(posted[0]!.reply.text).toContain("not configured on the router");
    const before = await db.prisma.ixpSession.findUniqueOrThrow({ where: { id: v6Id } });
    failWith = "connection to edge9 (edge9.example.net:22) was refused";
    const r = await poll(1);
    failWith = null;
    expect(r.error).toContain("was refused");
    expect((await db.prisma.ixpSession.findUniqueOrThrow({ where: { id: v6Id } })).polledAt).toEqual(
      before.polledAt,
    );
  });

  it("skips routers that are not polled", async () => {
    await db.prisma.router.update({ where: { id: routerId }, data: { pollSessionState: false } });
    expect((await poll()).skipped).toBe("polling is off for this router");
    await db.prisma.router.update({ where: { id: routerId }, data: { pollSessionState: true } });
  });
});

describe("the poll-sessions job and status", () => {
  it("a tick polls every router once per interval, however often it runs", async () => {
    registerAllWorkers(services.queue, services);
    const seen: number[] = [];
    const jobs = {
      enqueue: async (_q: string, _n: string, data: unknown, opts?: { jobId?: string }) => {
        seen.push((data as { routerId: number }).routerId);
        expect(opts?.jobId).toMatch(/^poll-\d+-\d+$/);
      },
      jobState: async () => "missing" as const,
    };
    expect(await enqueuePolls(services, jobs)).toBe(1);
    expect(seen).toEqual([routerId]);
    // Through the in-process queue: a tick job fans out, the poll job polls.
    neighbors = [up("192.0.2.2", 9)];
    await services.queue.enqueue("poll-sessions", "tick", {});
    await services.queue.drain();
    expect((await db.prisma.ixpSession.findUniqueOrThrow({ where: { id: v4Id } })).receivedPrefixCount).toBe(
      9,
    );
  });

  it("status shows state, prefixes, last established and polled-at, for a router, an IXP or an AS", async () => {
    const out = new Capture();
    const c = new ConsoleSession(buildRegistry(), services, "alice", out);
    for (const target of ["edge9", "Poll IX", "AS64501"]) {
      await c.handleLine(`status ${target}`);
      const t = out.take();
      expect(t).toContain("BGP status:");
      expect(t).toContain("192.0.2.2");
      expect(t).toContain("9/8/2");
      expect(t).toMatch(/Established/);
    }
    await c.handleLine("status");
    expect(out.take()).toMatch(/3 sessions: 1 established, 2 not established/);
    await c.handleLine("status AS65000");
    expect(out.take()).toContain("No sessions for AS65000.");
    await c.handleLine("status no-such-thing");
    expect(out.take()).toContain('No IXP is called "no-such-thing"');
  });
});

describe("the alert channel", () => {
  it("is bound to its platform in the configuration, never guessed from the id", () => {
    expect(alertChannel(undefined)).toBeNull();
    expect(
      alertChannel(loadConfig({ PEERBOT_ALERT_CHANNEL: "slack:C0123ABC" }).PEERBOT_ALERT_CHANNEL),
    ).toEqual({
      platform: "slack",
      channel: "C0123ABC",
    });
    expect(
      alertChannel(loadConfig({ PEERBOT_ALERT_CHANNEL: "discord:123456789012345678" }).PEERBOT_ALERT_CHANNEL),
    ).toEqual({
      platform: "discord",
      channel: "123456789012345678",
    });
    expect(alertChannel("console:alerts")).toEqual({ platform: "console", channel: "alerts" });
    for (const bare of ["C0123ABC", "123456789012345678", "teams:19abc", "slack:"]) {
      const err = (() => {
        try {
          loadConfig({ PEERBOT_ALERT_CHANNEL: bare });
        } catch (e) {
          return e;
        }
      })();
      expect(err, bare).toBeInstanceOf(ConfigError);
      // One line, naming the setting, never echoing its value.
      expect((err as ConfigError).problems).toEqual([
        "PEERBOT_ALERT_CHANNEL: expected a channel with its platform: slack:<channel id>, discord:<channel id> or console:<name>, e.g. slack:C0123ABC",
      ]);
      expect(() => alertChannel(bare)).toThrow(
        /^PEERBOT_ALERT_CHANNEL: expected a channel with its platform/,
      );
    }
  });
});
