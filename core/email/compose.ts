// Composing e-mails: the public API the e-mail workflow (drafts, queue, commands) builds on.
// composeEmail makes one message (sender, recipients, context, rendered subject and bodies)
// without writing anything; composeBulk and composeMaintenance make many with a fixed number
// of queries (core/email/context.ts loadFacts). Every mistake a user can make is a UserError
// in one sentence; a template that breaks is an EmailTemplateError naming its file and line.
import { specialAsn } from "../asn.js";
import { effectsOf } from "../changes.js";
import { UserError } from "../errors.js";
import type { Services } from "../services.js";
import { singleLine, utc } from "../text.js";
import { AddressError, formatMailbox, parseAddressList, parseMailbox } from "./address.js";
import {
  buildContext,
  duration,
  loadFacts,
  moment,
  sessionContext,
  sessionDetail,
  type EmailContext,
  type Facts,
  type MaintenanceContext,
  type PeerFacts,
  type SessionContext,
  type SharedIxpContext,
} from "./context.js";
import { chooseRecipients, OverrideAddressError, parseRoles } from "./recipients.js";
import {
  EmailTemplateError,
  loadEmailTemplate,
  overrideDirOf,
  type EmailTemplate,
  type EmailTemplateName,
} from "./templates.js";

/** = Prisma EmailKind. */
export type EmailKindName = "peering_request" | "sessions_configured" | "maintenance";

/** Who asked: "<platform>:<user id>" and a display name. */
export interface Requester {
  id: string;
  name: string;
}

export interface MaintenanceWindow {
  start: Date;
  end: Date;
  reason: string;
}

export interface ComposeInput {
  kind: EmailKindName;
  /** Their ASN; need not be an AS in our database (the PeeringDB mirror is enough). */
  peerAsn: bigint;
  /** The IXP the request is about (our InternetExchange id). */
  ixpId?: number;
  /** Our affiliated AS; default: the one with a connection at the IXP, or the only one. */
  localAsId?: number;
  requester: Requester;
  /** Overrides from `to:`/`cc:` arguments: `to` replaces the resolved To, `cc` adds. */
  to?: string[];
  cc?: string[];
  /** sessions_configured: the deployed change whose sessions it announces. */
  changeId?: number;
  /** sessions_configured / maintenance: which sessions to list. */
  sessionIds?: { ixp: number[]; direct: number[] };
  maintenance?: MaintenanceWindow & { routerId?: number; ixpId?: number };
}

export interface Composed {
  kind: EmailKindName;
  /** Template used: "peering-request", or "override/peering-request" when the override folder supplied it. */
  template: string;
  localAs: { id: number; asn: bigint; name: string };
  peer: { asn: bigint; name: string; inDatabase: boolean; asId?: number };
  ixpId?: number;
  routerId?: number;
  /** From configuration, or the affiliated AS's override. */
  from: string;
  replyTo?: string;
  /** Validated, de-duplicated case-insensitively; configured CC/BCC added. */
  to: string[];
  cc: string[];
  bcc: string[];
  /** Invalid addresses left out, named. */
  dropped: { address: string; reason: string }[];
  recipientSource: "local" | "peeringdb" | "override";
  subject: string;
  text: string;
  html?: string;
  /** JSON-safe facts it was made from (window, reason, session list) for the journal. */
  details: Record<string, unknown>;
}

export interface Skipped {
  asn: bigint;
  name: string;
  reason: string;
}

export interface BulkInput {
  kind: "peering_request";
  ixpId: number;
  peerAsns: bigint[];
  requester: Requester;
  localAsId?: number;
}

export interface MaintenanceInput {
  scope: { routerId: number } | { ixpId: number };
  window: MaintenanceWindow;
  requester: Requester;
}

const TEMPLATE_OF: Record<EmailKindName, EmailTemplateName> = {
  peering_request: "peering-request",
  sessions_configured: "sessions-configured",
  maintenance: "maintenance",
};

const NAME_MAX = 60;
const asLabel = (asn: bigint, name?: string) =>
  name ? `AS${asn} (${singleLine(name, NAME_MAX)})` : `AS${asn}`;

// ---------------------------------------------------------------------------
// What every message of one call shares: our AS, sender, settings, the template
// ---------------------------------------------------------------------------

