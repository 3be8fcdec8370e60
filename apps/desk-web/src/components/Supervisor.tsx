import type { Agent, Conversation } from '../api/client';
import { countdown, duration } from '../lib/format';
import { nameOf } from './ConversationList';

const STATUS_LABEL: Record<Agent['status'], string> = { available: 'Online', busy: 'Busy', away: 'Offline' };

interface Props {
  agents: Agent[];
  conversations: Conversation[];
  now: number;
  onOpen(id: string): void;
  onReassign(conversationId: string, agentId: string): void;
}

/** Who is online with what load, the queue with wait times, and every active conversation with its owner. */
export function Supervisor({ agents, conversations, now, onOpen, onReassign }: Props) {
  const queue = conversations.filter((c) => c.state === 'QUEUED').sort((a, b) => (a.queuedAt ?? 0) - (b.queuedAt ?? 0));
  const active = conversations.filter((c) => c.state === 'AGENT');
  const byId = new Map(agents.map((a) => [a.id, a]));
  return (
    <section class="supervisor" aria-label="Supervisor overview">
      <h2>Agents</h2>
      <table aria-label="Agents">
        <thead>
          <tr>
            <th>Agent</th>
            <th>State</th>
            <th>Load</th>
          </tr>
        </thead>
        <tbody>
          {agents
            .filter((a) => !a.disabled)
            .map((a) => (
              <tr key={a.id} data-agent={a.username}>
                <td>{a.displayName}</td>
                <td>
                  <span class={`dot ${a.online ? a.status : 'offline'}`} /> {a.online ? STATUS_LABEL[a.status] : 'Disconnected'}
                  {a.graceEndsAt && (a.activeChats ?? 0) > 0 ? ` · chats return in ${countdown(a.graceEndsAt - now)}` : ''}
                </td>
                <td>
                  {a.activeChats ?? 0} / {a.maxChats ?? '—'}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      <h2>Queue ({queue.length})</h2>
      <ul>
        {queue.length === 0 && <li class="muted">Nobody waiting</li>}
        {queue.map((c) => (
          <li key={c.id}>
            <button type="button" class="link" onClick={() => onOpen(c.id)}>
              {nameOf(c)}
            </button>{' '}
            waiting {duration(now - (c.queuedAt ?? now))}
          </li>
        ))}
      </ul>
      <h2>Active conversations ({active.length})</h2>
      <table aria-label="Active conversations">
        <thead>
          <tr>
            <th>Customer</th>
            <th>Owner</th>
            <th>Reassign</th>
          </tr>
        </thead>
        <tbody>
          {active.map((c) => (
            <tr key={c.id} data-id={c.id}>
              <td>
                <button type="button" class="link" onClick={() => onOpen(c.id)}>
                  {nameOf(c)}
                </button>
              </td>
              <td>{byId.get(c.assignedAgentId ?? '')?.displayName ?? c.assignedAgentId}</td>
              <td>
                <label>
                  <span class="sr-only">Reassign {nameOf(c)} to</span>
                  <select
                    value=""
                    onChange={(e) => {
                      if (e.currentTarget.value) onReassign(c.id, e.currentTarget.value);
                    }}
                  >
                    <option value="">Reassign to…</option>
                    {agents
                      .filter((a) => !a.disabled && a.id !== c.assignedAgentId)
                      .map((a) => (
                        <option key={a.id} value={a.id}>
                          {a.displayName}
                        </option>
                      ))}
                  </select>
                </label>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
