import { ConversationState, OutboundContent } from '@app/core';
import { BotReply } from '@app/bot';
import { decideRoute, RoutingSettings } from '@app/routing';
import { transition } from '../conversation-state-machine';

/** Everything a customer turn is decided from. */
export interface TurnInput {
  /** The conversation's state and low-confidence streak before this turn. */
  state: ConversationState;
  lowConfidenceStreak: number;
  settings: RoutingSettings;
  customerAskedForPerson: boolean;
  /** The bot's answer, or why asking it failed. */
  bot: BotReply | Error;
  /** What happens when a person should take over but nobody can answer now (`CCM_NO_AGENT_FALLBACK`). */
  noAgentFallback: 'queue' | 'bot';
  /** Whether a person can answer now; only needed (and only read) when `noAgentFallback` is `bot`. */
  agentAvailability: 'open' | 'closed' | 'no_agent' | undefined;
  /** The configured texts the turn may say. */
  texts: { error: string; noAgent: string };
  /**
   * Meta's automated-experience disclosure (`BOT_DISCLOSURE_MESSAGE`), when it is due now (first contact,
   * or back with the bot after people had it); said before the bot's answer. Undefined: not due or not set.
   */
  disclosure?: string;
}

/** One thing the turn does, in order. */
export type TurnStep =
  | { kind: 'reopen'; from: ConversationState; to: ConversationState }
  | { kind: 'set_low_confidence_streak'; value: number }
  | { kind: 'say'; author: 'bot' | 'system'; content: OutboundContent }
  /** The bot says it is a bot (and the conversation remembers when). */
  | { kind: 'disclose_bot'; text: string }
  /** Queue for an agent; `notify`: tell the customer their place in the queue. */
  | { kind: 'hand_over'; reason: string; bot?: { intent: string | undefined; confidence: number }; notify: boolean }
  | { kind: 'record'; type: string; reason: string };

export interface TurnPlan {
  steps: TurnStep[];
  /** Why the bot could not be asked, for the log. */
  botFailure?: string;
}

/** Under AGENT_ONLY no bot is asked; routing sends the turn to an agent. */
export const NO_BOT_REPLY: BotReply = { intent: undefined, confidence: 0, answer: [], fallback: [], handoverRequested: false };

/**
 * What a customer turn does, decided without touching anything: a closed conversation reopens to the
 * bot; a failed bot means an apology and (unless BOT_ONLY) an agent; otherwise the routing policy
 * decides between the bot's answer, its fallback and the agent queue — with the configured no-agent
 * fallback when nobody could answer now.
 */
export function decideTurn(input: TurnInput): TurnPlan {
  const steps: TurnStep[] = [];
  if (input.state === 'CLOSED') {
    const reopened = transition('CLOSED', 'customer_message');
    if (reopened.ok) steps.push({ kind: 'reopen', from: 'CLOSED', to: reopened.to });
  }
  const { policy, threshold, lowConfidenceTurns } = input.settings;
  const bot = input.bot;
  if (bot instanceof Error) {
    steps.push({ kind: 'say', author: 'system', content: { kind: 'text', text: input.texts.error } });
    if (policy !== 'BOT_ONLY') steps.push({ kind: 'hand_over', reason: `bot failed: ${bot.message}`, notify: false });
    return { steps, botFailure: bot.message };
  }
  const decision = decideRoute({
    policy,
    threshold,
    lowConfidenceTurns,
    ...bot,
    customerAskedForPerson: input.customerAskedForPerson,
    lowConfidenceStreak: input.lowConfidenceStreak,
  });
  if (decision.lowConfidenceStreak !== input.lowConfidenceStreak)
    steps.push({ kind: 'set_low_confidence_streak', value: decision.lowConfidenceStreak });
  if (decision.action === 'reply') {
    if (input.disclosure) steps.push({ kind: 'disclose_bot', text: input.disclosure });
    for (const content of decision.messages) steps.push({ kind: 'say', author: 'bot', content });
    return { steps };
  }
  if (input.noAgentFallback === 'bot' && policy !== 'AGENT_ONLY' && input.agentAvailability !== 'open') {
    // Configured BOT_ONLY-style fallback: nobody could answer now, so the bot keeps the conversation.
    steps.push({ kind: 'say', author: 'system', content: { kind: 'text', text: input.texts.noAgent } });
    if (input.disclosure) steps.push({ kind: 'disclose_bot', text: input.disclosure });
    for (const content of bot.fallback) steps.push({ kind: 'say', author: 'bot', content });
    steps.push({ kind: 'record', type: 'handover_declined', reason: `${decision.reason}; no agent available` });
    return { steps };
  }
  steps.push({
    kind: 'hand_over',
    reason: decision.reason,
    bot: { intent: bot.intent, confidence: bot.confidence },
    notify: true,
  });
  return { steps };
}
