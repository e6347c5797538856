// BIRD 2 for real: our router (BIRD + sshd) and a peer (BIRD) in network namespaces. The
// headline flow `peer AS64501 at Lab IX` -> approve -> deploy job -> BIRD has the neighbour
// -> polling sees it Established and the change's message says so; then a worker killed
// between commit and confirm (BIRD undoes it by itself: rolled back), a configuration BIRD
// rejects (failed, nothing applied, BIRD's error line shown, no credential anywhere), the
// driver's own rollback, the alerts when the session goes down and comes back, and an IRR
// filter that lets through only the prefixes the peer registered.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployChange, getChange, routerInfo } from "../../core/changes.js";
import { sha256 } from "../../core/diff.js";
import { splitBirdMarker, type Bird2Driver } from "../../drivers/router/bird2.js";
import { labUnavailable, PEER_IP, RouterLab, skipReason, waitFor } from "./lab.js";
import {
  CONFIRM_SECONDS,
  deployAndKillAfterCommit,
  everythingSaid,
  newChange,
  startFlow,
  type Flow,
} from "./flow.js";
import { LAB_IX_ID, LAB_IXLAN_ID } from "./seed.js";

const unavailable = skipReason(labUnavailable(), it);
let lab: RouterLab;
let flow: Flow;
let said = "";

/** The revision BIRD runs now, asked from the test's side. */
async function activeRevision(): Promise<string | null> {
  const out = await lab.birdc("eval pb_config_sha256");
  return /^([0-9a-f]{64})$/m.exec(out)?.[1] ?? null;
}

async function session() {
  return flow.db.prisma.ixpSession.findFirstOrThrow({ where: { ipAddress: PEER_IP } });
}

