import { pino, type Logger, type DestinationStream } from 'pino';

/**
 * The server's logger. Secrets are kept out in two ways: structured fields that can hold
 * them are redacted by path, and every line is scrubbed of the configured secret values
 * before it is written, so a secret that slips into a message is still never written.
 * securityContext is per request and cannot be listed, so it is never logged at all:
 * request lines carry the route, never the query string.
 */
export function createLogger(options: { level: string; secrets: string[]; destination?: { write(line: string): unknown } }): Logger {
  const out = options.destination ?? process.stdout;
  const secrets = options.secrets.filter((s) => s.length >= 4);
  const scrubbing: DestinationStream = {
    write(line: string) {
      let clean = line;
      for (const s of secrets) if (clean.includes(s)) clean = clean.split(s).join('[REDACTED]');
      out.write(clean);
    },
  };
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: {
        paths: [
          'securityContext',
          '*.securityContext',
          'query',
          '*.query',
          'headers.hash',
          'headers.authorization',
          '*.headers.hash',
          '*.headers.authorization',
          'token',
          '*.token',
          'secret',
          '*.secret',
        ],
        censor: '[REDACTED]',
      },
    },
    scrubbing,
  );
}
