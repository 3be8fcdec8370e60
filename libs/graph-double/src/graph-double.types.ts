import { IncomingMessage, ServerResponse } from 'node:http';

/** One request the double received, as recorded for assertions and for the simulator UI. */
export interface RecordedRequest {
  seq: number;
  at: number;
  method: string;
  /** Path without the version prefix, e.g. `/me/messages`, `/123/messages`, `/1000000000000001`. */
  path: string;
  version: string;
  query: Record<string, string>;
  /** The access token the caller used (header or query), for token-routing assertions. */
  accessToken?: string;
  body: unknown;
  /** What the double answered. */
  status: number;
  response: unknown;
}

export interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    fbtrace_id: string;
  };
}

/** A scripted failure: the next matching calls get this status and Graph error instead of success. */
export interface InjectedFault {
  status: number;
  code: number;
  subcode?: number;
  message?: string;
  /** How many calls fail (default 1). */
  times?: number;
  /** Only calls whose path matches (default: the Send API). */
  path?: RegExp;
  /** Delay the answer by this many ms (to simulate timeouts). */
  delayMs?: number;
}

export interface GraphApiDoubleOptions {
  /** When set, every call must carry a matching `appsecret_proof`. */
  appSecret?: string;
  /** Valid Page access tokens and the Page id each belongs to. */
  pages: { pageId: string; accessToken: string; name?: string }[];
  port?: number;
  host?: string;
  version?: string;
  /** Profiles returned by the User Profile API, by PSID. Unknown PSIDs get a generated profile. */
  profiles?: Record<string, { first_name?: string; last_name?: string; profile_pic?: string; locale?: string }>;
  /**
   * More routes on the same server (the Messenger simulator's page and API): called for paths that are
   * neither Graph (`/vNN.N/…`) nor control (`/_double/…`); answers and returns true when it took the request.
   */
  routes?: (req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer) => boolean | Promise<boolean>;
  /** Every Send API answer takes this long (a slow Meta keeps sends in flight). */
  sendLatencyMs?: number;
  /** Meta's per-Page send rate: more calls in one second are refused with (#613). */
  sendRatePerSecond?: number;
  /** Probability (0..1) that a Send API call fails with a transient error (code 2 / HTTP 500). */
  transientFailureRate?: number;
  /**
   * Meta's window only from what the customer did towards each Page (the Messenger simulator, which
   * delivers every customer event itself): a PSID that never wrote to the Page is refused like Meta
   * refuses a PSID it does not know for that Page (100/2018001). Without it, a PSID nobody reported
   * activity for may be messaged (tests that post webhooks to ccm directly).
   */
  windowPerPageOnly?: boolean;
  /** Like Meta with `message_echoes` subscribed: every accepted message is echoed to this webhook (see `EchoDelivery`). */
  echoes?: EchoDelivery;
}

/**
 * Echo webhooks for accepted sends, as Meta delivers them: `object: "page"`, `messaging[]` with
 * `message.is_echo`, the sender's `app_id` and the `metadata` the send carried; signed with the app
 * secret; retried (like Meta) while the receiver does not answer 200, for up to `retryForMs`.
 */
export interface EchoDelivery {
  /** Several: instances behind a load balancer; deliveries take turns, a failed one tries the next. */
  webhookUrl: string | readonly string[];
  /** The app id echoes name as sender (default `ccm-test-app`). */
  appId?: string;
  /** Wait before the first delivery (default 0). */
  delayMs?: number;
  /** Keep retrying a failed delivery this long (default 60 s). */
  retryForMs?: number;
}
