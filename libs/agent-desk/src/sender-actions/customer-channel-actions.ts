import { ConversationRow } from '@app/persistence';

export interface CustomerProfile {
  firstName?: string;
  lastName?: string;
  pictureUrl?: string;
}

/**
 * What the desk asks of the customer's channel besides messages, in channel-neutral terms:
 * typing indicators, read markers and the customer's public profile. Best effort: implementations
 * never throw, so a failing indicator never blocks an agent's reply.
 */
export abstract class CustomerChannelActions {
  abstract typing(conversation: ConversationRow, on: boolean): Promise<void>;
  abstract markSeen(conversation: ConversationRow): Promise<void>;
  abstract profile(conversation: ConversationRow): Promise<CustomerProfile | undefined>;
}

/** The stored profile JSON (Messenger User Profile field names), read defensively. */
export function parseStoredProfile(json: string | null): CustomerProfile | undefined {
  if (!json) return undefined;
  try {
    const raw = JSON.parse(json) as { first_name?: unknown; last_name?: unknown; profile_pic?: unknown };
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    return { firstName: str(raw.first_name), lastName: str(raw.last_name), pictureUrl: str(raw.profile_pic) };
  } catch {
    return undefined;
  }
}
