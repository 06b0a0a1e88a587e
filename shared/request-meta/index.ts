/**
 * The proxy's own request headers (SPEC §2): `X-Openstack-Trace-Id`, `-Session-Id`, `-Span-Name`,
 * `-Property-NAME`. They feed the event and are never forwarded upstream.
 */

export const OPENSTACK_HEADER_PREFIX = 'x-openstack-'
const PROPERTY_PREFIX = 'x-openstack-property-'

export const MAX_TRACE_ID_LENGTH = 200
export const MAX_PROPERTIES = 20
export const MAX_PROPERTY_VALUE_LENGTH = 1000
// Session ids and span names have no documented limit; this keeps one header from bloating every event.
export const MAX_LABEL_LENGTH = 1000

// PostHog's documented trace-id alphabet.
const TRACE_ID_PATTERN = /^[A-Za-z0-9\-_~.@()!':|]+$/

export interface RequestMeta {
  traceId: string
  sessionId: string | null
  spanName: string | null
  /** Custom event properties, names lower-cased. */
  properties: Record<string, string>
}

export type RequestMetaResult = { ok: true; meta: RequestMeta } | { ok: false; header: string; message: string }

export function isOpenstackHeader(name: string): boolean {
  return name.toLowerCase().startsWith(OPENSTACK_HEADER_PREFIX)
}

/** Reads the `X-Openstack-*` headers; `newTraceId` supplies the id when the client sent none. */
export function readRequestMeta(headers: Headers, newTraceId: () => string): RequestMetaResult {
  const traceHeader = headers.get('x-openstack-trace-id')?.trim()
  let traceId = newTraceId()
  if (traceHeader) {
    if (traceHeader.length > MAX_TRACE_ID_LENGTH || !TRACE_ID_PATTERN.test(traceHeader)) {
      return fail(
        'X-Openstack-Trace-Id',
        `must be 1-${MAX_TRACE_ID_LENGTH} characters of letters, digits and - _ ~ . @ ( ) ! ' : |`,
      )
    }
    traceId = traceHeader
  }

  const labels: Record<'sessionId' | 'spanName', string | null> = { sessionId: null, spanName: null }
  for (const [key, header] of [
    ['sessionId', 'X-Openstack-Session-Id'],
    ['spanName', 'X-Openstack-Span-Name'],
  ] as const) {
    const value = headers.get(header)?.trim()
    if (!value) continue
    if (value.length > MAX_LABEL_LENGTH) return fail(header, `is longer than ${MAX_LABEL_LENGTH} characters`)
    labels[key] = value
  }

  const properties: Record<string, string> = {}
  let count = 0
  for (const [name, value] of headers) {
    if (!name.startsWith(PROPERTY_PREFIX)) continue
    const header = `X-Openstack-Property-${name.slice(PROPERTY_PREFIX.length)}`
    const property = name.slice(PROPERTY_PREFIX.length).toLowerCase()
    if (property === '') return fail(header, 'needs a property name after X-Openstack-Property-')
    if (property.startsWith('$')) return fail(header, 'names a property starting with `$`, which PostHog reserves')
    if (++count > MAX_PROPERTIES) return fail(header, `is one more than the ${MAX_PROPERTIES} custom properties allowed`)
    if (value.length > MAX_PROPERTY_VALUE_LENGTH) {
      return fail(header, `has a value longer than ${MAX_PROPERTY_VALUE_LENGTH} characters`)
    }
    properties[property] = value
  }

  return { ok: true, meta: { traceId, ...labels, properties } }
}

function fail(header: string, problem: string): RequestMetaResult {
  return { ok: false, header, message: `Header ${header} ${problem}.` }
}
