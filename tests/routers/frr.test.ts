// FRR for real: our router (bgpd + sshd) and a peer (BIRD) in network namespaces. The same
// paths as for BIRD: `peer` -> approve -> deploy job -> bgpd has the neighbour -> polling sees
// it Established and the change's message says so; a worker killed between commit and confirm
// (peerbot's confirm timer on the router restores the configuration: rolled back); a
// configuration vtysh rejects (failed, nothing applied, its error line, no credential); one
// bgpd refuses half-way (the previous configuration is restored at once); the driver's own
// rollback; an IRR filter that lets through only the peer's registered prefixes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeConfig, deployChange, getChange, routerInfo } from "../../core/changes.js";
import { sha256 } from "../../core/diff.js";
import { builtinTemplatesDir } from "../../core/render/index.js";
import { frrOwnedSection, type FrrDriver } from "../../drivers/router/frr.js";
import { frrUnavailable, PEER_IP, RouterLab, skipReason, waitFor } from "./lab.js";
import {
  CONFIRM_SECONDS,
  deployAndKillAfterCommit,
  everythingSaid,
  newChange,
  startFlow,
  type Flow,
} from "./flow.js";
import { LAB_IX_ID, LAB_IXLAN_ID } from "./seed.js";

const unavailable = skipReason(frrUnavailable(), it);
let lab: RouterLab;
let flow: Flow;
let templates: string;
let said = "";

async function ownedSection(): Promise<string> {
  return frrOwnedSection(await lab.vtysh("show running-config bgpd"));
}

async function session() {
  return flow.db.prisma.ixpSession.findFirstOrThrow({ where: { ipAddress: PEER_IP } });
}

async function withTemplate<T>(name: string, fn: () => Promise<T>): Promise<T> {
  await flow.db.prisma.router.update({ where: { id: flow.seed.routerId }, data: { template: name } });
  try {
    return await fn();
  } finally {
    await flow.db.prisma.router.update({ where: { id: flow.seed.routerId }, data: { template: "" } });
  }
}

