/**
 * Push routing, pure: which queued conversation goes to which agent. The longest-waiting
 * conversation goes first, to the available agent with the fewest active chats below their limit
 * (ties: the agent who has been idle longest, then by id so the plan is deterministic).
 */
export interface QueuedItem {
  conversationId: string;
  queuedAt: number;
}

export interface AgentCapacity {
  agentId: string;
  activeChats: number;
  maxChats: number;
  /** When the agent last got a conversation (0 if never); older wins a tie. */
  lastAssignedAt: number;
}

export interface Assignment {
  conversationId: string;
  agentId: string;
}

export function planAssignments(queue: readonly QueuedItem[], agents: readonly AgentCapacity[]): Assignment[] {
  const pool = agents.map((a) => ({ ...a }));
  const plan: Assignment[] = [];
  for (const item of [...queue].sort((a, b) => a.queuedAt - b.queuedAt || a.conversationId.localeCompare(b.conversationId))) {
    const candidates = pool.filter((a) => a.activeChats < a.maxChats);
    if (candidates.length === 0) break;
    candidates.sort((a, b) => a.activeChats - b.activeChats || a.lastAssignedAt - b.lastAssignedAt || a.agentId.localeCompare(b.agentId));
    const chosen = candidates[0];
    chosen.activeChats += 1;
    chosen.lastAssignedAt = Number.MAX_SAFE_INTEGER - plan.length; // just got one: goes behind idle agents
    plan.push({ conversationId: item.conversationId, agentId: chosen.agentId });
  }
  return plan;
}

/** The part of an agent row presence looks at. */
export interface AgentPresence {
  status: 'available' | 'away';
  status_changed_at: number;
  last_seen_at: number | null;
  disabled: number;
}

/**
 * Since when an agent cannot take care of their conversations (away, disconnected or disabled), or
 * undefined when they can. A desk that stops sending heartbeats for `presenceTtlMs` counts as
 * disconnected since its last heartbeat.
 */
export function unavailableSince(agent: AgentPresence, now: number, presenceTtlMs: number): number | undefined {
  if (agent.disabled) return 0;
  const lastSeen = agent.last_seen_at ?? 0;
  const offline = now - lastSeen > presenceTtlMs;
  if (agent.status === 'away')
    return offline ? Math.min(agent.status_changed_at, lastSeen || agent.status_changed_at) : agent.status_changed_at;
  return offline ? lastSeen : undefined;
}
