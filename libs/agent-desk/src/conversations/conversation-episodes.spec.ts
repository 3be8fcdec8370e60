import { ConversationEventRow, MessageRow } from '@app/persistence';
import { episodeRating, finishedEpisodes, messagesIn, messagesSince } from './conversation-episodes';

const event = (id: number, type: string, at: number, actor = 'agent-1'): ConversationEventRow => ({
  id,
  conversation_id: 'c',
  type,
  from_state: null,
  to_state: null,
  reason: null,
  actor,
  created_at: at,
});

let nextId = 1;
const message = (
  at: number,
  direction: 'in' | 'out',
  text: string,
  author = direction === 'in' ? 'customer' : 'agent',
  content: unknown = null,
) =>
  ({
    id: nextId++,
    conversation_id: 'c',
    direction,
    author,
    text,
    content: content === null ? null : JSON.stringify(content),
    created_at: at,
  }) as MessageRow;
const csatQuestion = (at: number) =>
  message(at, 'out', 'How would you rate this conversation?', 'system', { kind: 'text', quickReplies: [{ payload: 'CSAT_1' }] });

describe('conversation episodes', () => {
  it('should end an episode at each close or return to the bot, and leave the rest as going on', () => {
    const events = [
      event(1, 'handover', 100),
      event(2, 'assign', 110),
      event(3, 'close', 200),
      event(4, 'customer_message', 300),
      event(5, 'handover', 300),
      event(6, 'return_to_bot', 400, 'routing'),
    ];
    const messages = [message(100, 'in', 'first'), message(150, 'out', 'reply'), message(300, 'in', 'again'), message(500, 'in', 'later')];

    const episodes = finishedEpisodes(events, 100);

    expect(episodes.map((e) => [e.endEventId, e.outcome, e.endedBy])).toEqual([
      [3, 'closed', 'agent-1'],
      [6, 'returned_to_bot', 'routing'],
    ]);
    expect(messagesIn(messages, episodes[0]).map((m) => m.text)).toEqual(['first', 'reply']);
    expect(messagesIn(messages, episodes[1]).map((m) => m.text)).toEqual(['again']);
    expect(messagesSince(messages, episodes).map((m) => m.text)).toEqual(['later']);
  });

  it('should give each rated close its own answer: the first rating after its question, not one given to a later question', () => {
    const events = [event(1, 'close', 200), event(2, 'close', 400)];
    const messages = [
      message(100, 'in', 'help'),
      csatQuestion(200),
      message(250, 'in', 'thanks'), // not a rating: the first episode stays unrated
      csatQuestion(400),
      message(450, 'in', '5'),
    ];
    const [first, second] = finishedEpisodes(events, 100);

    expect(episodeRating(messages, first, second.endedAt)).toEqual({ asked: true, rating: null });
    expect(episodeRating(messages, second, Infinity)).toEqual({ asked: true, rating: 5 });
    expect(episodeRating([message(100, 'in', 'help'), message(300, 'in', '4')], first, second.endedAt)).toEqual({
      asked: false,
      rating: null,
    });
  });

  it('should take only the customer’s first message after the question as its answer', () => {
    const [episode] = finishedEpisodes([event(1, 'return_to_bot', 200)], 100);
    const ignored = [
      message(100, 'in', 'help'),
      csatQuestion(200),
      message(90_000_000, 'in', 'hi again'), // a day later: the question is over, unrated
      message(90_000_100, 'out', 'Pick one: 1 Orders, 2 Returns', 'bot'),
      message(90_000_200, 'in', '2'), // a bot option, no rating
    ];
    expect(episodeRating(ignored, episode, Infinity)).toEqual({ asked: true, rating: null });
    expect(episodeRating([...ignored.slice(0, 2), message(300, 'in', ' 4 ')], episode, Infinity)).toEqual({ asked: true, rating: 4 });
  });

  it('should not take an answer from after the conversation ended again', () => {
    // Given back to the bot with the question; an agent took it up and closed it without one before the customer wrote.
    const [first, second] = finishedEpisodes([event(1, 'return_to_bot', 200), event(2, 'close', 400)], 100);
    const messages = [message(100, 'in', 'help'), csatQuestion(200), message(300, 'out', 'Anything else?'), message(500, 'in', '2')];
    expect(episodeRating(messages, first, second.endedAt)).toEqual({ asked: true, rating: null });
    expect(episodeRating(messages, second, Infinity)).toEqual({ asked: false, rating: null });
  });
});
