/**
 * Inbound mapping of choices: a postback, a quick reply or a typed answer on a text-only channel
 * all become one `ParsedChoice`.
 *
 * Outbound, `encodeChoices(model, messageRef)` stamps every choice payload with the message it
 * belongs to and its option index (`~c1|<ref>|<index>|<payload>`), so the answer can be tied to
 * the question. Payloads without the stamp (e.g. a persistent-menu `GET_STARTED`) pass through
 * unchanged.
 */
import { RichButton, RichMessage } from './rich-message.types';

export type ChoiceSource = 'postback' | 'quick_reply' | 'typed';

/** What the customer chose. */
export interface ParsedChoice {
  /** The application payload (the stamp removed). */
  payload: string;
  title?: string;
  source: ChoiceSource;
  /** The message the choice was offered in, when the payload was stamped by `encodeChoices`. */
  messageRef?: string;
  /** 0-based position in `listChoiceOptions(model)`; the number shown to the customer is `index + 1`. */
  index?: number;
}

/** An option offered to the customer, in display order (option N is at array index N - 1). */
export interface OfferedOption {
  title: string;
  payload: string;
  messageRef?: string;
}

/** An inbound event reduced to its answer-carrying fields. */
export interface ChoiceInput {
  /** Postback payload or quick-reply payload. */
  payload?: string;
  /** Postback title (its presence marks a postback). */
  title?: string;
  /** Message text: the quick reply's title, or what the customer typed. */
  text?: string;
}

export interface ChoiceStamp {
  messageRef?: string;
  index?: number;
}

const STAMP_PREFIX = '~c1|';

/** Stamps a payload with its message reference and option index. */
export function encodeChoicePayload(payload: string, stamp: ChoiceStamp): string {
  const ref = stamp.messageRef === undefined ? '' : encodeURIComponent(stamp.messageRef);
  const index = stamp.index === undefined ? '' : String(stamp.index);
  return `${STAMP_PREFIX}${ref}|${index}|${payload}`;
}

/** Reverses `encodeChoicePayload`; an unstamped payload comes back as is. */
export function decodeChoicePayload(raw: string): { payload: string } & ChoiceStamp {
  if (!raw.startsWith(STAMP_PREFIX)) return { payload: raw };
  const rest = raw.slice(STAMP_PREFIX.length);
  const refEnd = rest.indexOf('|');
  const indexEnd = refEnd === -1 ? -1 : rest.indexOf('|', refEnd + 1);
  if (indexEnd === -1) return { payload: raw };
  const ref = rest.slice(0, refEnd);
  const index = rest.slice(refEnd + 1, indexEnd);
  if (!/^\d*$/.test(index)) return { payload: raw };
  let messageRef: string | undefined;
  try {
    messageRef = ref === '' ? undefined : decodeURIComponent(ref);
  } catch {
    return { payload: raw };
  }
  return {
    payload: rest.slice(indexEnd + 1),
    ...(messageRef !== undefined && { messageRef }),
    ...(index !== '' && { index: Number(index) }),
  };
}

/**
 * Returns a copy of the message whose postback and text quick-reply payloads are stamped with
 * `messageRef` and their option index. Already stamped payloads are re-stamped, not nested.
 * Stamping lengthens payloads (by 7 + the reference's length): validate afterwards.
 */
export function encodeChoices<M extends RichMessage>(model: M, messageRef: string): M {
  const copy = structuredClone(model);
  let index = 0;
  forEachChoice(copy, (holder) => {
    holder.payload = encodeChoicePayload(decodeChoicePayload(holder.payload).payload, { messageRef, index: index++ });
  });
  return copy;
}

/** The choices a message offers, in the order a text rendering numbers them. */
export function listChoiceOptions(model: RichMessage): OfferedOption[] {
  const options: OfferedOption[] = [];
  forEachChoice(model, (holder) => {
    const decoded = decodeChoicePayload(holder.payload);
    options.push({
      title: holder.title,
      payload: decoded.payload,
      ...(decoded.messageRef !== undefined && { messageRef: decoded.messageRef }),
    });
  });
  return options;
}

/**
 * Turns an inbound answer into a choice: a postback (`payload` + `title`), a quick reply
 * (`payload` + `text`), or, when `offeredOptions` are given, a typed answer (`text` only) matched
 * by `matchTypedChoice`. Returns `undefined` when nothing matches.
 */
export function parseChoice(input: ChoiceInput, offeredOptions?: readonly OfferedOption[]): ParsedChoice | undefined {
  if (input.payload !== undefined && input.payload !== '') {
    const decoded = decodeChoicePayload(input.payload);
    const title = input.title ?? input.text;
    return {
      payload: decoded.payload,
      ...(title !== undefined && { title }),
      source: input.title !== undefined ? 'postback' : 'quick_reply',
      ...(decoded.messageRef !== undefined && { messageRef: decoded.messageRef }),
      ...(decoded.index !== undefined && { index: decoded.index }),
    };
  }
  if (input.text !== undefined && offeredOptions !== undefined) return matchTypedChoice(input.text, offeredOptions);
  return undefined;
}

/**
 * Recognises a typed answer to offered options: the option's title (case, width and whitespace
 * insensitive: `track order` matches `Track Order`) or its number (`2`, `2.`, `2)`, `#2`).
 * An exact title wins over a number, so options titled `1`, `2`… still work.
 */
export function matchTypedChoice(text: string, offeredOptions: readonly OfferedOption[]): ParsedChoice | undefined {
  const typed = normalise(text);
  if (typed === '') return undefined;
  let index = offeredOptions.findIndex((o) => normalise(o.title) !== '' && normalise(o.title) === typed);
  if (index === -1) {
    const number = /^#?(\d{1,4})[.)]?$/.exec(typed);
    index = number === null ? -1 : Number(number[1]) - 1;
  }
  const option = offeredOptions[index];
  if (index < 0 || option === undefined) return undefined;
  return {
    payload: option.payload,
    title: option.title,
    source: 'typed',
    ...(option.messageRef !== undefined && { messageRef: option.messageRef }),
    index,
  };
}

function normalise(value: string): string {
  return value.normalize('NFKC').toLocaleLowerCase().replace(/\s+/g, '');
}

interface ChoiceHolder {
  title: string;
  payload: string;
}

/** Visits postback buttons and text quick replies in display order (mutable, for stamping). */
function forEachChoice(model: RichMessage, visit: (holder: ChoiceHolder) => void): void {
  const buttons: RichButton[] =
    model.kind === 'buttons' || model.kind === 'media'
      ? (model.buttons ?? [])
      : model.kind === 'carousel'
        ? model.cards.flatMap((c) => c.buttons ?? [])
        : [];
  for (const button of buttons) if (button.type === 'postback') visit(button);
  for (const reply of model.quickReplies ?? []) if (reply.type === 'text') visit(reply);
}
