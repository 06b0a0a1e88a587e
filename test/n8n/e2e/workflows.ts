/**
 * The credential and the three workflows the end-to-end test imports into n8n, written as a user's saved workflow
 * would be (n8n's export format), with the package's public names (SPEC §8): a change to those names breaks these.
 */
import { PACKAGE_NAME } from './n8n.ts'

export const CREDENTIAL = { id: 'osE2eCredential1', name: 'OpenStack e2e' } as const

/** Model the fake upstream answers for; the proxy routes it to the `openai` provider. */
export const MODEL = 'gpt-4o-mini'
export const PROMPT = 'Say hello'

/**
 * Node type versions that n8n 2.41.1 ships as the defaults of @n8n/n8n-nodes-langchain
 * (dist/nodes/chains/ChainLLM/ChainLlm.node.js `defaultVersion`, dist/nodes/agents/Agent/Agent.node.js).
 */
export const CHAIN_LLM = { type: '@n8n/n8n-nodes-langchain.chainLlm', typeVersion: 1.9 } as const
export const AGENT = { type: '@n8n/n8n-nodes-langchain.agent', typeVersion: 3.1 } as const

export interface WorkflowCase {
  id: string
  name: string
  /** distinct_id the run must produce. */
  userId: string
  /** Node whose output holds the answer, and the field of its first item that holds the text. */
  outputNode: string
  textField: string
  workflow: Record<string, unknown>
}

/** The file `n8n import:credentials` reads: a plain `data` object is encrypted on import. */
export function credentialsFile(baseUrl: string, apiKey: string) {
  return [{ id: CREDENTIAL.id, name: CREDENTIAL.name, type: 'openStackApi', data: { baseUrl, apiKey } }]
}

const credentials = { openStackApi: { id: CREDENTIAL.id, name: CREDENTIAL.name } }

const TRIGGER = 'When clicking Execute workflow'
const trigger = {
  id: '0b6c2d44-0000-4000-8000-000000000001',
  name: TRIGGER,
  type: 'n8n-nodes-base.manualTrigger',
  typeVersion: 1,
  position: [0, 0],
  parameters: {},
}

function workflow(id: string, name: string, nodes: object[], connections: Record<string, unknown>) {
  return { id, name, active: false, nodes: [trigger, ...nodes], connections, settings: { executionOrder: 'v1' }, pinData: {} }
}

const main = (node: string) => ({ main: [[{ node, type: 'main', index: 0 }]] })
const languageModel = (node: string) => ({ ai_languageModel: [[{ node, type: 'ai_languageModel', index: 0 }]] })

function chatModel(userId: string) {
  return {
    id: '0b6c2d44-0000-4000-8000-000000000003',
    name: 'OpenStack Chat Model',
    type: `${PACKAGE_NAME}.lmChatOpenStack`,
    typeVersion: 1,
    position: [200, 200],
    parameters: { model: MODEL, userId, options: {} },
    credentials,
  }
}

function messageWorkflow(id: string, name: string, userId: string) {
  const node = {
    id: '0b6c2d44-0000-4000-8000-000000000002',
    name: 'OpenStack',
    type: `${PACKAGE_NAME}.openStack`,
    typeVersion: 1,
    position: [200, 0],
    parameters: {
      resource: 'chat',
      operation: 'message',
      model: MODEL,
      prompt: PROMPT,
      userId,
      simplify: true,
      options: {},
    },
    credentials,
  }
  return workflow(id, name, [node], { [TRIGGER]: main('OpenStack') })
}

/** a. The action node, "Message a Model", its user id from an expression. */
export const messageCase: WorkflowCase = {
  id: 'osE2eMessage00001',
  name: 'OpenStack e2e: Message a Model',
  userId: 'n8n-user-42',
  outputNode: 'OpenStack',
  textField: 'text',
  workflow: messageWorkflow('osE2eMessage00001', 'OpenStack e2e: Message a Model', "={{ 'n8n-user-' + 42 }}"),
}

/** The action node with a user id expression that gives nothing (the trigger's item is empty): it must refuse. */
export const NO_USER_WORKFLOW_ID = 'osE2eNoUser000001'
export const noUserWorkflow = messageWorkflow(NO_USER_WORKFLOW_ID, 'OpenStack e2e: no user id', '={{ $json.userId }}')

/** b. Basic LLM Chain with the chat-model sub-node. */
export const chainCase: WorkflowCase = {
  id: 'osE2eChain0000001',
  name: 'OpenStack e2e: Basic LLM Chain',
  userId: 'n8n-chain-user-7',
  outputNode: 'Basic LLM Chain',
  textField: 'text',
  workflow: workflow(
    'osE2eChain0000001',
    'OpenStack e2e: Basic LLM Chain',
    [
      {
        id: '0b6c2d44-0000-4000-8000-000000000004',
        name: 'Basic LLM Chain',
        ...CHAIN_LLM,
        position: [200, 0],
        parameters: { promptType: 'define', text: PROMPT },
      },
      chatModel('n8n-chain-user-7'),
    ],
    { [TRIGGER]: main('Basic LLM Chain'), 'OpenStack Chat Model': languageModel('Basic LLM Chain') },
  ),
}

/** c. AI Agent (no tools) with the chat-model sub-node. */
export const agentCase: WorkflowCase = {
  id: 'osE2eAgent0000001',
  name: 'OpenStack e2e: AI Agent',
  userId: 'n8n-agent-user-9',
  outputNode: 'AI Agent',
  textField: 'output',
  workflow: workflow(
    'osE2eAgent0000001',
    'OpenStack e2e: AI Agent',
    [
      {
        id: '0b6c2d44-0000-4000-8000-000000000005',
        name: 'AI Agent',
        ...AGENT,
        position: [200, 0],
        parameters: { promptType: 'define', text: PROMPT, options: {} },
      },
      chatModel('n8n-agent-user-9'),
    ],
    { [TRIGGER]: main('AI Agent'), 'OpenStack Chat Model': languageModel('AI Agent') },
  ),
}

export const CASES = [messageCase, chainCase, agentCase]
