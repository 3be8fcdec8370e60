import { encodeChoicePayload } from '@app/templates';

/**
 * A Page's Messenger Profile in Meta's own shape (`POST /me/messenger_profile`, fact sheet §12), as
 * operators write it in MESSENGER_PROFILE / FACEBOOK_PAGES[].messengerProfile or the admin API.
 */
export interface MessengerProfile {
  get_started?: { payload: string };
  greeting?: { locale: string; text: string }[];
  ice_breakers?: { locale: string; call_to_actions: { question: string; payload: string }[] }[];
  persistent_menu?: {
    locale: string;
    composer_input_disabled?: boolean;
    call_to_actions: ({ type: 'postback'; title: string; payload: string } | { type: 'web_url'; title: string; url: string })[];
  }[];
}

export const MESSENGER_PROFILE_FIELDS = ['get_started', 'greeting', 'ice_breakers', 'persistent_menu'] as const;

/** Meta's limits (fact sheet §12; inclusive maxima, counted in UTF-16 units like every other limit). */
export const MESSENGER_PROFILE_LIMITS = {
  payloadMax: 1000,
  greetingTextMax: 160,
  menuItemsMax: 20,
  menuTitleMax: 30,
  iceBreakersMax: 4,
  /** Not stated by Meta for ice breakers; the Messenger apps cut questions around this length (UNCONFIRMED). */
  iceBreakerQuestionMax: 80,
} as const;

/** Meta's 1000 minus the stamp ccm adds to every payload (see `stampProfilePayloads`). */
const PAYLOAD_MAX =
  MESSENGER_PROFILE_LIMITS.payloadMax - encodeChoicePayload('', { messageRef: 'messenger-profile:persistent_menu', index: 19 }).length;

/**
 * Every problem of a profile, each as `<field path>: <rule>` naming the limit, e.g.
 * `persistent_menu[0].call_to_actions[2].title: at most 30 characters (got 34)`. Empty when valid.
 */
