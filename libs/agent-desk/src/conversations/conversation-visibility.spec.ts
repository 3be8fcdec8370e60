import { Principal } from '../auth/principal';
import { canAct, canView } from './conversation-visibility';

const alice: Principal = { kind: 'agent', agentId: 'a', role: 'agent', name: 'Alice' };
const boss: Principal = { kind: 'agent', agentId: 's', role: 'supervisor', name: 'Sue' };

describe('conversation visibility', () => {
  it('should let every agent see the queue but act on it only as a supervisor', () => {
    const queued = { state: 'QUEUED' as const, assigned_agent_id: null };
    expect(canView(alice, queued)).toBe(true);
    expect(canAct(alice, queued)).toBe(false);
    expect(canAct(boss, queued)).toBe(true);
  });

  it("should hide another agent's conversation from an agent but not from a supervisor", () => {
    const bobs = { state: 'AGENT' as const, assigned_agent_id: 'b' };
    expect(canView(alice, bobs)).toBe(false);
    expect(canAct(alice, bobs)).toBe(false);
    expect(canView(boss, bobs)).toBe(true);
    expect(canAct(boss, bobs)).toBe(true);
  });

  it('should let an agent see their closed conversation but no longer act on it', () => {
    const closed = { state: 'CLOSED' as const, assigned_agent_id: 'a' };
    expect(canView(alice, closed)).toBe(true);
    expect(canAct(alice, closed)).toBe(false);
  });

  it('should hide bot conversations nobody handed over', () => {
    expect(canView(alice, { state: 'BOT', assigned_agent_id: null })).toBe(false);
  });
});