interface Setup {
  s: Services;
  kind: EmailKindName;
  template: EmailTemplate;
  from: string;
  replyTo?: string;
  cc: string[];
  bcc: string[];
  roles: string[];
  requester: Requester;
  now: Date;
}

function settingAddresses(name: string, value: string | undefined): string[] {
  try {
    return parseAddressList(value);
  } catch (err) {
    if (err instanceof AddressError)
      throw new UserError(
        `${name} holds an address that is not valid: ${err.message}.`,
        `Fix ${name} and restart peerbot.`,
      );
    throw err;
  }
}

function senderOf(s: Services, local: Facts["local"]): { from: string; replyTo?: string } {
  const mailbox = (text: string, what: string, fix: string) => {
    try {
      return formatMailbox(parseMailbox(text, { allowSingleLabel: true }));
    } catch (err) {
      if (err instanceof AddressError) throw new UserError(`${what} is not valid: ${err.message}.`, fix);
      throw err;
    }
  };
  const ours = `AS${local.asn}`;
  const from = local.emailFrom.trim()
    ? mailbox(
        local.emailFrom,
        `${ours}'s e-mail sender`,
        `Set a valid sender for ${ours}, or clear it to use PEERBOT_EMAIL_FROM.`,
      )
    : mailbox(
        s.config.PEERBOT_EMAIL_FROM,
        "PEERBOT_EMAIL_FROM",
        'Set it to e.g. "Example Peering <peering@example.net>" and restart peerbot.',
      );
  const replyText = local.emailReplyTo.trim() || s.config.PEERBOT_EMAIL_REPLY_TO?.trim() || "";
  const replyTo = replyText
    ? mailbox(
        replyText,
        local.emailReplyTo.trim() ? `${ours}'s e-mail Reply-To` : "PEERBOT_EMAIL_REPLY_TO",
        "Set a valid address, or clear it.",
      )
    : undefined;
  return replyTo ? { from, replyTo } : { from };
}

function setup(s: Services, kind: EmailKindName, requester: Requester, facts: Facts): Setup {
  const template = loadEmailTemplate(TEMPLATE_OF[kind], overrideDirOf(s.config.PEERBOT_TEMPLATES_DIR));
  // Maintenance notices go to the maintenance roles first, then to the request roles: a
  // network that lists only a Policy contact still hears about the work.
  const roles = parseRoles(
    kind === "maintenance"
      ? `${s.config.PEERBOT_EMAIL_MAINTENANCE_ROLES},${s.config.PEERBOT_EMAIL_ROLES}`
      : s.config.PEERBOT_EMAIL_ROLES,
  );
  return {
    s,
    kind,
    template,
    ...senderOf(s, facts.local),
    cc: settingAddresses("PEERBOT_EMAIL_CC", s.config.PEERBOT_EMAIL_CC),
    bcc: settingAddresses("PEERBOT_EMAIL_BCC", s.config.PEERBOT_EMAIL_BCC),
    roles,
    requester: { id: requester.id, name: singleLine(requester.name, 80) || requester.id },
    now: s.clock.now(),
  };
}

/** Our affiliated AS for a message: the one asked for, the IXP's or router's, or the only one. */
async function resolveLocalAs(
  s: Services,
  opts: { localAsId?: number; ixpId?: number; routerId?: number },
): Promise<number> {
  const p = s.db.prisma;
  let fromScope: { id: number; what: string } | undefined;
  if (opts.ixpId !== undefined) {
    const ixp = await p.internetExchange.findUnique({
      where: { id: opts.ixpId },
      select: { localAsId: true, name: true },
    });
    if (!ixp)
      throw new UserError(
        `There is no IXP with id ${opts.ixpId}.`,
        "Type `ixps` to list the exchanges peerbot knows.",
      );
    fromScope = { id: ixp.localAsId, what: singleLine(ixp.name, NAME_MAX) };
  } else if (opts.routerId !== undefined) {
    const r = await p.router.findUnique({
      where: { id: opts.routerId },
      select: { localAsId: true, name: true },
    });
    if (!r)
      throw new UserError(`There is no router with id ${opts.routerId}.`, "Type `routers` to list them.");
    fromScope = { id: r.localAsId, what: singleLine(r.name, NAME_MAX) };
  }
  if (opts.localAsId !== undefined) {
    const a = await p.autonomousSystem.findUnique({
      where: { id: opts.localAsId },
      select: { affiliated: true, asn: true },
    });
    if (!a?.affiliated)
      throw new UserError(
        `${a ? `AS${a.asn}` : `AS id ${opts.localAsId}`} is not one of our autonomous systems.`,
      );
    if (fromScope && fromScope.id !== opts.localAsId)
      throw new UserError(
        `${fromScope.what} is not run by AS${a.asn}.`,
        "Leave out the local AS to use the one it belongs to.",
      );
    return opts.localAsId;
  }
  if (fromScope) return fromScope.id;
  const ours = await p.autonomousSystem.findMany({
    where: { affiliated: true },
    select: { id: true, asn: true },
    orderBy: { asn: "asc" },
  });
  if (ours.length === 1) return ours[0]!.id;
  if (!ours.length)
    throw new UserError(
      "peerbot has no affiliated AS of ours yet, so it cannot write on anyone's behalf.",
      "Run `import ixps` or add our AS first.",
    );
  throw new UserError(
    `peerbot runs several ASes of ours (${ours.map((a) => `AS${a.asn}`).join(", ")}): say at which IXP.`,
    "Add `at <IXP>`, e.g. `request AS6939 at LINX`.",
  );
}

