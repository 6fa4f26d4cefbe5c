import { AppError } from '../errors.js';
import type { InvokeClient } from '../desk/invoke-client.js';
import type { SyncObject } from '../desk/wire-types.js';

export interface ImportInstallation {
  orgId: string;
  securityContext: string;
}

/**
 * Desk's "Push-Data to Desk" (protocol §5): the SYNC object POSTed to
 * `/api/v1/channels/{{installationId}}/import` through Invoke with the Desk connection
 * (zohoAuthorisation), as Zoho's GitHub sample does (DeskUtility.java). Desk fills in
 * the installation id.
 */
export class DeskImporter {
  calls = 0;
  constructor(
    private readonly invoke: InvokeClient,
    private readonly deskApiUrl: string,
    private readonly connectionLinkName: string,
  ) {}

  async import(who: ImportInstallation, sync: SyncObject): Promise<void> {
    this.calls++;
    const res = await this.invoke.call({
      orgId: who.orgId,
      securityContext: who.securityContext,
      requestURL: `${this.deskApiUrl.replace(/\/$/, '')}/api/v1/channels/{{installationId}}/import`,
      requestType: 'POST',
      headers: { orgId: who.orgId, 'Content-Type': 'application/json' },
      postBody: JSON.stringify(sync),
      connectionLinkName: this.connectionLinkName,
    });
    if (res.status >= 400) throw new AppError('DESK_IMPORT_REFUSED', `Desk's import answered ${res.status}`);
  }
}
