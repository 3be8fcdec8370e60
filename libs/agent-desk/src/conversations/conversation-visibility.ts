import { ConversationState } from '@app/core';
import { isSupervisor, Principal } from '../auth/principal';

/** The part of a conversation row access rules look at. */
export interface OwnedConversation {
  state: ConversationState;
  assigned_agent_id: string | null;
}

/**
 * Who may see a conversation: everyone sees the queue; an agent sees what is (or was) theirs;
 * supervisors (and the external chat server) see everything. Invisible conversations are answered
 * with 404, so their existence does not leak either.
 */
export function canView(principal: Principal, conversation: OwnedConversation): boolean {
  if (isSupervisor(principal)) return true;
  if (conversation.state === 'QUEUED') return true;
  return conversation.assigned_agent_id === principal.agentId;
}

/** Who may write, transfer or close: the owning agent while it is active, or a supervisor. */
export function canAct(principal: Principal, conversation: OwnedConversation): boolean {
  if (isSupervisor(principal)) return true;
  return conversation.state === 'AGENT' && conversation.assigned_agent_id === principal.agentId;
}

/** The `state` filter of `GET /api/conversations`, in the desk's words. */
export type DeskListFilter = 'queued' | 'active' | 'closed';

export const DESK_FILTER_STATES: Record<DeskListFilter, readonly ConversationState[]> = {
  queued: ['QUEUED'],
  active: ['AGENT'],
  // Closed by an agent, or given back to the bot: both are "done" from the desk's point of view.
  closed: ['CLOSED', 'BOT'],
};