// ---------------------------------------------------------------------------
// One message
// ---------------------------------------------------------------------------

function noRecipient(
  s: Services,
  peer: PeerFacts,
  roles: readonly string[],
  dropped: { address: string; reason: string }[],
): UserError {
  const who = asLabel(peer.asn, peer.name);
  const bad = dropped[0];
  const wanted = new Set(roles.map((r) => r.toLowerCase()));
  const others = [...new Set(peer.pdbContacts.map((c) => c.role))].filter(
    (r) => !wanted.has(r.toLowerCase()),
  );
  const why = bad
    ? `: ${bad.address} is not valid (${bad.reason.replace(/^.*?: /, "")})`
    : others.length && !peer.localContacts.length
      ? ` (PeeringDB lists only ${others.join(", ")} contacts, and peerbot writes to ${roles.join(", ")})`
      : "";
  const more = dropped.length > 1 ? ` and ${dropped.length - 1} more are not valid` : "";
  const key = s.config.PEERINGDB_API_KEY
    ? ""
    : "; PeeringDB shows some contacts to registered users only: set PEERINGDB_API_KEY and run `sync full` to mirror them";
  return new UserError(
    `${who} has no e-mail contact peerbot can write to${why}${more}.`,
    `Add one with \`contact add AS${peer.asn} <e-mail> [role <r>]\` or give \`to:<address>\`${key}.`,
  );
}

function finish(
  st: Setup,
  facts: Facts,
  peer: PeerFacts,
  m: {
    context: EmailContext;
    details: Record<string, unknown>;
    ixpId?: number;
    routerId?: number;
    to?: string[];
    cc?: string[];
  },
): Composed {
  let plan;
  try {
    plan = chooseRecipients({
      local: peer.localContacts,
      peeringdb: peer.pdbContacts,
      roles: st.roles,
      override: { to: m.to, cc: m.cc },
      cc: st.cc,
      bcc: st.bcc,
    });
  } catch (err) {
    if (err instanceof OverrideAddressError)
      throw new UserError(`${err.message}.`, "Give a plain address, e.g. to:peering@example.net.");
    throw err;
  }
  if (!plan.to.length) throw noRecipient(st.s, peer, st.roles, plan.dropped);
  const out = st.template.render(m.context);
  const composed: Composed = {
    kind: st.kind,
    template: st.template.label,
    localAs: { id: facts.local.id, asn: facts.local.asn, name: facts.local.name },
    peer: {
      asn: peer.asn,
      name: peer.name,
      inDatabase: peer.asId !== undefined,
      ...(peer.asId !== undefined ? { asId: peer.asId } : {}),
    },
    from: st.from,
    to: plan.to,
    cc: plan.cc,
    bcc: plan.bcc,
    dropped: plan.dropped,
    recipientSource: plan.source,
    subject: out.subject,
    text: out.text,
    details: {
      localAsn: Number(facts.local.asn),
      peerAsn: Number(peer.asn),
      peerName: peer.name,
      requester: { id: st.requester.id, name: st.requester.name },
      recipientRole: plan.role,
      ...m.details,
    },
  };
  if (st.replyTo) composed.replyTo = st.replyTo;
  if (out.html) composed.html = out.html;
  if (m.ixpId !== undefined) composed.ixpId = m.ixpId;
  if (m.routerId !== undefined) composed.routerId = m.routerId;
  return composed;
}

