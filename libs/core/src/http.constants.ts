/**
 * Every channel's webhook lives under this prefix. Bodies posted here reach the controller as the
 * raw bytes (a Buffer), unparsed, so the signature is verified before anything is parsed.
 */
export const WEBHOOK_PATH_PREFIX = '/ccm/webhook';

/** Meta's webhook body limit we accept; larger bodies are refused with 413 before anything is stored. */
export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
