import { BotReply } from '@app/bot';
import { confident, ScriptedBot } from '@app/testing';
import { ConversationRow } from '@app/persistence';
import { Extends } from '@app/core';
import { CONVERSATION_HOOKS, ConversationHooks } from '../conversation-hooks';
import { ConversationUnit } from '../conversation-unit';
import { conversationTestBed, ConversationTestBed } from '../testing/conversation-test-bed';
import { TYPING_AFTER_MS } from '../turn/typing-indicator';

/** A conversation hook that writes an audit row (so a spec sees that it ran inside the unit). */
@Extends(CONVERSATION_HOOKS)
class AuditingHooks implements ConversationHooks {
  readonly calls: string[] = [];
  async customerMessageStored(unit: ConversationUnit, conversation: ConversationRow, messageId: number): Promise<void> {
    this.calls.push(`stored ${messageId}`);
    await unit.record(conversation.id, 'hook_stored', String(messageId), 'test');
  }
  async handedOver(unit: ConversationUnit, conversation: ConversationRow, reason: string): Promise<void> {
    this.calls.push(`handed over: ${reason}`);
    await unit.record(conversation.id, 'hook_handed_over', reason, 'test');
  }
}

const texts = (rows: { author: string; text: string | null }[]) => rows.map((r) => `${r.author}: ${r.text}`);

