import intents from './data/intents.json';
import { TextClassifier } from './text-classifier';

const classifier = new TextClassifier(intents.intents.flatMap((i) => i.examples.map((text) => ({ intent: i.name, text }))));

describe('TextClassifier', () => {
  it('should be fully confident on an example phrase', () => {
    expect(classifier.classify('where is my order')).toMatchObject({ intent: 'order_status', confidence: 1 });
  });

  it.each([
    ['Where is my order???', 'order_status'],
    ['hellooo', 'greeting'],
    ['when are you opened on saturday', 'opening_hours'],
    ['I would like to return these shoes', 'returns'],
    ['can I talk to a human please', 'human'],
    ['ordr status', 'order_status'],
  ])('should classify %j as %s with useful confidence', (text, intent) => {
    const result = classifier.classify(text);
    expect(result.intent).toBe(intent);
    expect(result.confidence).toBeGreaterThanOrEqual(0.35);
  });

  it('should have low confidence on text unlike any example', () => {
    const result = classifier.classify('the quantum flux capacitor exploded yesterday');
    expect(result.confidence).toBeLessThan(0.3);
  });

  it('should report zero confidence for empty or unknown-only text', () => {
    expect(classifier.classify('')).toMatchObject({ intent: undefined, confidence: 0 });
    expect(classifier.classify('zzzz qqqq')).toMatchObject({ intent: undefined, confidence: 0 });
  });

  it('should rank intents with scores in 0..1, highest first', () => {
    const { ranking } = classifier.classify('track my order please');
    expect(ranking[0].intent).toBe('order_status');
    for (const r of ranking) expect(r.score).toBeGreaterThanOrEqual(0);
    for (let i = 1; i < ranking.length; i++) expect(ranking[i - 1].score).toBeGreaterThanOrEqual(ranking[i].score);
  });
});
