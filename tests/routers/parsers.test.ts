// The pure parts of the BIRD 2 and FRR drivers and of polling: output parsers, the revision
// marker, FRR's block handling, settings in configPath, addresses, the alert channel.
import { describe, expect, it } from "vitest";
import { alertChannel, normalizeIp, prefixCounts } from "../../core/polling.js";
import {
  bird2OptionsFromConfigPath,
  parseBirdProtocols,
  parseBirdReplies,
  splitBirdMarker,
  withBirdMarker,
} from "../../drivers/router/bird2.js";
import {
  frrBlocks,
  frrCandidate,
  frrErrorLines,
  frrOptionsFromConfigPath,
  frrOwnedSection,
  frrReloadResidue,
  parseFrrNeighbors,
} from "../../drivers/router/frr.js";
import { parseConfigPath, shq } from "../../drivers/router/base/unix-host.js";
import { birdProtocolsText, frrNeighborsJson } from "../bench/router-data.js";

const BIRD = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     23:50:57.491

pb_lab_ix_as64501_i1 BGP        ---        up     23:51:01.660  Established
  Description:    AS64501 Lab Peer Networks
  BGP state:          Established
    Neighbor address: 192.0.2.2
    Neighbor AS:      64501
    Local AS:         64500
  Channel ipv4
    State:          UP
    Routes:         3 imported, 1 filtered, 2 exported, 3 preferred
  Channel ipv6
    State:          UP
    Routes:         1 imported, 0 exported, 1 preferred

pb_v6_as4200000001_i2 BGP        ---        start  2026-11-20    Active        Socket: Connection refused
  BGP state:          Active
    Neighbor address: fe80::1%eth0
    Neighbor AS:      4200000001
  Channel ipv6
    State:          DOWN

pb_off BGP        ---        down   23:51:05.833
  Description:    disabled "one"
  BGP state:          Down
    Neighbor address: 2001:db8::2
    Neighbor AS:      64502
`;

describe("parseBirdProtocols", () => {
  it("reads state, neighbour, AS, description and per-channel route counts", () => {
    const n = parseBirdProtocols(BIRD, "2026-11-21 23:52:01.660");
    expect(n).toEqual([
      {
        remoteAddress: "192.0.2.2",
        remoteAs: 64501,
        state: "established",
        description: "AS64501 Lab Peer Networks",
        receivedPrefixes: 5,
        acceptedPrefixes: 4,
        advertisedPrefixes: 2,
        uptimeSeconds: 60,
      },
      {
        remoteAddress: "fe80::1",
        remoteAs: 4200000001,
        state: "active",
        uptimeSeconds: 86400 + 23 * 3600 + 52 * 60 + 2,
      },
      {
        remoteAddress: "2001:db8::2",
        remoteAs: 64502,
        state: "idle",
        description: 'disabled "one"',
        uptimeSeconds: 56,
      },
    ]);
  });

  it("without the server's time there is no uptime; a generated table of 2,000 parses whole", () => {
    expect(parseBirdProtocols(BIRD)[0]!.uptimeSeconds).toBeUndefined();
    const many = parseBirdProtocols(birdProtocolsText(2000), "2026-11-21 23:59:59.000");
    expect(many).toHaveLength(2000);
    expect(many.filter((x) => x.state === "established").length).toBeGreaterThan(1500);
    expect(many[0]!.remoteAddress).toMatch(/^10\.|^2001:/);
  });

  it("parses birdc -v replies", () => {
    const r = parseBirdReplies(
      "0001 BIRD 2.0.12 ready.\n0002-Reading configuration from /etc/bird.conf\n8002 /etc/peerbot.conf:3:5 syntax error\n",
    );
    expect(r).toEqual([
      { code: 1, text: "BIRD 2.0.12 ready." },
      { code: 2, text: "Reading configuration from /etc/bird.conf" },
      { code: 8002, text: "/etc/peerbot.conf:3:5 syntax error" },
    ]);
    expect(parseBirdReplies("1011-Router ID is 1.2.3.4\n     Hostname is vm\n0013 up\n")[0]!.text).toBe(
      "Router ID is 1.2.3.4\nHostname is vm",
    );
  });
});

describe("the BIRD revision marker", () => {
  it("round-trips any text, and a tampered file has no revision", () => {
    for (const text of ["", "protocol bgp x {}\n", "no final newline", "a\n\n\n"]) {
      const file = withBirdMarker(text);
      expect(file).toMatch(/\ndefine pb_config_sha256 = "[0-9a-f]{64}";\n$/);
      expect(splitBirdMarker(file)).toEqual({
        config: text,
        revision: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    }
    const file = withBirdMarker("x;\n");
    expect(splitBirdMarker(file.replace("x;", "y;")).revision).toBeNull();
    expect(splitBirdMarker("written by hand\n")).toEqual({ config: "written by hand\n", revision: null });
  });
});

const RUNNING = `Building configuration...

