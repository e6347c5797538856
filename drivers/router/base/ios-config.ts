// IOS-style configuration text (IOS-XR, EOS): split into top-level sections, and pick the ones
// peerbot owns by their header, so that a driver reads back and replaces exactly those.
import { globRegExp } from "./router-text.js";

/** A top-level section of IOS-style configuration text: its header line and all its lines. */
export interface IosSection {
  /** The first line, trimmed ("router bgp 65000", "route-map pb-in-1 permit 10"). */
  header: string;
  /** Every line as printed: the header, the indented lines, and the "!" lines that close it. */
  lines: string[];
}

/**
 * Splits IOS-style configuration text (`show running-config`, or a rendered candidate) into
 * its top-level sections. A section starts at an unindented line and takes the indented
 * lines and the bare "!" lines after it; `blocks` names the sections whose body ends with a
 * keyword of their own rather than with the indentation (IOS-XR `route-policy` ...
 * `end-policy`). Comment lines ("! Command: ...", "!! ..."), blank lines and a final `end`
 * belong to no section.
 */
export function splitIosSections(text: string, blocks: Record<string, string> = {}): IosSection[] {
  const out: IosSection[] = [];
  let cur: IosSection | undefined;
  let blockEnd: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, "");
    if (blockEnd) {
      cur!.lines.push(line);
      if (line.trim() === blockEnd) blockEnd = undefined;
      continue;
    }
    if (line.trim() === "") continue;
    if (!/^\s/.test(line)) {
      if (line === "!") {
        cur?.lines.push(line);
        continue;
      }
      if (line.startsWith("!")) continue;
      if (line === "end") break;
      cur = { header: line, lines: [line] };
      out.push(cur);
      blockEnd = blocks[line.split(" ")[0]!];
      continue;
    }
    cur?.lines.push(line);
  }
  return out;
}

/**
 * Whether a section header matches an owned-section pattern: word by word, `*` in a word
 * matching any characters, the header possibly longer ("router bgp" matches
 * "router bgp 65000"; "route-map pb-*" matches "route-map pb-in-1a2b permit 10").
 */
export function sectionMatches(header: string, pattern: string): boolean {
  const h = header.trim().split(/\s+/);
  const p = pattern.trim().split(/\s+/);
  if (h.length < p.length) return false;
  return p.every((w, i) => (w.includes("*") ? globRegExp(w).test(h[i]!) : w === h[i]));
}

/**
 * The owned sections of a configuration, grouped in the order of `owned` (and, within one
 * pattern, in the order the text has them): what getConfig returns for IOS-XR and EOS.
 */
export function ownedIosSections(sections: IosSection[], owned: string[]): IosSection[] {
  const out: IosSection[] = [];
  const taken = new Set<IosSection>();
  for (const pattern of owned) {
    for (const s of sections) {
      if (!taken.has(s) && sectionMatches(s.header, pattern)) {
        taken.add(s);
        out.push(s);
      }
    }
  }
  return out;
}

/** The headers of candidate sections that no owned pattern covers. */
export function unownedIosHeaders(candidate: string, owned: string[], blocks: Record<string, string> = {}) {
  return splitIosSections(candidate, blocks)
    .map((s) => s.header)
    .filter((h) => !owned.some((p) => sectionMatches(h, p)));
}
