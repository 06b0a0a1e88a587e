/** The OpenAI Chat Completions side that every translation shares. */

/** `finish_reason` values a translated answer can carry. */
export type ChatFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter'

/**
 * A Chat Completions request that cannot be sent to another API without changing the answer. Thrown by
 * the translation helpers; each translator's entry point returns it as `{ ok: false, message, param }`.
 */
export class UntranslatableRequest extends Error {
  constructor(
    message: string,
    /** The offending field, as OpenAI names it in `error.param` (e.g. `messages[2].content[1].image_url.url`). */
    readonly param: string,
  ) {
    super(message)
  }
}
