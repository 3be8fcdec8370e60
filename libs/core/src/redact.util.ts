/**
 * Removes secrets from text before it is logged or stored. Graph API errors carry the request URL
 * (with `access_token` / `appsecret_proof` in the query) and sometimes headers, so every error that
 * leaves the gateway is passed through here.
 */
const SECRET_QUERY = /([?&](?:access_token|appsecret_proof|input_token)=)[^&\s"']+/gi;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;

export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text.replace(SECRET_QUERY, '$1[redacted]').replace(BEARER, '$1[redacted]');
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
