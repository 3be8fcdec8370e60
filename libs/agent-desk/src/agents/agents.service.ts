import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { PersistenceService } from '@app/persistence';
import { Principal } from '../auth/principal';
import { hashPassword } from '../auth/password-hasher';
import { passwordProblems } from '../auth/password-policy';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { AgentPresenceEvents } from '../realtime/agent-presence.events';
import { CcmConfig } from '@app/config';
import { AgentDirectoryEntry, agentView, AgentView, CreateAgentDto, UpdateAgentDto } from './agents.dto';
import { AgentStatus } from '@app/persistence';

/** Agent management (admin) and an agent's own availability. */
@Injectable()
export class AgentsService {
  constructor(
    private readonly persistence: PersistenceService,
    private readonly presence: AgentPresenceEvents,
    private readonly config: CcmConfig,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateAgentDto): Promise<AgentView> {
    const repos = this.persistence.repos;
    if (await repos.agents.findByUsername(dto.username))
      throw new DeskException(DeskErrorCode.UsernameTaken, `username ${dto.username} is taken`, [
        { field: 'username', message: 'already taken' },
      ]);
    const weak = passwordProblems(dto.password, dto.username);
    if (weak.length > 0)
      throw new DeskException(
        DeskErrorCode.ValidationFailed,
        `password ${weak.join('; ')}`,
        weak.map((message) => ({ field: 'password', message })),
      );
    const now = this.clock.now();
    const id = randomUUID();
    await repos.agents.insert({
      id,
      username: dto.username,
      display_name: dto.displayName,
      role: dto.role ?? 'agent',
      password_hash: await hashPassword(dto.password),
      status: 'away',
      status_changed_at: now,
      last_seen_at: null,
      max_chats: dto.maxChats ?? null,
      disabled: 0,
      created_at: now,
      updated_at: now,
    });
    return agentView((await repos.agents.findById(id))!);
  }

  async update(id: string, dto: UpdateAgentDto): Promise<AgentView> {
    const repos = this.persistence.repos;
    const before = await repos.agents.findById(id);
    if (!before) throw new DeskException(DeskErrorCode.NotFound, `agent ${id} not found`);
    // Disabling or changing the role ends the agent's sessions (tokens and open desks, within a second).
    const endsSessions = (dto.disabled === true && !before.disabled) || (dto.role !== undefined && dto.role !== before.role);
    await repos.agents.update(id, {
      // Real time, not the clock: compared with a token's iatMs, stamped in real time like the JWT's own exp.
      ...(endsSessions && { tokens_valid_after: Date.now() }),
      ...(dto.disabled !== undefined && { disabled: dto.disabled ? 1 : 0 }),
      ...(dto.role !== undefined && { role: dto.role }),
      ...(dto.maxChats !== undefined && { max_chats: dto.maxChats }),
      updated_at: this.clock.now(),
    });
    const row = (await repos.agents.findById(id))!;
    this.presence.changed(row);
    return agentView(row);
  }

  /** Everyone (admin); supervisors see all agents with their load. Agents only see themselves (`me`). */
  async list(): Promise<AgentView[]> {
    const counts = await this.persistence.repos.conversations.activeCountByAgent();
    const now = this.clock.now();
    return (await this.persistence.repos.agents.list()).map((a) => agentView(a, now, counts.get(a.id) ?? 0, this.config.agents.graceMs));
  }

  /** Colleagues who could take a transfer (enabled agents), for every signed-in agent. */
  async directory(): Promise<AgentDirectoryEntry[]> {
    const now = this.clock.now();
    return (await this.persistence.repos.agents.list())
      .filter((a) => !a.disabled)
      .map((a) => {
        const v = agentView(a, now);
        return { id: v.id, displayName: v.displayName, role: v.role, status: v.status, online: v.online };
      });
  }

  async me(principal: Principal): Promise<AgentView> {
    const row = await this.persistence.repos.agents.findById(principal.agentId);
    if (!row) throw new DeskException(DeskErrorCode.NotFound, 'only agents have a status');
    const counts = await this.persistence.repos.conversations.activeCountByAgent();
    return agentView(row, this.clock.now(), counts.get(row.id) ?? 0, this.config.agents.graceMs);
  }

  async setStatus(principal: Principal, status: AgentStatus): Promise<AgentView> {
    const repos = this.persistence.repos;
    const row = await repos.agents.findById(principal.agentId);
    if (!row) throw new DeskException(DeskErrorCode.Forbidden, 'only agents have a status');
    const now = this.clock.now();
    if (row.status !== status) await repos.agents.update(row.id, { status, status_changed_at: now, updated_at: now });
    const updated = (await repos.agents.findById(row.id))!;
    this.presence.changed(updated);
    const counts = await repos.conversations.activeCountByAgent();
    return agentView(updated, now, counts.get(updated.id) ?? 0, this.config.agents.graceMs);
  }
}
