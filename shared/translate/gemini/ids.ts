/** Ids for what Gemini does not name itself, in OpenAI's formats. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

function randomId(prefix: string, length: number): string {
  let id = prefix
  // The modulo's slight bias does not matter for ids that only need to be unique.
  for (const byte of crypto.getRandomValues(new Uint8Array(length))) id += ALPHABET[byte % ALPHABET.length]
  return id
}

/** `chatcmpl-` + 29 characters, like OpenAI's completion ids. */
export function newCompletionId(): string {
  return randomId('chatcmpl-', 29)
}

/** `call_` + 24 characters, like OpenAI's tool call ids. */
export function newToolCallId(): string {
  return randomId('call_', 24)
}
