import { parseRichMessage, RICH_MESSAGE_LIMITS, RichButton, RichMessage } from '@app/templates';
import { RasaButton } from './rasa.types';

/**
 * Pure mapping of Rasa's HTTP answers to ccm's model. Anything malformed throws with the position
 * of the offending item, and every produced message is validated against Messenger's limits by the
 * templates lib, so a bad Rasa answer is a bot failure with a precise reason, never a Send API error
 * later.
 */
export class RasaResponseError extends Error {}

export interface MappedRasaReplies {
  answer: RichMessage[];
  /** A `custom` payload asked for a person: `{"custom": {"handover": true}}`. */
  handoverRequested: boolean;
  /** Items or fields ccm cannot show (e.g. an unknown custom payload), for a warning in the log. */
  ignored: string[];
}

/** Intent and confidence from `POST /model/parse`. A message Rasa could not classify has no intent name. */
export function mapRasaParse(json: unknown): { intent: string | undefined; confidence: number } {
  if (!isRecord(json)) throw new RasaResponseError('/model/parse: expected a JSON object');
  const intent = json.intent;
  if (intent === undefined || intent === null) return { intent: undefined, confidence: 0 };
  if (!isRecord(intent)) throw new RasaResponseError('/model/parse: intent must be an object');
  const name = intent.name;
  if (name === undefined || name === null || name === '') return { intent: undefined, confidence: 0 };
  if (typeof name !== 'string') throw new RasaResponseError('/model/parse: intent.name must be a string');
  const confidence = intent.confidence;
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
    throw new RasaResponseError(`/model/parse: intent.confidence must be a number in 0..1 (got ${JSON.stringify(confidence)})`);
  }
  return { intent: name, confidence };
}

/** The bot's replies from the REST channel, as rich messages. */
export function mapRasaReplies(json: unknown): MappedRasaReplies {
  if (!Array.isArray(json)) throw new RasaResponseError('/webhooks/rest/webhook: expected a JSON array of messages');
  const answer: RichMessage[] = [];
  const ignored: string[] = [];
  let handoverRequested = false;
  json.forEach((item: unknown, i) => {
    const where = `/webhooks/rest/webhook[${i}]`;
    if (!isRecord(item)) throw new RasaResponseError(`${where}: expected an object`);
    const before = answer.length + ignored.length;
    let asksForPerson = false;
    const validated = (message: unknown) => {
      try {
        answer.push(parseRichMessage(message));
      } catch (error) {
        throw new RasaResponseError(`${where}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    const text = optionalString(item.text, `${where}.text`);
    const buttons = item.buttons === undefined || item.buttons === null ? [] : parseButtons(item.buttons, `${where}.buttons`);
    if (buttons.length > 0) {
      if (text === undefined || text === '') throw new RasaResponseError(`${where}: buttons need a text to go with them`);
      validated(withButtons(text, buttons, where));
    } else if (text !== undefined && text !== '') {
      validated({ kind: 'text', text });
    }
    const image = optionalString(item.image, `${where}.image`);
    if (image !== undefined) validated({ kind: 'media', mediaType: 'image', url: image });
    if (item.attachment !== undefined && item.attachment !== null) {
      if (typeof item.attachment === 'string') validated({ kind: 'media', mediaType: 'file', url: item.attachment });
      else ignored.push(`${where}.attachment (not a URL)`);
    }
    if (item.custom !== undefined && item.custom !== null) {
      if (isRecord(item.custom) && item.custom.handover === true) asksForPerson = true;
      else ignored.push(`${where}.custom ${JSON.stringify(item.custom).slice(0, 80)}`);
    }
    handoverRequested ||= asksForPerson;
    if (answer.length + ignored.length === before && !asksForPerson) ignored.push(`${where} (nothing to show)`);
  });
  return { answer, handoverRequested, ignored };
}

/**
 * Up to three buttons fit Messenger's button template; more become quick replies (up to 13), which
 * is also how Rasa's own Messenger channel shows long button lists. Link buttons cannot be quick
 * replies, so a long list with links is refused by validation rather than silently losing a link.
 */
function withButtons(text: string, buttons: RasaButton[], where: string): unknown {
  if (buttons.length <= RICH_MESSAGE_LIMITS.buttonsMax) return { kind: 'buttons', text, buttons: buttons.map(toRichButton) };
  if (buttons.some((b) => b.url !== undefined)) {
    throw new RasaResponseError(
      `${where}: ${buttons.length} buttons with links cannot be shown (at most ${RICH_MESSAGE_LIMITS.buttonsMax} buttons; more become quick replies, which cannot open links)`,
    );
  }
  return { kind: 'text', text, quickReplies: buttons.map((b) => ({ type: 'text', title: b.title, payload: b.payload ?? b.title })) };
}

function toRichButton(button: RasaButton): RichButton {
  if (button.url !== undefined) return { type: 'url', title: button.title, url: button.url };
  // Rasa's convention: the payload ("/intent" or plain text) is what the customer "says" on a tap.
  return { type: 'postback', title: button.title, payload: button.payload ?? button.title };
}

function parseButtons(value: unknown, where: string): RasaButton[] {
  if (!Array.isArray(value)) throw new RasaResponseError(`${where}: expected an array`);
  return value.map((b: unknown, i) => {
    if (!isRecord(b) || typeof b.title !== 'string') throw new RasaResponseError(`${where}[${i}]: expected {title, payload}`);
    const payload = optionalString(b.payload, `${where}[${i}].payload`);
    const url = optionalString(b.url, `${where}[${i}].url`);
    if (payload === undefined && url === undefined) throw new RasaResponseError(`${where}[${i}]: needs a payload or a url`);
    return { title: b.title, ...(payload !== undefined && { payload }), ...(url !== undefined && { url }) };
  });
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new RasaResponseError(`${where}: must be a string`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
