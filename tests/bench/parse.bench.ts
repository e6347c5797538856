// Parsing the BGP state of 2,000 neighbours per platform (issue 5, point 6: <= 100 ms per
// router), against the plainest handling of the same bytes (JSON.parse, or splitting the text
// into lines for IOS-XR). The outputs come from the CLI fakes' renderers, which write what
// each vendor prints. Also one figure through the whole transport: the Junos driver reading
// the 2,000 neighbours from the Junos fake over SSH (prompt detection on megabytes of output).
import { parseEosBgpSummary } from "../../drivers/router/eos.js";
import { JunosDriver, parseJunosBgpNeighbors } from "../../drivers/router/junos.js";
import { parseIosXrBgpNeighbors } from "../../drivers/router/iosxr.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { makeNeighbors } from "../fakes/cli-ssh-base.js";
import { renderEosSummaryJson } from "../fakes/eos-ssh.js";
import { renderIosXrNeighbors } from "../fakes/iosxr-ssh.js";
import { JunosFake, renderJunosNeighborJson } from "../fakes/junos-ssh.js";
import { round, timeMedian, withRatio, type BenchResult } from "./result.js";

export type { BenchResult };

const COUNT = 2000;
const TARGET_MS = 100;

function mib(s: string): string {
  return `${(Buffer.byteLength(s) / (1024 * 1024)).toFixed(2)} MiB`;
}

export async function benchParse(): Promise<BenchResult[]> {
  const neighbors = makeNeighbors(COUNT, 7);
  const results: BenchResult[] = [];

  // Junos: show bgp neighbor | display json
  const junos = renderJunosNeighborJson(neighbors);
  if (parseJunosBgpNeighbors(junos).length !== COUNT) throw new Error("junos: wrong neighbour count");
  results.push(
    withRatio({
      name: `parse Junos 'show bgp neighbor | display json', ${COUNT} neighbours (${mib(junos)})`,
      value: round(await timeMedian(() => parseJunosBgpNeighbors(junos), 30, 5), 2),
      unit: "ms",
      target: TARGET_MS,
      baseline: round(await timeMedian(() => JSON.parse(junos), 30, 5), 2),
      targetRatio: 2,
      note: "baseline: JSON.parse of the same bytes",
    }),
  );

  // IOS-XR: show bgp neighbors (text)
  const xr = renderIosXrNeighbors(neighbors);
  if (parseIosXrBgpNeighbors(xr).length !== COUNT) throw new Error("iosxr: wrong neighbour count");
  results.push(
    withRatio({
      name: `parse IOS-XR 'show bgp neighbors', ${COUNT} neighbours (${mib(xr)})`,
      value: round(await timeMedian(() => parseIosXrBgpNeighbors(xr), 30, 5), 2),
      unit: "ms",
      target: TARGET_MS,
      baseline: round(await timeMedian(() => xr.split("\n"), 30, 5), 2),
      targetRatio: 10,
      note: "baseline: splitting the same text into lines",
    }),
  );

  // EOS: show ip bgp summary | json + show ipv6 bgp summary | json
  const now = Date.now() / 1000;
  const v4 = renderEosSummaryJson(neighbors, "ipv4", now);
  const v6 = renderEosSummaryJson(neighbors, "ipv6", now);
  const eos = () => [...parseEosBgpSummary(v4, now), ...parseEosBgpSummary(v6, now)];
  if (eos().length !== COUNT) throw new Error("eos: wrong neighbour count");
  results.push(
    withRatio({
      name: `parse EOS 'show ip/ipv6 bgp summary | json', ${COUNT} neighbours (${mib(v4 + v6)})`,
      value: round(await timeMedian(eos, 30, 5), 2),
      unit: "ms",
      target: TARGET_MS,
      baseline: round(await timeMedian(() => [JSON.parse(v4), JSON.parse(v6)], 30, 5), 2),
      targetRatio: 2,
      note: "baseline: JSON.parse of the same bytes",
    }),
  );

  // Through the transport: SSH + CLI prompt detection + parse, against the Junos fake.
  const fake = new JunosFake({
    hostname: "bench",
    users: [{ username: "bench", password: "bench-password" }],
  });
  fake.neighbors = neighbors;
  await fake.start();
  const pool = new SshPool();
  const driver = new JunosDriver({
    pool,
    target: {
      host: "127.0.0.1",
      port: fake.port,
      username: "bench",
      password: "bench-password",
      hostKeyFingerprint: fake.hostKeyFingerprint,
    },
  });
  try {
    const got = await driver.getBgpNeighbors();
    if (got.length !== COUNT) throw new Error("junos over ssh: wrong neighbour count");
    results.push({
      name: `Junos getBgpNeighbors over SSH from the CLI fake, ${COUNT} neighbours (transfer + prompt detection + parse)`,
      value: round(await timeMedian(() => driver.getBgpNeighbors(), 7, 2), 1),
      unit: "ms",
      note: "the fake renders the JSON on every call; a loopback connection, so no network latency",
    });
  } finally {
    await driver.close();
    await pool.closeAll();
    await fake.stop();
  }
  return results;
}
