// Text the routers print, read back into our terms: BGP states, AS numbers (asplain or asdot),
// durations, the error lines of a command's output, and globs for configuration names. Shared
// by every router driver; nothing here talks to a router.
import type { BgpNeighborState } from "../../../core/ports.js";

const STATES: Record<string, BgpNeighborState> = {
  idle: "idle",
  connect: "connect",
  active: "active",
  opensent: "opensent",
  openconfirm: "openconfirm",
  established: "established",
};

/** Maps a router's BGP FSM state name ("Established", "OpenSent", "Idle (Admin)") to ours. */
export function toBgpState(s: string | undefined): BgpNeighborState {
  if (!s) return "idle";
  const key = s
    .trim()
    .split(/[\s(,]/)[0]!
    .toLowerCase();
  return STATES[key] ?? "idle";
}

/** "64500", "4200000000" or asdot "1.10" to a number; NaN when it is neither. */
export function parseRouterAsn(s: string | number | undefined): number {
  if (typeof s === "number") return s;
  if (!s) return NaN;
  const t = s.trim();
  const dot = t.indexOf(".");
  if (dot > 0) {
    const hi = Number(t.slice(0, dot));
    const lo = Number(t.slice(dot + 1));
    return Number.isInteger(hi) && Number.isInteger(lo) ? hi * 65536 + lo : NaN;
  }
  return /^\d+$/.test(t) ? Number(t) : NaN;
}

/**
 * Router durations to seconds: "00:01:23", "1:02:03:04" (d:h:m:s), "1d02h", "3w2d", "1y2w",
 * "5w0d", "17:04:12". Undefined when not recognised ("never").
 */
export function parseDuration(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = s.trim();
  if (/^\d+(:\d+){1,3}$/.test(t)) {
    const parts = t.split(":").map(Number);
    const mult = [1, 60, 3600, 86400];
    let total = 0;
    for (let i = 0; i < parts.length; i++) total += parts[parts.length - 1 - i]! * mult[i]!;
    return total;
  }
  const units: Record<string, number> = { y: 31536000, w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
  const re = /(\d+)\s*([ywdhms])/g;
  let total = 0;
  let any = false;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) {
    total += Number(m[1]) * units[m[2]!]!;
    any = true;
  }
  return any ? total : undefined;
}

/**
 * Joins a router's reasons into one line for the first line of an error: at most `max`
 * reasons (then "and N more") and `width` characters (cut with an ellipsis).
 */
export function oneLineReasons(reasons: string[], max = 3, width = 220): string {
  const clean = [...new Set(reasons.map((r) => r.replace(/\s+/g, " ").trim()).filter(Boolean))];
  let text = clean.slice(0, max).join("; ");
  if (clean.length > max) text += ` (and ${clean.length - max} more)`;
  return text.length > width ? text.slice(0, width - 1).trimEnd() + "\u2026" : text;
}

/** A glob with `*` (any run of characters) as an anchored RegExp. */
export function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split("*").map(escapeRe).join(".*")}$`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
