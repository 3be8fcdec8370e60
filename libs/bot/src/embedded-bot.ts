import { readFileSync } from 'node:fs';
import bundledIntents from './data/intents.json';
import { BotConnector, BotInput, BotReply } from './bot.types';
import { TextClassifier } from './text-classifier';

export interface IntentsFile {
  fallback: string;
  intents: { name: string; examples: string[]; answer: string; handover?: boolean; payloads?: string[] }[];
}

/** Reads an intents file, failing with a message that says what is wrong with it. */
export function loadIntentsFile(path?: string): IntentsFile {
  if (!path) return bundledIntents as IntentsFile;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<IntentsFile>;
  if (typeof parsed.fallback !== 'string' || !Array.isArray(parsed.intents) || parsed.intents.length === 0) {
    throw new Error(`BOT_INTENTS_FILE ${path}: expected {"fallback": string, "intents": [{name, examples[], answer}]}`);
  }
  for (const [i, intent] of parsed.intents.entries()) {
    if (!intent.name || !Array.isArray(intent.examples) || intent.examples.length === 0 || typeof intent.answer !== 'string') {
      throw new Error(`BOT_INTENTS_FILE ${path}: intents[${i}] needs a name, at least one example and an answer`);
    }
  }
  return parsed as IntentsFile;
}

/** The built-in bot: intents from a data file, answered by a real text classifier. */
export class EmbeddedBot implements BotConnector {
  readonly name = 'embedded';
  private readonly classifier: TextClassifier;
  private readonly byName: Map<string, IntentsFile['intents'][number]>;

  constructor(private readonly intents: IntentsFile) {
    this.classifier = new TextClassifier(intents.intents.flatMap((i) => i.examples.map((text) => ({ intent: i.name, text }))));
    this.byName = new Map(intents.intents.map((i) => [i.name, i]));
  }

  async reply(input: BotInput): Promise<BotReply> {
    // A button or quick reply the bot offered says exactly what the customer wants: no guessing.
    const chosen = input.payload ? this.intents.intents.find((i) => i.payloads?.includes(input.payload as string)) : undefined;
    const { intent, confidence } = chosen ? { intent: chosen.name, confidence: 1 } : this.classifier.classify(input.text);
    const matched = intent ? this.byName.get(intent) : undefined;
    return {
      intent,
      confidence,
      answer: matched ? [matched.answer] : [],
      fallback: [this.intents.fallback],
      handoverRequested: Boolean(matched?.handover),
    };
  }
}