describe.skipIf(unavailable)(
  `FRR over SSH in network namespaces${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    beforeAll(async () => {
      // Two broken variants of the FRR template, for the refusals below.
      templates = mkdtempSync(path.join(os.tmpdir(), "peerbot-frr-templates-"));
      mkdirSync(path.join(templates, "router"));
      const frr = readFileSync(path.join(builtinTemplatesDir(), "frr.hbs"), "utf8");
      const after = "router bgp {{localAsn}}\n";
      if (!frr.includes(after)) throw new Error("the frr template changed: update this test");
      // vtysh's own parser refuses this line (nothing reaches bgpd).
      writeFileSync(
        path.join(templates, "router", "frr-lab-syntax.hbs"),
        frr.replace(after, `${after} bgp lab-no-such-statement\n`),
      );
      // vtysh parses this one, bgpd refuses it: no such peer-group.
      writeFileSync(
        path.join(templates, "router", "frr-lab-semantic.hbs"),
        frr.replace(after, `${after} neighbor 192.0.2.77 peer-group lab-no-such-group\n`),
      );
      process.env.PEERBOT_TEMPLATES_DIR = templates;
      lab = new RouterLab({ tag: "f", mgmtSlot: 2, daemon: "frr" });
      await lab.start();
      flow = await startFlow(import.meta.filename, lab, { routerName: "frr1" });
    }, 120_000);

    afterAll(async () => {
      await flow?.close();
      await lab?.close();
      delete process.env.PEERBOT_TEMPLATES_DIR;
      if (templates) rmSync(templates, { recursive: true, force: true });
    });

    it("peer AS64501 at Lab IX: approve, deploy job, bgpd has the neighbour, polling sees it Established", async () => {
      const t = await flow.say("alice", "peer AS64501 at Lab IX");
      said += t;
      const id = newChange(t);
      expect(t).toMatch(/^\+ neighbor 192\.0\.2\.2 remote-as 64501$/m);
      const a = await flow.say("bob", `approve ${id}`);
      said += a;
      for (const step of [
        "candidate loaded",
        `committed, confirm within ${CONFIRM_SECONDS} s`,
        "verified: the router has exactly the approved configuration",
        "confirmed",
        "Status: deployed.",
      ]) {
        expect(a).toContain(step);
      }
      const c = (await getChange(flow.db, id))!;
      expect(c.status).toBe("deployed");
      const running = await lab.vtysh("show running-config bgpd");
      expect(running).toContain(" neighbor 192.0.2.2 remote-as 64501");
      // Confirmed means saved: bgpd would come back with it.
      expect(readFileSync(path.join(lab.frrDir, "frr.conf"), "utf8")).toContain(
        "neighbor 192.0.2.2 remote-as 64501",
      );
      // The confirm timer is gone: nothing will restore the old configuration behind our back.
      expect(readFileSync(`${lab.ownedFile}`, "utf8")).toBe(changeConfig(flow.services, c));

      // Established, then the peer's three routes arrive.
      await flow.pollUntil(async () => {
        const x = await session();
        return x.bgpState === "established" && x.acceptedPrefixCount === 3;
      });
      const s = await session();
      expect(s.status).toBe("enabled");
      expect(s.receivedPrefixCount).toBe(3);
      expect(await lab.peerState()).toBe("Established");
      const after = (await getChange(flow.db, id))!;
      expect(
        after.steps.filter((l) => l.startsWith("AS64501 192.0.2.2: BGP session Established")),
      ).toHaveLength(1);
      said += flow.out.take();
      const st = await flow.say("alice", "status Lab IX");
      said += st;
      expect(st).toContain("Established");
    });

    it("an IRR filter on the import policy: bgpd takes only the prefixes the peer registered, and drops the filter again", async () => {
      const s0 = await session();
      // The peer announces three /24s; its IRR list (as core/irr stores bgpq4's JSON) has two.
      await flow.db.prisma.irrPrefixList.create({
        data: {
          key: `as:${s0.autonomousSystemId}`,
          autonomousSystemId: s0.autonomousSystemId,
          family: 4,
          prefixes: [
            { prefix: "198.18.0.0/24", exact: true },
            { prefix: "198.18.1.0/24", exact: true },
          ],
          prefixCount: 2,
          sets: ["AS64501"],
          fetchedAt: new Date(),
        },
      });
      said += await flow.say("alice", "irr policy lab-import on");
      const t = await flow.say("alice", "deploy frr1");
      said += t;
      expect(t).toMatch(/^\+ip prefix-list pb-irr-as64501-v4 seq 20 permit 198\.18\.1\.0\/24$/m);
      const a = await flow.say("bob", `approve ${newChange(t)}`);
      said += a;
      expect(a).toContain("Status: deployed.");
      expect(await ownedSection()).toContain("ip prefix-list pb-irr-as64501-v4 seq 10 permit 198.18.0.0/24");
      await flow.pollUntil(async () => (await session()).acceptedPrefixCount === 2);
      // The one the peer did not register is not in bgpd's table; the two it did are.
      expect(await lab.vtysh("show ip bgp 198.18.2.0/24")).toMatch(/Network not in table/);
      expect(await lab.vtysh("show ip bgp 198.18.1.0/24")).toContain("192.0.2.2");

      said += await flow.say("alice", "irr policy lab-import off");
      const t2 = await flow.say("alice", "deploy frr1");
      said += t2;
      said += await flow.say("bob", `approve ${newChange(t2)}`);
      expect(await ownedSection()).not.toContain("pb-irr");
      await flow.pollUntil(async () => (await session()).acceptedPrefixCount === 3);
      said += flow.out.take();
    });

    it("a worker killed after the commit, before the confirm: the timer on the router restores it, the change ends rolled back", async () => {
      const before = await ownedSection();
      const t = await flow.say("alice", "session AS64501 at Lab IX disable");
      said += t;
      const id = newChange(t);
      await flow.db.prisma.changeRequest.update({ where: { id }, data: { status: "queued" } });
      await deployAndKillAfterCommit(flow, id);
      const c = (await getChange(flow.db, id))!;
      expect(c.phase).toBe("committed");
      expect(await ownedSection()).toContain(" neighbor 192.0.2.2 shutdown");

      const timerLog = () => {
        try {
          return readFileSync(`${lab.ownedFile}.timer.log`, "utf8");
        } catch {
          return "";
        }
      };
      await waitFor(
        async () => / restored$/m.test(timerLog()),
        (CONFIRM_SECONDS + 30) * 1000,
        "the confirm timer's restore",
      );
      expect(timerLog()).toMatch(/was not confirmed in 6 s: restoring/);
      expect(await ownedSection()).toBe(before);
      expect(await deployChange(flow.services, id)).toBe("rolled_back");
      const after = (await getChange(flow.db, id))!;
      expect(after.status).toBe("rolled_back");
      expect((await session()).status).toBe("enabled");
      const driver = flow.services.drivers(routerInfo(after.router!));
      try {
        expect(sha256(await driver.getConfig())).toBe(after.baseSha256);
      } finally {
        await driver.close();
      }
      said += flow.out.take();
    });

    it("a configuration vtysh rejects: failed, nothing applied, its error line in the message, no credential anywhere", async () => {
      const before = await ownedSection();
      await withTemplate("frr-lab-syntax", async () => {
        const t = await flow.say("alice", "deploy frr1");
        said += t;
        const id = newChange(t);
        const a = await flow.say("bob", `approve ${id}`);
        said += a;
        const c = (await getChange(flow.db, id))!;
        expect(c.status).toBe("failed");
        expect(c.phase).toBe("none");
        expect(c.reason).toMatch(
          /frr1 .*rejected the configuration: .*% Unknown command.*bgp lab-no-such-statement/,
        );
        expect(a).toContain("% Unknown command");
      });
      expect(await ownedSection()).toBe(before);
      said += flow.out.take();
      const all = await everythingSaid(flow, said);
      expect(all).not.toContain(lab.password);
    });

    it("a configuration bgpd refuses half-way: the previous configuration is restored at once, the change fails", async () => {
      const before = await ownedSection();
      await withTemplate("frr-lab-semantic", async () => {
        const t = await flow.say("alice", "deploy frr1");
        said += t;
        const id = newChange(t);
        const a = await flow.say("bob", `approve ${id}`);
        said += a;
        const c = (await getChange(flow.db, id))!;
        expect(c.status).toBe("failed");
        expect(c.reason).toContain("% Configure the peer-group first");
        expect(c.reason).toContain("the previous configuration was restored");
      });
      expect(await ownedSection()).toBe(before);
      said += flow.out.take();
      expect(await everythingSaid(flow, said)).not.toContain(lab.password);
    });

    it("the driver's own rollback after a commit restores bgpd", async () => {
      const router = await flow.db.prisma.router.findUniqueOrThrow({ where: { id: flow.seed.routerId } });
      const driver = flow.services.drivers(routerInfo(router)) as FrrDriver;
      try {
        const base = await driver.getConfig();
        const before = await ownedSection();
        const next = base.replace(
          /^router bgp 64500\n/m,
          "router bgp 64500\n neighbor 192.0.2.88 remote-as 64588\n",
        );
        expect(next).not.toBe(base);
        await driver.loadCandidate(next);
        await driver.commit(60);
        expect(await ownedSection()).toContain("neighbor 192.0.2.88 remote-as 64588");
        expect(await driver.getConfig()).toBe(next);
        await driver.rollback();
        expect(await ownedSection()).toBe(before);
        expect(await driver.getConfig()).toBe(base);
      } finally {
        await driver.close();
      }
    });

    it("peer rs at Lab IX: bgpd takes the route-server session with its first-AS check off", async () => {
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
      expect(t).toMatch(/^\+ neighbor 192\.0\.2\.3 remote-as 64502$/m);
      expect(t).toMatch(/^\+ no neighbor 192\.0\.2\.3 enforce-first-as$/m);
      const a = await flow.say("bob", `approve ${newChange(t)}`);
      said += a;
      // FRR before 9.1 takes the line and prints nothing for it (its default); from 9.1 it prints it.
      expect(a).toContain("Status: deployed.");
      const owned = await ownedSection();
      expect(owned).toContain("neighbor 192.0.2.3 remote-as 64502");
      expect(owned).toContain("neighbor 192.0.2.3 description AS64502 Lab IX Route Servers (route server)");
      const json = JSON.parse(await lab.vtysh("show bgp neighbors 192.0.2.3 json")) as Record<
        string,
        { remoteAs?: number }
      >;
      expect(json["192.0.2.3"]?.remoteAs).toBe(64502);
      said += flow.out.take();
    });
  },
);
