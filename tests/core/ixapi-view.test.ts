// The IX-API view (core/ixapi/view.ts) on hand-built passes: the exchange-LAN service found by
// link, PeeringDB id or subnet; configs matched to our connections by IPv4, IPv6 only or config
// id; every discrepancy flagged; VLANs of each type; route servers.
import { describe, expect, it } from "vitest";
import type { IxApiNetworkServiceConfig, IxApiPass } from "../../core/ixapi/port.js";
import {
  ixApiView,
  normalizeMacAddress,
  vlanOf,
  type ViewConnection,
  type ViewIxp,
} from "../../core/ixapi/view.js";

const ACCOUNT = "acc-ours";

function config(id: string, over: Partial<IxApiNetworkServiceConfig> = {}): IxApiNetworkServiceConfig {
  return {
    id,
    type: "exchange_lan",
    state: "production",
    network_service: "ns-1",
    managing_account: ACCOUNT,
    consuming_account: ACCOUNT,
    macs: [],
    vlan_config: { vlan_type: "port" },
    capacity: 10_000,
    ...over,
  };
}

function pass(over: Partial<IxApiPass> = {}): IxApiPass {
  return {
    accountId: ACCOUNT,
    configs: [],
    services: [
      {
        id: "ns-1",
        type: "exchange_lan",
        name: "Test LAN",
        peeringdb_ixid: 4242,
        subnet_v4: "192.0.2.0/24",
        subnet_v6: "2001:db8:42::/64",
      },
      {
        id: "ns-other",
        type: "exchange_lan",
        name: "Other LAN",
        peeringdb_ixid: 9999,
        subnet_v4: "198.51.100.0/24",
        subnet_v6: null,
      },
    ],
    features: [],
    ips: [],
    macs: [],
    fetchedAt: "2026-01-01T00:00:00.000Z",
    requests: 6,
    ...over,
  };
}

const ixp: ViewIxp = {
  id: 1,
  name: "Test IX",
  peeringdbIxId: 4242,
  prefixes: ["192.0.2.0/24", "2001:db8:42::/64"],
  ixapiServiceId: "",
};

function conn(id: number, over: Partial<ViewConnection> = {}): ViewConnection {
  return {
    id,
    name: "",
    ipv4Address: null,
    ipv6Address: null,
    vlan: null,
    macAddress: "",
    speed: 0,
    ixapiConfigId: "",
    ...over,
  };
}

const ip = (id: string, cfg: string, address: string, prefix_length: number) => ({
  id,
  version: address.includes(":") ? 6 : 4,
  address,
  prefix_length,
  network_service_config: cfg,
});

describe("finding the exchange-LAN service", () => {
  it("takes the linked service id first", () => {
    const v = ixApiView(pass(), { ...ixp, ixapiServiceId: "ns-other" }, []);
    expect(v.service).toMatchObject({ id: "ns-other", matchedBy: "service-id" });
  });

  it("says so when the linked service is not in the pass", () => {
    const v = ixApiView(pass(), { ...ixp, ixapiServiceId: "ns-gone" }, []);
    expect(v.service).toBeNull();
    expect(v.note).toMatch(/linked to network service ns-gone, which the IX-API did not list/);
  });

  it("finds it by peeringdb_ixid", () => {
    const v = ixApiView(pass(), ixp, []);
    expect(v.service).toMatchObject({ id: "ns-1", name: "Test LAN", matchedBy: "peeringdb" });
  });

  it("finds it by subnet when PeeringDB does not tell (IPv6 prefix only, longer than theirs)", () => {
    const p = pass();
    for (const s of p.services) s.peeringdb_ixid = null;
    const v = ixApiView(p, { ...ixp, peeringdbIxId: null, prefixes: ["2001:db8:42::/96"] }, []);
    expect(v.service).toMatchObject({ id: "ns-1", matchedBy: "subnet" });
    const other = ixApiView(p, { ...ixp, peeringdbIxId: 1, prefixes: ["198.51.100.0/25"] }, []);
    expect(other.service).toMatchObject({ id: "ns-other", matchedBy: "subnet" });
  });

  it("finds none when nothing matches", () => {
    const v = ixApiView(pass(), { ...ixp, peeringdbIxId: 1, prefixes: ["203.0.113.0/24"] }, []);
    expect(v.service).toBeNull();
    expect(v.note).toMatch(/no exchange-LAN service with PeeringDB ix 1/);
  });
});

