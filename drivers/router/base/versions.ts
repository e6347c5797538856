// What each platform's version command says, parsed for `router test` (RouterDriver.describe):
// the platform's name, its software version, and the model where the router names one. Pure.
// An answer that does not have the expected shape still says something: its first line, so
// that the admin sees what the router answered instead of an error about a working router.
import type { RouterDescription } from "./serial-driver.js";

/** The first non-empty line, trimmed and at most 80 characters: for an answer we do not recognise. */
function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim()) ?? "";
  const t = line.trim();
  return t.length > 80 ? `${t.slice(0, 79)}…` : t || "(no answer)";
}

/**
 * Junos `show version`: "Hostname: r1", "Model: mx204", "Junos: 21.4R3-S5.4" (older releases
 * name it only in "JUNOS Base OS boot [12.3R12.4]").
 */
export function parseJunosVersion(text: string): RouterDescription {
  const version =
    /^Junos:\s*(\S+)/im.exec(text)?.[1] ?? /^JUNOS .*?\[([^\]\s]+)\]/m.exec(text)?.[1] ?? firstLine(text);
  const model = /^Model:\s*(\S+)/im.exec(text)?.[1];
  return { platform: "Junos", version, ...(model ? { model } : {}) };
}

/**
 * IOS-XR `show version`: "Cisco IOS XR Software, Version 7.5.2 LNT" (or "6.5.3[Default]"), and
 * "cisco NCS-5500 () processor" / "cisco ASR9K Series (Intel 686 F6M14S4) processor ...".
 */
export function parseIosXrVersion(text: string): RouterDescription {
  const version = /Cisco IOS XR Software, Version\s+([^\s[]+)/i.exec(text)?.[1] ?? firstLine(text);
  const model = /^cisco (.+?)\s+(?:\([^)]*\)\s+)?processor\b/im.exec(text)?.[1]?.trim();
  return { platform: "IOS-XR", version, ...(model ? { model } : {}) };
}

/** EOS `show version | json`: {"modelName": "DCS-7280SR-48C6", "version": "4.28.3M", ...}. */
export function parseEosVersion(text: string): RouterDescription {
  try {
    const j = JSON.parse(text) as { modelName?: unknown; version?: unknown };
    if (typeof j.version === "string" && j.version) {
      return {
        platform: "EOS",
        version: j.version,
        ...(typeof j.modelName === "string" && j.modelName ? { model: j.modelName } : {}),
      };
    }
  } catch {
    // the text form below
  }
  const version = /Software image version:\s*(\S+)/i.exec(text)?.[1] ?? firstLine(text);
  const model = /^Arista (\S+)/m.exec(text)?.[1];
  return { platform: "EOS", version, ...(model ? { model } : {}) };
}

/**
 * BIRD's `show status`, as `birdc -v` prints it: "0001 BIRD 2.0.12 ready.", then
 * "1000-BIRD 2.0.12", "1011-Router ID is 192.0.2.1", ... (plain `birdc` drops the codes).
 */
export function parseBirdStatus(text: string): RouterDescription {
  const version = /^(?:\d{4}[ -])?BIRD (v?\d[\w.+~-]*)/m.exec(text)?.[1] ?? firstLine(text);
  return { platform: "BIRD", version };
}

/** FRR's `show version`: "FRRouting 8.4.4 (lab-frr) on Linux(6.1.0-18-amd64)." */
export function parseFrrVersion(text: string): RouterDescription {
  const version = /FRRouting\s+(\S+)/.exec(text)?.[1] ?? firstLine(text);
  return { platform: "FRRouting", version };
}
