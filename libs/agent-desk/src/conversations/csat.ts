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
