// How core names a person (and a group of people) in a message: by who they are on their
// platform, never by a self-chosen display name alone.
//
// Core writes a *token* where a person goes in a text (`people.token(person)`) and lists the
// people of the message in `Reply.mentions`. Each renderer turns the tokens of the people listed
// into its platform's mention (`<@U…>` on Slack, `<@id>` on Discord, `<!subteam^S…>` and
// `<@&id>` for groups) when the person is on that platform, and into "name (Slack U…)" anywhere
// else (the console; a Slack user shown on Discord). A group of another platform is left out.
//
// Why outside text can't mention anyone: renderers escape every text (`<`, `>`, `&` on Slack,
// markdown on Discord) before they turn tokens into mentions, so only a token makes a mention;
// a token carries a random nonce made when this process started, and a renderer only honours
// tokens with this process's nonce whose number is in the reply's own list. A name from chat or
// PeeringDB can't know the nonce (it is never shown: every renderer replaces or drops every
// token), so text that imitates a token shows as nothing and mentions nobody. The sentinels are
// private-use characters that no renderer escapes, and a token is at least as long as any
// mention it becomes, so a renderer's length budget holds after the substitution.
//
// Replies are drawn and rendered in the same process (a job draws a change's message and its
// notifier renders it), so the nonce never has to cross a process.
import { randomBytes } from "node:crypto";

/** Someone who did something: from an actor key "<platform>:<user id>" and the name stored with it. */
export interface Person {
  kind: "user";
  /** "slack", "discord", "console" (a key of another form is shown as a console name). */
  platform: string;
  id: string;
  /** The display name stored with the key, only ever shown next to the id. */
  name: string;
}

/** A platform group: a Slack user group (S…) or a Discord role. Shown only on its own platform. */
export interface Group {
  kind: "group";
  platform: "slack" | "discord";
  id: string;
  /** What the group is, for the log and for tests ("approvers"). */
  name: string;
}

export type Mention = (Person | Group) & {
  /** Notify them: their mention leads the message where the platform notifies (Discord content). */
  notify?: boolean;
};

export const TOKEN_OPEN = "\uE000";
export const TOKEN_CLOSE = "\uE001";
/** 24 hex digits: with the sentinels and a number, a token is longer than any mention it becomes. */
const NONCE = randomBytes(12).toString("hex");
const TOKEN = new RegExp(`${TOKEN_OPEN}([0-9a-f]{24})(\\d{1,3})${TOKEN_CLOSE}`, "g");
const STRAY = new RegExp(`[${TOKEN_OPEN}${TOKEN_CLOSE}]`, "g");
/** What is left of a token cut short (a renderer shortened the text inside it): never shown. */
const PARTIAL = new RegExp(`${TOKEN_OPEN}[0-9a-f]*`, "g");

const PLATFORM_LABEL: Record<string, string> = { slack: "Slack", discord: "Discord", console: "console" };

/** Names are one line of at most 60 characters, without the token sentinels. */
function cleanName(s: string): string {
  const one = s
    .replace(STRAY, "")
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
    .trim();
  return one.length > 60 ? `${one.slice(0, 59)}…` : one;
}

/** The person behind an actor key ("slack:U123"), with the name stored beside it as the fallback. */
export function personOf(key: string, storedName = ""): Person {
  const i = key.indexOf(":");
  const platform = i > 0 ? key.slice(0, i) : "console";
  const id = i > 0 ? key.slice(i + 1) : key;
  const known = platform === "slack" || platform === "discord" || platform === "console";
  return {
    kind: "user",
    platform: known ? platform : "console",
    id: known ? id : key,
    name: cleanName(storedName),
  };
}

/** How a person reads where they can't be mentioned: "Alice (Slack U123)", "alice (console)". */
export function personText(p: Person): string {
  const label = PLATFORM_LABEL[p.platform] ?? p.platform;
  const id = cleanName(p.id);
  if (p.platform === "console")
    return p.name && p.name !== id ? `${p.name} (console ${id})` : `${id} (console)`;
  return p.name && p.name !== id ? `${p.name} (${label} ${id})` : `${label} ${id}`;
}

/** The approver groups of the settings, each to be shown on its own platform only. */
export function approverGroups(config: {
  SLACK_APPROVER_GROUP?: string | undefined;
  DISCORD_APPROVER_ROLE?: string | undefined;
}): Group[] {
  const out: Group[] = [];
  if (config.SLACK_APPROVER_GROUP)
    out.push({ kind: "group", platform: "slack", id: config.SLACK_APPROVER_GROUP, name: "approvers" });
  if (config.DISCORD_APPROVER_ROLE)
    out.push({ kind: "group", platform: "discord", id: config.DISCORD_APPROVER_ROLE, name: "approvers" });
  return out;
}