describe("matching configs to our connections", () => {
  it("matches by IPv4 and flags a MAC that differs (normalised forms compared)", () => {
    const p = pass({
      configs: [config("nsc-1", { macs: ["mac-1"] })],
      ips: [ip("ip-1", "nsc-1", "192.0.2.10", 24)],
      macs: [
        { id: "mac-1", address: "94:F7:AD:00:00:01", managing_account: ACCOUNT, consuming_account: ACCOUNT },
      ],
    });
    const same = ixApiView(p, ixp, [conn(7, { ipv4Address: "192.0.2.10/24", macAddress: "94f7.ad00.0001" })]);
    expect(same.configs[0]).toMatchObject({ connection: { id: 7 }, matchedBy: "ipv4", issues: [] });
    const v = ixApiView(p, ixp, [conn(7, { ipv4Address: "192.0.2.10/24", macAddress: "1c:b8:00:00:00:02" })]);
    expect(v.configs[0]!.issues).toEqual([
      { kind: "mac", text: "MAC: the IXP has 94:f7:ad:00:00:01; we record 1c:b8:00:00:00:02." },
    ]);
    expect(v.issueCount).toBe(1);
  });

  it("matches by IPv6 alone (the IPv4 addresses differ), comparing canonical forms", () => {
    const p = pass({
      configs: [config("nsc-1")],
      ips: [ip("ip-1", "nsc-1", "192.0.2.10", 24), ip("ip-2", "nsc-1", "2001:DB8:42:0::0:a", 64)],
    });
    const v = ixApiView(p, ixp, [
      conn(3, { ipv4Address: "192.0.2.99/24", ipv6Address: "2001:db8:42::a/64" }),
    ]);
    expect(v.configs[0]).toMatchObject({ connection: { id: 3 }, matchedBy: "ipv6" });
    expect(v.configs[0]!.ipv6[0]!.address).toBe("2001:db8:42::a");
    expect(v.configs[0]!.issues).toEqual([
      { kind: "address", text: "IPv4: the IXP has 192.0.2.10/24; we have 192.0.2.99/24." },
    ]);
    expect(v.missing).toEqual([]);
  });

  it("never compares an IPv6 address with the IPv4 field (Peering Manager's fault)", () => {
    const p = pass({ configs: [config("nsc-1")], ips: [ip("ip-2", "nsc-1", "2001:db8:42::a", 64)] });
    // Our v4 field holds nothing that could equal the v6 text; the v6 field is empty.
    const v = ixApiView(p, ixp, [conn(3, { ipv4Address: "192.0.2.10/24" })]);
    expect(v.configs[0]!.connection).toBeNull();
    expect(v.missing.map((m) => m.connection.id)).toEqual([3]);
  });

  it("joins IPs through the config's own `ips` list too", () => {
    const p = pass({
      configs: [config("nsc-1", { ips: ["ip-9"] })],
      ips: [{ id: "ip-9", version: 4, address: "192.0.2.33", prefix_length: 24 }],
    });
    const v = ixApiView(p, ixp, [conn(1, { ipv4Address: "192.0.2.33/24" })]);
    expect(v.configs[0]).toMatchObject({ matchedBy: "ipv4", issues: [] });
  });

  it("matches by the config id recorded on the connection, whatever the addresses", () => {
    const p = pass({ configs: [config("nsc-1")], ips: [ip("ip-1", "nsc-1", "192.0.2.10", 24)] });
    const v = ixApiView(p, ixp, [
      conn(1, { ipv4Address: "192.0.2.10/24" }),
      conn(2, { ipv4Address: "192.0.2.20/24", ixapiConfigId: "nsc-1" }),
    ]);
    expect(v.configs[0]).toMatchObject({ connection: { id: 2 }, matchedBy: "config-id" });
    expect(v.configs[0]!.issues.map((i) => i.kind)).toEqual(["address"]);
    expect(v.missing.map((m) => m.connection.id)).toEqual([1]);
  });

  it("flags a config we do not have and a connection the IXP does not have", () => {
    const p = pass({
      configs: [config("nsc-1"), config("nsc-2", { state: "testing" })],
      ips: [ip("ip-1", "nsc-1", "192.0.2.10", 24), ip("ip-2", "nsc-2", "192.0.2.11", 24)],
    });
    const v = ixApiView(p, ixp, [
      conn(1, { ipv4Address: "192.0.2.10/24" }),
      conn(5, { ipv4Address: "192.0.2.50/24" }),
    ]);
    const lacking = v.configs.find((c) => c.id === "nsc-2")!;
    expect(lacking.connection).toBeNull();
    expect(lacking.issues.map((i) => i.kind)).toEqual(["state", "not-ours"]);
    expect(lacking.issues[0]!.text).toBe("State: testing, not production.");
    expect(v.missing).toEqual([
      {
        connection: { id: 5, name: "" },
        issue: { kind: "not-theirs", text: "Connection #5 (192.0.2.50) has no config at the IXP." },
      },
    ]);
    expect(v.issueCount).toBe(3);
  });

  it("takes only our account's configs of that service", () => {
    const p = pass({
      configs: [
        config("nsc-1"),
        config("nsc-theirs", { managing_account: "acc-x", consuming_account: "acc-x" }),
        config("nsc-elsewhere", { network_service: "ns-other" }),
      ],
    });
    expect(ixApiView(p, ixp, []).configs.map((c) => c.id)).toEqual(["nsc-1"]);
  });
});

