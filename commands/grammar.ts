// One text grammar for every platform, forgiving like a person:
//   peer AS714 at LINX  |  peer as714 linx  |  peer 714 @ "LINX LON1"  |  peer AS 714 at linx lon1
// A line is split into words (quotes group words; straight and curly quotes both work),
// noise words ("at", "@", "on") are dropped, "AS 714" becomes "AS714", `key:value` words
// become options, declared keywords take the word after them, declared flags are picked out,
// and what is left are positionals; the last positional may take the rest of the line.

export interface ArgSpec {
  /** Positional argument names, in order. */
  positional?: string[];
  /** The last positional takes every remaining word, joined by spaces (e.g. an IXP name). */
  rest?: boolean;
  /** `key:value` options, e.g. status:enabled, policy:open. */
  options?: string[];
  /** `keyword value` pairs, e.g. `router edge1`; `rest` keywords take the rest of the line. */
  keywords?: { name: string; rest?: boolean }[];
  /** Bare words that switch something on, e.g. v4, v6, disable. */
  flags?: string[];
  /** Words to ignore. Defaults to at, @, on. */
  noise?: string[];
}

export type RawArgs = Record<string, string | boolean | undefined> & { _extra?: string };

const QUOTES: Record<string, string> = { '"': '"', "'": "'", "“": "”", "‘": "’", "«": "»" };

/** Splits a line into words; quoted text is one word. An unclosed quote runs to the end. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const s = line;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const close = QUOTES[c];
    if (close) {
      const end = s.indexOf(close, i + 1);
      const stop = end === -1 ? s.length : end;
      out.push(s.slice(i + 1, stop));
      i = stop + 1;
      continue;
    }
    let j = i;
    while (j < s.length && !/\s/.test(s[j] as string) && !QUOTES[s[j] as string]) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** Splits off the command word (lower-cased) from its arguments. */
export function splitCommand(line: string): { name: string; words: string[] } {
  const words = tokenize(line.trim());
  const first = (words.shift() ?? "").replace(/^\//, "").toLowerCase();
  return { name: first, words };
}

export function parseArgs(words: string[], spec: ArgSpec): RawArgs {
  const noise = new Set((spec.noise ?? ["at", "@", "on"]).map((w) => w.toLowerCase()));
  const options = new Set((spec.options ?? []).map((w) => w.toLowerCase()));
  const flags = new Set((spec.flags ?? []).map((w) => w.toLowerCase()));
  const keywords = new Map((spec.keywords ?? []).map((k) => [k.name.toLowerCase(), k]));
  const out: RawArgs = {};
  const positionals: string[] = [];

  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const lw = w.toLowerCase();
    if (noise.has(lw)) continue;
    // "AS 714" -> "AS714"
    if (lw === "as" && /^\d+$/.test(words[i + 1] ?? "")) {
      positionals.push(`AS${words[i + 1]}`);
      i++;
      continue;
    }
    const opt = /^([a-z][a-z_-]*):(.*)$/i.exec(w);
    if (opt && options.has((opt[1] as string).toLowerCase())) {
      out[(opt[1] as string).toLowerCase()] = opt[2] as string;
      continue;
    }
    const kw = keywords.get(lw);
    if (kw && i + 1 < words.length) {
      if (kw.rest) {
        out[kw.name] = words.slice(i + 1).join(" ");
        break;
      }
      out[kw.name] = words[i + 1];
      i++;
      continue;
    }
    if (flags.has(lw)) {
      out[lw] = true;
      continue;
    }
    positionals.push(w);
  }

  const names = spec.positional ?? [];
  names.forEach((name, idx) => {
    if (idx === names.length - 1 && spec.rest) {
      const restWords = positionals.slice(idx);
      if (restWords.length) out[name] = restWords.join(" ");
    } else if (positionals[idx] !== undefined) {
      out[name] = positionals[idx];
    }
  });
  const used = spec.rest ? Math.max(names.length, positionals.length) : names.length;
  if (positionals.length > used) out._extra = positionals.slice(used).join(" ");
  return out;
}

export { levenshtein } from "../core/text.js";

/** Quotes a word for a command line when it needs it (for `cmd:` button actions). */
export function quoteWord(w: string): string {
  return /[\s"']/.test(w) || w === "" ? `"${w.replace(/"/g, "")}"` : w;
}