describe('CustomerMessageApplier (customer turn)', () => {
  let bed: ConversationTestBed;
  let hooks: AuditingHooks;
  const bot = new ScriptedBot({
    hours: confident('hours', 'We open at 9.'),
    human: { ...confident('human', 'A person will answer.'), handoverRequested: true },
    crash: async () => {
      throw new Error('bot is down');
    },
  });

  beforeEach(async () => {
    hooks = new AuditingHooks();
    bed = await conversationTestBed({ bot, extensions: [hooks] });
  });
  afterEach(() => bed.close());

  it('should store the message, queue the bot answer and mark the journal row in one unit', async () => {
    const conversation = await bed.conversation();
    expect(await bed.deliver(bed.message('hours'))).toBe('done');
    expect(texts(await bed.messages(conversation.id))).toEqual(['customer: hours', 'bot: We open at 9.']);
    const [stored, answer] = await bed.messages(conversation.id);
    expect(answer.status).toBe('queued');
    expect(hooks.calls).toEqual([`stored ${stored.id}`]);
    expect((await bed.repos.conversations.findById(conversation.id))?.last_user_event_at).toBe(bed.clock.now());
    expect(bed.published.map((e) => e.type)).toEqual(['message.created', 'message.created']);
  });

  it("should count a bot turn's message as the customer writing with the turn's lock of the conversation (one statement)", async () => {
    const conversation = await bed.conversation();
    const separateNote = jest.spyOn(bed.persistence.repos.conversations.constructor.prototype, 'noteUserEvent');
    const written = bed.clock.now();
    bed.clock.advance(1000);
    await bed.deliver(bed.message('hours', { timestamp: written }));
    expect(separateNote).not.toHaveBeenCalled(); // before: the lock's read, then this update
    expect(await bed.repos.conversations.findById(conversation.id)).toMatchObject({
      last_user_event_at: written,
      updated_at: bed.clock.now(),
    });
    // The live views get the row as the unit left it.
    expect(bed.published[0]).toMatchObject({ type: 'message.created', conversation: { last_user_event_at: written } });
    // An older message arriving late moves nothing back.
    bed.clock.advance(1000);
    await bed.deliver(bed.message('hours', { timestamp: written - 5000 }));
    expect(await bed.repos.conversations.findById(conversation.id)).toMatchObject({
      last_user_event_at: written,
      updated_at: bed.clock.now() - 1000,
    });
    separateNote.mockRestore();
  });

  it('should do nothing a second time for a redelivered message', async () => {
    const conversation = await bed.conversation();
    const event = bed.message('hours');
    await bed.deliver(event);
    await bed.deliver(event);
    expect(texts(await bed.messages(conversation.id))).toEqual(['customer: hours', 'bot: We open at 9.']);
    expect(hooks.calls).toHaveLength(1);
  });

  it('should hand over to the queue, tell the hooks in the same unit and tell the customer their place', async () => {
    const conversation = await bed.conversation();
    await bed.deliver(bed.message('human'));
    const after = await bed.repos.conversations.findById(conversation.id);
    expect(after).toMatchObject({ state: 'QUEUED', bot_intent: 'human', queue_position_told: 1 });
    expect(await bed.auditTypes(conversation.id)).toEqual(['hook_stored', 'handover', 'hook_handed_over']);
    const notice = (await bed.messages(conversation.id)).at(-1);
    expect(notice).toMatchObject({ author: 'system', status: 'queued' });
    expect(notice?.text).toContain('1');
    expect(bed.published).toContainEqual(expect.objectContaining({ type: 'conversation.state', from: 'BOT', to: 'QUEUED' }));
  });

  it('should apologise and hand over when the bot fails', async () => {
    const conversation = await bed.conversation();
    await bed.deliver(bed.message('crash'));
    expect(texts(await bed.messages(conversation.id))).toEqual(['customer: crash', `system: ${bed.config.messages.error}`]);
    expect((await bed.repos.conversations.findById(conversation.id))?.state).toBe('QUEUED');
  });

  it('should only store a message while an agent has the conversation', async () => {
    const conversation = await bed.conversation();
    await bed.repos.conversations.update(conversation.id, { state: 'AGENT', assigned_agent_id: 'a1' });
    await bed.deliver(bed.message('hours'));
    expect(texts(await bed.messages(conversation.id))).toEqual(['customer: hours']);
    expect(bot.inputs.filter((i) => i.conversationId === conversation.id)).toHaveLength(0);
  });

  it('should reopen a closed conversation to the bot and answer', async () => {
    const conversation = await bed.conversation();
    await bed.repos.conversations.update(conversation.id, { state: 'CLOSED', assigned_agent_id: 'a1' });
    await bed.deliver(bed.message('hours'));
    expect(await bed.repos.conversations.findById(conversation.id)).toMatchObject({ state: 'BOT', assigned_agent_id: null });
    expect(await bed.auditTypes(conversation.id)).toContain('reopened');
    expect(texts(await bed.messages(conversation.id)).at(-1)).toBe('bot: We open at 9.');
  });

  it('should store an acknowledgement (like sticker) without asking the bot', async () => {
    const conversation = await bed.conversation();
    const before = bot.inputs.length;
    await bed.deliver(
      bed.message('', { text: undefined, attachments: [{ type: 'image', stickerId: 'like', raw: {} }], acknowledgement: true }),
    );
    expect(await bed.messages(conversation.id)).toHaveLength(1);
    expect(bot.inputs).toHaveLength(before);
  });

  it('should record a standby message without answering it', async () => {
    const conversation = await bed.conversation();
    await bed.deliver(bed.message('hours', { standby: true, userOriginated: false }));
    expect(texts(await bed.messages(conversation.id))).toEqual(['customer: hours']);
  });

  it('should send no typing indicator for an instant answer', async () => {
    await bed.conversation();
    await bed.deliver(bed.message('hours'));
    expect(bed.channel.actions).toEqual([]);
  });

  it('should show "typing…" before the answer of a slow bot', async () => {
    let release!: (reply: BotReply) => void;
    const slow = new ScriptedBot({ slow: () => new Promise<BotReply>((resolve) => (release = resolve)) });
    const slowBed = await conversationTestBed({ bot: slow });
    try {
      const conversation = await slowBed.conversation();
      const delivered = slowBed.deliver(slowBed.message('slow'));
      await new Promise((r) => setTimeout(r, TYPING_AFTER_MS + 100));
      expect(slowBed.channel.actions.map((a) => a.action)).toEqual(['mark_seen', 'typing_on']);
      expect(await slowBed.messages(conversation.id)).toHaveLength(0); // nothing answered before the indicator
      release(confident('slow', 'Done thinking.'));
      await delivered;
      expect(texts(await slowBed.messages(conversation.id)).at(-1)).toBe('bot: Done thinking.');
    } finally {
      await slowBed.close();
    }
  });

  describe('sender actions while a slow bot composes', () => {
    let release!: (reply: BotReply) => void;
    const slowBot = new ScriptedBot({ slow: () => new Promise<BotReply>((resolve) => (release = resolve)) });
    let slowBed: ConversationTestBed;
    beforeEach(async () => {
      slowBed = await conversationTestBed({ bot: slowBot });
    });
    afterEach(() => slowBed.close());

    async function untilAsked(action: string): Promise<void> {
      while (!slowBed.channel.actions.some((a) => a.action === action)) await new Promise((r) => setTimeout(r, 10));
    }

    it('should queue the answer only once "typing…" has reached the customer, never before it', async () => {
      slowBed.channel.actionDelayMs = 50; // a round trip to Meta
      const conversation = await slowBed.conversation();
      const delivered = slowBed.deliver(slowBed.message('slow'));
      await untilAsked('typing_on'); // asked, not yet through
      release(confident('slow', 'Done thinking.'));
      await delivered;
      expect(slowBed.channel.completedActions).toEqual(['mark_seen', 'typing_on']);
      expect(texts(await slowBed.messages(conversation.id)).at(-1)).toBe('bot: Done thinking.');
    });

    it('should answer when the channel refuses the sender actions, with no unhandled rejection', async () => {
      const unhandled: unknown[] = [];
      const record = (reason: unknown) => void unhandled.push(reason);
      process.on('unhandledRejection', record);
      try {
        slowBed.channel.failActions = true;
        const conversation = await slowBed.conversation();
        const delivered = slowBed.deliver(slowBed.message('slow'));
        await untilAsked('mark_seen');
        release(confident('slow', 'Done thinking.'));
        expect(await delivered).toBe('done');
        expect(texts(await slowBed.messages(conversation.id)).at(-1)).toBe('bot: Done thinking.');
        await new Promise((r) => setImmediate(r)); // unhandled rejections are reported after the microtasks
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', record);
      }
    });
  });

  describe('a typed answer to offered choices', () => {
    const carousel = {
      kind: 'carousel' as const,
      cards: [
        { title: 'Red shoe', buttons: [{ type: 'postback' as const, title: 'Buy red', payload: 'BUY_RED' }] },
        { title: 'Blue shoe', buttons: [{ type: 'postback' as const, title: 'Buy blue', payload: 'BUY_BLUE' }] },
      ],
    };
    const chooser = new ScriptedBot({
      'choice:BUY_BLUE': confident('buy', 'Blue it is.'),
      'choice:BUY_RED': confident('buy', 'Red it is.'),
      hello: confident('greeting', 'Hello!'),
      '2': confident('number', 'Two what?'),
    });
    let choiceBed: ConversationTestBed;
    beforeEach(async () => {
      choiceBed = await conversationTestBed({ bot: chooser });
    });
    afterEach(() => choiceBed.close());

    async function offer(conversationId: string, content: Parameters<ConversationUnit['enqueue']>[2]): Promise<void> {
      await choiceBed.units.run((unit) => unit.enqueue(conversationId, 'bot', content));
    }

    it('should take a typed "2" after a numbered carousel as its second choice', async () => {
      const conversation = await choiceBed.conversation();
      await offer(conversation.id, carousel);
      await choiceBed.deliver(choiceBed.message('2'));
      expect(chooser.inputs.at(-1)).toMatchObject({ text: '2', payload: 'BUY_BLUE' });
      expect(texts(await choiceBed.messages(conversation.id)).at(-1)).toBe('bot: Blue it is.');
      const stored = (await choiceBed.messages(conversation.id)).find((m) => m.direction === 'in');
      expect(JSON.parse(stored?.content ?? '{}')).toMatchObject({ choice: { payload: 'BUY_BLUE', source: 'typed', index: 1 } });
    });

    it('should take a typed option title, and a number after a list of quick replies', async () => {
      const conversation = await choiceBed.conversation();
      await offer(conversation.id, carousel);
      await choiceBed.deliver(choiceBed.message('buy RED'));
      expect(chooser.inputs.at(-1)).toMatchObject({ payload: 'BUY_RED' });
      await offer(conversation.id, {
        kind: 'text',
        text: 'Which colour?',
        quickReplies: [
          { type: 'text', title: 'Red', payload: 'BUY_RED' },
          { type: 'text', title: 'Blue', payload: 'BUY_BLUE' },
        ],
      });
      await choiceBed.deliver(choiceBed.message('#2'));
      expect(chooser.inputs.at(-1)).toMatchObject({ payload: 'BUY_BLUE' });
    });

    it('should keep a typed number as text when nothing was offered since the customer last wrote', async () => {
      const conversation = await choiceBed.conversation();
      await offer(conversation.id, carousel);
      await choiceBed.deliver(choiceBed.message('hello')); // the carousel is answered (by a text): no longer open
      await choiceBed.deliver(choiceBed.message('2'));
      expect(chooser.inputs.at(-1)).toMatchObject({ text: '2', payload: undefined });
      await offer(conversation.id, carousel);
      await choiceBed.deliver(choiceBed.message('3')); // no third choice
      expect(chooser.inputs.at(-1)).toMatchObject({ text: '3', payload: undefined });
    });

    it('should read the latest messages for a typed text only while the conversation says choices are on offer', async () => {
      const conversation = await choiceBed.conversation();
      const looks = jest.spyOn(choiceBed.repos.messages.constructor.prototype, 'outboundSinceLastInbound');
      try {
        await choiceBed.deliver(choiceBed.message('hello')); // nothing offered yet: no read
        expect(looks).not.toHaveBeenCalled();
        await offer(conversation.id, { kind: 'text', text: 'Thanks.' }); // no choices in it
        expect((await choiceBed.repos.conversations.findById(conversation.id))?.choices_offered_at).toBeNull();
        await offer(conversation.id, carousel);
        expect((await choiceBed.repos.conversations.findById(conversation.id))?.choices_offered_at).toBe(choiceBed.clock.now());
        choiceBed.clock.advance(1000);
        await choiceBed.deliver(choiceBed.message('2'));
        expect(looks).toHaveBeenCalledTimes(1);
        expect(chooser.inputs.at(-1)).toMatchObject({ payload: 'BUY_BLUE' });
        // The customer wrote after the carousel (and the answer offers none): cleared, the next text reads nothing.
        expect((await choiceBed.repos.conversations.findById(conversation.id))?.choices_offered_at).toBeNull();
        choiceBed.clock.advance(1000);
        await choiceBed.deliver(choiceBed.message('2'));
        expect(looks).toHaveBeenCalledTimes(1);
        expect(chooser.inputs.at(-1)).toMatchObject({ text: '2', payload: undefined });
      } finally {
        looks.mockRestore();
      }
    });

    it('should keep the choices on offer when an earlier customer message is delivered again', async () => {
      const conversation = await choiceBed.conversation();
      const earlier = choiceBed.message('hello');
      await choiceBed.deliver(earlier);
      choiceBed.clock.advance(1000);
      await offer(conversation.id, carousel);
      await choiceBed.deliver(earlier); // stored before the carousel: the customer has not answered it
      expect((await choiceBed.repos.conversations.findById(conversation.id))?.choices_offered_at).not.toBeNull();
      choiceBed.clock.advance(1000);
      await choiceBed.deliver(choiceBed.message('2'));
      expect(chooser.inputs.at(-1)).toMatchObject({ text: '2', payload: 'BUY_BLUE' });
    });
  });

  describe('the desk changing the conversation while the bot composes', () => {
    let release!: (reply: BotReply) => void;
    const slowBot = new ScriptedBot({ slow: () => new Promise<BotReply>((resolve) => (release = resolve)) });
    let raceBed: ConversationTestBed;
    beforeEach(async () => {
      raceBed = await conversationTestBed({ bot: slowBot });
    });
    afterEach(() => raceBed.close());

    /** Delivers a message to a slow bot and, once the bot was asked, lets the desk change the conversation. */
    async function whileTheBotComposes(conversation: ConversationRow, change: () => Promise<boolean>, reply: BotReply) {
      const asked = slowBot.inputs.length;
      const delivered = raceBed.deliver(raceBed.message('slow'));
      while (slowBot.inputs.length === asked) await new Promise((r) => setImmediate(r));
      expect(await change()).toBe(true);
      release(reply);
      expect(await delivered).toBe('done');
      return raceBed.repos.conversations.findById(conversation.id);
    }

    it('should drop the answer of a bot turn when an agent took the conversation meanwhile', async () => {
      const conversation = await raceBed.conversation();
      const after = await whileTheBotComposes(
        conversation,
        () => raceBed.repos.conversations.updateIfState(conversation.id, 'BOT', null, { state: 'AGENT', assigned_agent_id: 'agent-1' }),
        confident('slow', 'Done thinking.'),
      );
      expect(after).toMatchObject({ state: 'AGENT', assigned_agent_id: 'agent-1' });
      expect(texts(await raceBed.messages(conversation.id))).toEqual(['customer: slow']);
      expect(await raceBed.auditTypes(conversation.id)).toContain('bot_turn_dropped');
    });

    it('should not hand a conversation the desk closed meanwhile over to the queue', async () => {
      const conversation = await raceBed.conversation();
      const after = await whileTheBotComposes(
        conversation,
        () => raceBed.repos.conversations.updateIfState(conversation.id, 'BOT', null, { state: 'CLOSED' }),
        { ...confident('human', 'A person will answer.'), handoverRequested: true },
      );
      expect(after?.state).toBe('CLOSED');
      expect(texts(await raceBed.messages(conversation.id))).toEqual(['customer: slow']);
    });
  });
});
