/**
 * A small, dependency-free intent classifier: TF-IDF vectors over word unigrams, word bigrams and
 * character trigrams (so typos and inflections still match), compared by cosine similarity with
 * every example phrase. An intent's score is its best example's similarity; the confidence reported
 * is that score, in 0..1 (1 = the text is one of the examples, 0 = nothing in common).
 */
export interface TrainingExample {
  intent: string;
  text: string;
}

export interface Classification {
  intent: string | undefined;
  confidence: number;
  /** Best score of every intent, highest first (for debugging and agents' context). */
  ranking: { intent: string; score: number }[];
}

type SparseVector = Map<string, number>;

export function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Strips the commonest English inflections so "orders"/"ordering"/"ordered" share a feature. */
function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

export function features(text: string): string[] {
  const words = normalize(text).split(' ').filter(Boolean).map(stem);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    out.push(`w:${words[i]}`);
    if (i + 1 < words.length) out.push(`b:${words[i]}_${words[i + 1]}`);
    const padded = ` ${words[i]} `;
    for (let j = 0; j + 3 <= padded.length; j++) out.push(`c:${padded.slice(j, j + 3)}`);
  }
  return out;
}

export class TextClassifier {
  private readonly idf = new Map<string, number>();
  /** The intents, and each example's intent (an index into `intents`). */
  private readonly intents: string[] = [];
  private readonly intentOf: number[] = [];
  /**
   * For each feature, the examples that have it and its weight there (an inverted index): a text's
   * similarity to every example is summed over the text's own features only, not looked up example by
   * example (the bench's messages were compared with every example of the intents file, one map
   * lookup per feature of each: ~1.5 % of the server's CPU per answered message).
   */
  private readonly postings = new Map<string, { examples: number[]; weights: number[] }>();

  constructor(examples: readonly TrainingExample[]) {
    const documentFrequency = new Map<string, number>();
    const tokenized = examples.map((e) => ({ intent: e.intent, feats: features(e.text) }));
    for (const { feats } of tokenized) {
      for (const f of new Set(feats)) documentFrequency.set(f, (documentFrequency.get(f) ?? 0) + 1);
    }
    const n = tokenized.length;
    for (const [f, df] of documentFrequency) this.idf.set(f, Math.log((1 + n) / (1 + df)) + 1);
    const intentIndex = new Map<string, number>();
    tokenized.forEach(({ intent, feats }, example) => {
      let index = intentIndex.get(intent);
      if (index === undefined) {
        index = this.intents.length;
        intentIndex.set(intent, index);
        this.intents.push(intent);
      }
      this.intentOf.push(index);
      for (const [f, w] of this.vectorize(feats)) {
        let posting = this.postings.get(f);
        if (!posting) this.postings.set(f, (posting = { examples: [], weights: [] }));
        posting.examples.push(example);
        posting.weights.push(w);
      }
    });
  }

  classify(text: string): Classification {
    const query = this.vectorize(features(text));
    const dots = new Float64Array(this.intentOf.length);
    for (const [f, w] of query) {
      const posting = this.postings.get(f)!; // (vectorize keeps only features of the examples)
      for (let i = 0; i < posting.examples.length; i++) dots[posting.examples[i]] += w * posting.weights[i];
    }
    const best = new Float64Array(this.intents.length).fill(-1);
    for (let example = 0; example < dots.length; example++) {
      const score = Math.max(0, Math.min(1, dots[example]));
      const intent = this.intentOf[example];
      if (score > best[intent]) best[intent] = score;
    }
    const ranking = this.intents.map((intent, i) => ({ intent, score: round(best[i]) })).sort((a, b) => b.score - a.score);
    const top = ranking[0];
    if (!top || top.score <= 0) return { intent: undefined, confidence: 0, ranking };
    return { intent: top.intent, confidence: top.score, ranking };
  }

  private vectorize(feats: string[]): SparseVector {
    const tf = new Map<string, number>();
    // Unknown features (not in any example) carry no weight: they cannot match anything.
    for (const f of feats) if (this.idf.has(f)) tf.set(f, (tf.get(f) ?? 0) + 1);
    let norm = 0;
    for (const [f, count] of tf) {
      const w = (1 + Math.log(count)) * (this.idf.get(f) as number);
      tf.set(f, w);
      norm += w * w;
    }
    // Normalise by the full text (known + unknown features) so that one shared word in a long,
    // unrelated sentence does not look like a confident match.
    const unknown = feats.filter((f) => !this.idf.has(f)).length;
    norm = Math.sqrt(norm + unknown);
    if (norm > 0) for (const [f, w] of tf) tf.set(f, w / norm);
    return tf;
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
