/**
 * The parts of Rasa's HTTP API ccm uses (Rasa Open Source / Rasa Pro server, `rasa run --enable-api`):
 * - `POST /model/parse` `{ text }` → NLU only, nothing stored: `{ text, intent: { name, confidence }, intent_ranking, entities }`.
 * - `POST /webhooks/rest/webhook` `{ sender, message, metadata? }` → the bot's replies for that turn,
 *   an array of `{ recipient_id, text?, buttons?: [{ title, payload }], image?, attachment?, custom? }`.
 */
export interface RasaParseResult {
  text?: string;
  intent?: { name?: string | null; confidence?: number } | null;
  intent_ranking?: { name: string; confidence: number }[];
  entities?: unknown[];
}

export interface RasaButton {
  title: string;
  payload?: string;
  /** Some Rasa responses (and custom output channels) give link buttons a `url`. */
  url?: string;
}

export interface RasaReplyItem {
  recipient_id?: string;
  text?: string;
  buttons?: RasaButton[];
  image?: string;
  attachment?: unknown;
  custom?: unknown;
}