/** Why we cannot write to this network at all (unknown, ours, a special ASN), or null. */
function peerProblem(asn: bigint, peer: PeerFacts | undefined): string | null {
  if (!peer) return `AS${asn} is neither in peerbot's database nor in the PeeringDB mirror.`;
  if (peer.affiliated) return `AS${asn} is one of ours; peerbot does not write to itself.`;
  return null;
}

const SYNC_HINT = "Check the number, or run `sync` to refresh the PeeringDB mirror.";

/** The network `asn` names, or the sentence (with `hint`) saying why peerbot cannot write to it. */
function peerOf(facts: Facts, asn: bigint, hint: string): PeerFacts {
  const peer = facts.peers.get(asn);
  const problem = peerProblem(asn, peer);
  if (problem || !peer) throw new UserError(problem ?? "", hint);
  return peer;
}

const ixpDetail = (x: SharedIxpContext | null) => (x ? { id: x.id, name: x.name } : null);

/** A peering request to one network, or the sentence saying why not. */
function peeringRequest(
  st: Setup,
  facts: Facts,
  asn: bigint,
  ixpId: number | undefined,
  over: { to?: string[]; cc?: string[] },
): Composed {
  const peer = peerOf(facts, asn, SYNC_HINT);
  const special = specialAsn(Number(asn));
  if (special && !special.peerable)
    throw new UserError(`AS${asn} is ${special.what}: peerbot does not ask it to peer.`);
  const who = asLabel(asn, peer.name);
  const { context, shared } = buildContext(facts, peer, {
    kind: st.kind,
    now: st.now,
    requester: st.requester.name,
    ixpId,
  });
  if (ixpId !== undefined) {
    const ixp = facts.ixps.get(ixpId);
    const name = ixp?.name ?? `IXP ${ixpId}`;
    if (!ixp?.connections.some((c) => c.usable))
      throw new UserError(
        `We have no enabled connection with a router at ${name}, so there is nothing to offer there.`,
        `\`ix ${ixp?.slug ?? ixpId}\` shows our connections there.`,
      );
    const here = context.ixp;
    if (!here || !(here.theirs.ipv4.length || here.theirs.ipv6.length)) {
      const idle = peer.presence.filter((p) => p.ixpId === ixpId).length;
      throw new UserError(
        idle
          ? `${who} has no operational port at ${name}: PeeringDB marks ${idle === 1 ? "its port" : `its ${idle} ports`} there not operational.`
          : `${who} is not at ${name} according to PeeringDB.`,
        `\`as ${asn}\` shows where they are.`,
      );
    }
    if (!here.missing.length)
      throw new UserError(
        here.sessions.length
          ? `We already have sessions with ${who} on every address at ${name}.`
          : `None of ${who}'s addresses at ${name} matches an address family of our connections there.`,
        `\`sessions AS${asn}\` lists them.`,
      );
  } else if (shared.length && !context.sessions.missing.length && shared.every((x) => x.sessions.length)) {
    throw new UserError(
      `We already have sessions with ${who} at every exchange we share.`,
      `\`sessions AS${asn}\` lists them.`,
    );
  }
  return finish(st, facts, peer, {
    context,
    ixpId,
    to: over.to,
    cc: over.cc,
    details: {
      ixp: ixpDetail(context.ixp),
      sharedIxps: shared.map((x) => x.name),
      missing: context.sessions.missing.map(sessionDetail),
    },
  });
}

