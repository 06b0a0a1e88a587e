/**
 * The JSON text of an event's properties, as the size check that let them through serialised them
 * (`capEventSize`). The proxy writes every event to its spool as JSON: with this it need not serialise the
 * properties a second time, which was most of the cost of encoding a spool record. Held weakly by the
 * properties object, so it lives exactly as long as the event. It is the event as built: should anything
 * add to the object later (posthog-node may, on a copy or not), the spool still writes the event as built.
 */
const measured = new WeakMap<object, string>()

export function rememberPropertiesJson(properties: object, json: string): void {
  measured.set(properties, json)
}

/** The JSON remembered for these properties, if their size was checked; undefined otherwise. */
export function rememberedPropertiesJson(properties: object): string | undefined {
  return measured.get(properties)
}
