import { readFileSync } from 'node:fs'
import type { INodeType, IWorkflowBase } from 'n8n-workflow'
import { describe, expect, it } from 'vitest'
import { LmChatOpenStack } from '../../../connectors/n8n/nodes/LmChatOpenStack/LmChatOpenStack.node.ts'
import { OpenStack } from '../../../connectors/n8n/nodes/OpenStack/OpenStack.node.ts'

const OURS: Record<string, INodeType> = {
  'n8n-nodes-openstack.openStack': new OpenStack(),
  'n8n-nodes-openstack.lmChatOpenStack': new LmChatOpenStack(),
}

function example(name: string): IWorkflowBase {
  return JSON.parse(readFileSync(new URL(`../../../connectors/n8n/examples/${name}`, import.meta.url), 'utf8'))
}

// The README points users at these files: they must keep matching the nodes' parameters.
describe.each([
  ['openstack-chat.workflow.json', ['n8n-nodes-base.manualTrigger', 'n8n-nodes-openstack.openStack']],
  ['ai-agent.workflow.json', ['n8n-nodes-base.manualTrigger', '@n8n/n8n-nodes-langchain.agent', 'n8n-nodes-openstack.lmChatOpenStack']],
])('example %s', (file, types) => {
  const workflow = example(file)

  it('has the expected nodes, connected by name', () => {
    expect(workflow.nodes.map((n) => n.type)).toEqual(types)
    const names = new Set(workflow.nodes.map((n) => n.name))
    for (const [from, outputs] of Object.entries(workflow.connections)) {
      expect(names).toContain(from)
      for (const connection of Object.values(outputs).flat(2)) expect(names).toContain(connection?.node)
    }
  })

  it("sets only our nodes' parameters, the user id from an expression, and the OpenStack API credential", () => {
    for (const node of workflow.nodes.filter((n) => n.type in OURS)) {
      const description = OURS[node.type]?.description
      expect(node.typeVersion).toBe(1)
      const known = description?.properties.map((p) => p.name)
      expect(Object.keys(node.parameters).filter((name) => !known?.includes(name))).toEqual([])
      expect(node.parameters.userId).toMatch(/^=\{\{.+\}\}$/)
      expect(Object.keys(node.credentials ?? {})).toEqual(['openStackApi'])
    }
  })
})
