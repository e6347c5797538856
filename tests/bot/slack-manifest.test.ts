// `peerbot slack-manifest`: the manifest's shape (commands, interactivity, Socket Mode or the
// HTTP endpoint), its bot scopes against the Web API methods bot/slack/ really calls, and the
// refusal of a base URL Slack cannot be pointed at.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  METHOD_SCOPES,
  SLACK_METHODS_CALLED,
  SLASH_COMMANDS,
  botScopes,
  slackManifest,
} from "../../bot/cli-slack.js";
import { DEFAULT_SLACK_COMMANDS } from "../../bot/slack/platform.js";
import { ROOT, runPeerbot } from "../helpers/cli.js";

interface Manifest {
  display_information: { name: string; description: string };
  features: {
    bot_user: { display_name: string };
    slash_commands: { command: string; url?: string; description: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
    org_deploy_enabled: boolean;
  };
}

/** Every `<client>.<family>.<method>(` call in the Slack platform's sources and the platform starter. */
function methodsInSources(): string[] {
  const dir = path.join(ROOT, "bot/slack");
  const files = [...readdirSync(dir).map((f) => path.join(dir, f)), path.join(ROOT, "bot/platforms.ts")];
  const found = new Set<string>();
  const families = Object.keys(METHOD_SCOPES).map((m) => m.split(".")[0]!);
  const re = new RegExp(
    `\\.(${[...new Set([...families, "reactions", "pins", "bookmarks", "search", "reminders", "dnd", "emoji"])].join("|")})\\.([A-Za-z0-9]+(?:\\.[A-Za-z0-9]+)?)\\(`,
    "g",
  );
  for (const f of files) {
    if (!f.endsWith(".ts")) continue;
    for (const m of readFileSync(f, "utf8").matchAll(re)) found.add(`${m[1]}.${m[2]}`);
  }
  return [...found].sort();
}

describe("slack-manifest", () => {
  it("Socket Mode: the three slash commands without URLs, interactivity on, socket_mode_enabled", () => {
    const m = slackManifest({ socketMode: true }) as unknown as Manifest;
    expect(m.features.slash_commands.map((c) => c.command)).toEqual(["/peerbot", "/peer", "/peers"]);
    expect(m.features.slash_commands.every((c) => c.url === undefined && c.description.length > 0)).toBe(
      true,
    );
    expect(m.settings).toMatchObject({
      interactivity: { is_enabled: true },
      socket_mode_enabled: true,
      org_deploy_enabled: false,
    });
    expect(m.settings.interactivity.request_url).toBeUndefined();
    expect(m.display_information.name).toBe("peerbot");
    expect(m.features.bot_user.display_name).toBe("peerbot");
  });

  it("declares exactly the slash commands the platform answers", () => {
    expect(SLASH_COMMANDS.map((c) => c.command).sort()).toEqual(Object.keys(DEFAULT_SLACK_COMMANDS).sort());
  });

  it("asks for the bot scopes of the methods bot/slack/ calls, and no other", () => {
    const called = methodsInSources();
    // A method called without being listed (or listed without being called) fails here.
    expect(called).toEqual([...SLACK_METHODS_CALLED].sort());
    for (const m of called) expect(METHOD_SCOPES[m], `scope of ${m}`).toBeDefined();
    const m = slackManifest({ socketMode: true }) as unknown as Manifest;
    expect(m.oauth_config.scopes.bot).toEqual(botScopes(called));
    for (const scope of ["commands", "chat:write", "files:write", "usergroups:read", "im:write"])
      expect(m.oauth_config.scopes.bot).toContain(scope);
    expect(() => botScopes(["chat.scheduleMessage"])).toThrow(/no scope is known for the Slack method/);
  });

  it("prints YAML by default, JSON with --json, the HTTP endpoint's URL on every command and on interactivity", async () => {
    const yaml = await runPeerbot(["slack-manifest", "--socket-mode"]);
    expect(yaml.code).toBe(0);
    const fromYaml = parse(yaml.out) as Manifest;
    expect(fromYaml).toEqual(slackManifest({ socketMode: true }));

    const json = await runPeerbot(["slack-manifest", "--url", "https://peerbot.example.net/chat/", "--json"]);
    expect(json.code).toBe(0);
    const m = JSON.parse(json.out) as Manifest;
    const events = "https://peerbot.example.net/chat/slack/events";
    expect(m.features.slash_commands.map((c) => c.url)).toEqual([events, events, events]);
    expect(m.settings.interactivity).toEqual({ is_enabled: true, request_url: events });
    expect(m.settings.socket_mode_enabled).toBe(false);
  });

  it("refuses a base URL that is not https:// (http://localhost is allowed) in one sentence with the usage", async () => {
    const r = await runPeerbot(["slack-manifest", "--url", "http://peerbot.example.net"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(
      /^peerbot slack-manifest: --url must start with https:\/\/ .*\.\nUsage: peerbot slack-manifest /,
    );
    const both = await runPeerbot(["slack-manifest", "--socket-mode", "--url", "https://x.example.net"]);
    expect(both.code).toBe(2);
    expect(both.err).toContain("choose one");
    const local = slackManifest({ socketMode: false, url: "http://localhost:3000" }) as unknown as Manifest;
    expect(local.settings.interactivity.request_url).toBe("http://localhost:3000/slack/events");
    const { baseUrlProblem } = await import("../../bot/cli-slack.js");
    expect(baseUrlProblem("http://localhost:3000")).toBeUndefined();
    expect(baseUrlProblem("ftp://peerbot.example.net")).toMatch(/must start with https:\/\//);
    expect(baseUrlProblem("https://user:pw@peerbot.example.net")).toMatch(/user name or password/);
    expect(baseUrlProblem("https://peerbot.example.net/?x=1")).toMatch(/query/);
    expect(baseUrlProblem("not a url")).toMatch(/is not one/);
  });
});
