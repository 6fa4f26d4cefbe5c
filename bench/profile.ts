import { Session } from 'node:inspector/promises';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** Where the CPU time of `work` goes, by the part of the pull that spent it (percent of samples). */
export async function profileShares(work: () => Promise<unknown>): Promise<Record<string, number>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  await work();
  const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: Node[]; samples: number[]; timeDeltas: number[] } };
  session.disconnect();

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals: Record<string, number> = {};
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const category = categorise(id, byId, parent);
    if (category === 'idle') return;
    totals[category] = (totals[category] ?? 0) + dt;
    all += dt;
  });
  return Object.fromEntries(
    Object.entries(totals)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, Math.round((1000 * v) / all) / 10]),
  );
}

/**
 * Self time by where the sampled function lives: our folders, a dependency by package
 * name, node's internals, or a V8 builtin (JSON.parse and JSON.stringify named apart).
 */
function categorise(id: number, byId: Map<number, Node>, parent: Map<number, number>): string {
  const { functionName: fn, url } = byId.get(id)!.callFrame;
  if (fn === '(idle)' || fn === '(program)') return 'idle';
  // The profiler's own work (starting and stopping it) is not the pull's.
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    if (byId.get(cur)!.callFrame.url === 'node:inspector') return 'idle';
  }
  if (fn === '(garbage collector)') return 'garbage collection';
  if (url === '') return fn === 'parse' ? 'JSON.parse' : fn === 'stringify' ? 'JSON.stringify' : 'V8 builtins';
  const ours = /\/(server\/[a-z-]+(?:\/github)?|bench|widget)\//.exec(url);
  if (ours) return `ours: ${ours[1]}`;
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return `dependency: ${dep[1]}`;
  if (url.includes('undici')) return 'node: fetch (undici)';
  if (url.startsWith('node:')) return 'node: core (http, streams, buffers)';
  return 'other';
}
