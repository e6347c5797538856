// The service bag every command and every job receives, assembled once by bot/services.ts
// (createServices) for `start`, `worker`, `console`, `seed-demo` and the tests. Each member is
// a port core declares or a plain value; core never learns which implementation it holds.
import type { ChangeServices } from "./changes.js";
import type { PeeringDbSource } from "./peeringdb/types.js";
import type { Mailer, MessageRef } from "./ports.js";
import type { Reply } from "./reply.js";
import type { IrrFetcher } from "./irr/types.js";

export interface Services extends ChangeServices {
  /** Told where a reply was posted, so a job can update that message later (see Reply.track). */
  messages?: { posted(reply: Reply, ref: MessageRef): Promise<void> };
  /** Makes the PeeringDB source a sync reads (drivers/peeringdb's client, in production). */
  peeringdb: () => PeeringDbSource & { close?(): Promise<void> };
  /** Sends e-mail (drivers/mail): SMTP, or .eml files in the outbox. */
  mailer: Mailer;
  /** IRR prefix lists through bgpq4 (drivers/irr). */
  irr?: IrrFetcher;
}
