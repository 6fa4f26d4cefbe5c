import type { ConnectorModule } from '../../../server/connectors/module.js';
import { enginePull } from '../../../server/sync/engine.js';
import { enginePush } from '../../../server/replies/engine.js';
import { jsonFeedConnector } from './connector.js';
import { feedDeliveries, hookKeeper } from './deliveries.js';
import { feedReplies } from './replies.js';

/** The JSON feed as a whole connector: pull, replies and deliveries, through the same seams as GitHub. */
export const jsonFeedModule: ConnectorModule = {
  name: 'json-feed',
  service: 'JSON feed',
  env: { prefix: 'FEED', apiUrl: 'https://feed.invalid', webUrl: 'https://feed.invalid', connection: 'feed' },
  directHeaders: (token) => ({ authorization: `Bearer ${token}`, accept: 'application/json' }),
  create(config, deps) {
    const now = deps.now ?? Date.now;
    const secret = config.extensionSecret;
    const keepHooks = config.publicUrl ? hookKeeper(secret, config.publicUrl) : undefined;
    return {
      channel: {
        pull: enginePull(jsonFeedConnector({ transportFor: deps.transportFor, secret, keepHooks }), { limits: config.pull, now }),
        push: enginePush(feedReplies({ secret, transportFor: deps.transportFor }), { now, claims: deps.claims }),
        redirect: () => undefined,
      },
      ...(config.publicUrl ? { deliveries: feedDeliveries(secret) } : {}),
    };
  },
};