async function sessionsConfigured(s: Services, input: ComposeInput): Promise<Composed> {
  const p = s.db.prisma;
  let ids = input.sessionIds;
  let routerId: number | undefined;
  let localAsId = input.localAsId;
  if (input.changeId !== undefined) {
    const change = await p.changeRequest.findUnique({
      where: { id: input.changeId },
      select: {
        id: true,
        status: true,
        effects: true,
        routerId: true,
        router: { select: { localAsId: true } },
      },
    });
    if (!change)
      throw new UserError(
        `There is no change #${input.changeId}.`,
        "Type `changes all` to list recent ones.",
      );
    if (change.status !== "deployed")
      throw new UserError(
        `Change #${change.id} is not deployed (it is ${change.status.replace(/_/g, " ")}), so its sessions are not up to announce.`,
        `\`change ${change.id}\` shows where it stands; its peers can be told once it is deployed.`,
      );
    if (!change.router)
      throw new UserError(
        `Change #${change.id} changed a connection at an exchange, not a router's sessions; there is nobody to announce sessions to.`,
        "`change <id>` of a `peer` change gives its peers' sessions.",
      );
    routerId = change.routerId as number;
    localAsId ??= change.router.localAsId;
    if (!ids) {
      const effects = effectsOf(change).filter((e) => e.onDeploy === "enabled");
      ids = {
        ixp: effects.filter((e) => e.kind === "ixp").map((e) => e.id),
        direct: effects.filter((e) => e.kind === "direct").map((e) => e.id),
      };
    }
  }
  localAsId = await resolveLocalAs(s, { localAsId, ixpId: input.ixpId, routerId });
  const facts = await loadFacts(s.db, localAsId, [input.peerAsn]);
  const st = setup(s, "sessions_configured", input.requester, facts);
  const peer = peerOf(facts, input.peerAsn, "Check the number.");
  const who = asLabel(peer.asn, peer.name);
  const ixpSet = new Set(ids?.ixp ?? []);
  const directSet = new Set(ids?.direct ?? []);
  const chosen = peer.sessions.filter((x) =>
    ids
      ? (x.kind === "ixp" ? ixpSet.has(x.id) : directSet.has(x.id)) && x.status !== "decommissioned"
      : x.status === "enabled",
  );
  if (!chosen.length)
    throw new UserError(
      input.changeId !== undefined
        ? `Change #${input.changeId} configured no session with ${who}.`
        : `We have no enabled session with ${who} to announce.`,
      `\`sessions AS${peer.asn}\` lists them.`,
    );
  const configured: SessionContext[] = chosen.map((x) => sessionContext(facts, x));
  const ixps = [...new Set(chosen.map((x) => x.ixpId).filter((x): x is number => x !== null))];
  const ixpId = input.ixpId ?? (ixps.length === 1 ? ixps[0] : undefined);
  const { context } = buildContext(facts, peer, {
    kind: st.kind,
    now: st.now,
    requester: st.requester.name,
    ixpId,
    configured,
    changeId: input.changeId,
  });
  return finish(st, facts, peer, {
    context,
    ixpId,
    routerId,
    to: input.to,
    cc: input.cc,
    details: {
      ixp: ixpDetail(context.ixp),
      changeId: input.changeId ?? null,
      sessions: chosen.map((x, i) => ({ id: x.id, ...sessionDetail(configured[i]!) })),
    },
  });
}

// ---------------------------------------------------------------------------
// Maintenance
// ---------------------------------------------------------------------------

function checkWindow(w: MaintenanceWindow, now: Date): { start: Date; end: Date; reason: string } {
  const start = w.start;
  const end = w.end;
  if (
    !(start instanceof Date) ||
    Number.isNaN(start.getTime()) ||
    !(end instanceof Date) ||
    Number.isNaN(end.getTime())
  )
    throw new UserError(
      "The maintenance window needs a valid start and end.",
      "Give e.g. `from 2026-12-01 22:00 to 2026-12-02 02:00` (UTC).",
    );
  if (end.getTime() <= start.getTime())
    throw new UserError(
      `The maintenance would end (${utc(end)}) before it starts (${utc(start)}).`,
      "Give an end after the start.",
    );
  if (start.getTime() < now.getTime() - 5 * 60_000)
    throw new UserError(
      `The maintenance would start in the past (${utc(start)}).`,
      "Give a start in the future (UTC).",
    );
  return { start, end, reason: singleLine(w.reason, 300) };
}

interface Scope {
  kind: "router" | "ixp";
  id: number;
  name: string;
  localAsId: number;
  /** Enabled sessions there: ASN -> session ids. */
  byAsn: Map<bigint, { ixp: number[]; direct: number[] }>;
}

