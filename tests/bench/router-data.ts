// Generated router output for the parsing benchmark and tests: `birdc show protocols all`
// (BIRD 2.0.12's layout, as the lab's BIRD prints it) and FRR 8.4's `show bgp neighbors json`
// (every key FRR prints for an established IPv4 peer), for n neighbours, 9 in 10 Established.

const STATES = ["Active", "Connect", "Idle", "OpenSent"];

function v4(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 1}`;
}

function v6(i: number): string {
  return `2001:db8:${(i >> 16).toString(16)}::${(i & 0xffff).toString(16)}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s.padEnd(n);
}

/** `birdc show protocols all` for n BGP neighbours (plus the device and a static protocol). */
export function birdProtocolsText(n: number): string {
  const out: string[] = [
    "BIRD 2.0.12 ready.",
    "Name       Proto      Table      State  Since         Info",
    "device1    Device     ---        up     23:50:57.491  ",
    "",
  ];
  for (let i = 0; i < n; i++) {
    const six = i % 3 === 2;
    const ip = six ? v6(i) : v4(i);
    const asn = 64512 + (i % 1000) + (i >= 1000 ? 4200000000 - 64512 : 0);
    const up = i % 10 !== 9;
    const name = `pb_lab_ix_as${asn}_i${i + 1}`;
    const fam = six ? "ipv6" : "ipv4";
    if (up) {
      out.push(
        `${pad(name, 10)} BGP        ---        up     ${i % 7 === 0 ? "2026-11-19  " : "23:51:01.660"}  Established   `,
        `  Description:    AS${asn} Peer Network number ${i}`,
        "  BGP state:          Established",
        `    Neighbor address: ${ip}`,
        `    Neighbor AS:      ${asn}`,
        "    Local AS:         64500",
        `    Neighbor ID:      192.0.${(i >> 8) & 255}.${i & 255}`,
        "    Local capabilities",
        "      Multiprotocol",
        `        AF announced: ${fam}`,
        "      Route refresh",
        "      Graceful restart",
        "      4-octet AS numbers",
        "      Enhanced refresh",
        "      Long-lived graceful restart",
        "    Neighbor capabilities",
        "      Multiprotocol",
        `        AF announced: ${fam}`,
        "      Route refresh",
        "      Graceful restart",
        "      4-octet AS numbers",
        "      Enhanced refresh",
        "      Long-lived graceful restart",
        "    Session:          external AS4",
        `    Source address:   ${six ? "2001:db8::1" : "10.0.0.1"}`,
        "    Hold timer:       185.363/240",
        "    Keepalive timer:  69.891/80",
        `  Channel ${fam}`,
        "    State:          UP",
        `    Table:          master${six ? 6 : 4}`,
        "    Preference:     100",
        "    Input filter:   pb_in_a75acd69",
        "    Output filter:  pb_out_f0688dc0",
        `    Receive limit:  ${1000 + i}`,
        "      Action:       restart",
        `    Routes:         ${i % 50} imported, ${i % 3} filtered, ${i % 5} exported, ${i % 50} preferred`,
        "    Route change stats:     received   rejected   filtered    ignored   accepted",
        `      Import updates:          ${i % 50}          0          0          0        ${i % 50}`,
        "      Import withdraws:            0          0        ---          0          0",
        "      Export updates:              5          3          0        ---          2",
        "      Export withdraws:            0        ---        ---        ---          0",
        `    BGP Next hop:   ${six ? "2001:db8::1" : "10.0.0.1"}`,
        "",
      );
    } else {
      out.push(
        `${pad(name, 10)} BGP        ---        start  23:51:05.841  ${STATES[i % STATES.length]}        `,
        `  Description:    AS${asn} Peer Network number ${i}`,
        `  BGP state:          ${STATES[i % STATES.length]}`,
        `    Neighbor address: ${ip}`,
        `    Neighbor AS:      ${asn}`,
        "    Local AS:         64500",
        "    Connect delay:    4.457/5",
        `  Channel ${fam}`,
        "    State:          DOWN",
        `    Table:          master${six ? 6 : 4}`,
        "    Preference:     100",
        "    Input filter:   pb_in_a75acd69",
        "    Output filter:  pb_out_f0688dc0",
        "",
      );
    }
  }
  return out.join("\n");
}

