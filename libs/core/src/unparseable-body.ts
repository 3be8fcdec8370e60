/**
 * What an API route receives as its body when the bytes were not JSON. The API's validation pipe
 * answers it with its own error shape (a framework-level parser error could not carry the API's
 * error code); the webhook never sees it (it gets raw bytes).
 */
export class UnparseableJsonBody {
  constructor(readonly reason: string) {}
}
