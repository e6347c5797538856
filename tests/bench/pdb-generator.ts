// A deterministic, full-size PeeringDB shaped like the real one, for benchmarks: about
// 33,500 org, 33,000 net, 1,200 ix and ixlan, 2,300 ixpfx, 60,000 netixlan (the largest
// exchanges at 1,017, 857 and 844 networks, then a long tail), 15,000 poc, plus fac, netfac
// and ixfac. Every row starts from a real record of its type (prisma/seed/peeringdb),
// picked by a seeded PRNG, so its fields, empty strings, nulls, `info_types` lists, policies,
// speeds, route-server flags and IPv4-only / IPv6-only shares follow the real rows; ids,
// references, ASNs, names and addresses are generated. Names include quotes, unicode,
// backslashes and the odd newline.
import { loadFixtures, type Raw } from "../fakes/peeringdb-server.js";
import { ODD_NAMES } from "../helpers/hostile-names.js";

export interface GeneratedPeeringDb {
  data: Record<string, Raw[]>;
  /** The exchange with the most networks. */
  largest: { ixId: number; ixlanId: number; networks: number; rows: number };
}

export interface GeneratorOptions {
  seed?: number;
  /** 1 = full size. */
  scale?: number;
}

/** mulberry32: small, fast, and the same sequence on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIZES = {
  org: 33_500,
  net: 33_000,
  fac: 5_800,
  ix: 1_200,
  ixpfx: 2_300,
  netixlan: 60_000,
  poc: 15_000,
  netfac: 40_000,
  ixfac: 3_600,
};
/** The real three largest (DE-CIX Frankfurt, AMS-IX, LINX LON1, April 2026). */
const TOP_IX_NETWORKS = [1_017, 857, 844];

const SYLLABLES = [
  "tel",
  "net",
  "com",
  "link",
  "fib",
  "ra",
  "do",
  "nova",
  "tera",
  "via",
  "sky",
  "ter",
  "mar",
  "ix",
  "lo",
  "ka",
  "zen",
  "pro",
  "gig",
  "wave",
];
const SUFFIXES = [
  "Networks",
  "Telecom",
  "Internet",
  "GmbH",
  "S.A.",
  "Ltd",
  "LLC",
  "B.V.",
  "AG",
  "Communications",
  "Hosting",
  "Cloud",
  "ISP",
  "Broadband",
  "S.p.A.",
  "Sp. z o.o.",
  "K.K.",
  "Pty Ltd",
];
const CITIES = [
  "Frankfurt",
  "Amsterdam",
  "London",
  "Paris",
  "New York",
  "Ashburn",
  "Singapore",
  "Tokyo",
  "São Paulo",
  "Zürich",
  "Kraków",
  "Montréal",
];

