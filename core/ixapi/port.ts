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
  /** v2: { vlan_type: "port" | "dot1q" | "qinq", vlan?, vlan_ethertype?, outer_vlan?, inner_vlan? } */
  vlan_config: {
    vlan_type: string;
    vlan?: number | null;
    inner_vlan?: number | null;
    outer_vlan?: number | null;
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
  network_service_config?: string | null;
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
