import { OutboundContent, RoutingPolicy } from '@app/core';

export interface RouteInput {
  policy: RoutingPolicy;
  threshold: number;
  intent: string | undefined;
  confidence: number;
  handoverRequested: boolean;
  answer: OutboundContent[];
  fallback: OutboundContent[];
}

export type RouteDecision =
  | { action: 'reply'; messages: OutboundContent[]; reason: string }
  | { action: 'handover'; messages: OutboundContent[]; reason: string };

/**
 * Who answers this turn. Pure, so every rule is unit-tested:
 * - DEFAULT: the bot answers when confident; below the threshold, or when the bot asks for a
 *   person, the conversation goes to the agent queue.
 * - BOT_ONLY: never to an agent; below the threshold (or on a hand-over request) the fallback answer.
 */
export function decideRoute(input: RouteInput): RouteDecision {
  if (input.policy === 'AGENT_ONLY') return { action: 'handover', messages: [], reason: 'AGENT_ONLY: every conversation goes to an agent' };
  const confident = input.intent !== undefined && input.confidence >= input.threshold && input.answer.length > 0;
  const lowConfidence = `low confidence ${input.confidence.toFixed(2)} < ${input.threshold.toFixed(2)}`;
  if (input.policy === 'BOT_ONLY') {
    if (confident && !input.handoverRequested) return { action: 'reply', messages: input.answer, reason: `intent ${input.intent}` };
    return { action: 'reply', messages: input.fallback, reason: input.handoverRequested ? 'hand-over requested, BOT_ONLY: fallback' : `${lowConfidence}, BOT_ONLY: fallback` };
  }
  if (confident && input.handoverRequested) return { action: 'handover', messages: [], reason: 'customer asked for a person' };
  if (confident) return { action: 'reply', messages: input.answer, reason: `intent ${input.intent}` };
  return { action: 'handover', messages: [], reason: lowConfidence };
}
