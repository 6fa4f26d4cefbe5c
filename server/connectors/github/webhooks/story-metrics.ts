import type { StoryReadOutcome } from './story-reads.js';

/** Deliveries' story reads by outcome, as Prometheus lines the channel adds to /metrics. */
export class StoryReadCounts {
  readonly #counts = new Map<StoryReadOutcome, number>();

  count = (outcome: StoryReadOutcome): void => {
    this.#counts.set(outcome, (this.#counts.get(outcome) ?? 0) + 1);
  };

  lines(): string[] {
    return [
      "# HELP webhook_story_reads_total Deliveries' events reads, by outcome: read, shared with an identical read, skipped (the pull tells the story).",
      '# TYPE webhook_story_reads_total counter',
      ...[...this.#counts].map(([outcome, n]) => `webhook_story_reads_total{outcome="${outcome}"} ${n}`),
    ];
  }
}
