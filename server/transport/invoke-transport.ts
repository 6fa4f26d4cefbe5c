import type { InvokeClient } from '../desk/invoke-client.js';
import { callSignal, resolveTarget, type OutboundRequest, type OutboundResponse, type Transport } from './transport.js';

/**
 * Sends the call through Desk's Invoke API with the connector's connection (TRANSPORT=invoke):
 * Desk adds the OAuth token, so the server never holds it. Desk may hide the target's
 * response headers; the connector then has no ETags or rate-limit figures and backs
 * off on the status alone.
 */
export class InvokeTransport implements Transport {
  constructor(
    private readonly client: InvokeClient,
    private readonly apiRoot: string,
    private readonly installation: { orgId: string; securityContext: string; connectionLinkName: string },
    private readonly queryIn: 'url' | 'params' = 'url',
  ) {}

  async send(r: OutboundRequest): Promise<OutboundResponse> {
    const url = resolveTarget(this.apiRoot, r.target, r.query);
    // Zoho's samples put the target's query inside requestURL and never send queryParams
    // (twilio/common-functions.php, github/DeskUtility.java); whether Desk signs
    // queryParams is unproven. So by default the query travels in requestURL, the one
    // field every convention signs; INVOKE_QUERY=params moves it to queryParams.
    const query: Record<string, string> = this.queryIn === 'params' ? Object.fromEntries(url.searchParams) : {};
    if (this.queryIn === 'params') url.search = '';
    // The call's own time limit, as in the direct transport (Desk's client adds its own ceiling).
    const signal = callSignal(r);
    const result = await this.client.call({
      orgId: this.installation.orgId,
      securityContext: this.installation.securityContext,
      connectionLinkName: this.installation.connectionLinkName,
      requestURL: url.toString(),
      requestType: r.method,
      queryParams: query,
      headers: { ...r.headers },
      ...(r.body !== undefined ? { postBody: r.body } : {}),
      signal,
    });
    const headersVisible = Object.keys(result.headers).length > 0;
    return { status: result.status, headers: result.headers, body: result.body, headersVisible };
  }
}
