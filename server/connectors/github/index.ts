import type { ConnectorModule } from '../module.js';
import { GITHUB_ENVIRONMENT } from '../environments.js';
import { directHeaders } from './api.js';
import { gitHubChannel, type GitHubChannelOptions } from './github-channel.js';
import { InstalledHookUrls } from './webhooks/installed-urls.js';
import { gitHubDeliveries } from './webhooks/deliveries.js';
import { hookKeys } from './webhooks/seal.js';
import { StoryReadCounts } from './webhooks/story-metrics.js';
import { StoryReads } from './webhooks/story-reads.js';
import { removeHooksOnUninstall } from './webhooks/uninstall.js';
import { LoopHooks } from './loop-hooks.js';
import { GITHUB_HINTS } from './hints.js';

/** GitHub Issues: repositories as sources, issue comments as replies, repository webhooks as deliveries. */
export const gitHubModule: ConnectorModule = {
  ...GITHUB_ENVIRONMENT,
  service: 'GitHub',
  hints: GITHUB_HINTS,
  directHeaders,
  create(config, deps) {
    const now = deps.now ?? Date.now;
    const channelOf = (more: Partial<GitHubChannelOptions>) =>
      gitHubChannel({ config, claims: deps.claims, escalation: deps.escalation, transportFor: deps.transportFor, now, ...more });
    const publicUrl = config.publicUrl;
    if (!publicUrl) return { channel: channelOf({}) };
    const keys = hookKeys(config.extensionSecret);
    // The URL each hook should carry, as this process's pulls installed it: deliveries through others are dropped.
    const installed = new InstalledHookUrls(now);
    const storyCounts = new StoryReadCounts();
    const channel = channelOf({
      webhooks: { publicUrl, keys, installed, loopHooks: new LoopHooks() },
      extraMetricLines: () => storyCounts.lines(),
    });
    return {
      channel,
      deliveries: gitHubDeliveries({
        keys,
        extensionSecret: config.extensionSecret,
        now,
        transportFor: deps.transportFor,
        storyReads: new StoryReads(2, Date.now, storyCounts.count),
        installed,
        escalation: deps.escalation,
      }),
      onUninstall: (body, log) => removeHooksOnUninstall({ keys, publicUrl, transportFor: deps.transportFor }, body, log),
    };
  },
};
