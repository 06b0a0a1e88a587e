/** What both actions share: their perform (inputs checked, user id first; the call; the answer) and their shape. */
import { type Bundle, defineCreate, type PlainInputField, type ZObject } from 'zapier-platform-core'
import { type ChatMessage, samplingFields } from '../../../shared/connectors/chat.ts'
import { userHeaders } from '../../../shared/connectors/user-id.ts'
import { answerOutputFields, answerSample, type ProxyAnswer, proxyAnswer } from './answer.ts'
import { proxyBaseUrl } from './connection.ts'
import { advancedFields, jsonOutputField, modelField, showAdvancedField, userIdField } from './fields.ts'
import { isOn, optionalNumber, requireModel, requireUserId } from './inputs.ts'
import { callProxy } from './request.ts'

/** Reads an action's own messages from its inputs; throws a z.errors.Error when there is nothing to send. */
export type MessagesOf = (z: ZObject, bundle: Bundle) => ChatMessage[]

export function chatPerform(messagesOf: MessagesOf): (z: ZObject, bundle: Bundle) => Promise<ProxyAnswer> {
  return async (z, bundle) => {
    const userId = requireUserId(z, bundle)
    const model = requireModel(z, bundle.inputData.model)
    const messages = messagesOf(z, bundle)
    const jsonOutput = isOn(bundle.inputData.json_output)
    // Hidden advanced fields may keep old values: they count only while shown.
    const advanced = isOn(bundle.inputData.show_advanced)
    const options = samplingFields({
      temperature: advanced ? optionalNumber(z, bundle.inputData.temperature, 'Temperature') : undefined,
      maxTokens: advanced ? optionalNumber(z, bundle.inputData.max_tokens, 'Max Tokens', true) : undefined,
      jsonOutput,
    })
    const response = await callProxy(z, {
      url: `${proxyBaseUrl(z, bundle)}/chat/completions`,
      method: 'POST',
      headers: { Accept: 'application/json', ...userHeaders(userId) },
      body: { model, messages, user: userId, ...options },
    })
    const answer = proxyAnswer(response, model)
    if (jsonOutput) requireJson(z, answer.text)
    return answer
  }
}

/** With JSON Output on, Text must parse: a later step would fail on it less clearly. */
function requireJson(z: ZObject, text: string): void {
  try {
    JSON.parse(text)
  } catch {
    throw new z.errors.Error(`JSON Output is on, but the model's answer is not valid JSON. It starts with: ${text.slice(0, 200)}`, 'invalid_json_answer')
  }
}

/**
 * A chat action: Model and End User first, then its own fields, then JSON Output and the advanced options;
 * the flat answer as output, with its sample.
 */
export function chatCreate<const Key extends string>(action: {
  key: Key
  noun: string
  display: { label: string; description: string }
  fields: PlainInputField[]
  messagesOf: MessagesOf
}) {
  return defineCreate({
    key: action.key,
    noun: action.noun,
    display: action.display,
    operation: {
      inputFields: [modelField, userIdField, ...action.fields, jsonOutputField, showAdvancedField, advancedFields],
      perform: chatPerform(action.messagesOf),
      outputFields: [...answerOutputFields],
      sample: answerSample,
    },
  })
}
