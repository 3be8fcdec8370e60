import { Injectable } from '@nestjs/common';
import { AgentRow } from '@app/persistence';

export type AgentChangeListener = (agent: AgentRow) => void;

/**
 * In-process signal "an agent's availability changed" (status, disabled, connect/disconnect): the
 * realtime gateway shows it to supervisors and the router tries to assign right away.
 */
@Injectable()
export class AgentPresenceEvents {
  private readonly listeners = new Set<AgentChangeListener>();

  subscribe(listener: AgentChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(agent: AgentRow): void {
    for (const listener of this.listeners) listener(agent);
  }
}
