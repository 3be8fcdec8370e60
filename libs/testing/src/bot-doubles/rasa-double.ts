import type { RasaReplyItem } from '@app/bot';
import { RecordedBotRequest, ScriptedHttpServer } from './scripted-http-server';

export interface RasaScriptEntry {
  intent: string | null;
  confidence: number;
  replies: Omit<RasaReplyItem, 'recipient_id'>[];
}

/** What the double "understands": message text (lower-cased, trimmed) or a "/intent" payload. */
export const DEFAULT_RASA_SCRIPT: Record<string, RasaScriptEntry> = {
  hello: {
    intent: 'greet',
    confidence: 0.95,
    replies: [
      { text: 'Hi! I am the Rasa assistant.' },
      {
        text: 'What can I do for you?',
        buttons: [
          { title: 'Track my order', payload: '/order_status' },
          { title: 'Opening hours', payload: '/opening_hours' },
        ],
      },
    ],
  },
  '/order_status': {
    intent: 'order_status',
    confidence: 1,
    replies: [{ text: 'Your order is on its way.' }, { image: 'https://cdn.example.com/truck.png' }],
  },
  refund: { intent: 'refund', confidence: 0.3, replies: [{ text: 'Refunds? Maybe.' }] },
  'human please': {
    intent: 'human_handoff',
    confidence: 0.97,
    replies: [{ text: 'Let me find a colleague for you.' }, { custom: { handover: true } }],
  },
};

/** Rasa's answer to text it does not know (FallbackClassifier style). */
const UNKNOWN: RasaScriptEntry = { intent: 'nlu_fallback', confidence: 0.2, replies: [{ text: 'Sorry, I did not get that.' }] };

/**
 * A Rasa-shaped HTTP server: `POST /model/parse` and `POST /webhooks/rest/webhook` answered from a
 * script, with Rasa's response shapes. Checks `?token=` when given one.
 */
export class RasaDouble extends ScriptedHttpServer {
  constructor(
    private readonly script: Record<string, RasaScriptEntry> = DEFAULT_RASA_SCRIPT,
    private readonly token?: string,
  ) {
    super();
  }

  static async start(script?: Record<string, RasaScriptEntry>, token?: string): Promise<RasaDouble> {
    return new RasaDouble(script, token).start();
  }

  /** What ccm configures as RASA_URL. */
  get url(): string {
    return this.origin;
  }

  /** Messages posted to the REST channel, as `{sender, message}`. */
  get restMessages(): { sender: string; message: string; metadata?: unknown }[] {
    return this.requests
      .filter((r) => r.path === '/webhooks/rest/webhook')
      .map((r) => r.body as { sender: string; message: string; metadata?: unknown });
  }

  protected answer(path: string, body: unknown, request: RecordedBotRequest): { status: number; body: unknown } {
    // Rasa's token auth (`rasa run --auth-token`): `?token=` on every API call.
    if (this.token !== undefined && request.query.get('token') !== this.token) {
      return { status: 401, body: { status: 'failure', reason: 'NotAuthenticated', message: 'User is not authenticated.' } };
    }
    const record = (body ?? {}) as { text?: unknown; message?: unknown; sender?: unknown };
    if (path === '/model/parse') {
      if (typeof record.text !== 'string')
        return { status: 400, body: { status: 'failure', reason: 'BadRequest', message: 'text missing' } };
      const entry = this.lookup(record.text);
      return {
        status: 200,
        body: {
          text: record.text,
          intent: { name: entry.intent, confidence: entry.confidence },
          intent_ranking: entry.intent ? [{ name: entry.intent, confidence: entry.confidence }] : [],
          entities: [],
        },
      };
    }
    if (path === '/webhooks/rest/webhook') {
      if (typeof record.sender !== 'string' || typeof record.message !== 'string')
        return { status: 400, body: { message: 'sender and message required' } };
      return { status: 200, body: this.lookup(record.message).replies.map((r) => ({ recipient_id: record.sender, ...r })) };
    }
    return { status: 404, body: { status: 'failure', reason: 'NotFound' } };
  }

  private lookup(text: string): RasaScriptEntry {
    return this.script[text.trim().toLowerCase()] ?? UNKNOWN;
  }
}