export function validateMessengerProfile(input: unknown): string[] {
  const L = { ...MESSENGER_PROFILE_LIMITS, payloadMax: PAYLOAD_MAX };
  const problems: string[] = [];
  if (!isObject(input)) return ['(profile): must be an object with get_started, greeting, ice_breakers and/or persistent_menu'];
  const unknown = Object.keys(input).filter((k) => !(MESSENGER_PROFILE_FIELDS as readonly string[]).includes(k));
  for (const key of unknown) problems.push(`${key}: not a Messenger Profile field ccm manages (${MESSENGER_PROFILE_FIELDS.join(', ')})`);
  if (Object.keys(input).length === unknown.length)
    problems.push('(profile): set at least one of get_started, greeting, ice_breakers, persistent_menu');

  const text = (path: string, value: unknown, max: number, required = true): void => {
    if (typeof value !== 'string' || (required && value.trim() === '')) problems.push(`${path}: must be a non-empty string`);
    else if (value.length > max) problems.push(`${path}: at most ${max} characters (got ${value.length})`);
  };
  const localized = (field: string, value: unknown, each: (item: Record<string, unknown>, path: string) => void): void => {
    if (!Array.isArray(value) || value.length === 0) return void problems.push(`${field}: must be a non-empty array of per-locale entries`);
    const locales = new Set<string>();
    value.forEach((item: unknown, i) => {
      const path = `${field}[${i}]`;
      if (!isObject(item)) return void problems.push(`${path}: must be an object`);
      if (typeof item.locale !== 'string' || !/^(default|[a-z]{2}_[A-Z]{2})$/.test(item.locale))
        problems.push(`${path}.locale: must be "default" or a locale such as en_US`);
      else if (locales.has(item.locale)) problems.push(`${path}.locale: ${item.locale} appears twice`);
      else locales.add(String(item.locale));
      each(item, path);
    });
    if (!locales.has('default')) problems.push(`${field}: an entry with locale "default" is required`);
  };

  if (input.get_started !== undefined) {
    if (!isObject(input.get_started)) problems.push('get_started: must be {"payload": "…"}');
    else text('get_started.payload', input.get_started.payload, L.payloadMax);
  }
  if (input.greeting !== undefined) localized('greeting', input.greeting, (g, path) => text(`${path}.text`, g.text, L.greetingTextMax));
  if (input.ice_breakers !== undefined) {
    localized('ice_breakers', input.ice_breakers, (entry, path) => {
      const actions = entry.call_to_actions;
      if (!Array.isArray(actions) || actions.length === 0) return void problems.push(`${path}.call_to_actions: must be a non-empty array`);
      if (actions.length > L.iceBreakersMax)
        problems.push(`${path}.call_to_actions: at most ${L.iceBreakersMax} questions (got ${actions.length})`);
      actions.forEach((a: unknown, j) => {
        const p = `${path}.call_to_actions[${j}]`;
        if (!isObject(a)) return void problems.push(`${p}: must be {"question","payload"}`);
        text(`${p}.question`, a.question, L.iceBreakerQuestionMax);
        text(`${p}.payload`, a.payload, L.payloadMax);
      });
    });
  }
  if (input.persistent_menu !== undefined) {
    localized('persistent_menu', input.persistent_menu, (menu, path) => {
      if (menu.composer_input_disabled !== undefined && typeof menu.composer_input_disabled !== 'boolean')
        problems.push(`${path}.composer_input_disabled: must be true or false`);
      const items = menu.call_to_actions;
      if (!Array.isArray(items) || items.length === 0) return void problems.push(`${path}.call_to_actions: must be a non-empty array`);
      if (items.length > L.menuItemsMax) problems.push(`${path}.call_to_actions: at most ${L.menuItemsMax} items (got ${items.length})`);
      items.forEach((item: unknown, j) => {
        const p = `${path}.call_to_actions[${j}]`;
        if (!isObject(item)) return void problems.push(`${p}: must be an object`);
        text(`${p}.title`, item.title, L.menuTitleMax);
        if (item.type === 'postback') text(`${p}.payload`, item.payload, L.payloadMax);
        else if (item.type === 'web_url') {
          if (typeof item.url !== 'string' || !/^https?:\/\/\S+$/.test(item.url)) problems.push(`${p}.url: must be an http(s) URL`);
        } else
          problems.push(
            `${p}.type: must be postback or web_url (the persistent menu takes no other buttons; nested menus were removed in v8.0)`,
          );
      });
    });
    // Meta shows the menu only to people who pressed Get Started.
    if (input.get_started === undefined)
      problems.push('get_started: required with persistent_menu (Meta shows the menu only after Get Started)');
  }
  return problems;
}

/**
 * The payloads ccm sends to Meta: each is stamped with where it came from
 * (`messenger-profile:<field>`), so the postback a customer triggers arrives at the bot as a choice
 * that says "from the persistent menu" (the bot sees the original payload).
 */
export function stampProfilePayloads(profile: MessengerProfile): MessengerProfile {
  const stamp = (field: string, payload: string, index?: number) =>
    encodeChoicePayload(payload, { messageRef: `messenger-profile:${field}`, index });
  return {
    ...profile,
    ...(profile.get_started && { get_started: { payload: stamp('get_started', profile.get_started.payload) } }),
    ...(profile.ice_breakers && {
      ice_breakers: profile.ice_breakers.map((e) => ({
        ...e,
        call_to_actions: e.call_to_actions.map((a, i) => ({ ...a, payload: stamp('ice_breakers', a.payload, i) })),
      })),
    }),
    ...(profile.persistent_menu && {
      persistent_menu: profile.persistent_menu.map((m) => ({
        ...m,
        call_to_actions: m.call_to_actions.map((a, i) =>
          a.type === 'postback' ? { ...a, payload: stamp('persistent_menu', a.payload, i) } : a,
        ),
      })),
    }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
