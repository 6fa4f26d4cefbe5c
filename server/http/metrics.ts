/**
 * Request counts and latencies by route and status, in Prometheus' text format
 * (GET /metrics). Routes are the registered patterns, so the label set stays small.
 */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface Series {
  count: number;
  sum: number;
  buckets: number[];
}

export class HttpMetrics {
  readonly #series = new Map<string, Series>();
  readonly #errors = new Map<string, number>();

  /** One error answer, by its catalogue code (parser errors included, which have no route). */
  countError(code: string): void {
    this.#errors.set(code, (this.#errors.get(code) ?? 0) + 1);
  }

  /** Lifecycle callbacks by event and outcome (verified, unverified, unreadable): the label set is fixed. */
  readonly #callbacks = new Map<string, number>();

  countCallback(event: string, outcome: 'verified' | 'unverified' | 'unreadable'): void {
    const key = `event="${escapeLabel(event)}",outcome="${outcome}"`;
    this.#callbacks.set(key, (this.#callbacks.get(key) ?? 0) + 1);
  }

  /** Connections closed as they were accepted, past a cap (connection-caps.ts). */
  readonly #refused = new Map<string, number>();

  countRefusedConnection(why: 'total' | 'per-client'): void {
    this.#refused.set(why, (this.#refused.get(why) ?? 0) + 1);
  }

  /** Items a pull answer overtook (an import had sent them newer while it was read): sent again, or refused by the full queue. */
  readonly #overtaken = { resent: 0, refused: 0 };

  countOvertaken(resent: number, refused: number): void {
    this.#overtaken.resent += resent;
    this.#overtaken.refused += refused;
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${method}",route="${escapeLabel(route)}",status="${status}"`;
    let s = this.#series.get(key);
    if (!s) {
      s = { count: 0, sum: 0, buckets: BUCKETS.map(() => 0) };
      this.#series.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) s.buckets[i]!++;
  }

  /** The text format; `extra` are lines others keep (the channel's escalation loop). */
  render(extra: readonly string[] = []): string {
    const lines = ['# HELP http_requests_total Requests answered, by method, route and status.', '# TYPE http_requests_total counter'];
    for (const [k, s] of this.#series) lines.push(`http_requests_total{${k}} ${s.count}`);
    lines.push('# HELP http_request_duration_seconds Time to answer a request, by method, route and status.', '# TYPE http_request_duration_seconds histogram');
    for (const [k, s] of this.#series) {
      BUCKETS.forEach((b, i) => lines.push(`http_request_duration_seconds_bucket{${k},le="${b}"} ${s.buckets[i]}`));
      lines.push(`http_request_duration_seconds_bucket{${k},le="+Inf"} ${s.count}`);
      lines.push(`http_request_duration_seconds_sum{${k}} ${s.sum}`);
      lines.push(`http_request_duration_seconds_count{${k}} ${s.count}`);
    }
    lines.push('# HELP http_errors_total Error answers, by catalogue code.', '# TYPE http_errors_total counter');
    for (const [code, n] of this.#errors) lines.push(`http_errors_total{code="${escapeLabel(code)}"} ${n}`);
    lines.push('# HELP desk_callbacks_total Lifecycle callbacks received, by event and whether their HASH verified.', '# TYPE desk_callbacks_total counter');
    for (const [k, n] of this.#callbacks) lines.push(`desk_callbacks_total{${k}} ${n}`);
    lines.push(
      '# HELP connections_refused_total Connections closed as they were accepted, past the total or per-client cap.',
      '# TYPE connections_refused_total counter',
    );
    for (const [why, n] of this.#refused) lines.push(`connections_refused_total{cap="${why}"} ${n}`);
    lines.push(
      '# HELP webhook_overtaken_items_total Items a pull answer carried older than an import had sent meanwhile: sent again after it, or refused (queue full; the pull brings them).',
      '# TYPE webhook_overtaken_items_total counter',
    );
    for (const [outcome, n] of Object.entries(this.#overtaken)) lines.push(`webhook_overtaken_items_total{outcome="${outcome}"} ${n}`);
    lines.push(...extra);
    const memory = process.memoryUsage();
    lines.push('# HELP process_resident_memory_bytes Resident memory of the process.', '# TYPE process_resident_memory_bytes gauge');
    lines.push(`process_resident_memory_bytes ${memory.rss}`);
    lines.push(
      '# HELP nodejs_heap_used_bytes V8 heap in use (what an attack left behind, whatever the allocator keeps).',
      '# TYPE nodejs_heap_used_bytes gauge',
    );
    lines.push(`nodejs_heap_used_bytes ${memory.heapUsed}`);
    return lines.join('\n') + '\n';
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
