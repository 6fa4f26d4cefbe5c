import { engineInvariants } from './engine-invariants.js';
import { channelInvariants } from './channel-invariants.js';
import { gitHubChannelHarness, gitHubEngineHarness } from '../connectors/github/harness.js';
import { feedChannelHarness, feedEngineHarness } from '../connectors/json-feed/harness.js';

// The invariant suites (test/sync) and the connectors they run against: one line each.
// The pull (engine-invariants.ts):
engineInvariants('GitHub', gitHubEngineHarness);
engineInvariants('JSON feed (test-only)', feedEngineHarness);
// Deliveries and replies through the real server (channel-invariants.ts):
channelInvariants('GitHub', gitHubChannelHarness);
channelInvariants('JSON feed (test-only)', feedChannelHarness);
