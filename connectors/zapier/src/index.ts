/** The Zapier app: this module's default export is the app definition (package `main`, SPEC §8). */
import zapier, { defineApp } from 'zapier-platform-core'
import packageJson from '../package.json' with { type: 'json' }
import authentication from './authentication.ts'
import sendChatMessages from './creates/send-chat-messages.ts'
import sendPrompt from './creates/send-prompt.ts'
import { addBearerKey, proxyErrors } from './middleware.ts'
import listModels from './triggers/list-models.ts'

export default defineApp({
  version: packageJson.version,
  platformVersion: zapier.version,
  authentication,
  beforeRequest: [addBearerKey],
  afterResponse: [proxyErrors],
  // proxyErrors throws the ThrottledError for a 429 itself, with the proxy's message.
  flags: { throwForThrottlingEarly: false },
  triggers: { [listModels.key]: listModels },
  creates: { [sendPrompt.key]: sendPrompt, [sendChatMessages.key]: sendChatMessages },
})