async function maintenanceScope(s: Services, scope: { routerId?: number; ixpId?: number }): Promise<Scope> {
  const p = s.db.prisma;
  const byAsn = new Map<bigint, { ixp: number[]; direct: number[] }>();
  const add = (asn: bigint, kind: "ixp" | "direct", id: number) => {
    const e = byAsn.get(asn) ?? { ixp: [], direct: [] };
    e[kind].push(id);
    byAsn.set(asn, e);
  };
  const asSel = { autonomousSystem: { select: { asn: true } } } as const;
  if (scope.routerId !== undefined) {
    const r = await p.router.findUnique({
      where: { id: scope.routerId },
      select: { id: true, name: true, localAsId: true },
    });
    if (!r)
      throw new UserError(`There is no router with id ${scope.routerId}.`, "Type `routers` to list them.");
    const [ixs, ds] = await Promise.all([
      p.ixpSession.findMany({
        where: { status: "enabled", connection: { routerId: r.id } },
        select: { id: true, ...asSel },
        orderBy: { id: "asc" },
      }),
      p.directSession.findMany({
        where: { status: "enabled", routerId: r.id },
        select: { id: true, ...asSel },
        orderBy: { id: "asc" },
      }),
    ]);
    for (const x of ixs) add(x.autonomousSystem.asn, "ixp", x.id);
    for (const x of ds) add(x.autonomousSystem.asn, "direct", x.id);
    return { kind: "router", id: r.id, name: singleLine(r.name, NAME_MAX), localAsId: r.localAsId, byAsn };
  }
  if (scope.ixpId === undefined)
    throw new UserError(
      "Say where the maintenance is: a router or an IXP.",
      "e.g. `notify maintenance edge1.lon from … to …`.",
    );
  const x = await p.internetExchange.findUnique({
    where: { id: scope.ixpId },
    select: { id: true, name: true, localAsId: true },
  });
  if (!x)
    throw new UserError(
      `There is no IXP with id ${scope.ixpId}.`,
      "Type `ixps` to list the exchanges peerbot knows.",
    );
  const ixs = await p.ixpSession.findMany({
    where: { status: "enabled", connection: { ixpId: x.id } },
    select: { id: true, ...asSel },
    orderBy: { id: "asc" },
  });
  for (const r of ixs) add(r.autonomousSystem.asn, "ixp", r.id);
  return { kind: "ixp", id: x.id, name: singleLine(x.name, NAME_MAX), localAsId: x.localAsId, byAsn };
}

function maintenanceNotice(
  st: Setup,
  facts: Facts,
  scope: Scope,
  win: { start: Date; end: Date; reason: string },
  asn: bigint,
  ids: { ixp: number[]; direct: number[] },
  over: { to?: string[]; cc?: string[] },
): Composed {
  const peer = peerOf(facts, asn, SYNC_HINT);
  const ixpSet = new Set(ids.ixp);
  const directSet = new Set(ids.direct);
  const rows = peer.sessions.filter((x) => (x.kind === "ixp" ? ixpSet.has(x.id) : directSet.has(x.id)));
  const who = asLabel(peer.asn, peer.name);
  if (!rows.length)
    throw new UserError(
      `We have no enabled session with ${who} on ${scope.name}.`,
      `\`sessions AS${asn}\` lists them.`,
    );
  const sessions = rows.map((x) => sessionContext(facts, x));
  const maintenance: MaintenanceContext = {
    start: moment(win.start),
    end: moment(win.end),
    duration: duration(win.end.getTime() - win.start.getTime()),
    reason: win.reason,
    scope: { kind: scope.kind, name: scope.name },
    sessions,
  };
  const ixpId = scope.kind === "ixp" ? scope.id : undefined;
  const { context } = buildContext(facts, peer, {
    kind: st.kind,
    now: st.now,
    requester: st.requester.name,
    ixpId,
    maintenance,
  });
  return finish(st, facts, peer, {
    context,
    ixpId,
    routerId: scope.kind === "router" ? scope.id : undefined,
    to: over.to,
    cc: over.cc,
    details: {
      window: { start: win.start.toISOString(), end: win.end.toISOString() },
      reason: win.reason,
      scope: { kind: scope.kind, id: scope.id, name: scope.name },
      sessions: rows.map((x, i) => ({ id: x.id, ...sessionDetail(sessions[i]!) })),
    },
  });
}

// ---------------------------------------------------------------------------
// The public API
// ---------------------------------------------------------------------------

