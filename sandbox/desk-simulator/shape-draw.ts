import { asPairs, fillBody, fillable, requestShapes, seededRandom, withShapeQuery, type RequestShape, type ShapeVars } from './request-shapes.js';

export interface DrawnRequest {
  shape: string;
  url: string;
  body: unknown;
}

/**
 * Picks, per request, one of the corpus's shapes Desk itself could send for this
 * request, and fills it: the property suite and `npm start` then meet every shape
 * Desk's docs and Zoho's samples show, not only the documented one.
 */
export class ShapeDraw {
  readonly #random: () => number;
  readonly #shapes: { pull: RequestShape[]; push: RequestShape[] };

  constructor(mode: 'corpus' | 'documented', seed: number) {
    this.#random = seededRandom(seed);
    const pick = (route: 'pull' | 'push') => requestShapes().filter((s) => s.route === route && s.simulator && (mode === 'corpus' || s.documented));
    this.#shapes = { pull: pick('pull'), push: pick('push') };
    for (const route of ['pull', 'push'] as const) {
      if (!this.#shapes[route].some((s) => s.documented)) throw new Error(`Desk simulator: the corpus has no documented ${route} shape`);
    }
  }

  /** `vars` carries configParams; pairs are derived from it. Shapes that need a variable not given are passed over. */
  draw(route: 'pull' | 'push', url: string, vars: ShapeVars & { configParams: Record<string, unknown> }): DrawnRequest {
    const all: ShapeVars = { ...vars, configParamPairs: asPairs(vars.configParams) };
    const usable = this.#shapes[route].filter((s) => fillable(s, all));
    const shape = usable[Math.floor(this.#random() * usable.length)] ?? this.#shapes[route].find((s) => s.documented)!;
    return { shape: shape.id, url: withShapeQuery(url, shape, all), body: fillBody(shape.body, all) };
  }
}