describe.skipIf(unavailable)(
  `BIRD 2 over SSH in network namespaces${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    beforeAll(async () => {
      lab = new RouterLab({ tag: "b", mgmtSlot: 1, daemon: "bird2" });
      await lab.start();
      flow = await startFlow(import.meta.filename, lab, { routerName: "bird1" });
    }, 120_000);

    afterAll(async () => {
      await flow?.close();
      await lab?.close();
    });

    let deployed: number;

    it("peer AS64501 at Lab IX: approve, deploy job, BIRD has the neighbour, polling sees it Established", async () => {
      const t = await flow.say("alice", "peer AS64501 at Lab IX");
      said += t;
      deployed = newChange(t);
      expect(t).toMatch(/^\+\s+neighbor 192\.0\.2\.2 as 64501;$/m);
      expect(t).toContain(`(change.approve:${deployed})`);

      const a = await flow.say("bob", `approve ${deployed}`);
      said += a;
      for (const step of [
        "rendered again: the diff matches the approved one",
        "candidate loaded",
        `committed, confirm within ${CONFIRM_SECONDS} s`,
        "verified: the router has exactly the approved configuration",
        "confirmed",
        "1 session now enabled",
        "Status: deployed.",
      ]) {
        expect(a).toContain(step);
      }
      const c = (await getChange(flow.db, deployed))!;
      expect(c.status).toBe("deployed");

      // BIRD runs exactly the approved file: its revision marker, and the neighbour.
      const file = readFileSync(lab.ownedFile, "utf8");
      const { config, revision } = splitBirdMarker(file);
      expect(sha256(config)).toBe(c.configSha256);
      expect(revision).toBe(c.configSha256);
      expect(await activeRevision()).toBe(c.configSha256);
      expect(await lab.birdc("show protocols all")).toContain(`Neighbor address: ${PEER_IP}`);

      // Polling: the session comes up with the peer, and the change's message says so.
      await flow.pollUntil(async () => {
        const x = await session();
        return x.bgpState === "established" && x.acceptedPrefixCount === 3;
      });
      const s = await session();
      expect(s.status).toBe("enabled");
      expect(s.receivedPrefixCount).toBe(3);
      expect(s.acceptedPrefixCount).toBe(3);
      expect(s.advertisedPrefixCount).toBe(1);
      expect(s.lastEstablishedAt).not.toBeNull();
      expect(await lab.peerState()).toBe("Established");
      const after = (await getChange(flow.db, deployed))!;
      const lines = after.steps.filter((l) => l.startsWith("AS64501 192.0.2.2: BGP session Established"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/\d+ prefixes received, \d+ advertised \(polled \d\d:\d\d:\d\d UTC\)$/);
      // The update may have been printed while an earlier step was being read: look at all of it.
      said += flow.out.take();
      expect(said).toMatch(
        /\[message m\d+ updated\][^\n]*\n[\s\S]*?AS64501 192\.0\.2\.2: BGP session Established/,
      );

      const st = await flow.say("alice", "status bird1");
      said += st;
      expect(st).toContain("Established");
      expect(st).toContain("3/3/1");
      expect(st).toMatch(/1 session: 1 established/);
    });

    it("an IRR filter on the import policy: BIRD takes only the prefixes the peer registered, and drops the filter again", async () => {
      const s0 = await session();
      // The peer announces three /24s; its IRR list (as core/irr stores bgpq4's JSON) has two.
      await flow.db.prisma.irrPrefixList.create({
        data: {
          key: `as:${s0.autonomousSystemId}`,
          autonomousSystemId: s0.autonomousSystemId,
          family: 4,
          prefixes: [{ prefix: "198.18.0.0/23", exact: false, "less-equal": 24 }],
          prefixCount: 1,
          sets: ["AS64501"],
          fetchedAt: new Date(),
        },
      });
      said += await flow.say("alice", "irr policy lab-import on");
      const t = await flow.say("alice", "deploy bird1");
      said += t;
      expect(t).toMatch(/^\+ {2}198\.18\.0\.0\/23\{23,24\}$/m);
      const a = await flow.say("bob", `approve ${newChange(t)}`);
      said += a;
      expect(a).toContain("Status: deployed.");
      await flow.pollUntil(async () => (await session()).acceptedPrefixCount === 2);
      expect(await lab.birdc("show route 198.18.2.0/24")).not.toContain("198.18.2.0/24");
      expect(await lab.birdc("show route 198.18.1.0/24")).toContain("198.18.1.0/24");

      said += await flow.say("alice", "irr policy lab-import off");
      const t2 = await flow.say("alice", "deploy bird1");
      said += t2;
      said += await flow.say("bob", `approve ${newChange(t2)}`);
      await flow.pollUntil(async () => (await session()).acceptedPrefixCount === 3);
      said += flow.out.take();
    });

    it("alerts once when the session leaves Established, once when it stays down, and when it is back", async () => {
      await lab.peerBirdc("disable ours");
      await flow.pollUntil(async () => (await session()).bgpState !== "established");
      let t = flow.out.take();
      expect(t.match(/BGP session down: AS64501/g)).toHaveLength(1);
      expect(t).toContain("cmd:sessions AS64501");
      // Polled again at once: no second alert.
      await flow.pollUntil(async () => true);
      expect(flow.out.take()).not.toContain("BGP session down");
      // Past PEERBOT_ALERT_DOWN_AFTER (3 s): "still down", once.
      await new Promise((r) => setTimeout(r, 3_500));
      await flow.pollUntil(async () => (await session()).alertedState === "stuck");
      await flow.pollUntil(async () => true);
      t = flow.out.take();
      expect(t.match(/BGP session still down: AS64501/g)).toHaveLength(1);
      await lab.peerBirdc("enable ours");
      await flow.pollUntil(async () => (await session()).bgpState === "established");
      t = flow.out.take();
      said += t;
      expect(t.match(/BGP session back up: AS64501/g)).toHaveLength(1);
      expect((await session()).alertedState).toBeNull();
    });

    it("a worker killed after the commit, before the confirm: BIRD undoes it by itself, the change ends rolled back", async () => {
      const before = await activeRevision();
      const t = await flow.say("alice", "session AS64501 at Lab IX disable");
      said += t;
      const id = newChange(t);
      // Approved, but its job runs in a worker of its own (not this process's queue).
      await flow.db.prisma.changeRequest.update({ where: { id }, data: { status: "queued" } });
      const child = await deployAndKillAfterCommit(flow, id);
      expect(child).toContain("holding before the confirm");
      const c = (await getChange(flow.db, id))!;
      expect(c.status).toBe("deploying");
      expect(c.phase).toBe("committed");
      // The commit is live, waiting for a confirm that will never come.
      expect(await activeRevision()).toBe(c.configSha256);
      expect(await lab.birdc("show protocols")).toMatch(/^pb_lab_ix_as64501_\S+\s+BGP\s+\S+\s+down\b/m);

      // BIRD's timer runs out and it goes back to the configuration before.
      await waitFor(
        async () => (await activeRevision()) === before,
        (CONFIRM_SECONDS + 10) * 1000,
        "BIRD's undo",
      );
      // The retried job sees that and ends the change rolled back, not deployed.
      expect(await deployChange(flow.services, id)).toBe("rolled_back");
      const after = (await getChange(flow.db, id))!;
      expect(after.status).toBe("rolled_back");
      expect(after.reason).toContain("the router undid the commit by itself");
      expect(after.steps.filter((l) => l.startsWith("committed"))).toHaveLength(1);
      expect((await session()).status).toBe("enabled");
      // getConfig says what BIRD runs (the file on disk was the new one until then).
      const driver = flow.services.drivers(routerInfo(after.router!));
      try {
        expect(sha256(await driver.getConfig())).toBe(after.baseSha256);
      } finally {
        await driver.close();
      }
      said += flow.out.take();
    });

    it("a configuration BIRD rejects: failed, nothing applied, BIRD's error line in the message, no credential anywhere", async () => {
      const before = await activeRevision();
      const previousBefore = readFileSync(`${lab.ownedFile}.previous`, "utf8");
      // A policy the main bird.conf does not define: policy_lab_strict() is unknown to BIRD.
      const strict = await flow.db.prisma.routingPolicy.create({
        data: { name: "lab strict", slug: "lab-strict", kind: "import", weight: 200 },
      });
      await flow.db.prisma.internetExchange.update({
        where: { id: flow.seed.ixpId },
        data: { importPolicies: { connect: [{ id: strict.id }] } },
      });
      try {
        const t = await flow.say("alice", "deploy bird1");
        said += t;
        const id = newChange(t);
        const a = await flow.say("bob", `approve ${id}`);
        said += a;
        const c = (await getChange(flow.db, id))!;
        expect(c.status).toBe("failed");
        expect(c.phase).toBe("none");
        expect(c.reason).toMatch(
          /bird1 .*rejected the configuration: .*peerbot\.conf:\d+:\d+ .*(syntax error|unknown|undefined)/i,
        );
        expect(a).toContain("Status: failed");
        expect(a).toMatch(/peerbot\.conf:\d+:\d+/);
        // Nothing applied: BIRD runs what it ran, and the file on disk is that one again.
        expect(await activeRevision()).toBe(before);
        expect(splitBirdMarker(readFileSync(lab.ownedFile, "utf8")).revision).toBe(before);
        expect(readFileSync(`${lab.ownedFile}.previous`, "utf8")).toBe(previousBefore);
      } finally {
        await flow.db.prisma.internetExchange.update({
          where: { id: flow.seed.ixpId },
          data: { importPolicies: { disconnect: [{ id: strict.id }] } },
        });
      }
      said += flow.out.take();
      const all = await everythingSaid(flow, said);
      expect(all).not.toContain(lab.password);
      expect(all.length).toBeGreaterThan(1000);
    });

    it("the driver's own rollback after a commit puts BIRD and the file back", async () => {
      const router = await flow.db.prisma.router.findUniqueOrThrow({ where: { id: flow.seed.routerId } });
      const driver = flow.services.drivers(routerInfo(router)) as Bird2Driver;
      try {
        const base = await driver.getConfig();
        const fileBefore = readFileSync(lab.ownedFile, "utf8");
        const next = `${base}\n# a comment peerbot would never write\n`;
        await driver.loadCandidate(next);
        expect(await driver.getConfig()).toBe(base); // loaded, not applied
        expect(await driver.compare()).toContain("+# a comment peerbot would never write");
        await driver.commit(30);
        expect(await driver.getConfig()).toBe(next);
        await driver.rollback();
        expect(await driver.getConfig()).toBe(base);
        expect(readFileSync(lab.ownedFile, "utf8")).toBe(fileBefore);
        expect(await activeRevision()).toBe(sha256(base));
      } finally {
        await driver.close();
      }
    });

    it("peer rs at Lab IX: BIRD takes the route-server session (PeeringDB's route-server network) as rendered", async () => {
      // A route-server network at the lab's ixlan in the mirror; nothing answers on its address.
      const now = new Date();
      await flow.db.pool.query(
        `insert into pdb_net (id, org_id, name, asn, info_type, info_types, status, created, updated)
         values (990502, 1, 'Lab IX Route Servers', 64502, 'Route Server', '{Route Server}', 'ok', $1, $1)`,
        [now],
      );
      await flow.db.pool.query(
        `insert into pdb_netixlan (id, net_id, ix_id, ixlan_id, name, asn, ipaddr4, status, created, updated)
         values (990602, 990502, $1, $2, 'Lab IX', 64502, '192.0.2.3', 'ok', $3, $3)`,
        [LAB_IX_ID, LAB_IXLAN_ID, now],
      );
      const t = await flow.say("alice", "peer rs at Lab IX");
      said += t;
      expect(t).toContain("1 new route-server session with AS64502 (Lab IX Route Servers) at Lab IX");
      expect(t).toMatch(/^\+template bgp pb_lab_ix_rs_v4 \{$/m);
      expect(t).toMatch(/^\+\s+neighbor 192\.0\.2\.3 as 64502;$/m);
      const id = newChange(t);
      const a = await flow.say("bob", `approve ${id}`);
      said += a;
      expect(a).toContain("Status: deployed.");
      const c = (await getChange(flow.db, id))!;
      expect(await activeRevision()).toBe(c.configSha256);
      const protocols = await lab.birdc("show protocols all");
      expect(protocols).toContain("Neighbor address: 192.0.2.3");
      expect(protocols).toMatch(/Neighbor AS:\s+64502/);
      expect(protocols).toContain("AS64502 Lab IX Route Servers (route server)");
      // The session with the peer is untouched.
      expect(protocols).toContain(`Neighbor address: ${PEER_IP}`);
      said += flow.out.take();
    });
  },
);
