/** The hint of a problem that names an unknown node: which nodes the lab does have. Pure. */

/**
 * "known nodes: ..." hints: the known names grouped by stem (leaf12 -> leaf) once, instead
 * of filtering every known name per unknown one (quadratic with many bad links).
 */
export class NodeHints {
  private readonly byStem = new Map<string, string[]>();
  constructor(private readonly known: string[]) {
    for (const k of known) {
      const stem = k.replace(/\d+$/, '');
      const g = this.byStem.get(stem);
      if (!g) this.byStem.set(stem, [k]);
      else if (g.length < 8) g.push(k);
    }
  }
  of(name: string): string {
    const near = this.byStem.get(name.replace(/\d+$/, '')) ?? [];
    const list = (near.length ? near : this.known.slice(0, 8)).join(', ');
    return this.known.length ? `known nodes: ${list}${this.known.length > 8 && !near.length ? ', ...' : ''}` : 'declare it under nodes:';
  }
}
