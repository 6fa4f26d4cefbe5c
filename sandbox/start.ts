/**
 * `npm start`: with no configuration, the sandbox (this server, a fake GitHub and a
 * Desk simulator); with any production variable set, the production server. The
 * sandbox never starts by accident: MODE=sandbox with a production variable set is refused.
 */
import { PRODUCTION_VARIABLES } from '../server/config.js';
import { runService } from '../server/service.js';

const productionVars = PRODUCTION_VARIABLES.filter((name) => process.env[name]);
const mode = process.env.MODE ?? (productionVars.length > 0 ? 'production' : 'sandbox');

if (mode === 'sandbox') {
  if (productionVars.length > 0) {
    console.error(`refusing to start the sandbox while ${productionVars.join(', ')} is set; unset it or use MODE=production`);
    process.exit(2);
  }
  const { runSandbox } = await import('./run-sandbox.js');
  await runSandbox();
} else if (mode === 'production') {
  if (process.env.MODE === undefined) {
    // Said first, so a GITHUB_TOKEN left in a shell never turns the sandbox off unexplained.
    const names = productionVars.join(', ');
    console.error(
      `npm start: ${names} ${productionVars.length > 1 ? 'are' : 'is'} set, so this is the production server, not the sandbox; ` +
        `for the sandbox run: env ${productionVars.map((n) => `-u ${n}`).join(' ')} npm start`,
    );
  }
  await runService();
} else {
  console.error('MODE must be production or sandbox');
  process.exit(2);
}
