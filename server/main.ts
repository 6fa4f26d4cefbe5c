/**
 * Entry point of the production server: `npm run build` compiles it to
 * dist/server/main.js and `npm run serve` runs that with node (no compiler on start).
 * It never runs the sandbox: the sandbox is not even compiled into dist/.
 */
import { runService } from './service.js';

await runService();
