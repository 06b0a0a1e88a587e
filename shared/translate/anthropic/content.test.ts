import { describe, expect, it } from 'vitest'
import type { Json } from '../../types.ts'
import { compactContent, textBlocks, userBlocks } from './content.ts'
import { UntranslatableRequest } from '../chat.ts'

// A 1x1 PNG, as clients inline a screenshot.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='

function failure(fn: () => unknown): { message: string; param: string } {
  try {
    fn()
  } catch (error) {
    if (error instanceof UntranslatableRequest) return { message: error.message, param: error.param }
    throw error
  }
  throw new Error('expected the translation to refuse the content')
}

describe('userBlocks', () => {
  it('turns a string into one text block', () => {
    expect(userBlocks('What is the capital of France?', 'messages[0].content')).toEqual([
      { type: 'text', text: 'What is the capital of France?' },
    ])
  })

  it('turns the OpenAI vision example into a text block and a URL image block', () => {
    const content: Json = [
      { type: 'text', text: "What's in this image?" },
      {
        type: 'image_url',
        image_url: {
          url: 'https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg',
          detail: 'high',
        },
      },
    ]
    expect(userBlocks(content, 'messages[0].content')).toEqual([
      { type: 'text', text: "What's in this image?" },
      {
        type: 'image',
        source: {
          type: 'url',
          url: 'https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg',
        },
      },
    ])
  })

  it('turns a base64 data URL into a base64 image source with its media type', () => {
    const content = [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }]
    expect(userBlocks(content, 'messages[0].content')).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
    ])
  })

  it('reads image/jpg as image/jpeg', () => {
    const [block] = userBlocks([{ type: 'image_url', image_url: { url: `data:image/jpg;base64,${PNG}` } }], 'c')
    expect(block).toMatchObject({ source: { media_type: 'image/jpeg' } })
  })

  it('refuses image types Anthropic does not read, naming the field', () => {
    const content: Json = [{ type: 'text', text: 'Describe' }, { type: 'image_url', image_url: { url: `data:image/bmp;base64,${PNG}` } }]
    expect(failure(() => userBlocks(content, 'messages[1].content'))).toEqual({
      message: "Unsupported image type 'image/bmp': Anthropic models accept image/jpeg, image/png, image/gif, image/webp.",
      param: 'messages[1].content[1].image_url.url',
    })
  })

  it('refuses plain http URLs and data URLs that are not base64', () => {
    expect(failure(() => userBlocks([{ type: 'image_url', image_url: { url: 'http://example.com/cat.png' } }], 'c')).param).toBe(
      'c[0].image_url.url',
    )
    expect(failure(() => userBlocks([{ type: 'image_url', image_url: { url: 'data:image/svg+xml,<svg/>' } }], 'c')).message).toMatch(
      /base64/,
    )
  })

  it('turns an inline PDF file into a document block titled with its file name', () => {
    const content: Json = [
      { type: 'file', file: { filename: 'draconomicon.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } },
      { type: 'text', text: 'What is the first dragon in the book?' },
    ]
    expect(userBlocks(content, 'c')).toEqual([
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'draconomicon.pdf' },
      { type: 'text', text: 'What is the first dragon in the book?' },
    ])
  })

  it('refuses uploaded file ids, other file types and audio', () => {
    expect(failure(() => userBlocks([{ type: 'file', file: { file_id: 'file-6F2ksmvXxt4VdoqmHRw6kL' } }], 'c')).param).toBe('c[0].file')
    expect(failure(() => userBlocks([{ type: 'file', file: { file_data: 'data:text/csv;base64,YSxiCg==' } }], 'c')).message).toMatch(
      /text\/csv/,
    )
    expect(failure(() => userBlocks([{ type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } }], 'c'))).toEqual({
      message: 'Content part type "input_audio" is not supported for Anthropic models (text, image_url and PDF file parts are).',
      param: 'c[0].type',
    })
  })

  it('keeps cache_control set on a part', () => {
    const content = [{ type: 'text', text: '<the whole contract>', cache_control: { type: 'ephemeral' } }]
    expect(userBlocks(content, 'c')).toEqual([{ type: 'text', text: '<the whole contract>', cache_control: { type: 'ephemeral' } }])
  })

  it('leaves out blank text, which Anthropic refuses', () => {
    expect(userBlocks('  ', 'c')).toEqual([])
    expect(userBlocks([{ type: 'text', text: '' }, { type: 'text', text: 'Hi' }], 'c')).toEqual([{ type: 'text', text: 'Hi' }])
  })

  it('refuses content that is neither a string nor parts', () => {
    expect(failure(() => userBlocks(42, 'messages[3].content'))).toEqual({
      message: 'Message content must be a string or an array of content parts.',
      param: 'messages[3].content',
    })
  })
})

describe('textBlocks', () => {
  it('reads text parts, and refusal parts when allowed', () => {
    expect(textBlocks([{ type: 'text', text: 'You are terse.' }], 'c')).toEqual([{ type: 'text', text: 'You are terse.' }])
    expect(textBlocks([{ type: 'refusal', refusal: "I can't help with that." }], 'c', true)).toEqual([
      { type: 'text', text: "I can't help with that." },
    ])
  })

  it('has no block for missing content', () => {
    expect(textBlocks(null, 'c')).toEqual([])
    expect(textBlocks(undefined, 'c')).toEqual([])
  })

  it('refuses an image where only text is possible', () => {
    expect(failure(() => textBlocks([{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }], 'messages[0].content'))).toEqual({
      message: 'Only text content parts are supported in this message.',
      param: 'messages[0].content[0]',
    })
  })
})

describe('compactContent', () => {
  it('writes a lone plain text block as a string, anything else as blocks', () => {
    expect(compactContent([{ type: 'text', text: 'Hi' }])).toBe('Hi')
    const cached = [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }]
    expect(compactContent(cached)).toEqual(cached)
    const two = [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }]
    expect(compactContent(two)).toEqual(two)
  })
})
