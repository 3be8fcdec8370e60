/**
 * Push routing, pure: which queued conversation goes to which agent. The longest-waiting
 * conversation goes first, to the available agent with the fewest active chats below their limit
 * (ties: the agent who has been idle longest, then by id so the plan is deterministic).
 */
export interface QueuedItem {
  conversationId: string;
  queuedAt: number;
  /** The agent who just put it back in the queue ("Back to queue"): never the next one to get it. */
  excludedAgentId?: string | null;
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
    const open = pool.filter((a) => a.activeChats < a.maxChats);
    if (open.length === 0) break;
    const candidates = open.filter((a) => a.agentId !== item.excludedAgentId);
    if (candidates.length === 0) continue; // only the agent who released it has room: it waits for someone else
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
  status: 'available' | 'busy' | 'away';
  status_changed_at: number;
  last_seen_at: number | null;
  disabled: number;
}

/**
 * Since when an agent cannot take care of their conversations (away, disconnected or disabled), or
 * undefined when they can (online or busy, and present). Presence is a desk socket's heartbeat or any
 * authenticated API call; an agent not seen for `presenceTtlMs` counts as disconnected since they were
 * last seen — or, never seen at all, since their status last changed (not since 1970).
 */
export function unavailableSince(agent: AgentPresence, now: number, presenceTtlMs: number): number | undefined {
  if (agent.disabled) return 0;
  const lastSeen = agent.last_seen_at ?? agent.status_changed_at;
  const offline = now - lastSeen > presenceTtlMs;
  if (agent.status === 'away') return offline ? Math.min(agent.status_changed_at, lastSeen) : agent.status_changed_at;
  return offline ? lastSeen : undefined;
}

/** Whether push routing may give this agent a new conversation now (online, present, not busy). */
export function takesNewChats(agent: AgentPresence, now: number, presenceTtlMs: number): boolean {
  return agent.status === 'available' && unavailableSince(agent, now, presenceTtlMs) === undefined;
}
