import type { BotConnector, BotInput, BotReply } from '@app/bot';

/**
 * A bot that answers from a script (by typed text, or `choice:<payload>` for a pressed button), for
 * unit specs of the conversation core: the real bots are exercised end to end elsewhere. An answer
 * may be a function (e.g. one that throws, or waits on a promise the spec controls).
 */
export class ScriptedBot implements BotConnector {
  readonly name = 'scripted';
  readonly inputs: BotInput[] = [];

  constructor(private readonly script: Record<string, BotReply | ((input: BotInput) => Promise<BotReply>)> = {}) {}

  async reply(input: BotInput): Promise<BotReply> {
    this.inputs.push(input);
    const answer = this.script[input.payload !== undefined ? `choice:${input.payload}` : input.text.toLowerCase()];
    if (typeof answer === 'function') return answer(input);
    return (
      answer ?? { intent: undefined, confidence: 0, answer: [], fallback: [{ kind: 'text', text: 'Sorry?' }], handoverRequested: false }
    );
  }
}

/** A confident answer of the scripted bot. */
export function confident(intent: string, text: string): BotReply {
  return {
    intent,
    confidence: 0.95,
    answer: [{ kind: 'text', text }],
    fallback: [{ kind: 'text', text: 'Sorry?' }],
    handoverRequested: false,
  };
}
