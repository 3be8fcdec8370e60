import type { HttpBotRequest, HttpBotResponse } from '@app/bot';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyTimestampedSignature } from '@app/core';
import { RecordedBotRequest, ScriptedHttpServer } from './scripted-http-server';

/** Answers keyed by typed text (lower-cased) or by `choice:<payload>` for a tapped button. */
export const DEFAULT_HTTP_BOT_SCRIPT: Record<string, HttpBotResponse | string> = {
  hello: {
    intent: 'greet',
    confidence: 0.92,
    messages: [
      {
        kind: 'buttons',
        text: 'Hi from the HTTP bot! What do you need?',
        buttons: [{ type: 'postback', title: 'Opening hours', payload: 'HOURS' }],
      },
    ],
  },
  'choice:HOURS': { intent: 'opening_hours', confidence: 1, messages: ['We are open 9:00 to 17:00.'] },
  refund: { intent: 'refund', confidence: 0.25, messages: ['Refunds? Maybe.'] },
  'human please': { intent: 'human', confidence: 0.99, handover: true, messages: ['Connecting you to a person.'] },
  /** Breaks the contract (a string confidence): ccm must treat it as a bot failure. */
  'say something broken': '{"intent":"oops","confidence":"high","messages":[]}',
};

/** A script as a function of the turn (undefined: the bot understood nothing). */
export type HttpBotScript = Record<string, HttpBotResponse | string> | ((turn: HttpBotRequest) => HttpBotResponse | string | undefined);

/**
 * A bot behind ccm's generic HTTP contract, as a real HTTP server: checks the HMAC signature
 * (401 on a bad or missing one, recorded in `badSignatures`) and answers from a script.
 */
export class HttpBotDouble extends ScriptedHttpServer {
  readonly badSignatures: RecordedBotRequest[] = [];

  constructor(
    private readonly secret: string,
    private readonly script: HttpBotScript = DEFAULT_HTTP_BOT_SCRIPT,
  ) {
    super();
  }

  static async start(secret: string, script?: HttpBotScript): Promise<HttpBotDouble> {
    return new HttpBotDouble(secret, script).start();
  }

  /** What ccm configures as BOT_HTTP_URL. */
  get url(): string {
    return `${this.origin}/bot/turn`;
  }

  /** The correctly signed turns received, parsed. */
  get turns(): HttpBotRequest[] {
    return this.requests.filter((r) => !this.badSignatures.includes(r)).map((r) => r.body as HttpBotRequest);
  }

  protected answer(path: string, body: unknown, request: RecordedBotRequest): { status: number; body: unknown } {
    const header = (name: string) => request.headers[name] as string | undefined;
    if (!verifyTimestampedSignature(this.secret, header(TIMESTAMP_HEADER), request.raw, header(SIGNATURE_HEADER))) {
      this.badSignatures.push(request);
      return { status: 401, body: { error: 'bad signature' } };
    }
    if (path !== '/bot/turn') return { status: 404, body: { error: 'not found' } };
    const turn = body as HttpBotRequest;
    const key = turn.event.type === 'choice' ? `choice:${turn.event.choice.payload}` : turn.event.text.trim().toLowerCase();
    const scripted = typeof this.script === 'function' ? this.script(turn) : this.script[key];
    return { status: 200, body: scripted ?? { intent: null, confidence: 0, messages: [] } };
  }
}
