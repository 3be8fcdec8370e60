import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { Server, Socket } from 'socket.io';
import { Clock } from '@app/core';
import { PersistenceService } from '@app/persistence';
import { AgentTokenService } from '../auth/agent-token.service';
import { isSupervisor, Principal } from '../auth/principal';
import { DeskConversationsService } from '../conversations/desk-conversations.service';
import { DeskException } from '../http/desk.exception';
import { AgentPresenceEvents } from './agent-presence.events';

export const DESK_NAMESPACE = '/desk';

/** Socket.IO rooms: every agent, supervisors only, and one room per agent. */
export const ROOM_AGENTS = 'agents';
export const ROOM_SUPERVISORS = 'supervisors';
export const agentRoom = (agentId: string) => `agent:${agentId}`;

export type DeskSocket = Socket & { data: { principal?: Principal } };

/**
 * The desk's realtime channel (namespace `/desk`). The handshake must carry the agent JWT
 * (`io('/desk', { auth: { token } })`); anything else is disconnected before it can listen.
 * Server → client events are pushed by `DeskEventsRelay`; client → server: `typing`, `open`.
 */
@WebSocketGateway({ namespace: DESK_NAMESPACE })
export class DeskGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(DeskGateway.name);
  /** Open sockets per agent on this instance; the router's heartbeat marks them present in the database. */
  private readonly connected = new Map<string, number>();

  @WebSocketServer()
  private server?: Server;

  constructor(
    private readonly tokens: AgentTokenService,
    private readonly desk: DeskConversationsService,
    private readonly persistence: PersistenceService,
    private readonly presence: AgentPresenceEvents,
    private readonly clock: Clock,
  ) {}

  async handleConnection(socket: DeskSocket): Promise<void> {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const principal = await this.tokens.verify(typeof auth?.token === 'string' ? auth.token : undefined);
    if (!principal) {
      socket.emit('error', { code: 'UNAUTHENTICATED', message: 'invalid or expired token' });
      socket.disconnect(true);
      return;
    }
    socket.data.principal = principal;
    await socket.join([ROOM_AGENTS, agentRoom(principal.agentId), ...(isSupervisor(principal) ? [ROOM_SUPERVISORS] : [])]);
    this.connected.set(principal.agentId, (this.connected.get(principal.agentId) ?? 0) + 1);
    await this.persistence.repos.agents.touch([principal.agentId], this.clock.now());
    const agent = await this.persistence.repos.agents.findById(principal.agentId);
    if (agent) this.presence.changed(agent);
    socket.emit('ready', { agentId: principal.agentId, role: principal.role });
  }

  async handleDisconnect(socket: DeskSocket): Promise<void> {
    const principal = socket.data.principal;
    if (!principal) return;
    const left = (this.connected.get(principal.agentId) ?? 1) - 1;
    if (left > 0) this.connected.set(principal.agentId, left);
    else this.connected.delete(principal.agentId);
    // Presence is not cleared here: the agent keeps their chats for the grace period (a reload reconnects at once).
  }

  /** The open desk sockets of this instance (for the session sweeper). */
  openSockets(): DeskSocket[] {
    const namespace = this.server as unknown as { sockets?: Map<string, DeskSocket> } | undefined;
    return [...(namespace?.sockets?.values() ?? [])];
  }

  /** Whether any desk socket is open on this instance (cheap: no list is built). */
  hasOpenSockets(): boolean {
    const namespace = this.server as unknown as { sockets?: Map<string, DeskSocket> } | undefined;
    return (namespace?.sockets?.size ?? 0) > 0;
  }

  /** Agents with an open desk on this instance. */
  connectedAgents(): string[] {
    return [...this.connected.keys()];
  }

  emit(rooms: readonly string[], event: string, payload: unknown): void {
    if (rooms.length > 0) this.server?.to([...rooms]).emit(event, payload);
  }

  /** To sockets in `rooms` that are in none of `except`. */
  emitExcept(rooms: readonly string[], except: readonly string[], event: string, payload: unknown): void {
    if (rooms.length > 0)
      this.server
        ?.to([...rooms])
        .except([...except])
        .emit(event, payload);
  }

  @SubscribeMessage('typing')
  async typing(
    @ConnectedSocket() socket: DeskSocket,
    @MessageBody() body: { conversationId?: unknown; on?: unknown },
  ): Promise<{ ok: boolean; error?: string }> {
    return this.act(socket, body, (p, id) => this.desk.typing(p, id, body?.on !== false));
  }

  /** The agent opened a conversation: mark it seen (unread → 0) and send `mark_seen` to the customer. */
  @SubscribeMessage('open')
  async open(
    @ConnectedSocket() socket: DeskSocket,
    @MessageBody() body: { conversationId?: unknown },
  ): Promise<{ ok: boolean; error?: string }> {
    return this.act(socket, body, (p, id) => this.desk.open(p, id));
  }

  private async act(
    socket: DeskSocket,
    body: { conversationId?: unknown } | undefined,
    work: (p: Principal, id: string) => Promise<void>,
  ): Promise<{ ok: boolean; error?: string }> {
    const principal = socket.data.principal;
    const id = body?.conversationId;
    if (!principal || typeof id !== 'string') return { ok: false, error: 'conversationId required' };
    try {
      await work(principal, id);
      return { ok: true };
    } catch (error) {
      if (error instanceof DeskException) return { ok: false, error: error.code };
      this.logger.warn(`socket action failed: ${error instanceof Error ? error.message : String(error)}`);
      return { ok: false, error: 'INTERNAL_ERROR' };
    }
  }
}
