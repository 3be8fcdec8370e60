import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { CcmConfig } from '@app/config';
import { BackgroundBudget, Clock, PollingLoop } from '@app/core';
import { ConversationBus } from '@app/conversations';
import { LeaderElection, PersistenceService } from '@app/persistence';
import { PRESENCE_TTL_MS } from '../agents/agents.dto';
import { DeskConversationsService } from '../conversations/desk-conversations.service';
import { DeskException } from '../http/desk.exception';
import { AgentPresenceEvents } from '../realtime/agent-presence.events';
import { DeskGateway } from '../realtime/desk.gateway';
import { AgentCapacity, planAssignments, takesNewChats, unavailableSince } from './assignment-plan';

const TICK_MS = 1000;
const HEARTBEAT_EVERY_MS = 5000;

/**
 * Push routing and the grace period, from database state only (so any number of instances can run
 * it): keeps connected desks' presence fresh, gives queued conversations to available agents
 * (`planAssignments`), and returns the conversations of agents who have been away or disconnected
 * for longer than AGENT_GRACE_SECONDS to the queue. Runs only with the embedded desk.
 */
@Injectable()
export class AssignmentService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AssignmentService.name);
  // Routing is a singleton loop (the elected instance assigns for all); every instance keeps its own desks' presence fresh.
  private readonly loop = new PollingLoop(
    'agent-assignment',
    () => (this.election.isLeader ? this.tick() : this.heartbeat(this.clock.now()).then(() => false)),
    TICK_MS,
  );
  private lastHeartbeat = 0;
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly persistence: PersistenceService,
    private readonly desk: DeskConversationsService,
    private readonly gateway: DeskGateway,
    private readonly bus: ConversationBus,
    private readonly presence: AgentPresenceEvents,
    private readonly config: CcmConfig,
    private readonly election: LeaderElection,
    private readonly clock: Clock,
    @Optional() private readonly budget: BackgroundBudget = BackgroundBudget.shared,
  ) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.bus.subscribe((e) => {
        if (e.type === 'conversation.state' && (e.to === 'QUEUED' || e.from === 'AGENT')) this.loop.kick();
      }),
    );
    this.unsubscribe.push(this.presence.subscribe(() => this.loop.kick()));
  }

  onApplicationBootstrap(): void {
    if (this.config.agents.bridge === 'embedded') this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe.forEach((u) => u());
    await this.loop.stop();
  }

  /** One routing round; public for tests. Returns true when it changed something. */
  async tick(now = this.clock.now()): Promise<boolean> {
    const repos = this.persistence.repos;
    await this.heartbeat(now);
    const agents = await repos.agents.list(); // every role takes chats (agents, supervisors, admins)
    let changed = false;

    // 1. Grace period over: back to the queue.
    for (const agent of agents) {
      const since = unavailableSince(agent, now, PRESENCE_TTL_MS);
      if (since === undefined || now - since < this.config.agents.graceMs) continue;
      const theirs = await repos.conversations.listForDesk(['AGENT'], agent.id);
      for (const conversation of theirs) {
        changed =
          (await this.attempt(
            () => this.desk.transfer(this.systemFor(agent.id), conversation.id, undefined),
            `requeue ${conversation.id}`,
          )) || changed;
      }
    }

    // 2. Push routing.
    const queue = await repos.conversations.listByState('QUEUED');
    if (queue.length === 0) return changed;
    const counts = await repos.conversations.activeCountByAgent();
    const capacity: AgentCapacity[] = agents
      .filter((a) => takesNewChats(a, now, PRESENCE_TTL_MS))
      .map((a) => ({
        agentId: a.id,
        activeChats: counts.get(a.id) ?? 0,
        maxChats: a.max_chats ?? this.config.agents.maxChatsPerAgent,
        lastAssignedAt: 0,
      }));
    const plan = planAssignments(
      queue.map((c) => ({ conversationId: c.id, queuedAt: c.queued_at ?? c.created_at, excludedAgentId: c.released_by_agent_id })),
      capacity,
    );
    for (const { conversationId, agentId } of plan) {
      const agent = agents.find((a) => a.id === agentId)!;
      const principal = { kind: 'agent' as const, agentId, role: agent.role, name: agent.display_name };
      changed =
        (await this.attempt(() => this.desk.accept(principal, conversationId, 'routing'), `assign ${conversationId} to ${agentId}`)) ||
        changed;
    }
    return changed;
  }

  /** Marks the agents whose desks are connected to this instance as present. */
  private async heartbeat(now: number): Promise<void> {
    if (now - this.lastHeartbeat < HEARTBEAT_EVERY_MS) return;
    await this.persistence.repos.agents.touch(this.gateway.connectedAgents(), now);
    this.lastHeartbeat = now;
  }

  /** The router acts with supervisor rights on the agent's conversations (it is not the agent). */
  private systemFor(agentId: string) {
    return { kind: 'agent' as const, agentId: `system:${agentId}`, role: 'supervisor' as const, name: 'system' };
  }

  /** One requeue or assignment (a transaction): a unit of background work of its own. */
  private async attempt(work: () => Promise<unknown>, what: string): Promise<boolean> {
    await this.budget.turn();
    try {
      await work();
      return true;
    } catch (error) {
      // Lost a race (an agent pulled it, the customer's message is being handled): next round retries.
      if (!(error instanceof DeskException)) this.logger.warn(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }
}
