import { JwtService } from '@nestjs/jwt';
import { loadCcmConfig } from '@app/config';
import { AGENT_PRESENCE_TTL_MS, ListedExtensions } from '@app/core';
import { ChannelRegistry, ConversationBus, ConversationHookRunner, ConversationUnits } from '@app/conversations';
import { MediaLinks, MediaStoreService } from '@app/media';
import { AgentStatus, LeaderElection, migrateToLatest, openDatabase, PersistenceService } from '@app/persistence';
import { FakeClock, RecordingChannel } from '@app/testing';
import { AgentsService } from '../agents/agents.service';
import { AgentTokenService } from '../auth/agent-token.service';
import { Principal } from '../auth/principal';
import { ConversationViews } from '../conversations/conversation-views.service';
import { DeskConversationsService } from '../conversations/desk-conversations.service';
import { agentDeskMigrations } from '../migrations';
import { AgentPresenceEvents } from '../realtime/agent-presence.events';
import { DeskGateway, DeskSocket } from '../realtime/desk.gateway';
import { CustomerChannelActions } from '../sender-actions/customer-channel-actions';
import { AssignmentService } from './assignment.service';

const PAGE = '1234567890';
const GRACE_MS = 60_000;
const MAX_CHATS = 2;

/**
 * Push routing and the grace period with the real router, desk use cases and gateway on an in-memory
 * SQLite database and a fake clock. An open desk is a socket handed to the real gateway (only
 * socket.io's socket is a stand-in); its presence reaches the database through the router's heartbeat.
 */
