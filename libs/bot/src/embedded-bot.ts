import { readFileSync } from 'node:fs';
import bundledIntents from './data/intents.json';
import { parseRichMessage, RichMessage } from '@app/templates';
import { BotConnector, BotInput, BotReply } from './bot.types';
import { TextClassifier } from './text-classifier';

/** An answer in an intents file: plain text, one rich message (JSON form), or several in order. */
export type IntentAnswer = string | RichMessage | (string | RichMessage)[];

export interface IntentsFile {
  fallback: IntentAnswer;
  intents: { name: string; examples: string[]; answer: IntentAnswer; handover?: boolean; payloads?: string[] }[];
}

/** Turns an answer from the file into validated rich messages; a bad one fails loading with its path. */
export function answerMessages(answer: IntentAnswer, where: string): RichMessage[] {
  const list = Array.isArray(answer) ? answer : [answer];
  return list.map((item, i) => {
    if (typeof item === 'string') return { kind: 'text', text: item };
    try {
      return parseRichMessage(item);
    } catch (error) {
      throw new Error(`${where}[${i}]: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  });
}

/**
 * What a connector uses of the intents file: the embedded bot all of it; a remote bot (rasa, http)
 * only its fallback (what it says under BOT_ONLY when the bot gives none), so only that is required
 * and checked for it.
 */
export type IntentsUse = 'all' | 'fallback';

/**
 * What is wrong with an intents file, in one line (undefined: it loads, and every answer used is a
 * valid rich message). Read with the configuration, so a missing file or a typo stops startup with
 * the rest of the report instead of a stack trace once the modules are built.
 */
export function intentsFileProblem(path: string, use: IntentsUse = 'all'): string | undefined {
  let intents: IntentsFile;
  try {
    intents = loadIntentsFile(path, use);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code) return `cannot read ${JSON.stringify(path)} (${e.code})`;
    if (error instanceof SyntaxError) return `${JSON.stringify(path)} is not valid JSON (${e.message})`;
    return e.message.replace(`BOT_INTENTS_FILE ${path}: `, `${JSON.stringify(path)}: `);
  }
  try {
    answerMessages(intents.fallback, 'fallback');
    for (const intent of intents.intents) answerMessages(intent.answer, `intents.${intent.name}.answer`);
  } catch (error) {
    return `${JSON.stringify(path)}: ${oneLine((error as Error).message)}`;
  }
  return undefined;
}

/** A multi-line violation list ("…:\n - a\n - b") as one line of the startup report. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim().replace(/^- /, ''))
    .filter(Boolean)
    .join(' ');
}

/**
 * Reads an intents file, failing with a message that says what is wrong with it. `use: 'fallback'`
 * (a remote bot): only the fallback is required; the intents are not read.
 */
export function loadIntentsFile(path?: string, use: IntentsUse = 'all'): IntentsFile {
  if (!path) return bundledIntents as IntentsFile;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<IntentsFile>;
  if (use === 'fallback') {
    if (parsed.fallback === undefined)
      throw new Error(`BOT_INTENTS_FILE ${path}: expected {"fallback": answer} (the remote bot's fallback)`);
    return { fallback: parsed.fallback, intents: [] };
  }
  if (parsed.fallback === undefined || !Array.isArray(parsed.intents) || parsed.intents.length === 0) {
    throw new Error(`BOT_INTENTS_FILE ${path}: expected {"fallback": answer, "intents": [{name, examples[], answer}]}`);
  }
  for (const [i, intent] of parsed.intents.entries()) {
    if (!intent.name || !Array.isArray(intent.examples) || intent.examples.length === 0 || intent.answer === undefined) {
      throw new Error(`BOT_INTENTS_FILE ${path}: intents[${i}] needs a name, at least one example and an answer`);
    }
  }
  return parsed as IntentsFile;
}

/** The built-in bot: intents from a data file, answered by a real text classifier. */
export class EmbeddedBot implements BotConnector {
  readonly name = 'embedded';
  private readonly classifier: TextClassifier;
  private readonly byName: Map<string, IntentsFile['intents'][number] & { messages: RichMessage[] }>;
  private readonly fallback: RichMessage[];

  constructor(private readonly intents: IntentsFile) {
    this.classifier = new TextClassifier(intents.intents.flatMap((i) => i.examples.map((text) => ({ intent: i.name, text }))));
    // Answers are validated against the channel limits once, at startup, not when a customer asks.
    this.byName = new Map(intents.intents.map((i) => [i.name, { ...i, messages: answerMessages(i.answer, `intents.${i.name}.answer`) }]));
    this.fallback = answerMessages(intents.fallback, 'fallback');
  }

  async reply(input: BotInput): Promise<BotReply> {
    // A button or quick reply the bot offered says exactly what the customer wants: no guessing.
    const chosen = input.payload ? this.intents.intents.find((i) => i.payloads?.includes(input.payload as string)) : undefined;
    const { intent, confidence } = chosen ? { intent: chosen.name, confidence: 1 } : this.classifier.classify(input.text);
    const matched = intent ? this.byName.get(intent) : undefined;
    return {
      intent,
      confidence,
      answer: matched ? matched.messages : [],
      fallback: this.fallback,
      handoverRequested: Boolean(matched?.handover),
    };
  }
}
