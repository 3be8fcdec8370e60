import type { Logger } from 'pino';
import { symbols } from 'pino';

/** What pino keeps on a logger under its symbols (not in its public types). */
interface PinoInternals {
  [key: symbol]: unknown;
}

/** The request-line fields that vary; everything else is the logger's (level, time, bindings, mixin). */
export interface RequestLineFields {
  level: 'info' | 'warn' | 'error';
  reqId: string;
  method: string;
  url: string;
  remoteAddress: string | undefined;
  statusCode: number;
  responseTime: number;
  msg: string;
}

/**
 * pino-http's request line, written as one string instead of through pino's per-line work: for the
 * webhook route (thousands of requests a second) pino-http's request/response serializer wrappers
 * (which copy every header), the redaction pass, the secret-scrubbing hook over the message and the
 * generic stringify cost ~45 µs of CPU per request — more than the rest of the answer. The line has
 * the same fields (`reqId`, `req.{id,method,url,remoteAddress}`, `res.statusCode`, `responseTime`,
 * `msg`) and takes the level prefix, time, bindings, mixin (correlation id) and line end from the
 * logger itself, so it reads like the line pino would write (a spec compares the two).
 *
 * Returns false, writing nothing, whenever it cannot promise the same line, and the caller logs
 * through pino then: a destination that wants pino's metadata (multistream), a logger with a nested
 * key or a stream-write hook, a message that pino's secret scrubbing could change (it contains a
 * configured secret, a query string or a bearer token), or fields that redaction by name could reach
 * (none of these field names is a secret one). The caller has checked that the level is enabled.
 */
export function writeRequestLine(logger: Logger, fields: RequestLineFields, secrets: readonly string[]): boolean {
  const reqId = JSON.stringify(fields.reqId);
  const remote = fields.remoteAddress === undefined ? '' : `,"remoteAddress":${JSON.stringify(fields.remoteAddress)}`;
  return writeLogLine(
    logger,
    fields.level,
    `,"reqId":${reqId},"req":{"id":${reqId},"method":${JSON.stringify(fields.method)},"url":${JSON.stringify(fields.url)}${remote}},` +
      `"res":{"statusCode":${fields.statusCode}},"responseTime":${fields.responseTime}`,
    fields.msg,
    secrets,
  );
}

/**
 * One log line as pino would write `logger[level](object, msg)`, with `object` given already
 * serialized (`fields`: `,"key":value…`, none of them a field name that redaction or the log
 * formatter touch): the logger's level prefix, time, bindings and mixin (correlation id), then the
 * fields and the message. False, writing nothing, in the cases listed at `writeRequestLine` (the caller
 * logs through pino then). The caller has checked that the level is enabled.
 */
export function writeLogLine(logger: Logger, level: string, fields: string, msg: string, secrets: readonly string[]): boolean {
  const internals = logger as unknown as PinoInternals;
  const stream = internals[symbols.streamSym] as { write(line: string): void; [key: symbol]: unknown } | undefined;
  if (!stream || stream[symbols.needsMetadataGsym] === true) return false;
  if (internals[symbols.nestedKeySym] || (internals[symbols.hooksSym] as { streamWrite?: unknown } | undefined)?.streamWrite) return false;
  if (msg.includes('?') || msg.includes('&') || msg.includes('Bearer')) return false;
  for (const secret of secrets) if (msg.includes(secret)) return false;

  const num = logger.levels.values[level];
  const prefix = (internals[symbols.lsCacheSym] as Record<number, string>)[num];
  const time = (internals[symbols.timeSym] as () => string)();
  const chindings = internals[symbols.chindingsSym] as string;
  const messageKey = internals[symbols.messageKeySym] as string;
  const end = internals[symbols.endSym] as string;
  let mixed = '';
  const mixin = internals[symbols.mixinSym] as ((obj: object, level: number, logger: Logger) => Record<string, unknown>) | undefined;
  if (mixin) {
    const extra = mixin({}, num, logger);
    for (const key in extra) if (extra[key] !== undefined) mixed += `,${JSON.stringify(key)}:${JSON.stringify(extra[key])}`;
  }
  stream.write(`${prefix}${time}${chindings}${mixed}${fields},"${messageKey}":${JSON.stringify(msg)}${end}`);
  return true;
}