Current configuration:
!
frr version 8.4.4
frr defaults traditional
hostname r1
!
ip prefix-list x seq 5 permit 10.0.0.0/8
!
router bgp 64500
 bgp router-id 192.0.2.1
 neighbor 192.0.2.2 remote-as 64501
 !
 address-family ipv4 unicast
  neighbor 192.0.2.2 activate
 exit-address-family
exit
!
router bgp 64500 vrf blue
 neighbor 10.0.0.2 remote-as 65000
exit
!
route-map pb-deny deny 10
exit
!
route-map theirs permit 10
 set local-preference 200
exit
!
end
`;

describe("FRR configuration blocks", () => {
  it("splits the running configuration and finds peerbot's blocks", () => {
    const headers = frrBlocks(RUNNING).map((b) => b.header);
    expect(headers).toEqual([
      "frr version 8.4.4",
      "frr defaults traditional",
      "hostname r1",
      "ip prefix-list x seq 5 permit 10.0.0.0/8",
      "router bgp 64500",
      "router bgp 64500 vrf blue",
      "route-map pb-deny deny 10",
      "route-map theirs permit 10",
    ]);
    expect(frrOwnedSection(RUNNING)).toBe(
      "router bgp 64500\n bgp router-id 192.0.2.1\n neighbor 192.0.2.2 remote-as 64501\n !\n address-family ipv4 unicast\n  neighbor 192.0.2.2 activate\n exit-address-family\nexit\n!\nroute-map pb-deny deny 10\nexit\n",
    );
  });

  it("builds the full candidate: everything else kept, the owned blocks replaced", () => {
    const owned = "router bgp 64500\n neighbor 192.0.2.9 remote-as 64509\nexit\n";
    const c = frrCandidate(RUNNING, owned);
    expect(c).toContain("router bgp 64500 vrf blue\n neighbor 10.0.0.2 remote-as 65000\nexit");
    expect(c).toContain("route-map theirs permit 10\n set local-preference 200\nexit");
    expect(c).not.toContain("192.0.2.2");
    expect(c).not.toContain("pb-deny");
    expect(c.endsWith(owned)).toBe(true);
    expect(frrOwnedSection(c)).toBe(owned);
  });

  it("reads frr-reload.py's leftovers and bgpd's complaints", () => {
    expect(frrReloadResidue("\nLines To Delete\n===============\n\nLines To Add\n============\n")).toEqual(
      [],
    );
    expect(frrReloadResidue("\nLines To Add\n============\nrouter bgp 1\n neighbor x peer-group\n")).toEqual([
      "router bgp 1",
      " neighbor x peer-group",
    ]);
    // FRR before 9.1 takes `no neighbor X enforce-first-as` (its default) and never prints it.
    expect(
      frrReloadResidue(
        "Lines To Delete\n===============\nno hostname vm\n\nLines To Add\n============\nrouter bgp 1\n no neighbor 192.0.2.7 enforce-first-as\nrouter bgp 1\n no neighbor 192.0.2.8 enforce-first-as\n neighbor 192.0.2.8 shutdown\n",
      ),
    ).toEqual(["no hostname vm", "router bgp 1", " neighbor 192.0.2.8 shutdown"]);
    expect(
      frrErrorLines(
        "% Configure the peer-group first\nline 2: Failure to communicate[13] to bgpd\n2026-11-21 23:55:18,853 \x1b[91mWARNING\x1b[0m: x%\n% Configure the peer-group first\n",
      ),
    ).toEqual(["% Configure the peer-group first"]);
  });
});

describe("parseFrrNeighbors", () => {
  it("reads state, AS, description, uptime and prefix counts summed over families", () => {
    const json = JSON.stringify({
      "192.0.2.2": {
        remoteAs: 64501,
        bgpState: "Established",
        nbrDesc: "AS64501 peer",
        bgpTimerUpMsec: 5000,
        addressFamilyInfo: {
          ipv4Unicast: { acceptedPrefixCounter: 3, sentPrefixCounter: 1 },
          ipv6Unicast: { acceptedPrefixCounter: 2, sentPrefixCounter: 0 },
        },
      },
      "2001:db8::9": { remoteAs: 64509, bgpState: "Active", bgpTimerUpMsec: 0 },
    });
    expect(parseFrrNeighbors(json)).toEqual([
      {
        remoteAddress: "192.0.2.2",
        remoteAs: 64501,
        state: "established",
        description: "AS64501 peer",
        uptimeSeconds: 5,
        acceptedPrefixes: 5,
        receivedPrefixes: 5,
        advertisedPrefixes: 1,
      },
      { remoteAddress: "2001:db8::9", remoteAs: 64509, state: "active" },
    ]);
    expect(parseFrrNeighbors("{}")).toEqual([]);
    expect(parseFrrNeighbors(frrNeighborsJson(2000))).toHaveLength(2000);
    expect(() => parseFrrNeighbors("% No BGP process is configured")).toThrow(/no JSON/);
  });
});

describe("settings in configPath", () => {
  it("splits the owned file from the daemon's settings", () => {
    expect(parseConfigPath("/etc/bird/peerbot.conf", "BIRD 2")).toEqual({
      path: "/etc/bird/peerbot.conf",
      options: {},
    });
    expect(
      bird2OptionsFromConfigPath(
        "/etc/bird/peerbot.conf?socket=/run/bird/bird.ctl&main=/etc/bird/bird.conf&sudo=1",
      ),
    ).toEqual({
      configPath: "/etc/bird/peerbot.conf",
      socket: "/run/bird/bird.ctl",
      mainConfig: "/etc/bird/bird.conf",
      sudo: true,
    });
    expect(
      frrOptionsFromConfigPath("/etc/frr/peerbot.conf?pathspace=blue&reload=/opt/frr-reload.py"),
    ).toMatchObject({
      configPath: "/etc/frr/peerbot.conf",
      pathspace: "blue",
      reloadScript: "/opt/frr-reload.py",
      sudo: false,
    });
    expect(() => parseConfigPath("", "BIRD 2")).toThrow(/absolute path/);
    expect(() => parseConfigPath("peerbot.conf", "FRR")).toThrow(/absolute path/);
  });

  it("quotes words for the shell", () => {
    expect(shq("/etc/bird/bird.conf")).toBe("/etc/bird/bird.conf");
    expect(shq("show protocols all")).toBe("'show protocols all'");
    expect(shq("it's")).toBe(`'it'\\''s'`);
  });
});

