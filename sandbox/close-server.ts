import type { Server } from 'node:http';

/** Closes an HTTP server at once: idle and busy keep-alive connections are dropped, then it stops listening. */
export function closeHttpServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
