// Small structural parsers for rendered configurations: they know which statements peerbot's
// templates may produce at each level and collect the BGP neighbors. A text that escaped its
// statement shows up as an unknown statement, an extra neighbor or a parse error.

export interface Neighbor {
  address: string;
  asn: number;
}

export class StructureError extends Error {}

function fail(msg: string): never {
  throw new StructureError(msg);
}

// ---------------------------------------------------------------------------
// Brace syntaxes: Junos and BIRD
// ---------------------------------------------------------------------------

export interface Node {
  words: string[];
  children: Node[] | null;
}

/** Tokenizes and nests a brace configuration; `#` and `/* *\/` are comments, "..." strings. */
export function parseBraces(text: string): Node[] {
  const tokens: string[] = [];
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "#") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) fail("unterminated comment");
      i = end + 2;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\n") fail("newline in a string");
        if (text[j] === "\\") j++;
        j++;
      }
      if (j >= text.length) fail("unterminated string");
      tokens.push(text.slice(i, j + 1));
      i = j + 1;
    } else if ("{};".includes(c)) {
      tokens.push(c);
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s{};"#]/.test(text[j]!) && !(text[j] === "/" && text[j + 1] === "*")) j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  let pos = 0;
  const block = (depth: number): Node[] => {
    const nodes: Node[] = [];
    let words: string[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t === ";") {
        nodes.push({ words, children: null });
        words = [];
      } else if (t === "{") {
        const children = block(depth + 1);
        nodes.push({ words, children });
        words = [];
        // BIRD closes channel and filter blocks with "};"
        if (tokens[pos] === ";") pos++;
      } else if (t === "}") {
        if (depth === 0) fail("unbalanced }");
        if (words.length) fail(`statement without ; before }: ${words.join(" ")}`);
        return nodes;
      } else {
        words.push(t);
      }
    }
    if (depth !== 0) fail("unclosed block");
    if (words.length) fail(`trailing words: ${words.join(" ")}`);
    return nodes;
  };
  return block(0);
}

function allowed(nodes: Node[], keys: string[], where: string): void {
  for (const n of nodes) {
    const k = n.words[0] === "inactive:" ? n.words[1] : n.words[0];
    if (!k || !keys.includes(k)) fail(`unexpected statement in ${where}: ${n.words.join(" ")}`);
  }
}

function oneString(n: Node, where: string): void {
  if (n.words.length !== 2 || !/^".*"$/.test(n.words[1]!)) fail(`bad ${where}: ${n.words.join(" ")}`);
}

export function junosNeighbors(text: string): Neighbor[] {
  const top = parseBraces(text);
  allowed(top, ["policy-options", "protocols"], "top level");
  const out: Neighbor[] = [];
  for (const t of top) {
    if (!t.children) fail(`${t.words[0]} without block`);
    if (t.words[0] === "policy-options") {
      allowed(t.children, ["policy-statement", "community"], "policy-options");
      continue;
    }
    allowed(t.children, ["bgp"], "protocols");
    for (const bgp of t.children) {
      allowed(bgp.children ?? fail("bgp without block"), ["group"], "bgp");
      for (const g of bgp.children!) {
        if (g.words.length !== 2 || !g.children) fail(`bad group ${g.words.join(" ")}`);
        allowed(
          g.children,
          ["type", "description", "local-address", "local-as", "family", "neighbor"],
          `group ${g.words[1]}`,
        );
        for (const n of g.children) {
          const w = n.words[0] === "inactive:" ? n.words.slice(1) : n.words;
          if (w[0] === "description") oneString(n, "group description");
          if (w[0] !== "neighbor") continue;
          if (w.length !== 2 || !n.children) fail(`bad neighbor ${n.words.join(" ")}`);
          allowed(
            n.children,
            [
              "description",
              "peer-as",
              "local-as",
              "local-address",
              "import",
              "export",
              "authentication-key",
              "family",
              "bfd-liveness-detection",
              "multihop",
              "passive",
            ],
            `neighbor ${w[1]}`,
          );
          let asn = NaN;
          for (const c of n.children) {
            if (c.words[0] === "description") oneString(c, "neighbor description");
            if (c.words[0] === "peer-as") {
              if (c.words.length !== 2 || !/^\d+$/.test(c.words[1]!))
                fail(`bad peer-as ${c.words.join(" ")}`);
              asn = Number(c.words[1]);
            }
          }
          out.push({ address: w[1]!, asn });
        }
      }
    }
  }
  return out;
}