describe(AssignmentService.name, () => {
  let persistence: PersistenceService;
  let clock: FakeClock;
  let agents: AgentsService;
  let desk: DeskConversationsService;
  let gateway: DeskGateway;
  let tokens: AgentTokenService;
  let router: AssignmentService;
  let customers = 0;

  beforeEach(async () => {
    const open = await openDatabase({ dialect: 'sqlite', url: ':memory:' });
    await migrateToLatest(open, [agentDeskMigrations]);
    persistence = new PersistenceService(open);
    clock = new FakeClock(Date.UTC(2026, 10, 30, 12));
    const config = loadCcmConfig({
      FACEBOOK_APP_SECRET: 'test-app-secret',
      FACEBOOK_VERIFY_TOKEN: 'test-verify-token',
      FACEBOOK_PAGE_ACCESS_TOKEN: 'test-page-token',
      FACEBOOK_PAGE_ID: PAGE,
      AGENT_GRACE_SECONDS: String(GRACE_MS / 1000),
      AGENT_MAX_CHATS: String(MAX_CHATS),
    });
    const extensions = new ListedExtensions([new RecordingChannel('messenger')]);
    const channels = new ChannelRegistry(extensions);
    const bus = new ConversationBus();
    const presence = new AgentPresenceEvents();
    desk = new DeskConversationsService(
      persistence,
      bus,
      new CustomerChannelActions(channels),
      new ConversationUnits(persistence, bus, clock),
      new ConversationHookRunner(extensions),
      new ConversationViews(persistence, channels, config, clock),
      presence,
      clock,
      new MediaStoreService(config, persistence, clock, new MediaLinks(config)),
      config,
    );
    agents = new AgentsService(persistence, presence, config, clock);
    tokens = new AgentTokenService(new JwtService({ secret: 'test-jwt-secret' }), persistence);
    gateway = new DeskGateway(tokens, desk, persistence, presence, clock);
    const election = new LeaderElection({ database: { dialect: 'sqlite', url: ':memory:' } });
    router = new AssignmentService(persistence, desk, gateway, bus, presence, config, election, clock);
  });

  afterEach(async () => {
    await router.onApplicationShutdown();
    await persistence.close();
  });

  /** An agent with their desk open (connected to this instance) and the given status. */
  async function agentAt(name: string, status: AgentStatus, maxChats?: number): Promise<Principal> {
    const view = await agents.create({ username: name, displayName: name, password: 'a-long-enough-secret-9', maxChats });
    const principal: Principal = { kind: 'agent', agentId: view.id, role: 'agent', name };
    await agents.setStatus(principal, status);
    const token = await tokens.issue({ sub: view.id, role: 'agent', name });
    const socket = { handshake: { auth: { token } }, data: {}, join: async () => undefined, emit: () => true, disconnect: () => undefined };
    await gateway.handleConnection(socket as unknown as DeskSocket);
    expect(socket.data).toHaveProperty('principal'); // the gateway took the token: the desk is open
    return principal;
  }

  /** A customer's conversation waiting in the queue since now. */
  async function queued(): Promise<string> {
    customers += 1;
    const now = clock.now();
    const row = await persistence.repos.conversations.ensure(
      { channel: 'messenger', pageId: PAGE, customerId: String(5_000_000_000 + customers) },
      now,
    );
    await persistence.repos.conversations.update(row.id, { state: 'QUEUED', queued_at: now, updated_at: now });
    clock.advance(1); // a strict order of arrival
    return row.id;
  }

  async function ownerOf(id: string): Promise<{ state: string; agent: string | null }> {
    const row = (await persistence.repos.conversations.findById(id))!;
    return { state: row.state, agent: row.assigned_agent_id };
  }

  it('should give queued conversations to an available agent up to their max chats, longest waiting first', async () => {
    const ada = await agentAt('ada', 'available');
    const [first, second, third] = [await queued(), await queued(), await queued()];

    expect(await router.tick()).toBe(true);

    expect(await ownerOf(first)).toEqual({ state: 'AGENT', agent: ada.agentId });
    expect(await ownerOf(second)).toEqual({ state: 'AGENT', agent: ada.agentId });
    expect(await ownerOf(third)).toEqual({ state: 'QUEUED', agent: null }); // AGENT_MAX_CHATS reached
    expect(await persistence.repos.conversationEvents.listForConversation(first)).toEqual([
      expect.objectContaining({ type: 'assign', actor: 'routing', reason: 'push routing' }),
    ]);
  });

  it('should honour an agent’s own max chats over AGENT_MAX_CHATS and spread chats to the least loaded agent', async () => {
    const solo = await agentAt('solo', 'available', 1);
    const [first, second] = [await queued(), await queued()];
    await router.tick();
    expect(await ownerOf(first)).toEqual({ state: 'AGENT', agent: solo.agentId });
    expect(await ownerOf(second)).toEqual({ state: 'QUEUED', agent: null });

    const bo = await agentAt('bo', 'available');
    await router.tick();
    expect(await ownerOf(second)).toEqual({ state: 'AGENT', agent: bo.agentId });
  });

  it('should return an Offline agent’s chats to the queue only once the grace period is over', async () => {
    const cy = await agentAt('cy', 'available');
    const chat = await queued();
    await router.tick();
    expect(await ownerOf(chat)).toEqual({ state: 'AGENT', agent: cy.agentId });

    await agents.setStatus(cy, 'away');
    clock.advance(GRACE_MS - 1000);
    await router.tick();
    expect(await ownerOf(chat)).toEqual({ state: 'AGENT', agent: cy.agentId }); // still within the grace period

    clock.advance(2000);
    expect(await router.tick()).toBe(true);
    expect(await ownerOf(chat)).toEqual({ state: 'QUEUED', agent: null });
    const events = await persistence.repos.conversationEvents.listForConversation(chat);
    expect(events.at(-1)).toMatchObject({ type: 'transfer_to_queue', actor: `system:${cy.agentId}` });
  });

  it('should return the chats of an agent whose desk closed once the grace period since they were last seen has run out', async () => {
    const di = await agentAt('di', 'available');
    const chat = await queued();
    await router.tick();
    expect(await ownerOf(chat)).toEqual({ state: 'AGENT', agent: di.agentId });

    // The desk closes right after that round's heartbeat: no more heartbeats, her status stays Online.
    expect(gateway.connectedAgents()).toEqual([di.agentId]);
    await gateway.handleDisconnect({ data: { principal: di } } as unknown as DeskSocket);
    expect(GRACE_MS - 1000).toBeGreaterThan(AGENT_PRESENCE_TTL_MS); // so the next round sees her disconnected
    clock.advance(GRACE_MS - 1000);
    await router.tick();
    expect(await ownerOf(chat)).toEqual({ state: 'AGENT', agent: di.agentId }); // disconnected, within the grace period

    clock.advance(2000);
    await router.tick();
    expect(await ownerOf(chat)).toEqual({ state: 'QUEUED', agent: null });
  });

  it('should let a Busy agent keep their chats past the grace period and give them no new ones', async () => {
    const eve = await agentAt('eve', 'available');
    const mine = await queued();
    await router.tick();
    expect(await ownerOf(mine)).toEqual({ state: 'AGENT', agent: eve.agentId });

    await agents.setStatus(eve, 'busy');
    const waiting = await queued();
    for (let i = 0; i < 5; i += 1) {
      clock.advance(GRACE_MS);
      await router.tick(); // the open desk's heartbeat keeps her present
    }

    expect(await ownerOf(mine)).toEqual({ state: 'AGENT', agent: eve.agentId });
    expect(await ownerOf(waiting)).toEqual({ state: 'QUEUED', agent: null });
  });

  it('should not give a conversation put "Back to queue" to the agent who released it, but to someone else', async () => {
    const fay = await agentAt('fay', 'available');
    const chat = await queued();
    await router.tick();
    expect(await ownerOf(chat)).toEqual({ state: 'AGENT', agent: fay.agentId });

    await desk.transfer(fay, chat, undefined); // "Back to queue"
    await router.tick(); // fay is the only one with room (and has none taken)
    expect(await ownerOf(chat)).toEqual({ state: 'QUEUED', agent: null });

    const gus = await agentAt('gus', 'available');
    await router.tick();
    expect(await ownerOf(chat)).toEqual({ state: 'AGENT', agent: gus.agentId });
    expect((await persistence.repos.conversations.findById(chat))!.released_by_agent_id).toBeNull();
  });
});