describe("VLANs", () => {
  it("reads port, dot1q and qinq from vlan_config", () => {
    expect(vlanOf({ vlan_type: "port" })).toEqual({
      type: "port",
      vlan: null,
      inner: null,
      text: "untagged",
    });
    expect(vlanOf({ vlan_type: "dot1q", vlan: 100 })).toMatchObject({ vlan: 100, text: "dot1q 100" });
    expect(vlanOf({ vlan_type: "qinq", outer_vlan: 200, inner_vlan: 10 })).toMatchObject({
      vlan: 200,
      inner: 10,
      text: "qinq 200/10",
    });
    expect(vlanOf({ vlan_type: "dot1q", vlan: 9999 }).vlan).toBeNull();
  });

  it("flags a VLAN that differs, for each type", () => {
    const p = pass({
      configs: [
        config("nsc-port"),
        config("nsc-dot1q", { vlan_config: { vlan_type: "dot1q", vlan: 100 } }),
        config("nsc-qinq", { vlan_config: { vlan_type: "qinq", outer_vlan: 200, inner_vlan: 10 } }),
      ],
      ips: [
        ip("a", "nsc-port", "192.0.2.1", 24),
        ip("b", "nsc-dot1q", "192.0.2.2", 24),
        ip("c", "nsc-qinq", "192.0.2.3", 24),
      ],
    });
    const ok = ixApiView(p, ixp, [
      conn(1, { ipv4Address: "192.0.2.1/24" }),
      conn(2, { ipv4Address: "192.0.2.2/24", vlan: 100 }),
      conn(3, { ipv4Address: "192.0.2.3/24", vlan: 200 }),
    ]);
    expect(ok.issueCount).toBe(0);
    const bad = ixApiView(p, ixp, [
      conn(1, { ipv4Address: "192.0.2.1/24", vlan: 5 }),
      conn(2, { ipv4Address: "192.0.2.2/24", vlan: 101 }),
      conn(3, { ipv4Address: "192.0.2.3/24" }),
    ]);
    expect(bad.configs.map((c) => c.issues.map((i) => i.text))).toEqual([
      ["VLAN: untagged at the IXP; VLAN 5 here."],
      ["VLAN: dot1q 100 at the IXP; VLAN 101 here."],
      ["VLAN: qinq 200/10 at the IXP; none here."],
    ]);
  });
});

describe("route servers and outside text", () => {
  it("lists the service's route_server features", () => {
    const p = pass({
      features: [
        {
          id: "rs-1",
          type: "route_server",
          name: "RS 1",
          network_service: "ns-1",
          asn: 64512,
          fqdn: "rs1.test-ix.example",
          ip_v4: "192.0.2.253",
          ip_v6: "2001:DB8:42::FD",
          address_families: ["af_inet", "af_inet6"],
          session_mode: "public",
        },
        { id: "bl-1", type: "blackholing", network_service: "ns-1" },
        { id: "rs-9", type: "route_server", network_service: "ns-other", asn: 1 },
      ],
    });
    expect(ixApiView(p, ixp, []).routeServers).toEqual([
      {
        id: "rs-1",
        name: "RS 1",
        asn: 64512,
        fqdn: "rs1.test-ix.example",
        ipv4: "192.0.2.253",
        ipv6: "2001:db8:42::fd",
        addressFamilies: ["af_inet", "af_inet6"],
        sessionMode: "public",
      },
    ]);
  });

  it("puts every text from the IX-API on one line", () => {
    const p = pass({
      configs: [config("nsc-1", { state: "prod\nuction\u202e" })],
      features: [
        { id: "rs-1", type: "route_server", network_service: "ns-1", fqdn: "rs1\r\nevil\u0007.example" },
      ],
    });
    const v = ixApiView(p, ixp, []);
    expect(v.configs[0]!.state).toBe("prod uction");
    expect(v.routeServers[0]!.fqdn).toBe("rs1 evil .example");
  });

  it("normalises MAC notations", () => {
    expect(normalizeMacAddress("94F7.AD00.0001")).toBe("94:f7:ad:00:00:01");
    expect(normalizeMacAddress("94-f7-ad-00-00-01")).toBe("94:f7:ad:00:00:01");
  });
});
