import { MessageAuthor } from '@app/core';

export const HOUR_MS = 60 * 60 * 1000;
export const STANDARD_WINDOW_MS = 24 * HOUR_MS;
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * HOUR_MS;
/** A first message after a click-to-Messenger/Direct ad opens a standard window of up to 7 days from that message. */
export const ADS_WINDOW_MS = 7 * 24 * HOUR_MS;
/**
 * Conversation Routing: an app's control of a thread expires after 24 h without activity (the thread
 * goes idle and the Page's default app answers again); `extend_thread_control` can stretch it to 7 days.
 */
export const THREAD_CONTROL_IDLE_MS = 24 * HOUR_MS;

export type WindowDecision =
  | { allowed: true; messagingType: 'RESPONSE' }
  | { allowed: true; messagingType: 'MESSAGE_TAG'; tag: 'HUMAN_AGENT' }
  | { allowed: false; reason: string };

/**
 * Meta's messaging window (`../shared/messenger-platform.md` §6): within 24 h of the customer's last
 * user-originated event anything may be sent as RESPONSE; after that only a human agent may answer,
 * tagged HUMAN_AGENT, up to 7 days (if the app has that permission); then nothing. Refused locally,
 * with the reason, instead of burning a call that Meta answers with (#10).
 *
 * Ad-originated threads (Meta policy updated 2026-09-28, fact sheet §6): when the customer's first
 * message came from a click-to-Messenger (or click-to-Direct) ad (`referral.source: "ADS"`), the
 * standard window lasts up to 7 days from that message, for bot and agent alike. `adsMessageAt` is
 * the time of that message (null for organic threads).
 */
export function decideMessagingWindow(
  author: MessageAuthor,
  lastUserEventAt: number | null,
  now: number,
  humanAgentTagEnabled: boolean,
  adsMessageAt: number | null = null,
): WindowDecision {
  if (lastUserEventAt === null)
    return { allowed: false, reason: 'the customer has never written: Meta allows no message to start a conversation' };
  const age = now - lastUserEventAt;
  if (age <= STANDARD_WINDOW_MS) return { allowed: true, messagingType: 'RESPONSE' };
  if (adsMessageAt !== null && now - adsMessageAt <= ADS_WINDOW_MS) return { allowed: true, messagingType: 'RESPONSE' };
  const hours = Math.floor(age / HOUR_MS);
  if (age > HUMAN_AGENT_WINDOW_MS) {
    return {
      allowed: false,
      reason: `outside the messaging window: the customer's last message was ${hours} h ago (more than 7 days); Meta allows no message until they write again`,
    };
  }
  if (author !== 'agent') {
    return {
      allowed: false,
      reason: `outside the 24-hour window (${hours} h since the customer's last message): only a human agent may answer now`,
    };
  }
  if (!humanAgentTagEnabled) {
    return {
      allowed: false,
      reason: `outside the 24-hour window (${hours} h) and the HUMAN_AGENT tag is switched off (MESSENGER_HUMAN_AGENT_TAG=false)`,
    };
  }
  return { allowed: true, messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
}
