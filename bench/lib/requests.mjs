/** The chat requests every target gets. `user` is set so that the proxies build and send an event for each. */
const body = (fields) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], user: 'bench-user', ...fields })

export const BODIES = {
  json: body({}),
  stream: body({ stream: true }),
  /** The fake upstream paces this stream (5 ms between chunks) and stamps each chunk with its write time. */
  paced: body({ stream: true, messages: [{ role: 'user', content: 'bench:paced' }] }),
}

export const CHAT_PATH = '/v1/chat/completions'
