// Ports: the small interfaces core/ needs from the outside world. Implementations live in
// drivers/ and jobs/ and are handed to core as plain arguments.
import type { Reply } from "./reply.js";

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/** Where a message lives, so that any process can update it later. */
export interface MessageRef {
  platform: string;
  channel: string;
  messageId: string;
  /** Thread parent, where the platform has threads. */
  threadId?: string;
}

export interface Notifier {
  /** Replace the message with a new reply. */
  update(ref: MessageRef, reply: Reply): Promise<void>;
  /** Post a new message (in the thread of `ref` when given). */
  post(channel: { platform: string; channel: string; threadId?: string }, reply: Reply): Promise<MessageRef>;
}

/** Where a job stands: `missing` when the queue has no job of that id (never added, or lost). */
export type JobState = "waiting" | "delayed" | "active" | "completed" | "failed" | "missing";

export interface JobQueue {
  /** Enqueue `name` with `data`; `jobId` makes it idempotent (a second add with the same id is a no-op). */
  enqueue(
    queue: string,
    name: string,
    data: unknown,
    opts?: { jobId?: string; delayMs?: number },
  ): Promise<void>;
  /** Where the job of this id stands, for the reconciler. */
  jobState(queue: string, jobId: string): Promise<JobState>;
}

// ---------------------------------------------------------------------------
// Routers
// ---------------------------------------------------------------------------

export type BgpNeighborState = "idle" | "connect" | "active" | "opensent" | "openconfirm" | "established";

export interface BgpNeighbor {
  remoteAddress: string;
  remoteAs: number;
  state: BgpNeighborState;
  /** Seconds in the current state, when the router says. */
  uptimeSeconds?: number;
  receivedPrefixes?: number;
  acceptedPrefixes?: number;
  advertisedPrefixes?: number;
  description?: string;
}

export interface CommitResult {
  /** The platform's own words, for the change's message (never credentials). */
  output: string;
}

/**
 * What a deploy needs from a router. The deploy (core/changes/deploy.ts) runs:
 * getConfig -> loadCandidate -> commit(confirmSeconds) -> getConfig (verify) -> confirm,
 * and rollback on any failure after loadCandidate. (The SSH drivers can also show the
 * router's own diff of a loaded candidate, `compare()`, for a person; the deploy does not
 * need it: it compares hashes of what the router reads back.)
 */
export interface RouterDriver {
  /** The configuration peerbot manages on this router (the whole file, or the owned part). */
  getConfig(): Promise<string>;
  /** Stage `config` without applying it. Throws DriverError when the router rejects it. */
  loadCandidate(config: string): Promise<void>;
  /** Apply the candidate; where the platform can, it reverts by itself unless confirmed within `confirmSeconds`. */
  commit(confirmSeconds: number): Promise<CommitResult>;
  /** Make the last commit permanent. */
  confirm(): Promise<void>;
  /** Undo the last commit (or discard the candidate). */
  rollback(): Promise<void>;
  getBgpNeighbors(): Promise<BgpNeighbor[]>;
  /**
   * What the router says it runs, for `router test` (`show version`, `birdc show status`,
   * ...): connects first when needed, within `connectTimeoutMs` when given. Optional: the file
   * driver has nothing to ask. The text is the router's: callers clip it before showing it.
   */
  describe?(opts?: {
    connectTimeoutMs?: number;
  }): Promise<{ platform: string; version: string; model?: string }>;
  close(): Promise<void>;
}

/** A router said no, or could not be reached. `transient` errors are retried; others are not. */
export class DriverError extends Error {
  constructor(
    message: string,
    readonly transient = false,
  ) {
    super(message);
    this.name = "DriverError";
  }
}

/** What a driver factory needs to know about a router (a Router row). */
export interface RouterInfo {
  id: number;
  name: string;
  hostname: string;
  port: number;
  platform: "junos" | "iosxr" | "eos" | "bird2" | "frr" | "file";
  username: string;
  passwordEnc: string | null;
  privateKeyEnc: string | null;
  credentialEnv: string;
  hostKeyFingerprint: string;
  configPath: string;
}

/** Makes the driver for a router; drivers/router/factory.ts is the real one. */
export type DriverFactory = (router: RouterInfo, opts?: { message?: () => string }) => RouterDriver;

// ---------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------

/** One message, ready to hand to the transport: every field is already validated and safe. */
export interface OutgoingMail {
  /** "<id@domain>", fixed when the draft was made and the same on every attempt. */
  messageId: string;
  from: string;
  replyTo?: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string;
  html?: string;
}

export interface MailResult {
  /** The server's reply to the message ("250 2.0.0 Ok: queued as …"), or where the file went. */
  response: string;
  accepted: string[];
  rejected: string[];
}

/**
 * The transport said no, or could not be reached. `transient` (connection refused, timeouts,
 * 4xx) is retried with backoff; otherwise (5xx) the e-mail fails at once. The message is one
 * sentence, with the server's own reply where there was one, and never a credential.
 */
export class MailError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    /** The SMTP reply code, when the server gave one. */
    readonly code?: number,
  ) {
    super(message);
    this.name = "MailError";
  }
}

/** Sends e-mail: SMTP through nodemailer, or .eml files in the outbox (drivers/mail). */
export interface Mailer {
  readonly kind: "smtp" | "outbox";
  /** Where mail goes, for people: "SMTP mail.example.net:587" or ".peerbot/outbox/" (never a password). */
  readonly describe: string;
  send(mail: OutgoingMail): Promise<MailResult>;
  /** Connects, greets, upgrades to TLS and logs in without sending (SMTP; `peerbot doctor`). */
  verify?(): Promise<void>;
  close(): Promise<void>;
}
