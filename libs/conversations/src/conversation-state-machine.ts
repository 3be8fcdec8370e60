import { ConversationState } from '@app/core';

/**
 * What can happen to a conversation's ownership. Pure: the handler and the agent desk ask it before
 * changing state, and record the transition (who, when, why) in the conversation's events.
 */
export type ConversationAction =
  | 'handover' // bot → agent queue (low confidence, customer asked, bot asked, bot failed)
  | 'assign' // an agent takes a queued conversation (push or pull)
  | 'transfer_to_agent' // the owner hands it to another agent
  | 'transfer_to_queue' // the owner puts it back in the queue (or a grace period expired)
  | 'close' // an agent or supervisor ends it
  | 'return_to_bot' // an agent (or a no-agent fallback) gives it back to the bot
  | 'customer_message'; // the customer writes (re-opens a closed conversation to the bot)

const TRANSITIONS: Record<ConversationState, Partial<Record<ConversationAction, ConversationState>>> = {
  BOT: { handover: 'QUEUED', close: 'CLOSED', customer_message: 'BOT' },
  QUEUED: { assign: 'AGENT', close: 'CLOSED', return_to_bot: 'BOT', customer_message: 'QUEUED', transfer_to_queue: 'QUEUED' },
  AGENT: { transfer_to_agent: 'AGENT', transfer_to_queue: 'QUEUED', close: 'CLOSED', return_to_bot: 'BOT', customer_message: 'AGENT' },
  CLOSED: { customer_message: 'BOT' },
};

export type TransitionResult = { ok: true; to: ConversationState } | { ok: false; reason: string };

export function transition(from: ConversationState, action: ConversationAction): TransitionResult {
  const to = TRANSITIONS[from][action];
  if (to === undefined) return { ok: false, reason: `cannot ${action.replace(/_/g, ' ')} a conversation in state ${from}` };
  return { ok: true, to };
}

/** Every (state, action) pair, for exhaustive tests and documentation. */
export function allTransitions(): { from: ConversationState; action: ConversationAction; to: ConversationState | undefined }[] {
  const actions: ConversationAction[] = [
    'handover',
    'assign',
    'transfer_to_agent',
    'transfer_to_queue',
    'close',
    'return_to_bot',
    'customer_message',
  ];
  return (Object.keys(TRANSITIONS) as ConversationState[]).flatMap((from) =>
    actions.map((action) => ({ from, action, to: TRANSITIONS[from][action] })),
  );
}
