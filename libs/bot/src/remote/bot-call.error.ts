/**
 * Why a remote bot turn failed, in words fit for the log line the conversation handler writes
 * ("bot failed: <message>"). Every failure of a remote connector is one of these, so the handler
 * treats them alike: ERROR_MESSAGE_RESPONSE to the customer, hand-over under DEFAULT.
 */
export type BotFailureKind = 'timeout' | 'unreachable' | 'http_status' | 'bad_response' | 'circuit_open';

export class BotCallError extends Error {
  constructor(
    readonly connector: string,
    readonly kind: BotFailureKind,
    reason: string,
  ) {
    super(`${connector} bot: ${reason}`);
    this.name = 'BotCallError';
  }
}
