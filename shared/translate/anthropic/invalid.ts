/**
 * A Chat Completions request that cannot be expressed for Anthropic without changing the answer. Thrown by
 * the translation helpers, returned as `{ ok: false }` by chatToMessagesRequest.
 */
export class UntranslatableRequest extends Error {
  /** The offending field, as OpenAI names it in `error.param` (e.g. `messages[2].content[1].image_url.url`). */
  readonly param: string

  constructor(message: string, param: string) {
    super(message)
    this.param = param
  }
}