/** One e-mail, ready to be stored as a draft. Throws UserError (unknown AS, no recipient, template error...). */
export async function composeEmail(s: Services, input: ComposeInput): Promise<Composed> {
  const over = { to: input.to, cc: input.cc };
  if (input.kind === "peering_request") {
    const localAsId = await resolveLocalAs(s, { localAsId: input.localAsId, ixpId: input.ixpId });
    const facts = await loadFacts(s.db, localAsId, [input.peerAsn]);
    return peeringRequest(
      setup(s, input.kind, input.requester, facts),
      facts,
      input.peerAsn,
      input.ixpId,
      over,
    );
  }
  if (input.kind === "sessions_configured") return sessionsConfigured(s, input);
  if (input.kind === "maintenance") {
    const m = input.maintenance;
    if (!m)
      throw new UserError(
        "A maintenance notice needs its window.",
        "e.g. `notify maintenance edge1.lon from … to … reason …`.",
      );
    const win = checkWindow(m, s.clock.now());
    const scope = await maintenanceScope(s, {
      routerId: m.routerId,
      ixpId: m.ixpId ?? (m.routerId === undefined ? input.ixpId : undefined),
    });
    const facts = await loadFacts(s.db, scope.localAsId, [input.peerAsn]);
    const st = setup(s, "maintenance", input.requester, facts);
    const ids = input.sessionIds ?? scope.byAsn.get(input.peerAsn) ?? { ixp: [], direct: [] };
    return maintenanceNotice(st, facts, scope, win, input.peerAsn, ids, over);
  }
  throw new UserError(`There is no kind of e-mail called ${singleLine(String(input.kind), 40)}.`);
}

/** Runs `make` for each ASN: a UserError about that network skips it, a broken template stops all. */
function each(
  asns: readonly bigint[],
  facts: Facts,
  make: (asn: bigint) => Composed,
): { composed: Composed[]; skipped: Skipped[] } {
  const composed: Composed[] = [];
  const skipped: Skipped[] = [];
  const seen = new Set<bigint>();
  for (const asn of asns) {
    if (seen.has(asn)) continue;
    seen.add(asn);
    try {
      composed.push(make(asn));
    } catch (err) {
      if (err instanceof EmailTemplateError || !(err instanceof UserError)) throw err;
      skipped.push({ asn, name: facts.peers.get(asn)?.name ?? `AS${asn}`, reason: err.message });
    }
  }
  return { composed, skipped };
}

/** One peering request per ASN at one IXP; networks without a recipient (or already peered, or not there) are skipped, named. */
export async function composeBulk(
  s: Services,
  input: BulkInput,
): Promise<{ composed: Composed[]; skipped: Skipped[] }> {
  const localAsId = await resolveLocalAs(s, { localAsId: input.localAsId, ixpId: input.ixpId });
  const facts = await loadFacts(s.db, localAsId, input.peerAsns);
  const ixp = facts.ixps.get(input.ixpId);
  if (!ixp?.connections.some((c) => c.usable))
    throw new UserError(
      `We have no enabled connection with a router at ${ixp?.name ?? `IXP ${input.ixpId}`}, so there is nothing to offer there.`,
      `\`ix ${ixp?.slug ?? input.ixpId}\` shows our connections there.`,
    );
  const st = setup(s, "peering_request", input.requester, facts);
  return each(input.peerAsns, facts, (asn) => peeringRequest(st, facts, asn, input.ixpId, {}));
}

/** One notice per AS with enabled sessions on the router / at the IXP, listing that AS's affected sessions; NOC/Maintenance roles first. */
export async function composeMaintenance(
  s: Services,
  input: MaintenanceInput,
): Promise<{ composed: Composed[]; skipped: Skipped[] }> {
  const win = checkWindow(input.window, s.clock.now());
  const scope = await maintenanceScope(s, input.scope);
  if (!scope.byAsn.size)
    throw new UserError(
      `There are no enabled sessions on ${scope.name}, so nobody needs to be told.`,
      "`sessions` lists where our sessions are.",
    );
  const asns = [...scope.byAsn.keys()];
  const facts = await loadFacts(s.db, scope.localAsId, asns);
  const st = setup(s, "maintenance", input.requester, facts);
  return each(asns, facts, (asn) => maintenanceNotice(st, facts, scope, win, asn, scope.byAsn.get(asn)!, {}));
}
