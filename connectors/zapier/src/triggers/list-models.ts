import { defineTrigger } from 'zapier-platform-core'
import { listModels } from '../models.ts'

/** Hidden: feeds the actions' Model dropdown (`list_models.id.name`) from the proxy's `GET /models`. */
export default defineTrigger({
  key: 'list_models',
  noun: 'Model',
  display: {
    label: 'List Models',
    description: 'Triggers when a model is listed by the proxy (feeds the Model dropdown).',
    hidden: true,
  },
  operation: {
    type: 'polling',
    perform: listModels,
    outputFields: [
      { key: 'id', label: 'Model ID', type: 'string', required: true },
      { key: 'name', label: 'Name', type: 'string', required: true },
    ],
    sample: { id: 'openai/gpt-4o-mini', name: 'openai/gpt-4o-mini' },
  },
})
