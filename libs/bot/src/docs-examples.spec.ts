import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RichMessage } from '@app/templates';
import { EmbeddedBot, loadIntentsFile } from './embedded-bot';
import { parseHttpBotResponse } from './http/http-bot.contract';

/** The JSON examples in docs/bot-connectors.md are what integrators copy: they must stay valid. */
const doc = readFileSync(join(__dirname, '../../../docs/bot-connectors.md'), 'utf8');
const jsonBlocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]) as Record<string, unknown>);
const fallback: RichMessage[] = [{ kind: 'text', text: 'Sorry?' }];

describe('docs/bot-connectors.md examples', () => {
  it('should contain the request, response and intents-file examples', () => {
    expect(jsonBlocks.length).toBeGreaterThanOrEqual(5);
  });

  it('should have HTTP bot responses that pass the contract', () => {
    const responses = jsonBlocks.filter((b) => 'confidence' in b);
    expect(responses.length).toBeGreaterThanOrEqual(2);
    for (const r of responses) expect(() => parseHttpBotResponse(r, fallback)).not.toThrow();
  });

  it('should have an intents file that loads and answers its own examples', async () => {
    const intents = jsonBlocks.find((b) => 'intents' in b);
    const path = join(mkdtempSync(join(tmpdir(), 'ccm-doc-')), 'intents.json');
    writeFileSync(path, JSON.stringify(intents));
    const bot = new EmbeddedBot(loadIntentsFile(path));
    expect(await bot.reply({ conversationId: 'c', pageId: 'p', customerId: 'u', text: 'hello' })).toMatchObject({
      intent: 'greeting',
      confidence: 1,
    });
    expect(
      await bot.reply({ conversationId: 'c', pageId: 'p', customerId: 'u', text: 'Talk to a person', payload: 'HUMAN_AGENT' }),
    ).toMatchObject({ intent: 'human', handoverRequested: true });
  });
});