describe("polling helpers", () => {
  it("normalises addresses as PostgreSQL prints them", () => {
    expect(normalizeIp("2001:DB8:0:0::1")).toBe("2001:db8::1");
    expect(normalizeIp("2001:7f8:4:0:0:0:1b1b:1")).toBe("2001:7f8:4::1b1b:1");
    expect(normalizeIp("fe80::1%eth0")).toBe("fe80::1");
    expect(normalizeIp("192.0.2.2")).toBe("192.0.2.2");
    expect(normalizeIp("192.0.2.1/24")).toBe("192.0.2.1");
  });

  it("reads the alert channel setting", () => {
    expect(alertChannel(undefined)).toBeNull();
    expect(alertChannel("slack:C0123ABC")).toEqual({ platform: "slack", channel: "C0123ABC" });
    expect(alertChannel("discord:123456789012345678")).toEqual({
      platform: "discord",
      channel: "123456789012345678",
    });
    // Bound to a platform explicitly: a bare id is refused, never guessed from its shape.
    expect(() => alertChannel("C0123ABC")).toThrow(/PEERBOT_ALERT_CHANNEL/);
    expect(() => alertChannel("123456789012345678")).toThrow(/PEERBOT_ALERT_CHANNEL/);
    expect(alertChannel("console:alerts")).toEqual({ platform: "console", channel: "alerts" });
  });

  it("shows prefix counts", () => {
    expect(prefixCounts({ received: null, accepted: null, advertised: null })).toBe("");
    expect(prefixCounts({ received: 3, accepted: 2, advertised: null })).toBe("3/2/-");
  });
});
