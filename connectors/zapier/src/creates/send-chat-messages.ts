import type { ZObject } from 'zapier-platform-core'
import { type ChatMessage, CHAT_ROLES, chatMessages, isChatRole } from '../../../../shared/connectors/chat.ts'
import { asObject } from '../../../../shared/json.ts'
import { chatCreate } from '../chat.ts'
import { text } from '../inputs.ts'

/**
 * The Messages line items as sent: rows in order, each with a role (blank means user) and content; rows
 * without content are skipped (Zapier hands over empty rows), a role other than system/user/assistant stops.
 * Without line items Zapier may give the children's values at the top level: that is one message.
 */
function lineItemMessages(z: ZObject, inputData: Record<string, unknown>): ChatMessage[] {
  const rows: unknown[] = Array.isArray(inputData.messages) ? inputData.messages : [{ role: inputData.role, content: inputData.content }]
  const messages: ChatMessage[] = []
  rows.forEach((raw, index) => {
    const row = asObject(raw) ?? {}
    const content = text(row.content)
    if (content.trim() === '') return
    const role = text(row.role).trim().toLowerCase() || 'user'
    if (!isChatRole(role)) {
      throw new z.errors.Error(`Message ${index + 1} has the role "${text(row.role)}": use one of ${CHAT_ROLES.join(', ')}.`, 'invalid_role', 400)
    }
    messages.push({ role, content })
  })
  return messages
}

/** Send Chat Messages (`send_chat_messages`): a conversation, as line items, sent in order. */
export default chatCreate({
  key: 'send_chat_messages',
  noun: 'Message',
  display: {
    label: 'Send Chat Messages',
    description: 'Sends a conversation of system, user and assistant messages to a model through the proxy and returns the answer, attributed to your end user.',
  },
  fields: [
    {
      key: 'messages',
      label: 'Messages',
      required: true,
      // No helpText here: the schema refuses it beside `children`, so the children explain themselves.
      children: [
        {
          key: 'role',
          label: 'Role',
          required: true,
          choices: CHAT_ROLES.map((role) => ({ value: role, label: role[0]?.toUpperCase() + role.slice(1), sample: role })),
          helpText: 'Who says it: system (instructions), user, or assistant (an earlier answer). Messages are sent in order.',
        },
        {
          key: 'content',
          label: 'Content',
          type: 'text',
          required: true,
          helpText: 'The text of the message. Map line items from an earlier step, or add rows by hand; rows without content are skipped.',
        },
      ],
    },
  ],
  messagesOf: (z, bundle) => {
    const messages = chatMessages({ messages: lineItemMessages(z, bundle.inputData) })
    if (!messages) throw new z.errors.Error('Messages is empty: add at least one message with content.', 'missing_messages', 400)
    return messages
  },
})