export function birdNeighbors(text: string): Neighbor[] {
  // A prefix-set range (`198.51.100.0/22{22,24}`) is not a block: hide its braces first.
  const top = parseBraces(text.replace(/\/(\d{1,3})\{(\d{1,3}),(\d{1,3})\}/g, "/$1<$2,$3>"));
  allowed(top, ["define", "filter", "template", "protocol"], "top level");
  const out: Neighbor[] = [];
  for (const t of top) {
    if (t.words[0] === "define") {
      // An IRR prefix set: `define pb_irr_as6939_v4 = [ 192.0.2.0/24, 198.51.100.0/22{22,24} ];`
      const w = t.words;
      if (
        t.children ||
        !/^pb_irr_[a-z0-9_]+$/.test(w[1] ?? "") ||
        w[2] !== "=" ||
        w[3] !== "[" ||
        w[w.length - 1] !== "]"
      )
        fail(`bad define ${w.slice(0, 4).join(" ")}`);
      for (const e of w.slice(4, -1))
        if (!/^[0-9a-f.:]+\/\d{1,3}(<\d{1,3},\d{1,3}>)?,?$/.test(e)) fail(`bad prefix set entry ${e}`);
      continue;
    }
    if (!t.children) fail(`${t.words.join(" ")} without block`);
    if (t.words[0] === "filter") {
      if (t.words.length !== 2) fail(`bad filter ${t.words.join(" ")}`);
      for (const s of t.children) {
        if (s.children) fail("block in a filter");
        if (
          !/^(bgp_(large_|ext_)?community\.add\(\(.*\)\)|policy_[a-z0-9_]+\(\)|accept|if ! \(net ~ pb_irr_[a-z0-9_]+\) then reject)$/.test(
            s.words.join(" "),
          )
        )
          fail(`unexpected filter statement ${s.words.join(" ")}`);
      }
      continue;
    }
    if (t.words[0] === "template") {
      if (t.words.length !== 3 || t.words[1] !== "bgp") fail(`bad template ${t.words.join(" ")}`);
      allowed(t.children, ["description", "local"], "template");
      continue;
    }
    if (t.words.length !== 5 || t.words[1] !== "bgp" || t.words[3] !== "from")
      fail(`bad protocol ${t.words.join(" ")}`);
    allowed(
      t.children,
      [
        "description",
        "local",
        "neighbor",
        "disabled",
        "password",
        "bfd",
        "multihop",
        "passive",
        "ipv4",
        "ipv6",
      ],
      `protocol ${t.words[2]}`,
    );
    let n: Neighbor | null = null;
    for (const c of t.children) {
      if (c.words[0] === "description" || c.words[0] === "password") oneString(c, c.words[0]);
      if (c.words[0] === "neighbor") {
        if (c.words.length !== 4 || c.words[2] !== "as" || n) fail(`bad neighbor ${c.words.join(" ")}`);
        n = { address: c.words[1]!, asn: Number(c.words[3]) };
      }
      if (c.words[0] === "ipv4" || c.words[0] === "ipv6")
        allowed(c.children ?? fail("channel"), ["import", "export", "receive"], "channel");
    }
    out.push(n ?? fail(`protocol ${t.words[2]} without neighbor`));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Line syntaxes: FRR, EOS, IOS-XR (indentation says where a line belongs)
// ---------------------------------------------------------------------------

interface Line {
  indent: number;
  text: string;
  n: number;
}

function lines(text: string): Line[] {
  return text
    .split("\n")
    .map((l, i) => ({ indent: l.length - l.trimStart().length, text: l.trim(), n: i + 1 }))
    .filter((l) => l.text.length > 0);
}

const NEIGHBOR_IP = String.raw`(\d+\.\d+\.\d+\.\d+|[0-9a-f:]+)`;

function collect(map: Map<string, number>): Neighbor[] {
  return [...map].map(([address, asn]) => ({ address, asn }));
}

export function frrNeighbors(text: string): Neighbor[] {
  const out = new Map<string, number>();
  let ctx: "top" | "bgp" | "af" | "route-map" = "top";
  let bgpBlocks = 0;
  for (const l of lines(text)) {
    const bad = () => fail(`line ${l.n} unexpected in ${ctx}: ${l.text}`);
    if (ctx === "top") {
      if (l.indent !== 0) bad();
      if (/^router bgp \d+$/.test(l.text)) {
        ctx = "bgp";
        bgpBlocks++;
      } else if (/^route-map [\w-]+ (permit|deny) \d+$/.test(l.text)) ctx = "route-map";
      // An IRR prefix-list entry.
      else if (
        /^ip(v6)? prefix-list pb-irr-[\w-]+ seq \d+ permit [0-9a-f.:]+\/\d{1,3}( ge \d{1,3})?( le \d{1,3})?$/.test(
          l.text,
        )
      )
        continue;
      else if (l.text !== "!") bad();
    } else if (ctx === "route-map") {
      if (l.text === "exit" && l.indent === 0) ctx = "top";
      else if (
        l.indent !== 1 ||
        !/^(call [\w-]+|on-match next|on-match goto \d+|match ip(v6)? address prefix-list pb-irr-[\w-]+|description IRR list for AS\d+ IPv[46] [a-z ]+: accepting routes unfiltered|set (community|large-community) [\d: ]+ additive|set extcommunity (rt|soo) [\d:. ]+)$/.test(
          l.text,
        )
      )
        bad();
    } else if (ctx === "bgp") {
      if (l.text === "exit" && l.indent === 0) ctx = "top";
      else if (l.indent !== 1) bad();
      else if (/^address-family ipv[46] unicast$/.test(l.text)) ctx = "af";
      else if (l.text === "!" || l.text === "no bgp default ipv4-unicast") continue;
      else if (new RegExp(`^no neighbor ${NEIGHBOR_IP} enforce-first-as$`).test(l.text)) continue;
      else {
        const m = new RegExp(`^neighbor (\\S+) (.*)$`).exec(l.text) ?? bad();
        const [, who, rest] = m;
        if (/^(peer-group|description .*|update-source \S+)$/.test(rest!) && /^pb-[\w-]+$/.test(who!))
          continue;
        if (!new RegExp(`^${NEIGHBOR_IP}$`).test(who!)) bad();
        const ra = /^remote-as (\d+)$/.exec(rest!);
        if (ra) {
          if (out.has(who!)) bad();
          out.set(who!, Number(ra[1]));
        } else if (
          !/^(peer-group pb-[\w-]+|description .*|local-as \d+|shutdown|bfd|password \S+|passive|ebgp-multihop \d+|update-source \S+)$/.test(
            rest!,
          )
        )
          bad();
      }
    } else {
      if (l.text === "exit-address-family" && l.indent === 1) ctx = "bgp";
      else if (
        l.indent !== 2 ||
        !/^neighbor \S+ (activate|maximum-prefix \d+|route-map [\w-]+ (in|out))$/.test(l.text)
      )
        bad();
    }
  }
  if (ctx !== "top" || bgpBlocks !== 1) fail(`unterminated ${ctx} or ${bgpBlocks} router bgp blocks`);
  return collect(out);
}

export function eosNeighbors(text: string): Neighbor[] {
  const out = new Map<string, number>();
  let ctx: "top" | "bgp" | "af" | "route-map" | "prefix-list" = "top";
  let bgpBlocks = 0;
  for (const l of lines(text)) {
    const bad = () => fail(`line ${l.n} unexpected in ${ctx}: ${l.text}`);
    if (l.indent === 0) {
      if (/^router bgp \d+$/.test(l.text)) {
        ctx = "bgp";
        bgpBlocks++;
      } else if (/^route-map [\w-]+ (permit|deny) \d+$/.test(l.text)) ctx = "route-map";
      else if (/^ip(v6)? prefix-list pb-irr-[\w-]+$/.test(l.text)) ctx = "prefix-list";
      else if (l.text === "!")
        // A "!" closes a route-map entry or a prefix-list, and an address family.
        ctx = ctx === "af" ? "bgp" : ctx === "bgp" ? "bgp" : "top";
      else bad();
      continue;
    }
    if (ctx === "prefix-list") {
      // An IRR entry: `seq 10 permit 192.0.2.0/22 ge 23 le 24`.
      if (l.indent !== 3 || !/^seq \d+ permit [0-9a-f.:]+\/\d{1,3}( ge \d{1,3})?( le \d{1,3})?$/.test(l.text))
        bad();
      continue;
    }
    if (ctx === "route-map") {
      if (
        l.indent !== 3 ||
        !/^(sub-route-map [\w-]+|continue \d+|match ip(v6)? address prefix-list pb-irr-[\w-]+|description IRR list for AS\d+ IPv[46] [a-z ]+: accepting routes unfiltered|set (community|large-community) [\d: ]+ additive|set extcommunity (rt|soo) [\d:. rtso]+ additive)$/.test(
          l.text,
        )
      )
        bad();
    } else if (ctx === "bgp" || ctx === "af") {
      if (l.indent === 3 && /^address-family ipv[46]$/.test(l.text)) ctx = "af";
      else if (l.indent === 3 && l.text === "!") ctx = "bgp";
      else if (l.indent === 6 && ctx === "af") {
        if (!/^neighbor pb-[\w-]+ activate$/.test(l.text)) bad();
      } else if (l.indent === 3 && ctx === "bgp") {
        if (l.text === "no bgp default ipv4-unicast") continue;
        if (new RegExp(`^no neighbor ${NEIGHBOR_IP} enforce-first-as$`).test(l.text)) continue;
        const m = /^neighbor (\S+) (.*)$/.exec(l.text) ?? bad();
        const [, who, rest] = m;
        if (/^pb-[\w-]+$/.test(who!) && /^(peer group|description .*)$/.test(rest!)) continue;
        if (!new RegExp(`^${NEIGHBOR_IP}$`).test(who!)) bad();
        const ra = /^remote-as (\d+)$/.exec(rest!);
        if (ra) {
          if (out.has(who!)) bad();
          out.set(who!, Number(ra[1]));
        } else if (
          !/^(peer group pb-[\w-]+|description .*|local-as \d+ no-prepend replace-as|shutdown|passive|ebgp-multihop \d+|bfd|password 0 \S+|maximum-routes \d+|route-map [\w-]+ (in|out))$/.test(
            rest!,
          )
        )
          bad();
      } else bad();
    } else bad();
  }
  if (bgpBlocks !== 1) fail(`${bgpBlocks} router bgp blocks`);
  return collect(out);
}

export function iosxrNeighbors(text: string): Neighbor[] {
  const out = new Map<string, number>();
  let ctx: "top" | "policy" | "set" | "bgp" | "group" | "neighbor" | "af" | "group-af" = "top";
  let current = "";
  let bgpBlocks = 0;
  for (const l of lines(text)) {
    const bad = () => fail(`line ${l.n} unexpected in ${ctx}: ${l.text}`);
    if (l.indent === 0) {
      if (ctx === "policy") {
        if (l.text !== "end-policy") bad();
        ctx = "top";
      } else if (ctx === "set") {
        if (l.text !== "end-set") bad();
        ctx = "top";
      } else if (/^route-policy [\w-]+$/.test(l.text)) ctx = "policy";
      else if (/^prefix-set pb-irr-[\w-]+$/.test(l.text)) ctx = "set";
      else if (/^router bgp \d+$/.test(l.text)) {
        ctx = "bgp";
        bgpBlocks++;
      } else if (l.text === "!") ctx = "top";
      else bad();
      continue;
    }
    if (ctx === "set") {
      // An IRR prefix-set entry: `192.0.2.0/22 ge 23 le 24,` (the last without the comma).
      if (l.indent !== 2 || !/^[0-9a-f.:]+\/\d{1,3}( ge \d{1,3})?( le \d{1,3})?,?$/.test(l.text)) bad();
      continue;
    }
    if (ctx === "policy") {
      if (/^if not destination in pb-irr-[\w-]+ then$/.test(l.text) && l.indent === 2) continue;
      if (l.text === "endif" && l.indent === 2) continue;
      if (l.text === "drop" && l.indent === 4) continue;
      if (
        /^# IRR list for AS\d+ IPv[46] [a-z ]+: accepting routes unfiltered$/.test(l.text) &&
        l.indent === 2
      )
        continue;
      if (
        l.indent !== 2 ||
        !/^(drop|apply [\w-]+|set (community|large-community|extcommunity rt|extcommunity soo) \([\d:., ]+\) additive)$/.test(
          l.text,
        )
      )
        bad();
      continue;
    }
    if (l.indent === 1) {
      if (l.text === "!") ctx = "bgp";
      else if (/^neighbor-group pb-[\w-]+$/.test(l.text)) ctx = "group";
      else {
        const m = new RegExp(`^neighbor ${NEIGHBOR_IP}$`).exec(l.text) ?? bad();
        current = m[1]!;
        if (out.has(current)) bad();
        out.set(current, NaN);
        ctx = "neighbor";
      }
    } else if (l.indent === 2) {
      if (l.text === "!") ctx = ctx === "af" ? "neighbor" : ctx === "group-af" ? "group" : ctx;
      else if (ctx === "group") {
        if (/^address-family ipv[46] unicast$/.test(l.text)) ctx = "group-af";
        else if (!/^description .*$/.test(l.text)) bad();
      } else if (ctx === "neighbor") {
        const ra = /^remote-as (\d+)$/.exec(l.text);
        if (ra) out.set(current, Number(ra[1]));
        else if (/^address-family ipv[46] unicast$/.test(l.text)) ctx = "af";
        else if (
          !/^(use neighbor-group pb-[\w-]+|local-as \d+|description .*|shutdown|password clear \S+|bfd fast-detect|ebgp-multihop \d+|session-open-mode passive-only|enforce-first-as disable)$/.test(
            l.text,
          )
        )
          bad();
      } else bad();
    } else if (l.indent === 3 && ctx === "af") {
      if (!/^(route-policy [\w-]+ (in|out)|maximum-prefix \d+ 90)$/.test(l.text)) bad();
    } else bad();
  }
  if (bgpBlocks !== 1) fail(`${bgpBlocks} router bgp blocks`);
  return collect(out);
}