/**
 * The people of one message: `token` gives the text to put where a person goes, `list` the
 * Reply's `mentions`. The same person added twice shares one token; notify sticks once asked.
 */
export class People {
  private readonly items: Mention[] = [];

  token(m: Person | Group, opts: { notify?: boolean } = {}): string {
    let i = this.items.findIndex((x) => x.kind === m.kind && x.platform === m.platform && x.id === m.id);
    if (i < 0) {
      if (this.items.length >= 999) throw new Error("a message may list at most 999 people");
      i = this.items.push({ ...m }) - 1;
    }
    if (opts.notify) this.items[i]!.notify = true;
    return `${TOKEN_OPEN}${NONCE}${i}${TOKEN_CLOSE}`;
  }

  /** The person of an actor key, as a token. */
  of(key: string, storedName = "", opts: { notify?: boolean } = {}): string {
    return this.token(personOf(key, storedName), opts);
  }

  /** Lists a person to notify without writing them anywhere (a message that pings its requester). */
  notify(m: Person | Group): void {
    this.token(m, { notify: true });
  }

  get list(): Mention[] {
    return this.items.map((m) => ({ ...m }));
  }
}

/**
 * Replaces every token in `s`: `render(mention, token)` gives what a token of a listed person
 * becomes (undefined: nothing; the token itself to keep it). Tokens of another process, numbers
 * not in the list, a token cut short and stray sentinels become nothing.
 */
export function replaceTokens(
  s: string,
  mentions: readonly Mention[] | undefined,
  render: (m: Mention, token: string) => string | undefined,
): string {
  if (!s.includes(TOKEN_OPEN) && !s.includes(TOKEN_CLOSE)) return s;
  let out = "";
  let last = 0;
  const rest = (piece: string) => piece.replace(PARTIAL, "").replace(STRAY, "");
  for (const m of s.matchAll(TOKEN)) {
    out += rest(s.slice(last, m.index));
    const who = m[1] === NONCE ? mentions?.[Number(m[2])] : undefined;
    out += who ? (render(who, m[0]) ?? "") : "";
    last = m.index + m[0].length;
  }
  return out + rest(s.slice(last));
}

/** True when `s` holds something that looks like a token (a renderer then has work to do). */
export function hasTokens(s: string | undefined): boolean {
  return s !== undefined && (s.includes(TOKEN_OPEN) || s.includes(TOKEN_CLOSE));
}

/** `s` as plain text: every listed person as "name (platform id)", groups left out. */
export function plainPeople(s: string, mentions: readonly Mention[] | undefined): string {
  return replaceTokens(s, mentions, (m) => (m.kind === "user" ? personText(m) : undefined));
}

// ---------------------------------------------------------------------------
// Actors in stored lines (a change's steps): "approved by @{slack:U1|Alice}"
// ---------------------------------------------------------------------------

/** How a stored line names who did it, so that its message shows a person: "@{slack:U1|Alice}". */
export function actorMark(a: { platform: string; userId: string; userName: string }): string {
  const clean = (s: string) => cleanName(s).replace(/[{}|]/g, "");
  return `@{${clean(a.platform)}:${clean(a.userId)}|${clean(a.userName)}}`;
}

const MARKED_STEP = /^(approved|rejected|abandoned) by @\{([a-z]{1,20}:[^{}|\n]{1,100})\|([^{}|\n]{0,100})\}/;

/**
 * A stored step line with its actor as a token: only a line that starts with peerbot's own
 * words ("approved by", "rejected by", "abandoned by") and a mark; whatever follows the mark (a
 * reason someone typed) stays text, marks included. Lines from before marks, "approved by
 * <name>", name the approver of that name among `approvers`; other lines are kept as they are.
 */
export function stepWithPerson(
  line: string,
  people: People,
  approvers: readonly { approver: string; name: string }[] = [],
): string {
  const m = MARKED_STEP.exec(line);
  if (m) return `${m[1]} by ${people.of(m[2]!, m[3]!)}${line.slice(m[0].length)}`;
  const legacy = /^approved by (.+)$/.exec(line);
  const a = legacy ? approvers.find((x) => x.name === legacy[1]) : undefined;
  if (a) return `approved by ${people.of(a.approver, a.name)}`;
  return line;
}
