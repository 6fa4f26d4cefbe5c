export interface EnvelopeShape {
  includeStatus: boolean;
  includeHeaders: boolean;
  statusMessageAs: 'object' | 'string';
}

/**
 * INVOKE_API_RESPONSE_OBJECT as the samples show it (§6.4): HTTP 200, `{"response": "<JSON
 * string>"}`, the inner object carrying the target's status code, its body as
 * statusMessage (parsed JSON, or the JSON text again: both occur) and its headers. Which
 * of these Desk really includes is open question 12, hence the shape options, so the
 * client can be tested against the poorer variants.
 */
export function invokeEnvelope(shape: EnvelopeShape, statusCode: number, bodyText: string, headers: Record<string, string>): { response: string } {
  const inner: Record<string, unknown> = {};
  if (shape.includeStatus) inner.statusCode = statusCode;
  inner.statusMessage = shape.statusMessageAs === 'object' ? parsedOrText(bodyText) : bodyText;
  if (shape.includeHeaders) inner.headers = headers;
  return { response: JSON.stringify(inner) };
}

/** A non-JSON body (HTML error page, empty 204) stays the text it is. */
function parsedOrText(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
