import { MessageRow } from '@app/persistence';
import { RichMessage } from '@app/templates';

/** Payloads of the satisfaction answers: `CSAT_1` (bad) … `CSAT_5` (great). */
const CSAT_PAYLOAD = /^CSAT_([1-5])$/;

/** Asked when an agent closes with "ask for a rating" (quick replies, so the answer is one tap). */
export const CSAT_QUESTION: RichMessage = {
  kind: 'text',
  text: 'Thanks for talking to us! How would you rate this conversation?',
  quickReplies: [
    { type: 'text', title: '😞 1', payload: 'CSAT_1' },
    { type: 'text', title: '2', payload: 'CSAT_2' },
    { type: 'text', title: '3', payload: 'CSAT_3' },
    { type: 'text', title: '4', payload: 'CSAT_4' },
    { type: 'text', title: '😀 5', payload: 'CSAT_5' },
  ],
};

/** The rating in a customer's answer (the quick reply's payload, or a typed digit 1-5), if it is one. */
export function csatRating(answer: { payload?: string | null; text?: string | null }): number | undefined {
  const byPayload = CSAT_PAYLOAD.exec(answer.payload ?? '');
  if (byPayload) return Number(byPayload[1]);
  const typed = /^\s*([1-5])\s*$/.exec(answer.text ?? '');
  return typed ? Number(typed[1]) : undefined;
}

/** What a customer's message did to a satisfaction question: answered it with a rating, or with something else (null). */
export interface CsatAnswer {
  rating: number | null;
  answeredAt: number;
}

/**
 * The answer to a satisfaction question: the customer's first message after it (`firstAfter`, see
 * `MessageRepository.firstInboundSince`), and only when it came before the conversation ended again
 * (`endsAt`: its next close or return to the bot, which has its own question). A rating typed later —
 * a bot option "2" days after an ignored question — answers something else. Undefined: not answered.
 */
export function csatAnswer(
  firstAfter: Pick<MessageRow, 'content' | 'text' | 'created_at'> | undefined,
  endsAt = Infinity,
): CsatAnswer | undefined {
  if (!firstAfter || firstAfter.created_at >= endsAt) return undefined;
  const content = (firstAfter.content ? JSON.parse(firstAfter.content) : null) as { payload?: string } | null;
  return { rating: csatRating({ payload: content?.payload, text: firstAfter.text }) ?? null, answeredAt: firstAfter.created_at };
}
