/**
 * Entry point. `npm run serve` runs the production server (MODE=production);
 * `npm start` with no configuration runs the sandbox: this server, a fake GitHub and
 * a Desk simulator. The sandbox never starts by accident: any production variable in
 * the environment selects production mode, and MODE=sandbox with one set is refused.
 */
import { ConfigError, PRODUCTION_VARIABLES, readConfig } from './config.js';
import { startServer } from './server.js';
import { createChannel } from './channel-factory.js';

const productionVars = PRODUCTION_VARIABLES.filter((name) => process.env[name]);
const mode = process.env.MODE ?? (productionVars.length > 0 ? 'production' : 'sandbox');

async function main(): Promise<void> {
  if (mode === 'sandbox') {
    if (productionVars.length > 0) {
      console.error(`refusing to start the sandbox while ${productionVars.join(', ')} is set; unset it or use MODE=production`);
      process.exit(2);
    }
    const { runSandbox } = await import('./sandbox/run-sandbox.js');
    await runSandbox();
    return;
  }
  if (mode !== 'production') {
    console.error('MODE must be production or sandbox');
    process.exit(2);
  }
  let config;
  try {
    config = readConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const server = await startServer(config, { channel: createChannel(config) });
  console.log(`channel server listening on ${server.url} (transport ${config.transport})`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
