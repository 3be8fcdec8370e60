import { planAssignments, takesNewChats, unavailableSince } from './assignment-plan';

const agent = (agentId: string, activeChats: number, maxChats = 3, lastAssignedAt = 0) => ({
  agentId,
  activeChats,
  maxChats,
  lastAssignedAt,
});

describe(planAssignments.name, () => {
  it('should give the longest-waiting conversation to the agent with the fewest active chats', () => {
    const plan = planAssignments(
      [
        { conversationId: 'new', queuedAt: 300 },
        { conversationId: 'old', queuedAt: 100 },
      ],
      [agent('busy', 2), agent('idle', 0)],
    );
    expect(plan[0]).toEqual({ conversationId: 'old', agentId: 'idle' });
  });

  it("should spread conversations and never exceed an agent's limit", () => {
    const queue = ['c1', 'c2', 'c3', 'c4', 'c5'].map((conversationId, i) => ({ conversationId, queuedAt: i }));
    const plan = planAssignments(queue, [agent('a', 0, 2), agent('b', 1, 2)]);
    expect(plan).toEqual([
      { conversationId: 'c1', agentId: 'a' },
      { conversationId: 'c2', agentId: 'b' }, // tie at one chat each: a just got one, b has waited longer
      { conversationId: 'c3', agentId: 'a' },
    ]);
  });

  it('should assign nothing when every agent is at the limit or there are none', () => {
    expect(planAssignments([{ conversationId: 'c', queuedAt: 1 }], [agent('a', 3)])).toEqual([]);
    expect(planAssignments([{ conversationId: 'c', queuedAt: 1 }], [])).toEqual([]);
  });

  it('should break ties by who has waited longest for a conversation', () => {
    const plan = planAssignments([{ conversationId: 'c', queuedAt: 1 }], [agent('recent', 1, 3, 500), agent('waiting', 1, 3, 100)]);
    expect(plan).toEqual([{ conversationId: 'c', agentId: 'waiting' }]);
  });
});

describe('back to queue', () => {
  it('should not give a released conversation straight back to the agent who released it', () => {
    const plan = planAssignments([{ conversationId: 'c', queuedAt: 1, excludedAgentId: 'a' }], [agent('a', 0), agent('b', 2)]);
    expect(plan).toEqual([{ conversationId: 'c', agentId: 'b' }]);
  });

  it('should let it wait when only the releasing agent has room, and still route the rest', () => {
    const plan = planAssignments(
      [
        { conversationId: 'released', queuedAt: 1, excludedAgentId: 'a' },
        { conversationId: 'other', queuedAt: 2 },
      ],
      [agent('a', 0)],
    );
    expect(plan).toEqual([{ conversationId: 'other', agentId: 'a' }]);
  });
});

describe(unavailableSince.name, () => {
  const base = { status: 'available' as const, status_changed_at: 1000, last_seen_at: 9_000, disabled: 0 };

  it('should be available while online and available', () => {
    expect(unavailableSince(base, 10_000, 5000)).toBeUndefined();
  });

  it('should count a silent desk as disconnected since its last heartbeat', () => {
    expect(unavailableSince(base, 20_000, 5000)).toBe(9_000);
  });

  it('should count an away agent from when they went away', () => {
    expect(unavailableSince({ ...base, status: 'away', status_changed_at: 8_000 }, 10_000, 5000)).toBe(8_000);
  });

  it('should treat a disabled agent as gone for good', () => {
    expect(unavailableSince({ ...base, disabled: 1 }, 10_000, 5000)).toBe(0);
  });

  it('should count an agent never seen from their last status change, not from 1970', () => {
    expect(unavailableSince({ ...base, last_seen_at: null, status_changed_at: 9_500 }, 10_000, 5000)).toBeUndefined();
    expect(unavailableSince({ ...base, last_seen_at: null, status_changed_at: 1_000 }, 10_000, 5000)).toBe(1_000);
  });

  it('should let a busy agent keep their chats while present but give them no new ones', () => {
    const busy = { ...base, status: 'busy' as const };
    expect(unavailableSince(busy, 10_000, 5000)).toBeUndefined();
    expect(takesNewChats(busy, 10_000, 5000)).toBe(false);
    expect(takesNewChats(base, 10_000, 5000)).toBe(true);
    expect(unavailableSince(busy, 20_000, 5000)).toBe(9_000);
  });
});
