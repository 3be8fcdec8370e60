import { OutboundContent, RoutingPolicy } from '@app/core';

export interface RouteInput {
  policy: RoutingPolicy;
  threshold: number;
  intent: string | undefined;
  confidence: number;
  /** The bot itself asks for a person. */
  handoverRequested: boolean;
  /** The customer asked for a person (configured phrase or payload). */
  customerAskedForPerson?: boolean;
  answer: OutboundContent[];
  fallback: OutboundContent[];
  /** Low-confidence turns in a row before this one, and how many it takes to hand over. */
  lowConfidenceStreak?: number;
  lowConfidenceTurns?: number;
}

export type RouteDecision = (
  { action: 'reply'; messages: OutboundContent[]; reason: string } | { action: 'handover'; messages: OutboundContent[]; reason: string }
) & { lowConfidenceStreak: number };

/**
 * Who answers this turn. Pure, so every rule is unit-tested:
 * - DEFAULT: the bot answers when confident; the conversation goes to the agent queue when the
 *   customer asks for a person, when the bot asks for it, or after N low-confidence turns in a row
 *   (N = 1 by default; before that the bot's fallback answer is sent).
 * - BOT_ONLY: never to an agent; whatever would have gone to an agent gets the fallback answer.
 * - AGENT_ONLY: every conversation goes to an agent.
 */
export function decideRoute(input: RouteInput): RouteDecision {
  const streak = input.lowConfidenceStreak ?? 0;
  const turns = input.lowConfidenceTurns ?? 1;
  if (input.policy === 'AGENT_ONLY')
    return { action: 'handover', messages: [], reason: 'AGENT_ONLY: every conversation goes to an agent', lowConfidenceStreak: 0 };

  const confident = input.intent !== undefined && input.confidence >= input.threshold && input.answer.length > 0;
  const lowConfidence = `low confidence ${input.confidence.toFixed(2)} < ${input.threshold.toFixed(2)}`;
  const wantsPerson = input.customerAskedForPerson
    ? 'customer asked for a person'
    : input.handoverRequested && confident
      ? `bot requested hand-over${input.intent ? ` (intent ${input.intent})` : ''}`
      : undefined;

  if (input.policy === 'BOT_ONLY') {
    if (confident && !wantsPerson)
      return { action: 'reply', messages: input.answer, reason: `intent ${input.intent}`, lowConfidenceStreak: 0 };
    return {
      action: 'reply',
      messages: input.fallback,
      reason: `${wantsPerson ?? lowConfidence}, BOT_ONLY: fallback`,
      lowConfidenceStreak: confident ? 0 : streak + 1,
    };
  }
  if (wantsPerson) return { action: 'handover', messages: [], reason: wantsPerson, lowConfidenceStreak: 0 };
  if (confident) return { action: 'reply', messages: input.answer, reason: `intent ${input.intent}`, lowConfidenceStreak: 0 };
  if (streak + 1 >= turns) {
    return {
      action: 'handover',
      messages: [],
      reason: turns > 1 ? `${lowConfidence} (${streak + 1} turns in a row)` : lowConfidence,
      lowConfidenceStreak: 0,
    };
  }
  return {
    action: 'reply',
    messages: input.fallback,
    reason: `${lowConfidence} (${streak + 1} of ${turns} turns): fallback`,
    lowConfidenceStreak: streak + 1,
  };
}

/** Whether the customer asks for a person: a configured phrase as whole words, or the hand-over payload. */
export function asksForPerson(
  text: string | undefined,
  payload: string | undefined,
  phrases: readonly string[],
  handoverPayload: string,
): boolean {
  if (payload !== undefined && payload === handoverPayload) return true;
  if (!text) return false;
  const normalized = ` ${text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()} `;
  return phrases.some((phrase) => normalized.includes(` ${phrase} `));
}
