import { DoubleAnswer } from './comment-double';

const FIELDS = ['get_started', 'greeting', 'ice_breakers', 'persistent_menu', 'whitelisted_domains', 'account_linking_url', 'commands'];

/**
 * The Messenger Profile API of the Graph API double (`GET|POST|DELETE /me/messenger_profile`, fact
 * sheet §12): stores each Page's properties, answers `{"result":"success"}`, reads them back as
 * `{"data":[{…}]}`, and refuses, like Meta with (#100), what breaks the documented limits (greeting
 * ≤ 160 with a default locale, persistent menu ≤ 20 `web_url`/`postback` items with titles ≤ 30 and
 * Get Started set, ice breakers ≤ 4, payloads ≤ 1000). Written independently of ccm's validator: it is
 * the reference ccm is tested against.
 */
export class MessengerProfileDouble {
  readonly profiles = new Map<string, Record<string, unknown>>();

  answer(
    method: string,
    path: string,
    body: Record<string, unknown>,
    pageId: string,
    query: Record<string, string>,
  ): DoubleAnswer | undefined {
    if (!/^\/(me|\d+)\/messenger_profile$/.test(path)) return undefined;
    const stored = this.profiles.get(pageId) ?? {};
    if (method === 'GET') {
      const fields = (query.fields ?? '').split(',').filter(Boolean);
      if (fields.length === 0) return { error: 400, code: 100, message: '(#100) The parameter fields is required' };
      return [200, { data: [Object.fromEntries(fields.filter((f) => stored[f] !== undefined).map((f) => [f, stored[f]]))] }];
    }
    if (method === 'DELETE') {
      for (const f of (body.fields as string[] | undefined) ?? []) delete stored[f];
      this.profiles.set(pageId, stored);
      return [200, { result: 'success' }];
    }
    if (method !== 'POST') return undefined;
    const given = Object.keys(body).filter((k) => !['access_token', 'appsecret_proof'].includes(k));
    const unknown = given.find((k) => !FIELDS.includes(k));
    if (unknown) return refuse(`Param ${unknown} is not a messenger profile property`);
    if (given.length === 0) return refuse('Requires one of the params: ' + FIELDS.join(','));
    const problem = this.check(body, stored);
    if (problem) return refuse(problem);
    this.profiles.set(pageId, { ...stored, ...Object.fromEntries(given.map((k) => [k, body[k]])) });
    return [200, { result: 'success' }];
  }

  private check(body: Record<string, unknown>, stored: Record<string, unknown>): string | undefined {
    const str = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max;
    const hasDefault = (list: { locale?: string }[]) => list.some((e) => e.locale === 'default');
    if (body.get_started !== undefined && !str((body.get_started as { payload?: unknown }).payload, 1000))
      return 'param get_started[payload] must be a non-empty string of at most 1000 characters';
    if (body.greeting !== undefined) {
      const greeting = body.greeting as { locale?: string; text?: unknown }[];
      if (!Array.isArray(greeting) || !hasDefault(greeting)) return 'param greeting must contain a default locale';
      const bad = greeting.findIndex((g) => !str(g.text, 160));
      if (bad >= 0) return `param greeting[${bad}][text] must be at most 160 characters`;
    }
    if (body.ice_breakers !== undefined) {
      const list = body.ice_breakers as { locale?: string; call_to_actions?: { question?: unknown; payload?: unknown }[] }[];
      if (!Array.isArray(list) || !hasDefault(list)) return 'param ice_breakers must contain a default locale';
      for (const [i, e] of list.entries()) {
        const actions = e.call_to_actions ?? [];
        if (actions.length === 0 || actions.length > 4) return `param ice_breakers[${i}][call_to_actions] must have 1 to 4 questions`;
        if (actions.some((a) => !str(a.question, 80) || !str(a.payload, 1000)))
          return `param ice_breakers[${i}][call_to_actions] has an invalid question or payload`;
      }
    }
    if (body.persistent_menu !== undefined) {
      if (body.get_started === undefined && stored.get_started === undefined) return 'persistent_menu requires get_started to be set';
      const menus = body.persistent_menu as { locale?: string; call_to_actions?: Record<string, unknown>[] }[];
      if (!Array.isArray(menus) || !hasDefault(menus)) return 'param persistent_menu must contain a default locale';
      for (const [i, m] of menus.entries()) {
        const items = m.call_to_actions ?? [];
        if (items.length === 0 || items.length > 20) return `param persistent_menu[${i}][call_to_actions] must have 1 to 20 items`;
        for (const [j, item] of items.entries()) {
          const at = `param persistent_menu[${i}][call_to_actions][${j}]`;
          if (item.type !== 'postback' && item.type !== 'web_url') return `${at}[type] must be postback or web_url`;
          if (!str(item.title, 30)) return `${at}[title] must be at most 30 characters`;
          if (item.type === 'postback' && !str(item.payload, 1000)) return `${at}[payload] must be at most 1000 characters`;
          if (item.type === 'web_url' && !(typeof item.url === 'string' && /^https?:\/\//.test(item.url)))
            return `${at}[url] must be a URL`;
        }
      }
    }
    return undefined;
  }
}

function refuse(message: string): DoubleAnswer {
  return { error: 400, code: 100, message: `(#100) ${message}` };
}
