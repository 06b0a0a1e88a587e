import { chatMessages } from '../../../../shared/connectors/chat.ts'
import { chatCreate } from '../chat.ts'
import { text } from '../inputs.ts'

/** Send Prompt (`send_prompt`): the System Message, if set, then the Prompt as one user message. */
export default chatCreate({
  key: 'send_prompt',
  noun: 'Prompt',
  display: {
    label: 'Send Prompt',
    description: 'Sends a prompt to a model through the proxy and returns the answer, attributed to your end user.',
  },
  fields: [
    {
      key: 'prompt',
      label: 'Prompt',
      type: 'text',
      required: true,
      helpText: 'What to ask the model, sent as one user message. Map data from earlier steps into it.',
    },
    {
      key: 'system_message',
      label: 'System Message',
      type: 'text',
      helpText: 'Instructions sent before the prompt (for example "Answer in French, in two sentences").',
    },
  ],
  messagesOf: (z, bundle) => {
    const messages = chatMessages({ systemMessage: text(bundle.inputData.system_message), prompt: text(bundle.inputData.prompt) })
    if (!messages) throw new z.errors.Error('Prompt is empty: enter or map what to ask the model.', 'missing_prompt', 400)
    return messages
  },
})
