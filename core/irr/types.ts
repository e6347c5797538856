// IRR prefix lists: the shapes core/irr keeps (IrrPrefixList rows) and drivers/irr (bgpq4)
// returns, and the port core asks through.

/** One entry as bgpq4 -j gives it: `{ "prefix": "192.0.2.0/24", "exact": true }` or with a range. */
export interface IrrPrefix {
  prefix: string;
  exact: boolean;
  "less-equal"?: number;
  "greater-equal"?: number;
}

export interface IrrQuery {
  /** AS-SETs or ASNs ("AS-HURRICANE", "AS6939"), each already validated. */
  sets: string[];
  /** IRR sources ("RIPE", "RADB"); empty: the server's default. */
  sources: string[];
  family: 4 | 6;
  /** Extra bgpq4 options for this AS, already validated (core/irr/cache.ts parseIrrArgs). */
  extraArgs?: string[];
}

/** What core needs from the IRR (drivers/irr runs bgpq4 as a child process). */
export interface IrrFetcher {
  prefixes(q: IrrQuery): Promise<IrrPrefix[]>;
  /** Origin ASNs of the sets (bgpq4 -f), for AS-path filters. */
  asns(q: Omit<IrrQuery, "family">): Promise<number[]>;
}

/** bgpq4 failed, timed out or printed what we cannot read: recorded for the set, never thrown into a render. */
export class IrrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IrrError";
  }
}
