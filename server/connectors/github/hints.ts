import type { ErrorCode } from '../../errors.js';

/** The catalogue's hints in GitHub's words (README's error table shows these). */
export const GITHUB_HINTS: Partial<Record<ErrorCode, string>> = {
  BAD_SIGNATURE: "The delivery's X-Hub-Signature-256 is missing or does not match the hook's secret.",
  WRONG_REPOSITORY: 'The delivery is about another repository than the hook it arrived at.',
  STATE_INVALID: 'channelState names a repository or hook this server did not write: it is ignored and nothing on GitHub is touched.',
  REPLY_TOO_LONG: 'The reply is longer than GitHub accepts for a comment (65,536 characters): shorten it or split it.',
  REPLY_TARGET_INVALID: 'The reply names no GitHub issue of this channel.',
  ISSUE_LOCKED: 'The GitHub issue is locked: unlock it on GitHub to reply.',
  ISSUE_NOT_FOUND: 'The GitHub issue no longer exists or was transferred.',
  UPSTREAM_UNAUTHORIZED: "GitHub is not authorised: open the extension's Connections and authorise GitHub.",
  UPSTREAM_FORBIDDEN: 'GitHub refused access: the authorised account needs read access to the repository (and write access to reply).',
  SOURCE_NOT_FOUND: 'The repository does not exist or the authorised GitHub account cannot see it: check the repositories setting.',
  SOURCE_DISABLED: 'Issues are disabled for this repository: enable them in the repository settings on GitHub.',
  UPSTREAM_RATE_LIMITED: "GitHub's rate limit is used up: the sync waits for the reset and resumes by itself.",
  UPSTREAM_UNAVAILABLE: 'GitHub did not answer: the sync retries by itself at the next pull.',
  UPSTREAM_BAD_RESPONSE: "GitHub's answer could not be read: the sync retries by itself at the next pull.",
};
