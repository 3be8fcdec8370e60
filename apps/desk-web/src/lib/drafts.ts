/**
 * Drafts per conversation, kept in localStorage so they survive reloads, session expiry and
 * restarts. Keyed by agent and conversation: a draft never follows the agent into another chat.
 */
export interface DraftStore {
  get(conversationId: string): string;
  set(conversationId: string, text: string): void;
}

export function draftStore(agentId: string, storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> = localStorage): DraftStore {
  const key = (id: string) => `ccm.draft.${agentId}.${id}`;
  return {
    get: (id) => storage.getItem(key(id)) ?? '',
    set: (id, text) => (text ? storage.setItem(key(id), text) : storage.removeItem(key(id))),
  };
}
