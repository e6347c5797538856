// The IX-API v2 port: what core asks of an exchange's API. drivers/ixapi implements it over
// undici (tokens, retries, zod-checked objects); core/ixapi joins what it returns with our
// inventory. Field names are the v2 JSON's own (snake_case), so nothing is renamed on the way.

/** An exchange-LAN network-service-config of our account (v2 `network-service-configs`). */
export interface IxApiNetworkServiceConfig {
  id: string;
  type: string;
  state: string;
  network_service: string;
  managing_account: string;
  consuming_account: string;
  /** Ids of `macs` objects. */
  macs: string[];
  /** Ids of `ips` objects (read-only in v2: the exchange allocates them). */
  ips?: string[];
  /**
   * v2 `VlanConfig`, one of: { vlan_type: "port" }, { vlan_type: "dot1q", vlan, vlan_ethertype? },
   * { vlan_type: "qinq", outer_vlan, inner_vlan, outer_vlan_ethertype? }.
   */
  vlan_config: {
    vlan_type: string;
    vlan?: number | null;
    vlan_ethertype?: string;
    inner_vlan?: number | null;
    outer_vlan?: number | null;
    outer_vlan_ethertype?: string;
  };
  capacity?: number | null;
  asns?: number[];
  connection?: string;
  network_feature_configs?: string[];
}

export interface IxApiNetworkService {
  id: string;
  type: string;
  state?: string;
  name?: string;
  peeringdb_ixid?: number | null;
  subnet_v4?: string | null;
  subnet_v6?: string | null;
  network_features?: string[];
}

/** A route server (v2 `network-features` of type `route_server`). */
export interface IxApiNetworkFeature {
  id: string;
  type: string;
  name?: string;
  network_service: string;
  asn?: number;
  fqdn?: string;
  ip_v4?: string | null;
  ip_v6?: string | null;
  address_families?: string[];
  session_mode?: string;
}

export interface IxApiIp {
  id: string;
  version: number;
  address: string;
  prefix_length: number;
  managing_account?: string;
  consuming_account?: string;
  fqdn?: string | null;
  /**
   * Not a field of the v2 `IpAddress` object (v2 links an IP from the config's `ips` list):
   * the client fills it from that list, so core can join without a second lookup.
   */
  network_service_config?: string | null;
  /** Not a v2 field either (a route server's own addresses are its `ip_v4`/`ip_v6`); kept if sent. */
  network_feature?: string | null;
}

export interface IxApiMac {
  id: string;
  address: string;
  managing_account: string;
  consuming_account: string;
  valid_not_before?: string | null;
  valid_not_after?: string | null;
}

/** Everything of our account, fetched in one pass (a few list calls, never one per object). */
export interface IxApiPass {
  accountId: string;
  configs: IxApiNetworkServiceConfig[];
  services: IxApiNetworkService[];
  features: IxApiNetworkFeature[];
  ips: IxApiIp[];
  macs: IxApiMac[];
  fetchedAt: string;
  /** HTTP requests the pass took (logins and refreshes included). */
  requests: number;
  /** Objects the exchange sent that failed validation and were skipped (0 when none). */
  invalid?: number;
  /** Which ones, e.g. "macs 42 (address: not a MAC address)"; at most 20. */
  skipped?: string[];
}

export interface IxApiClient {
  /** Refuses a v1 endpoint, or one that does not answer /health, with one sentence. */
  checkVersion(): Promise<void>;
  fetchAll(): Promise<IxApiPass>;
  getNetworkServiceConfig(id: string): Promise<IxApiNetworkServiceConfig>;
  listMacs(): Promise<IxApiMac[]>;
  createMac(input: {
    address: string;
    managing_account: string;
    consuming_account: string;
  }): Promise<IxApiMac>;
  patchNetworkServiceConfig(id: string, patch: { macs: string[] }): Promise<IxApiNetworkServiceConfig>;
  /** HTTP requests made so far by this client. */
  readonly requestCount: number;
  close(): Promise<void>;
}

/**
 * An IX-API error a person can read: one sentence (the RFC 7807 title, detail and the fields
 * named in `properties`), never a key, a secret or a token. `transient`: 429, 5xx, timeouts.
 */
export class IxApiError extends Error {
  constructor(
    message: string,
    readonly status = 0,
    readonly transient = false,
  ) {
    super(message);
    this.name = "IxApiError";
  }
}

/** Makes the client for an endpoint row (drivers/ixapi in production). */
export type IxApiClientFactory = (endpointId: number) => Promise<IxApiClient>;

/** A client's session: the access and refresh JWTs with their expiry. */
export interface IxApiTokens {
  accessToken: string;
  accessExpiresAt: Date;
  refreshToken: string | null;
  /** null: unknown (the token carried no `exp`); it is tried, and a refusal means a login. */
  refreshExpiresAt: Date | null;
}

/** Where a client keeps its session between restarts (core/ixapi/session.ts: the endpoint row, encrypted). */
export interface IxApiTokenStore {
  load(): Promise<IxApiTokens | null>;
  save(tokens: IxApiTokens): Promise<void>;
}
