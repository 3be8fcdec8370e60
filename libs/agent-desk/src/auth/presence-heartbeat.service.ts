import { Injectable } from '@nestjs/common';
import { AGENT_PRESENCE_TTL_MS, Clock } from '@app/core';
import { PersistenceService } from '@app/persistence';
import { AgentPresenceEvents } from '../realtime/agent-presence.events';

/** At most one presence write per agent this often (a busy API client must not write on every call). */
const WRITE_EVERY_MS = 1000;

/**
 * Presence from the API: every authenticated call by an agent counts as a heartbeat, like the desk
 * socket's, so an agent working only through REST keeps their conversations while they work.
 */
@Injectable()
export class PresenceHeartbeat {
  private readonly lastWrite = new Map<string, number>();

  constructor(
    private readonly persistence: PersistenceService,
    private readonly presence: AgentPresenceEvents,
    private readonly clock: Clock,
  ) {}

  async seen(agentId: string, now = this.clock.now()): Promise<void> {
    if (now - (this.lastWrite.get(agentId) ?? 0) < WRITE_EVERY_MS) return;
    this.lastWrite.set(agentId, now);
    const before = await this.persistence.repos.agents.findById(agentId);
    if (!before) return;
    await this.persistence.repos.agents.touch([agentId], now);
    // Back from offline: supervisors see it and the router may assign at once.
    if (before.last_seen_at === null || now - before.last_seen_at > AGENT_PRESENCE_TTL_MS)
      this.presence.changed({ ...before, last_seen_at: now });
  }
}