/** FRR's `show bgp neighbors json` for n neighbours. */
export function frrNeighborsJson(n: number): string {
  const doc: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const six = i % 3 === 2;
    const ip = six ? v6(i) : v4(i);
    const asn = 64512 + (i % 1000);
    const up = i % 10 !== 9;
    const af = six ? "ipv6Unicast" : "ipv4Unicast";
    doc[ip] = {
      remoteAs: asn,
      localAs: 64500,
      nbrExternalLink: true,
      nbrDesc: `AS${asn} Peer Network number ${i}`,
      localRole: "undefined",
      remoteRole: "undefined",
      peerGroup: six ? "pb-lab-ix-v6" : "pb-lab-ix-v4",
      bgpVersion: 4,
      remoteRouterId: `192.0.${(i >> 8) & 255}.${i & 255}`,
      localRouterId: "192.0.2.1",
      bgpState: up ? "Established" : STATES[i % STATES.length],
      bgpTimerUpMsec: up ? 5000 + i : 0,
      bgpTimerUpString: "00:00:05",
      bgpTimerUpEstablishedEpoch: 1795305117,
      bgpTimerLastRead: 5000,
      bgpTimerLastWrite: 1000,
      bgpInUpdateElapsedTimeMsecs: 5000,
      bgpTimerConfiguredHoldTimeMsecs: 180000,
      bgpTimerConfiguredKeepAliveIntervalMsecs: 60000,
      bgpTimerHoldTimeMsecs: 180000,
      bgpTimerKeepAliveIntervalMsecs: 60000,
      extendedOptionalParametersLength: false,
      bgpTimerConfiguredConditionalAdvertisementsSec: 60,
      neighborCapabilities: {
        "4byteAs": "advertisedAndReceived",
        extendedMessage: "advertised",
        addPath: { [af]: { rxAdvertised: true } },
        longLivedGracefulRestart: "advertisedAndReceived",
        longLivedGracefulRestartByPeer: {},
        routeRefresh: "advertisedAndReceivedNew",
        enhancedRouteRefresh: "advertisedAndReceived",
        multiprotocolExtensions: { [af]: { advertisedAndReceived: true } },
        hostName: { advHostName: "lab-frr", advDomainName: "n/a" },
        gracefulRestart: "advertisedAndReceived",
        gracefulRestartRemoteTimerMsecs: 120000,
        addressFamiliesByPeer: "none",
      },
      gracefulRestartInfo: {
        endOfRibSend: { [af]: true },
        endOfRibRecv: { [af]: true },
        localGrMode: "Helper*",
        remoteGrMode: "Helper",
        rBit: false,
        nBit: false,
        timers: { configuredRestartTimer: 120, receivedRestartTimer: 120 },
        [af]: {
          fBit: false,
          endOfRibStatus: { endOfRibSend: true, endOfRibSentAfterUpdate: false, endOfRibRecv: true },
          timers: { stalePathTimer: 360 },
        },
      },
      messageStats: {
        depthInq: 0,
        depthOutq: 0,
        opensSent: 1,
        opensRecv: 1,
        notificationsSent: 0,
        notificationsRecv: 0,
        updatesSent: 3,
        updatesRecv: 2,
        keepalivesSent: 1,
        keepalivesRecv: 1,
        routeRefreshSent: 1,
        routeRefreshRecv: 0,
        capabilitySent: 0,
        capabilityRecv: 0,
        totalSent: 6,
        totalRecv: 4,
      },
      minBtwnAdvertisementRunsTimerMsecs: 0,
      addressFamilyInfo: {
        [af]: {
          peerGroupMember: six ? "pb-lab-ix-v6" : "pb-lab-ix-v4",
          updateGroupId: 1,
          subGroupId: 1,
          packetQueueLength: 0,
          commAttriSentToNbr: "extendedAndStandard",
          inboundPathPolicyConfig: true,
          outboundPathPolicyConfig: true,
          routeMapForIncomingAdvertisements: "lab-import",
          routeMapForOutgoingAdvertisements: "lab-export",
          maximumPrefixAllowed: 1000 + i,
          acceptedPrefixCounter: up ? i % 50 : 0,
          sentPrefixCounter: up ? i % 5 : 0,
        },
      },
      connectionsEstablished: 1,
      connectionsDropped: 0,
      lastResetTimerMsecs: 6000,
      lastResetDueTo: "No AFI/SAFI activated for peer",
      lastResetCode: 30,
      externalBgpNbrMaxHopsAway: 1,
      hostLocal: six ? "2001:db8::1" : "10.0.0.1",
      portLocal: 59102,
      hostForeign: ip,
      portForeign: 179,
      nexthop: "10.0.0.1",
      nexthopGlobal: "::",
      nexthopLocal: "::",
      bgpConnection: "nonSharedNetwork",
      connectRetryTimer: 120,
      readThread: "on",
      writeThread: "on",
    };
  }
  // vtysh pretty-prints with two-space indentation.
  return JSON.stringify(doc, null, 2) + "\n";
}