export function generatePeeringDb(opts: GeneratorOptions = {}): GeneratedPeeringDb {
  const rnd = prng(opts.seed ?? 20260416);
  const scale = opts.scale ?? 1;
  const n = (k: keyof typeof SIZES) => Math.max(1, Math.round(SIZES[k] * scale));
  const real = loadFixtures();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const template = (type: string): Raw => ({ ...pick(real[type] as Raw[]) });
  const START = Date.parse("2010-07-29T00:00:00Z");
  const END = Date.parse("2026-04-16T00:00:00Z");
  const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
  const stamps = () => {
    const c = START + rnd() * (END - START);
    // Most rows were touched recently-ish; a fair share not for years.
    const u = c + Math.pow(rnd(), 0.5) * (END - c);
    return { created: iso(c), updated: iso(u) };
  };
  /** Sequential ids with gaps, as deletions leave them. */
  const ids = (count: number) => {
    const out: number[] = [];
    let id = 0;
    while (out.length < count) {
      id += rnd() < 0.12 ? int(2, 6) : 1;
      out.push(id);
    }
    return out;
  };
  const word = () => {
    const s = Array.from({ length: int(1, 3) }, () => pick(SYLLABLES)).join("");
    return s.charAt(0).toUpperCase() + s.slice(1);
  };
  const name = (i: number) => {
    const r = rnd();
    if (r < 0.01) return `${pick(ODD_NAMES)} ${i}`;
    if (r < 0.011) return `${word()} Networks\n(line two) ${i}`;
    if (r < 0.02) return `${word()} "${word()}" ${pick(SUFFIXES)} ${i}`;
    return `${word()} ${pick(SUFFIXES)} ${i}`;
  };

  const data: Record<string, Raw[]> = {};

  // org
  const orgIds = ids(n("org"));
  data.org = orgIds.map((id, i) => ({ ...template("org"), id, name: name(i), ...stamps(), status: "ok" }));

  // fac
  const facIds = ids(n("fac"));
  data.fac = facIds.map((id, i) => {
    const t = template("fac");
    return {
      ...t,
      id,
      org_id: pick(orgIds),
      org_name: "",
      campus_id: null,
      name: `${pick(CITIES)} ${word()} DC${i}`,
      ...stamps(),
      status: "ok",
    };
  });

  // ix and ixlan (one ixlan per ix, with the same id, as PeeringDB has them now)
  const ixCount = n("ix");
  const ixIds = ids(ixCount);
  const ixNames = ixIds.map((_, i) =>
    i < 3
      ? ["DE-CIX Frankfurt", "AMS-IX", "LINX LON1"][i]!
      : `${word().toUpperCase()}-IX ${pick(CITIES)} ${i}`,
  );
  data.ix = ixIds.map((id, i) => ({
    ...template("ix"),
    id,
    org_id: pick(orgIds),
    name: ixNames[i],
    ...stamps(),
    status: "ok",
  }));
  data.ixlan = ixIds.map((id) => ({ ...template("ixlan"), id, ix_id: id, ...stamps(), status: "ok" }));

  // How many networks each exchange has: the real top three, then a power-law tail.
  const portsTotal = n("netixlan");
  const networksTotal = Math.round(portsTotal / 1.05);
  const sizes: number[] = TOP_IX_NETWORKS.slice(0, ixCount).map((s) =>
    Math.round(s * Math.min(1, scale * 1.0)),
  );
  const rest = Math.max(0, networksTotal - sizes.reduce((a, b) => a + b, 0));
  // Water-filling: scale a power law so that, capped below the top three, it sums to the rest.
  const weights = Array.from({ length: ixCount - sizes.length }, (_, r) => Math.pow(r + 10, -0.9));
  const cap = 780;
  let lo = 0;
  let hi = rest * 10;
  const tail = (x: number) => weights.map((w) => Math.min(cap, Math.max(1, Math.round(w * x))));
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (tail(mid).reduce((a, b) => a + b, 0) < rest) lo = mid;
    else hi = mid;
  }
  sizes.push(...tail(hi));

  // Network popularity: a few networks are at hundreds of exchanges.
  const netCount = n("net");
  const netIds = ids(netCount);
  const asnPool = new Set<number>();
  while (asnPool.size < netCount) {
    asnPool.add(rnd() < 0.6 ? int(1, 64_495) : int(131_072, 402_000));
  }
  const asns = [...asnPool];
  data.net = netIds.map((id, i) => {
    const t = template("net");
    return {
      ...t,
      id,
      org_id: pick(orgIds),
      asn: asns[i],
      name: name(i),
      irr_as_set: t.irr_as_set ? `AS-${word().toUpperCase()}${i}` : "",
      ...stamps(),
      status: "ok",
    };
  });
  const pop = netIds.map((_, i) => Math.pow(i + 1, -0.75));
  const cum: number[] = [];
  pop.reduce((acc, w, i) => ((cum[i] = acc + w), acc + w), 0);
  const total = cum[cum.length - 1] as number;
  const drawNet = () => {
    const x = rnd() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cum[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  // ixpfx: an IPv4 LAN for 95% of exchanges, an IPv6 LAN for 88%, extra ones up to the total.
  const pfxIds = ids(n("ixpfx"));
  let pfxNext = 0;
  const ixpfx: Raw[] = [];
  const lan4 = new Map<number, { base: number; size: number }>();
  const lan6 = new Map<number, string>();
  let v4cursor = (100 << 24) >>> 0; // 100.0.0.0 onwards, aligned per LAN
  const addPfx = (ixlanId: number, protocol: "IPv4" | "IPv6", prefix: string) => {
    const id = pfxIds[pfxNext++];
    if (id === undefined) return false;
    ixpfx.push({ ...template("ixpfx"), id, ixlan_id: ixlanId, protocol, prefix, ...stamps(), status: "ok" });
    return true;
  };
  const v4text = (x: number) => [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join(".");
  const allocV4 = (hosts: number) => {
    const len = hosts > 1000 ? 21 : hosts > 250 ? 22 : 24;
    const size = 2 ** (32 - len);
    v4cursor = Math.ceil(v4cursor / size) * size;
    const base = v4cursor;
    v4cursor += size;
    return { base, size, len };
  };
  ixIds.forEach((id, i) => {
    const big = (sizes[i] ?? 0) > 40;
    if (big || rnd() < 0.95) {
      const a = allocV4((sizes[i] ?? 1) * 1.2 + 10);
      lan4.set(id, a);
      addPfx(id, "IPv4", `${v4text(a.base)}/${a.len}`);
    }
    if (big || rnd() < 0.9 || !lan4.has(id)) {
      const p = `2001:7f8:${(0x100 + i).toString(16)}::`;
      lan6.set(id, p);
      addPfx(id, "IPv6", `${p}/64`);
    }
  });
  while (pfxNext < pfxIds.length) {
    const id = pick(ixIds);
    const a = allocV4(200);
    if (!addPfx(id, "IPv4", `${v4text(a.base)}/${a.len}`)) break;
  }
  data.ixpfx = ixpfx;

  // netixlan: each exchange's networks, 5% of them with a second port.
  const nxIds = ids(portsTotal + 50);
  let nxNext = 0;
  const netixlan: Raw[] = [];
  let largest = { ixId: 0, ixlanId: 0, networks: 0, rows: 0 };
  ixIds.forEach((ixId, i) => {
    const want = Math.min(sizes[i] ?? 0, netCount);
    const chosen = new Set<number>();
    let guard = 0;
    while (chosen.size < want && guard++ < want * 50) chosen.add(drawNet());
    const v4 = lan4.get(ixId);
    const v6 = lan6.get(ixId);
    let host = 1;
    let rows = 0;
    for (const ni of chosen) {
      const ports = rnd() < 0.05 ? 2 : 1;
      for (let p = 0; p < ports; p++) {
        const id = nxIds[nxNext++];
        if (id === undefined) break;
        const t = template("netixlan");
        const asn = asns[ni] as number;
        // The real shares: IPv4-only where the template has no IPv6, and the other way round.
        let a4: string | null =
          v4 && (t.ipaddr4 !== null || !v6) ? v4text(v4.base + (host % (v4.size - 2)) + 1) : null;
        const asnGroups = `${(asn >>> 16).toString(16)}:${(asn & 0xffff).toString(16)}:${p + 1}`;
        let a6: string | null = v6 && (t.ipaddr6 !== null || !a4) ? `${v6}${asnGroups}` : null;
        if (!a4 && !a6) a4 = v4 ? v4text(v4.base + host) : null;
        if (!a4 && !a6) a6 = `${v6 ?? "2001:db8::"}${asnGroups}`;
        host++;
        netixlan.push({
          ...t,
          id,
          net_id: netIds[ni],
          ix_id: ixId,
          ixlan_id: ixId,
          name: ixNames[i],
          asn,
          ipaddr4: a4,
          ipaddr6: a6,
          net_side_id: null,
          ix_side_id: null,
          ...stamps(),
          status: "ok",
        });
        rows++;
      }
    }
    if (chosen.size > largest.networks) largest = { ixId, ixlanId: ixId, networks: chosen.size, rows };
  });
  data.netixlan = netixlan;

  // poc: about a third of networks have contacts, one to three each.
  const pocIds = ids(n("poc"));
  data.poc = pocIds.map((id, i) => {
    const t = template("poc");
    return {
      ...t,
      id,
      net_id: netIds[Math.floor(Math.pow(rnd(), 1.5) * netCount)],
      name: rnd() < 0.5 ? `${t.role} Team` : name(i),
      email: `noc${i}@example${i % 97}.net`,
      visible: rnd() < 0.65 ? "Public" : "Users",
      ...stamps(),
      status: "ok",
    };
  });

  const netfacIds = ids(n("netfac"));
  data.netfac = netfacIds.map((id) => {
    const ni = drawNet();
    return {
      ...template("netfac"),
      id,
      net_id: netIds[ni],
      fac_id: pick(facIds),
      local_asn: asns[ni],
      ...stamps(),
      status: "ok",
    };
  });
  const ixfacIds = ids(n("ixfac"));
  data.ixfac = ixfacIds.map((id) => ({
    ...template("ixfac"),
    id,
    ix_id: pick(ixIds),
    fac_id: pick(facIds),
    ...stamps(),
    status: "ok",
  }));

  return { data, largest };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = performance.now();
  const g = generatePeeringDb();
  const counts = Object.fromEntries(Object.entries(g.data).map(([k, v]) => [k, v.length]));
  const perIx = new Map<number, Set<number>>();
  for (const r of g.data.netixlan!) {
    const s = perIx.get(r.ixlan_id as number) ?? new Set<number>();
    s.add(r.asn as number);
    perIx.set(r.ixlan_id as number, s);
  }
  const top = [...perIx.values()].map((s) => s.size).sort((a, b) => b - a);
  const nx = g.data.netixlan!;
  console.log({
    ms: Math.round(performance.now() - t0),
    counts,
    largest: g.largest,
    top10: top.slice(0, 10),
    exchangesWithMembers: top.length,
    v4only: nx.filter((r) => r.ipaddr6 === null).length,
    v6only: nx.filter((r) => r.ipaddr4 === null).length,
    rs: nx.filter((r) => r.is_rs_peer).length,
    notOperational: nx.filter((r) => !r.operational).length,
  });
}
