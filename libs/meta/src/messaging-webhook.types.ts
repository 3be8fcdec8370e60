/** The subset of Meta's webhook shapes the mapper reads. Everything else is kept in `raw`. */
export interface MessengerWebhookBody {
  object?: unknown;
  entry?: unknown;
}

export interface MessengerEntry {
  id?: unknown;
  time?: unknown;
  messaging?: unknown;
  standby?: unknown;
  changes?: unknown;
}

export interface MessengerItem {
  sender?: { id?: string; user_ref?: string };
  recipient?: { id?: string; user_ref?: string };
  timestamp?: number;
  message?: {
    mid?: string;
    text?: string;
    is_echo?: boolean;
    app_id?: number | string;
    metadata?: string;
    quick_reply?: { payload?: string };
    reply_to?: { mid?: string };
    attachments?: { type?: string; payload?: Record<string, unknown> | null }[];
    is_deleted?: boolean;
    /** Present on the first message after a click-to-Messenger ad or an m.me link (`source: "ADS"` / `"SHORTLINK"`). */
    referral?: { source?: string; ref?: string; ad_id?: string; [key: string]: unknown };
  };
  postback?: { mid?: string; title?: string; payload?: string; referral?: Record<string, unknown> };
  referral?: Record<string, unknown>;
  optin?: Record<string, unknown>;
  read?: { watermark?: number; mid?: string };
  reaction?: { reaction?: string; emoji?: string; action?: string; mid?: string };
  message_edit?: { mid?: string; text?: string; num_edit?: number };
  account_linking?: { status?: string; authorization_code?: string };
  pass_thread_control?: Record<string, unknown>;
  take_thread_control?: Record<string, unknown>;
  request_thread_control?: Record<string, unknown>;
  app_roles?: Record<string, unknown>;
  [key: string]: unknown;
}
