/** A Chat Completions request that cannot be sent to Gemini without changing its meaning. */
export class UntranslatableRequest extends Error {
  constructor(
    message: string,
    /** The offending parameter, as OpenAI names it in `error.param` (`messages[2].content[0].image_url`). */
    readonly param: string,
  ) {
    super(message)
  }
}
